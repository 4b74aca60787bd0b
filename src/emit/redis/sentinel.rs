//! `redis/<member>/sentinel.conf`: a Sentinel beside every member, watching
//! the initial primary. Sentinel rewrites this file as it learns the
//! replicas and after a failover, so it is installed writable by redis.

use super::conf::bind_line;
use super::syntax::arg;
use crate::emit::EmitContext;
use crate::emit::text::Text;
use crate::model::Redis;
use crate::model::traffic::SENTINEL_PORT;

/// How long a primary may not answer before a Sentinel calls it down.
pub const DOWN_AFTER_MS: u64 = 5_000;
/// How long a failover may take before another Sentinel retries it.
pub const FAILOVER_TIMEOUT_MS: u64 = 60_000;

/// Sentinels that must agree the primary is down: a majority of them, so a
/// partition's minority side cannot start a failover.
pub fn quorum(members: usize) -> usize {
    members / 2 + 1
}

pub fn render(ctx: &EmitContext, r: &Redis, index: usize) -> Option<String> {
    let model = ctx.model;
    let super::Member {
        host,
        addr,
        primary_addr,
        ..
    } = super::Member::of(model, r, index)?;
    let n = r.members.hosts.len();
    let q = quorum(n);
    let name = arg(&r.name);

    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# Redis Sentinel on {} for redis {} ({n} Sentinels, quorum {q}: a majority must see the primary down).",
            host.name, r.name
        ),
    );
    t.line(
        0,
        "# Debian: install as /etc/redis/sentinel.conf (owner redis, mode 0600, writable: Sentinel rewrites it); redis-sentinel.service starts it.",
    );
    t.line(0, bind_line(addr));
    t.line(0, format!("port {SENTINEL_PORT}"));
    t.line(0, "protected-mode yes");
    t.line(0, "daemonize no");
    t.line(0, "dir /var/lib/redis");
    t.line(0, "logfile \"\"");
    t.line(
        0,
        "# The address the other Sentinels learn for this one (not the source address of its connections).",
    );
    t.line(0, format!("sentinel announce-ip {addr}"));
    // Redis 7 applies protected mode whenever the default user has no
    // password, bind or not: a Sentinel without one answers other hosts
    // only with -DENIED, so the Sentinels never agree on a failover (found
    // by tests/live_redis.rs). The same password guards each Sentinel, and
    // they use it with each other.
    t.line(
        0,
        "# Sentinels and clients authenticate with the Redis password (protected mode refuses other hosts without one).",
    );
    let secret = arg(&ctx.secret(&r.password_env()));
    t.line(0, format!("requirepass {secret}"));
    t.line(0, format!("sentinel sentinel-pass {secret}"));
    t.blank();
    t.line(
        0,
        format!("sentinel monitor {name} {primary_addr} {} {q}", r.port),
    );
    t.line(
        0,
        format!(
            "sentinel auth-pass {name} {}",
            arg(&ctx.secret(&r.password_env()))
        ),
    );
    t.line(
        0,
        format!("sentinel down-after-milliseconds {name} {DOWN_AFTER_MS}"),
    );
    t.line(
        0,
        format!("sentinel failover-timeout {name} {FAILOVER_TIMEOUT_MS}"),
    );
    t.line(
        0,
        "# One replica resyncs at a time: the others keep serving reads.",
    );
    t.line(0, format!("sentinel parallel-syncs {name} 1"));
    Some(t.finish())
}

#[cfg(test)]
mod tests {
    #[test]
    fn quorum_is_a_majority() {
        assert_eq!(super::quorum(2), 2);
        assert_eq!(super::quorum(3), 2);
        assert_eq!(super::quorum(4), 3);
        assert_eq!(super::quorum(5), 3);
    }
}
