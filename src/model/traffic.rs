//! The traffic tier: load balancers, NGINX API gateways and Redis.
//!
//! A `load-balancer` of the spec and the internal balancer in front of an HA
//! HAProxy group (`haproxy group=` in a postgres-cluster) are the same thing
//! to the graph and the emitters: a [`LoadBalancer`] with listeners that
//! forward to the hosts of a group. `origin` says where it came from.

use super::ids::{GroupId, LbId, PgClusterId, SgId, SubnetId};
use super::services::Members;
use crate::span::{Span, Spanned};
use std::net::IpAddr;

/// `type="application"|"network"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbKind {
    Application,
    Network,
}

impl LbKind {
    pub fn keyword(self) -> &'static str {
        match self {
            LbKind::Application => "application",
            LbKind::Network => "network",
        }
    }
}

/// `scheme="internet-facing"|"internal"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbScheme {
    InternetFacing,
    Internal,
}

impl LbScheme {
    pub fn keyword(self) -> &'static str {
        match self {
            LbScheme::InternetFacing => "internet-facing",
            LbScheme::Internal => "internal",
        }
    }
}

/// A listener's `protocol=`: HTTP/HTTPS on an application balancer, TCP/TLS
/// (or UDP) on a network balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbProtocol {
    Http,
    Https,
    Tcp,
    Tls,
    Udp,
}

impl LbProtocol {
    pub fn keyword(self) -> &'static str {
        match self {
            LbProtocol::Http => "HTTP",
            LbProtocol::Https => "HTTPS",
            LbProtocol::Tcp => "TCP",
            LbProtocol::Tls => "TLS",
            LbProtocol::Udp => "UDP",
        }
    }
}

/// Where a balancer was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbOrigin {
    /// A `load-balancer` node.
    Spec,
    /// The internal balancer infragen puts in front of `haproxy group=` of
    /// this postgres-cluster.
    Haproxy(PgClusterId),
}

/// `listener PORT protocol= target=GROUP target-port= health-path= certificate-arn=`.
#[derive(Debug, Clone)]
pub struct Listener {
    pub port: Spanned<u16>,
    pub protocol: LbProtocol,
    /// The group whose every host is a target.
    pub target: GroupId,
    pub target_span: Span,
    /// Defaults to `port`.
    pub target_port: u16,
    /// HTTP health check path (application balancers); None: a TCP check.
    pub health_path: Option<String>,
    /// The ACM certificate of an HTTPS/TLS listener.
    pub certificate_arn: Option<Spanned<String>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct LoadBalancer {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub kind: LbKind,
    pub scheme: LbScheme,
    pub origin: LbOrigin,
    /// The subnets the balancer's nodes sit in (one per zone it serves).
    pub subnets: Vec<SubnetId>,
    pub subnets_span: Option<Span>,
    /// Security groups of the balancer itself (application balancers; an
    /// AWS network balancer may have none).
    pub security_groups: Vec<SgId>,
    pub security_groups_span: Option<Span>,
    pub listeners: Vec<Listener>,
    /// The compile-time private address of an Azure balancer's frontend
    /// (the highest free address of its first subnet, so hosts, which fill
    /// subnets from the bottom, never move it); None on AWS, whose
    /// balancers are named by DNS.
    pub frontend_address: Option<IpAddr>,
}

/// Where a gateway `route` sends traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteTarget {
    /// `to="lb:NAME"`: through the balancer's private DNS name.
    Lb(LbId),
    /// `to="group:NAME"`: straight to the group's hosts.
    Group(GroupId),
}

/// `route PATH to=…`.
#[derive(Debug, Clone)]
pub struct Route {
    pub path: Spanned<String>,
    pub to: RouteTarget,
    pub to_span: Span,
    /// The port NGINX connects to: a listener port of the balancer (`port=`,
    /// default its first listener), or the port on the group's hosts
    /// (`port=`, default 80).
    pub port: u16,
    pub span: Span,
}

/// `gateway NAME group=GROUP nginx-version= port= { route … }`: NGINX on
/// every host of the group.
#[derive(Debug, Clone)]
pub struct ApiGateway {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub group: GroupId,
    pub group_span: Span,
    /// `nginx-version="1.27.3"` as (major, minor, patch).
    pub nginx_version: Spanned<(u32, u32, u32)>,
    pub port: u16,
    pub routes: Vec<Route>,
}

impl ApiGateway {
    /// NGINX 1.27.3 added `server NAME resolve;` in open-source upstreams.
    pub fn has_upstream_resolve(&self) -> bool {
        self.nginx_version.value >= (1, 27, 3)
    }
}

/// `engine=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisEngine {
    Elasticache,
    SelfHosted,
}

/// `role="cache"|"store"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisRole {
    Cache,
    Store,
}

/// `redis NAME engine= version= node-type= replicas= maxmemory-policy=
/// reserved-memory-percent= role= { clients group=; members group= }`.
#[derive(Debug, Clone)]
pub struct Redis {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub engine: RedisEngine,
    pub version: Spanned<String>,
    /// ElastiCache node type (`cache.r7g.large`).
    pub node_type: Option<Spanned<String>>,
    pub replicas: Spanned<u32>,
    /// `allkeys-lru`, `noeviction`, …
    pub maxmemory_policy: Spanned<String>,
    pub reserved_memory_percent: Spanned<u32>,
    pub role: RedisRole,
    pub role_span: Span,
    pub port: u16,
    pub clients: Members,
    /// Self-hosted: the hosts running redis-server (the first is the
    /// initial primary). Empty for ElastiCache.
    pub members: Members,
    /// ElastiCache subnet group: a `subnets` child, else the private
    /// subnets of the clients.
    pub subnets: Vec<SubnetId>,
    /// ElastiCache: a `security-groups` child; empty means infragen makes
    /// one admitting the clients on `port`.
    pub security_groups: Vec<SgId>,
}

// The defaults live in `schema::defaults`, which the grammar documents.
pub use crate::schema::defaults::{
    GATEWAY_PORT, REDIS_PORT, REDIS_RESERVED_MEMORY_PERCENT as DEFAULT_RESERVED_MEMORY_PERCENT,
    ROUTE_GROUP_PORT,
};
/// Redis Sentinel's port (self-hosted Redis with replicas).
pub const SENTINEL_PORT: u16 = 26379;

impl Redis {
    /// The `maxmemory` of a redis-server on a host with `host_ram` bytes of
    /// RAM: what is left after the reserved share, rounded down to whole
    /// bytes (`host_ram × (100 − reserved-memory-percent) / 100`).
    pub fn maxmemory_bytes(&self, host_ram: u64) -> u64 {
        let keep = u64::from(100u32.saturating_sub(self.reserved_memory_percent.value.min(100)));
        // Split to stay in range for any u64 RAM.
        host_ram / 100 * keep + host_ram % 100 * keep / 100
    }

    /// Self-hosted: the one `maxmemory` every member's redis.conf carries,
    /// derived from the RAM of the first member (the initial primary): a
    /// replica must hold the primary's whole data set, so all members use
    /// the same number. None for ElastiCache, or when the first member's
    /// RAM is unknown.
    pub fn self_hosted_maxmemory(&self, model: &super::Model) -> Option<u64> {
        if self.engine != RedisEngine::SelfHosted {
            return None;
        }
        let first = *self.members.hosts.first()?;
        Some(self.maxmemory_bytes(model.host(first).memory?))
    }

    pub fn is_cache(&self) -> bool {
        self.role == RedisRole::Cache
    }

    /// Self-hosted with a replica: Sentinel runs beside every member.
    pub fn has_sentinel(&self) -> bool {
        self.engine == RedisEngine::SelfHosted && self.members.hosts.len() >= 2
    }

    /// The environment variable holding the Redis password (`requirepass`,
    /// `masterauth`, Sentinel's `auth-pass`, ElastiCache's `auth_token`):
    /// `REDIS_<NAME>_PASSWORD`, the name upper-cased with every other
    /// character as `_` (an environment variable name is `[A-Z0-9_]`).
    pub fn password_env(&self) -> String {
        let name: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("REDIS_{name}_PASSWORD")
    }
}

impl RedisEngine {
    pub fn keyword(self) -> &'static str {
        match self {
            RedisEngine::Elasticache => "elasticache",
            RedisEngine::SelfHosted => "self-hosted",
        }
    }
}

impl RedisRole {
    pub fn keyword(self) -> &'static str {
        match self {
            RedisRole::Cache => "cache",
            RedisRole::Store => "store",
        }
    }
}

/// AWS's limit on an ElastiCache replication group id.
pub const ELASTICACHE_ID_MAX: usize = 40;

/// Why `id` cannot be an ElastiCache replication group id (1–40 letters,
/// digits and hyphens, starting with a letter, no `--`, no trailing `-`),
/// or None.
pub fn elasticache_id_problem(id: &str) -> Option<String> {
    if id.len() > ELASTICACHE_ID_MAX {
        Some(format!(
            "{} characters, over ElastiCache's {ELASTICACHE_ID_MAX}",
            id.len()
        ))
    } else if id.contains("--") {
        Some("two hyphens in a row, which ElastiCache refuses".into())
    } else if id.ends_with('-') {
        Some("a trailing hyphen, which ElastiCache refuses".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redis(reserved: u32) -> Redis {
        Redis {
            name: "r".into(),
            name_span: Span::new(0, 0),
            span: Span::new(0, 0),
            engine: RedisEngine::SelfHosted,
            version: Spanned::new("7.0".into(), Span::new(0, 0)),
            node_type: None,
            replicas: Spanned::new(1, Span::new(0, 0)),
            maxmemory_policy: Spanned::new("allkeys-lru".into(), Span::new(0, 0)),
            reserved_memory_percent: Spanned::new(reserved, Span::new(0, 0)),
            role: RedisRole::Cache,
            role_span: Span::new(0, 0),
            port: REDIS_PORT,
            clients: Members::default(),
            members: Members::default(),
            subnets: Vec::new(),
            security_groups: Vec::new(),
        }
    }

    #[test]
    fn maxmemory_is_ram_minus_the_reserved_share() {
        let gib = 1u64 << 30;
        assert_eq!(redis(25).maxmemory_bytes(16 * gib), 12 * gib);
        assert_eq!(redis(0).maxmemory_bytes(1000), 1000);
        assert_eq!(redis(20).maxmemory_bytes(999), 799);
        assert_eq!(
            redis(10).maxmemory_bytes(u64::MAX),
            u64::MAX / 100 * 90 + 15 * 90 / 100
        );
    }
}
