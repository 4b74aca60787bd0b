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

/// The script cron runs every 5 minutes on a monitored host: the log's size
/// for Node Exporter's textfile collector, written to a temporary file in
/// the same directory and renamed, so the collector never reads half a file
/// (it reads only `*.prom`, so it skips the temporary one).
pub const SIZE_SCRIPT: &str = "/usr/local/sbin/infragen-command-log-size";

pub fn size_files(ctx: &EmitContext, path: &str) -> Vec<Yaml> {
    use crate::emit::escape::{prom_label_value, sh_quote};
    use crate::emit::node_exporter::TEXTFILE_DIR;
    let h = ctx.header("#");
    let log = sh_quote(path);
    let label = sh_quote(&prom_label_value(path));
    vec![
        super::file_mode(
            SIZE_SCRIPT,
            "0755",
            format!(
                r#"#!/bin/sh
{h}# The command log's size for Node Exporter's textfile collector (cron, every 5 minutes).
set -eu
LOG={log}
LABEL={label}
DIR={TEXTFILE_DIR}
bytes=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
tmp=$(mktemp "$DIR/.command_log.XXXXXX")
trap 'rm -f "$tmp"' EXIT
printf '# HELP infragen_command_log_bytes Size of the command log in bytes.\n# TYPE infragen_command_log_bytes gauge\ninfragen_command_log_bytes{{path="%s"}} %s\n' "$LABEL" "$bytes" >"$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$DIR/command_log.prom"
"#
            ),
        ),
        // cron, not a systemd timer: the same file on every release (14.04 has no systemd).
        super::file(
            "/etc/cron.d/infragen-command-log",
            format!(
                "{h}SHELL=/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n*/5 * * * * root {SIZE_SCRIPT}\n"
            ),
        ),
    ]
}

/// Before Node Exporter starts: the directory, and a first value.
pub fn size_commands() -> Vec<String> {
    use crate::emit::node_exporter::TEXTFILE_DIR;
    vec![format!(
        "install -d -m 0755 {TEXTFILE_DIR} && {SIZE_SCRIPT}"
    )]
}
