//! `redis/<member>/redis.conf`.

use super::syntax::arg;
use crate::emit::EmitContext;
use crate::emit::text::Text;
use crate::model::{Redis, RedisRole};
use std::net::IpAddr;

/// The loopback address a member also listens on (local tools and the
/// exporter): `-` makes the IPv6 one optional, for hosts without it.
fn loopback(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) if a.is_loopback() => None,
        IpAddr::V4(_) => Some("127.0.0.1"),
        IpAddr::V6(a) if a.is_loopback() => None,
        IpAddr::V6(_) => Some("-::1"),
    }
}

/// `bind ADDR [loopback]`.
pub(super) fn bind_line(addr: IpAddr) -> String {
    match loopback(addr) {
        Some(lo) => format!("bind {addr} {lo}"),
        None => format!("bind {addr}"),
    }
}

/// The config of member `index` (0: the initial primary). None when the
/// member or the primary has no address (the subnet is full: reported).
pub fn render(ctx: &EmitContext, r: &Redis, index: usize) -> Option<String> {
    let model = ctx.model;
    let super::Member {
        host,
        addr,
        primary,
        primary_addr,
    } = super::Member::of(model, r, index)?;
    let n = r.members.hosts.len();
    let secret = arg(&ctx.secret(&r.password_env()));

    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# Redis member {} of redis {} ({} role, {n} member{}; {} at first start).",
            host.name,
            r.name,
            match r.role {
                RedisRole::Cache => "cache",
                RedisRole::Store => "store",
            },
            if n == 1 { "" } else { "s" },
            if index == 0 {
                "the primary".to_string()
            } else {
                format!("a replica of {}", primary.name)
            },
        ),
    );
    t.line(
        0,
        "# Debian: install as /etc/redis/redis.conf (owner redis, mode 0600); redis-server.service starts it with --supervised systemd.",
    );
    t.line(
        0,
        "# Holds the password once filled: the ${VAR} placeholder is replaced at deploy time (or by --secrets-from-env).",
    );
    t.line(
        0,
        "# Only the private address (and loopback): clients reach it through the security groups.",
    );
    t.line(0, bind_line(addr));
    t.line(0, format!("port {}", r.port));
    t.line(0, "protected-mode yes");
    t.line(0, "daemonize no");
    t.line(0, "dir /var/lib/redis");
    t.line(0, "# Log to stdout: systemd's journal keeps it.");
    t.line(0, "logfile \"\"");
    t.blank();
    // One maxmemory for every member, from the first one's RAM: a replica
    // holds the primary's whole data set (Redis::self_hosted_maxmemory).
    let first_ram = primary.memory;
    match r.self_hosted_maxmemory(model) {
        Some(bytes) => {
            t.line(
                0,
                format!(
                    "# {} bytes of RAM on {} (the initial primary; every member uses its number) less reserved-memory-percent={}: fork copy-on-write, replication buffers, the OS.",
                    first_ram.unwrap_or(0),
                    primary.name,
                    r.reserved_memory_percent.value
                ),
            );
            t.line(0, format!("maxmemory {bytes}"));
        }
        None => t.line(
            0,
            format!(
                "# The RAM of {} is unknown (give it memory= or a known instance type): no maxmemory, Redis grows until the OOM killer stops it.",
                primary.name
            ),
        ),
    }
    t.line(
        0,
        format!("maxmemory-policy {}", arg(&r.maxmemory_policy.value)),
    );
    t.blank();
    t.line(0, format!("requirepass {secret}"));
    t.line(
        0,
        "# Every member may become a replica after a failover: it authenticates to the primary with the same password.",
    );
    t.line(0, format!("masterauth {secret}"));
    if index > 0 {
        t.line(
            0,
            if r.has_sentinel() {
                "# The initial primary; Sentinel rewrites this line after a failover."
            } else {
                "# The primary."
            },
        );
        t.line(0, format!("replicaof {primary_addr} {}", r.port));
    }
    t.line(0, "replica-read-only yes");
    t.line(
        0,
        "# The address the primary and Sentinel learn for this member, whatever source address its connections leave from (NAT, several addresses).",
    );
    t.line(0, format!("replica-announce-ip {addr}"));
    t.blank();
    match r.role {
        RedisRole::Cache => {
            t.line(
                0,
                "# role=cache: nothing is persisted; a restarted member starts empty (or resyncs from the primary).",
            );
            t.line(0, "save \"\"");
            t.line(0, "appendonly no");
        }
        RedisRole::Store => {
            t.line(
                0,
                "# role=store: an append-only file, fsynced every second (at most a second of writes lost).",
            );
            t.line(0, "appendonly yes");
            t.line(0, "appendfsync everysec");
        }
    }
    Some(t.finish())
}
