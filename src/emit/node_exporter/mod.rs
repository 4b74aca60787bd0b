//! `node-exporter/`: the systemd unit, an LSB init script for hosts whose OS
//! predates systemd (Ubuntu 14.04 boots with upstart, which runs LSB
//! scripts), and the list of hosts that get each. cloud-init installs the
//! same files, so one function renders each.

use super::{Artifact, EmitContext, Emitter};
use crate::model::fleet::os_has_systemd;

pub struct NodeExporter;

const BIN: &str = "/usr/local/bin/node_exporter";

/// The textfile collector's directory: cloud-init's command-log size script
/// writes `command_log.prom` there (`baseline { command-log }`).
pub const TEXTFILE_DIR: &str = "/var/lib/node_exporter/textfile";

/// Node Exporter's flags: the listen port, and the textfile collector when
/// the estate logs commands.
fn args(ctx: &EmitContext, port: u16) -> String {
    let mut a = format!("--web.listen-address=:{port}");
    if has_textfile(ctx) {
        a.push_str(&format!(" --collector.textfile.directory={TEXTFILE_DIR}"));
    }
    a
}

pub fn has_textfile(ctx: &EmitContext) -> bool {
    ctx.model
        .baseline
        .as_ref()
        .is_some_and(|b| b.command_log.is_some())
}

pub fn systemd_unit(ctx: &EmitContext, port: u16) -> String {
    format!(
        "{header}[Unit]
Description=Prometheus Node Exporter
Documentation=https://github.com/prometheus/node_exporter
Wants=network-online.target
After=network-online.target

[Service]
User=node_exporter
Group=node_exporter
ExecStart={BIN} {args}
Restart=on-failure
RestartSec=5s
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=true

[Install]
WantedBy=multi-user.target
",
        header = ctx.header("#"),
        args = args(ctx, port)
    )
}

pub fn init_script(ctx: &EmitContext, port: u16) -> String {
    format!(
        r#"#!/bin/sh
### BEGIN INIT INFO
# Provides:          node_exporter
# Required-Start:    $remote_fs $network $syslog
# Required-Stop:     $remote_fs $network $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Prometheus Node Exporter
### END INIT INFO
{header}
NAME=node_exporter
DAEMON={BIN}
DAEMON_ARGS="{args}"
PIDFILE=/var/run/node_exporter.pid
LOGFILE=/var/log/node_exporter.log
RUN_AS=node_exporter

[ -x "$DAEMON" ] || exit 0
. /lib/lsb/init-functions

do_start() {{
	touch "$LOGFILE" && chown "$RUN_AS" "$LOGFILE"
	start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$PIDFILE" \
		--chuid "$RUN_AS" --exec "$DAEMON" --startas /bin/sh -- -c "exec $DAEMON $DAEMON_ARGS >>$LOGFILE 2>&1"
}}

do_stop() {{
	start-stop-daemon --stop --quiet --retry=TERM/10/KILL/5 --pidfile "$PIDFILE" --exec "$DAEMON"
	rm -f "$PIDFILE"
}}

case "$1" in
	start)
		log_daemon_msg "Starting $NAME" "$NAME"
		do_start
		log_end_msg $?
		;;
	stop)
		log_daemon_msg "Stopping $NAME" "$NAME"
		do_stop
		log_end_msg $?
		;;
	restart|force-reload)
		do_stop
		do_start
		;;
	status)
		status_of_proc -p "$PIDFILE" "$DAEMON" "$NAME"
		;;
	*)
		echo "Usage: /etc/init.d/$NAME {{start|stop|restart|force-reload|status}}" >&2
		exit 3
		;;
esac
"#,
        header = ctx.header("#").trim_end(),
        args = args(ctx, port)
    )
}

/// Shell commands that download, verify and install the release binary.
pub fn install_commands(version: &str, systemd: bool) -> Vec<String> {
    // The version is checked at the front end (`Text::Version`); quoting
    // each word as well keeps the command one command whatever it holds.
    use super::escape::sh_word as w;
    let dir = format!("node_exporter-{version}.linux-amd64");
    let base = format!("https://github.com/prometheus/node_exporter/releases/download/v{version}");
    let grep = format!(" {dir}.tar.gz$");
    let mut cmds = vec![
        "id node_exporter >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin node_exporter"
            .to_string(),
        format!(
            "cd /tmp && curl -fsSLO {} && curl -fsSL {} | grep {} | sha256sum -c - && tar -xzf {} && install -m 0755 {} {BIN} && rm -rf {} {}",
            w(&format!("{base}/{dir}.tar.gz")),
            w(&format!("{base}/sha256sums.txt")),
            w(&grep),
            w(&format!("{dir}.tar.gz")),
            w(&format!("{dir}/node_exporter")),
            w(&dir),
            w(&format!("{dir}.tar.gz"))
        ),
    ];
    if systemd {
        cmds.push("systemctl daemon-reload && systemctl enable --now node_exporter".into());
    } else {
        cmds.push("update-rc.d node_exporter defaults && service node_exporter start".into());
    }
    cmds
}

impl Emitter for NodeExporter {
    fn name(&self) -> &'static str {
        "node-exporter"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let Some(mon) = &ctx.model.monitoring else {
            return;
        };
        let port = mon.node_exporter.port;
        let (mut systemd, mut sysv) = (Vec::new(), Vec::new());
        for h in ctx.model.hosts.iter().filter(|h| h.settings.monitored) {
            let line = format!(
                "{} {}\n",
                h.name,
                h.address.map(|a| a.to_string()).unwrap_or_default()
            );
            if os_has_systemd(h.os()) {
                systemd.push(line)
            } else {
                sysv.push(line)
            }
        }
        let src = ("monitoring", ctx.line(mon.span));
        let list = |title: &str, hosts: &[String]| {
            format!("{}# {title}\n{}", ctx.header("#"), hosts.concat())
        };
        if !systemd.is_empty() {
            out.push(
                Artifact::new(
                    "node-exporter/node_exporter.service",
                    systemd_unit(ctx, port),
                )
                .source(src.0, src.1),
            );
            out.push(
                Artifact::new(
                    "node-exporter/hosts-systemd.txt",
                    list("hosts running node_exporter.service (systemd)", &systemd),
                )
                .source(src.0, src.1),
            );
        }
        if !sysv.is_empty() {
            out.push(
                Artifact::new("node-exporter/node_exporter.init", init_script(ctx, port))
                    .executable()
                    .source(src.0, src.1),
            );
            out.push(
                Artifact::new(
                    "node-exporter/hosts-sysvinit.txt",
                    list(
                        "hosts running /etc/init.d/node_exporter (OS without systemd)",
                        &sysv,
                    ),
                )
                .source(src.0, src.1),
            );
        }
    }
}
