//! Logging of every command users run, to `command-log path=`.
//!
//! auditd's execve rule, not a shell hook: a PROMPT_COMMAND hook sees only
//! interactive bash and any user can unset it, while the kernel audit
//! subsystem records every program a logged-in user starts (scripts,
//! `sudo`, other shells), keyed to the login uid so `sudo -i` stays
//! attributed. audisp's syslog plugin forwards the records to rsyslog's
//! local6 facility, which writes them to the configured file.

use super::file;
use crate::emit::EmitContext;
use crate::emit::yaml::Yaml;

/// auditd 3 (Ubuntu 22.04 and later) reads plugins from /etc/audit; older
/// releases run audispd, which reads /etc/audisp.
fn plugin(os: &str) -> (&'static str, &'static str, &'static str) {
    match os {
        "ubuntu-14.04" | "ubuntu-16.04" | "ubuntu-18.04" | "ubuntu-20.04" => (
            "/etc/audisp/plugins.d/syslog.conf",
            "builtin_syslog",
            "builtin",
        ),
        _ => (
            "/etc/audit/plugins.d/syslog.conf",
            "/sbin/audisp-syslog",
            "always",
        ),
    }
}

pub fn files(ctx: &EmitContext, path: &str, os: &str) -> Vec<Yaml> {
    // A checked absolute path (`Text::AbsPath`): one word on one line.
    let path = &crate::emit::escape::line_value(path);
    let h = ctx.header("#");
    let (plugin_path, plugin_bin, plugin_type) = plugin(os);
    vec![
        file(
            "/etc/audit/rules.d/60-infragen-commands.rules",
            format!(
                "{h}# Every program started in a user's login session (auid >= 1000).
-a always,exit -F arch=b64 -S execve -F auid>=1000 -F auid!=4294967295 -k user-commands
-a always,exit -F arch=b32 -S execve -F auid>=1000 -F auid!=4294967295 -k user-commands
"
            ),
        ),
        file(
            plugin_path,
            format!(
                "{h}active = yes\ndirection = out\npath = {plugin_bin}\ntype = {plugin_type}\nargs = LOG_INFO LOG_LOCAL6\nformat = string\n"
            ),
        ),
        // Numbered before 50-default.conf so `stop` keeps the records out of syslog.
        file("/etc/rsyslog.d/30-infragen-commands.conf", format!("{h}local6.* {path}\n& stop\n")),
        file(
            "/etc/logrotate.d/infragen-commands",
            format!(
                "{h}{path} {{
    daily
    rotate 90
    compress
    delaycompress
    missingok
    notifempty
    postrotate
        [ -x /usr/lib/rsyslog/rsyslog-rotate ] && /usr/lib/rsyslog/rsyslog-rotate || service rsyslog rotate >/dev/null 2>&1 || true
    endscript
}}
"
            ),
        ),
    ]
}

pub fn commands() -> Vec<String> {
    vec![
        "augenrules --load".into(),
        // auditd refuses `systemctl restart`; its service script works on every release.
        "service auditd restart".into(),
        "service rsyslog restart".into(),
    ]
}
