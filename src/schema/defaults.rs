//! The spec language's defaults: what a property means when the spec leaves
//! it out. The grammar documents them from here (`PropSpec::default`, in
//! `infragen schema` and the JSON schema's descriptions) and lowering fills
//! the model from here, so the two cannot drift apart.

/// A default as the grammar documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    Int(u64),
    Bool(bool),
    /// Milliseconds, documented the way the spec writes durations (`15s`).
    Duration(u64),
    /// A keyword value (`sync`).
    Word(&'static str),
    /// A default that depends on other values, stated as its rule
    /// (`HTTP on an application balancer, TCP on a network one`).
    Rule(&'static str),
}

impl Default {
    /// As the spec would write it: `9100`, `#true`, `15s`, `sync`.
    pub fn render(self) -> String {
        match self {
            Default::Int(n) => n.to_string(),
            Default::Bool(b) => if b { "#true" } else { "#false" }.to_string(),
            Default::Duration(ms) => crate::units::format_duration(ms),
            Default::Word(w) | Default::Rule(w) => w.to_string(),
        }
    }
}

const SECOND: u64 = 1_000;
const DAY: u64 = 86_400 * SECOND;

// fleet
pub const MONITORED: bool = true;
// vpc
pub const NAT_GATEWAYS: &str = "single";
// vpn
pub const IKE_VERSION: u8 = 2;
// s3-migration
pub const MIGRATION_METHOD: &str = "sync";
// monitoring
pub const NODE_EXPORTER_PORT: u16 = 9100;
pub const PROMETHEUS_PORT: u16 = 9090;
pub const SCRAPE_INTERVAL_MS: u64 = 15 * SECOND;
pub const EVALUATION_INTERVAL_MS: u64 = 15 * SECOND;
pub const RETENTION_MS: u64 = 15 * DAY;
pub const GRAFANA_PORT: u16 = 3000;
pub const ALERTMANAGER_PORT: u16 = 9093;
// postgres-cluster haproxy
pub const HAPROXY_PORT: u16 = 5000;
pub const HAPROXY_STATS_PORT: u16 = 7000;
pub const HAPROXY_CHECK_INTERVAL_MS: u64 = 3 * SECOND;
pub const HAPROXY_FALL: u32 = 3;
pub const HAPROXY_RISE: u32 = 2;
// postgres-cluster patroni
pub const PATRONI_TTL: u32 = 30;
pub const PATRONI_LOOP_WAIT: u32 = 10;
pub const PATRONI_RETRY_TIMEOUT: u32 = 10;
pub const PATRONI_MAXIMUM_LAG_ON_FAILOVER: u64 = 1_048_576;
pub const PATRONI_USE_PG_REWIND: bool = true;
pub const PATRONI_USE_SLOTS: bool = true;
pub const PATRONI_SYNCHRONOUS_MODE: bool = false;
pub const SLO_WINDOW_MS: u64 = 30 * DAY;
// load-balancer
pub const LB_TYPE: &str = "application";
pub const LB_SCHEME: &str = "internal";
pub const LISTENER_PROTOCOL: &str = "HTTP on an application balancer, TCP on a network one";
pub const LISTENER_PROTOCOL_APPLICATION: &str = "HTTP";
pub const LISTENER_PROTOCOL_NETWORK: &str = "TCP";
pub const LISTENER_TARGET_PORT: &str = "the listener port";
pub const LISTENER_HEALTH_PATH: &str =
    "\"/\" on an application balancer; a TCP check on a network one";
pub const LISTENER_HEALTH_PATH_APPLICATION: &str = "/";
// gateway
/// A gateway's listen port when `port=` is absent.
pub const GATEWAY_PORT: u16 = 80;
pub const ROUTE_PORT: &str = "the balancer's first listener, or 80 on the group's hosts";
/// A `route … to="group:NAME"` without `port=`: plain HTTP.
pub const ROUTE_GROUP_PORT: u16 = 80;
// redis
/// The Redis port when `port=` is absent.
pub const REDIS_PORT: u16 = 6379;
pub const REDIS_REPLICAS: &str = "1 on ElastiCache; self-hosted, the members after the first";
pub const REDIS_MAXMEMORY_POLICY: &str = "allkeys-lru for a cache, noeviction for a store";
pub const REDIS_POLICY_CACHE: &str = "allkeys-lru";
pub const REDIS_POLICY_STORE: &str = "noeviction";
/// `reserved-memory-percent` when absent: ElastiCache's default for the
/// memory it keeps free of data (fork for snapshots and replication
/// buffers, the allocator's fragmentation).
pub const REDIS_RESERVED_MEMORY_PERCENT: u32 = 25;
pub const REDIS_ROLE: &str = "cache";

#[cfg(test)]
mod tests {
    use crate::schema::NodeSpec;
    use crate::schema::grammar::ROOT;

    fn walk(n: &'static NodeSpec, seen: &mut Vec<*const NodeSpec>, out: &mut Vec<String>) {
        if seen.contains(&(n as *const NodeSpec)) {
            return;
        }
        seen.push(n);
        for p in n.props {
            // `digits=`: its doc says more than the default.
            if p.doc.contains("default") && p.name != "digits" {
                out.push(format!("{} {}: {}", n.name, p.name, p.doc));
            }
        }
        for c in n.children {
            walk(c, seen, out);
        }
    }

    /// A default written into a property's prose would drift from the value
    /// lowering uses: it belongs in `PropSpec::default`, from this module.
    #[test]
    fn grammar_documents_defaults_from_the_constants() {
        let mut prose = Vec::new();
        walk(&ROOT, &mut Vec::new(), &mut prose);
        assert!(prose.is_empty(), "defaults written as prose: {prose:#?}");
    }
}
