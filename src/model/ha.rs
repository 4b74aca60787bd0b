//! High-availability arithmetic shared by the rules and the cluster report:
//! how many failures a cluster survives and how long a failover can take.

use super::{Model, PostgresCluster};

/// Failures a majority-quorum cluster of `n` voters survives: ⌊(n−1)/2⌋.
pub fn quorum_tolerance(n: usize) -> usize {
    n.saturating_sub(1) / 2
}

/// The worst-case time, in milliseconds, from the leader dying to HAProxy
/// sending writes to the new leader, and how it is made up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailoverBound {
    pub total_ms: u64,
    pub ttl_ms: u64,
    pub loop_wait_ms: u64,
    pub haproxy_ms: u64,
}

/// A leader that dies holds its key until the TTL expires; a replica notices
/// on its next HA loop (at most `loop_wait` later) and promotes itself; then
/// HAProxy needs `rise` passing checks, `check-interval` apart, before it
/// routes to the new leader. Promotion itself takes about a second and is
/// inside the slack of the loop.
pub fn failover_bound(pg: &PostgresCluster) -> FailoverBound {
    let ttl_ms = u64::from(pg.patroni.ttl) * 1000;
    let loop_wait_ms = u64::from(pg.patroni.loop_wait) * 1000;
    let haproxy_ms = pg
        .haproxy
        .as_ref()
        .map(|h| h.check_interval_ms * u64::from(h.rise))
        .unwrap_or(0);
    FailoverBound {
        total_ms: ttl_ms + loop_wait_ms + haproxy_ms,
        ttl_ms,
        loop_wait_ms,
        haproxy_ms,
    }
}

/// A plain-text report of what each cluster of the spec survives.
pub fn report(model: &Model, name: &str) -> Option<String> {
    if let Some(pg) = model.postgres.iter().find(|c| c.name == name) {
        let members = pg.members.hosts.len();
        let etcd = pg.etcd.hosts.len();
        let b = failover_bound(pg);
        let mut s = format!(
            "postgres-cluster {} (PostgreSQL {})\n",
            pg.name, pg.version.value
        );
        s.push_str(&format!(
            "  etcd: {etcd} members, quorum {}, tolerates {} failure(s)\n",
            etcd / 2 + 1,
            quorum_tolerance(etcd)
        ));
        s.push_str(&zone_view(model, "etcd", &pg.etcd.hosts));
        s.push_str(&format!(
            "  PostgreSQL: {members} members; keeps a writable leader through {} member failure(s), one at a time, while etcd has quorum\n",
            members.saturating_sub(1)
        ));
        s.push_str(&format!(
            "  worst-case failover: {}s = ttl {}s + loop_wait {}s + HAProxy rise x check-interval {}s\n",
            b.total_ms / 1000,
            b.ttl_ms / 1000,
            b.loop_wait_ms / 1000,
            b.haproxy_ms as f64 / 1000.0
        ));
        return Some(s);
    }
    if let Some(es) = model.elasticsearch.iter().find(|c| c.name == name) {
        let n = es.master_eligible.hosts.len();
        return Some(format!(
            "elasticsearch-cluster {} (Elasticsearch {})\n  master-eligible: {n}, quorum {}, tolerates {} master failure(s)\n{}  members: {}\n",
            es.name,
            es.version.value,
            es.quorum(),
            quorum_tolerance(n),
            zone_view(model, "master-eligible", &es.master_eligible.hosts),
            es.members.hosts.len()
        ));
    }
    None
}

/// The zone view of a quorum: "tolerates 1 host failure, 0 zone failures"
/// and where the voters sit.
fn zone_view(model: &Model, what: &str, voters: &[super::HostId]) -> String {
    let by_zone = super::zones::hosts_by_zone(model, voters);
    let n: usize = by_zone.values().map(Vec::len).sum();
    let zones = by_zone
        .iter()
        .map(|(z, hs)| format!("{z} {}", hs.len()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "  {what} by zone: {zones}; tolerates {} host failure(s), {} zone failure(s)\n",
        quorum_tolerance(n),
        super::zones::zone_failures_tolerated(model, voters)
    )
}
