//! Kernel and daemon tuning files for cloud-init.

use crate::emit::EmitContext;
use crate::model::project::Docker;
use std::collections::BTreeMap;

/// `/etc/docker/daemon.json`: log rotation so container logs cannot fill
/// the disk, and the storage driver.
pub fn docker_daemon_json(d: &Docker) -> String {
    let mut root = serde_json::Map::new();
    if let Some(driver) = &d.log_driver {
        root.insert("log-driver".into(), driver.clone().into());
    }
    let mut opts = BTreeMap::new();
    if let Some(size) = &d.log_max_size {
        opts.insert("max-size", size.clone());
    }
    if let Some(files) = d.log_max_file {
        // Docker wants log-opts values as strings.
        opts.insert("max-file", files.to_string());
    }
    if !opts.is_empty() {
        root.insert("log-opts".into(), serde_json::json!(opts));
    }
    if let Some(s) = &d.storage_driver {
        root.insert("storage-driver".into(), s.clone().into());
    }
    let mut text = serde_json::to_string_pretty(&root).unwrap_or_default();
    text.push('\n');
    text
}

/// The `high-traffic` profile: deeper accept and SYN queues, a wider (but
/// service-port-safe) ephemeral range, bigger socket buffers, TIME-WAIT
/// reuse for outgoing connections, more file handles. VPN gateways also
/// forward packets and stop sending ICMP redirects.
pub fn sysctl(ctx: &EmitContext, high_traffic: bool, gateway: bool) -> String {
    let mut s = ctx.header("#");
    if high_traffic {
        s.push_str(
            "# network-tuning profile \"high-traffic\"
net.core.somaxconn = 65535
net.core.netdev_max_backlog = 16384
net.ipv4.tcp_max_syn_backlog = 8192
# Starts above the ports services listen on (5432, 8008, 9100, 9200 …).
net.ipv4.ip_local_port_range = 10240 65535
net.core.rmem_max = 16777216
net.core.wmem_max = 16777216
net.ipv4.tcp_rmem = 4096 87380 16777216
net.ipv4.tcp_wmem = 4096 65536 16777216
net.ipv4.tcp_tw_reuse = 1
net.ipv4.tcp_fin_timeout = 15
fs.file-max = 2097152
",
        );
    }
    if gateway {
        s.push_str(
            "# VPN gateway: route between the tunnel and the local network
net.ipv4.ip_forward = 1
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.default.send_redirects = 0
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
",
        );
    }
    s
}

pub fn limits(ctx: &EmitContext) -> String {
    format!(
        "{}*    soft nofile 1048576\n*    hard nofile 1048576\nroot soft nofile 1048576\nroot hard nofile 1048576\n",
        ctx.header("#")
    )
}

/// limits.conf applies to login sessions only; services get theirs here.
pub fn systemd_limits(ctx: &EmitContext) -> String {
    format!("{}[Manager]\nDefaultLimitNOFILE=1048576\n", ctx.header("#"))
}
