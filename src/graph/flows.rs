//! Service flows: who must reach whom, on which protocol and port, for the
//! declared services to work. Derived from monitoring, the clusters, their
//! clients and the VPN.

use crate::model::*;
use crate::span::Span;
use ipnet::IpNet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    ScrapeNodeExporter,
    ScrapePostgresExporter,
    ScrapeEsExporter,
    GrafanaToPrometheus,
    HaproxyToPostgres,
    HaproxyToPatroni,
    PatroniToEtcd,
    EtcdPeers,
    Replication,
    PatroniRest,
    ClientsToHaproxy,
    ClientsToPostgres,
    EsTransport,
    ClientsToEs,
    Ike,
    IkeNatT,
    Esp,
    GatewayToGroup,
    ClientsToRedis,
    RedisReplication,
    ClientsToSentinel,
    SentinelPeers,
    ClientsToLb,
    LbToTargets,
    LbHealthCheck,
    ClientsToElastiCache,
}

impl Purpose {
    pub fn describe(self) -> &'static str {
        match self {
            Purpose::ScrapeNodeExporter => "Prometheus scrapes Node Exporter",
            Purpose::ScrapePostgresExporter => "Prometheus scrapes postgres_exporter",
            Purpose::ScrapeEsExporter => "Prometheus scrapes the Elasticsearch exporter",
            Purpose::GrafanaToPrometheus => "Grafana queries Prometheus",
            Purpose::HaproxyToPostgres => "HAProxy forwards SQL to PostgreSQL",
            Purpose::HaproxyToPatroni => "HAProxy health-checks Patroni's REST API",
            Purpose::PatroniToEtcd => "Patroni reaches etcd (DCS)",
            Purpose::EtcdPeers => "etcd members talk to their peers",
            Purpose::Replication => "PostgreSQL streaming replication between members",
            Purpose::PatroniRest => "Patroni members call each other's REST API",
            Purpose::ClientsToHaproxy => "clients connect to PostgreSQL through HAProxy",
            Purpose::ClientsToPostgres => "clients connect to PostgreSQL",
            Purpose::EsTransport => "Elasticsearch transport between members",
            Purpose::ClientsToEs => "clients query Elasticsearch",
            Purpose::Ike => "IKE between the VPN gateways",
            Purpose::IkeNatT => "IKE NAT traversal between the VPN gateways",
            Purpose::Esp => "ESP between the VPN gateways",
            Purpose::GatewayToGroup => "the NGINX gateway proxies a route to the group's hosts",
            Purpose::ClientsToRedis => "clients connect to Redis",
            Purpose::RedisReplication => {
                "Redis replicas sync from the primary (any member may be promoted)"
            }
            Purpose::ClientsToSentinel => "clients ask Sentinel for the Redis primary",
            Purpose::SentinelPeers => "Sentinels talk to each other and to every Redis member",
            Purpose::ClientsToLb => "clients reach the load balancer's listener",
            Purpose::LbToTargets => {
                "the load balancer forwards requests (and health checks) to its targets"
            }
            Purpose::LbHealthCheck => "the load balancer health-checks its targets",
            Purpose::ClientsToElastiCache => "clients connect to ElastiCache Redis",
        }
    }

    /// Gateway-to-gateway traffic goes over the internet, not the tunnel.
    pub fn is_tunnel_control(self) -> bool {
        matches!(self, Purpose::Ike | Purpose::IkeNatT | Purpose::Esp)
    }
}

/// One end of a flow: a host of the fleet, or something of the traffic tier
/// that is not a host (a balancer's nodes, an ElastiCache cluster, the
/// internet as a CIDR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Host(HostId),
    /// A balancer's nodes: addresses in its subnets, carrying its
    /// security groups.
    Lb(LbId),
    /// Addresses outside the spec (`0.0.0.0/0`: the internet).
    Cidr(IpNet),
    /// An ElastiCache cluster: its nodes sit in its subnet group and carry
    /// its security groups.
    ElastiCache(RedisId),
}

impl Endpoint {
    pub fn host(self) -> Option<HostId> {
        match self {
            Endpoint::Host(h) => Some(h),
            _ => None,
        }
    }

    /// The internet.
    pub fn world() -> Endpoint {
        Endpoint::Cidr(IpNet::V4(ipnet::Ipv4Net::default()))
    }

    /// The endpoint in words: a host's name, "balancer `public`", …
    pub fn name(self, model: &Model) -> String {
        match self {
            Endpoint::Host(h) => model.host(h).name.clone(),
            Endpoint::Lb(id) => format!("balancer `{}`", model.load_balancers[id.index()].name),
            Endpoint::Cidr(c) if c.prefix_len() == 0 => format!("the internet ({c})"),
            Endpoint::Cidr(c) => c.to_string(),
            Endpoint::ElastiCache(id) => format!("ElastiCache `{}`", model.redis[id.index()].name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub purpose: Purpose,
    pub from: Endpoint,
    pub to: Endpoint,
    pub proto: Proto,
    pub port: Option<u16>,
    /// Where the spec makes this flow necessary: the line that names the
    /// service's host or members (one line, so reports stay readable).
    pub origin: Span,
}

struct Builder<'m> {
    model: &'m Model,
    flows: Vec<Flow>,
}

impl Builder<'_> {
    fn add(
        &mut self,
        purpose: Purpose,
        from: HostId,
        to: HostId,
        proto: Proto,
        port: Option<u16>,
        origin: Span,
    ) {
        self.add_ends(
            purpose,
            Endpoint::Host(from),
            Endpoint::Host(to),
            proto,
            port,
            origin,
        );
    }

    fn add_ends(
        &mut self,
        purpose: Purpose,
        from: Endpoint,
        to: Endpoint,
        proto: Proto,
        port: Option<u16>,
        origin: Span,
    ) {
        // A host reaching itself never leaves the machine.
        if from != to {
            self.flows.push(Flow {
                purpose,
                from,
                to,
                proto,
                port,
                origin,
            });
        }
    }

    fn all_to_all(
        &mut self,
        purpose: Purpose,
        from: &[HostId],
        to: &[HostId],
        port: u16,
        origin: Span,
    ) {
        for &f in from {
            for &t in to {
                self.add(purpose, f, t, Proto::Tcp, Some(port), origin);
            }
        }
    }
}

pub fn derive(model: &Model) -> Vec<Flow> {
    let mut b = Builder {
        model,
        flows: Vec::new(),
    };
    monitoring(&mut b);
    for pg in &model.postgres {
        postgres(&mut b, pg);
    }
    for es in &model.elasticsearch {
        let m = &es.members.hosts;
        b.all_to_all(Purpose::EsTransport, m, m, 9300, es.members.span);
        // Clients talk to the data (and coordinating) nodes; dedicated
        // masters hold no data and need only transport from the others.
        let masters: std::collections::HashSet<HostId> =
            es.dedicated_masters.iter().copied().collect();
        let data: Vec<HostId> = m.iter().copied().filter(|h| !masters.contains(h)).collect();
        b.all_to_all(
            Purpose::ClientsToEs,
            &es.clients.hosts,
            &data,
            9200,
            es.clients.span,
        );
    }
    traffic(&mut b);
    balancers(&mut b);
    for vpn in &model.vpns {
        for (from, to) in [
            (vpn.left.host, vpn.right.host),
            (vpn.right.host, vpn.left.host),
        ] {
            b.add(Purpose::Ike, from, to, Proto::Udp, Some(500), vpn.name_span);
            b.add(
                Purpose::IkeNatT,
                from,
                to,
                Proto::Udp,
                Some(4500),
                vpn.name_span,
            );
            b.add(Purpose::Esp, from, to, Proto::Esp, None, vpn.name_span);
        }
    }
    b.flows
}

fn monitoring(b: &mut Builder) {
    let model = b.model;
    let Some(mon) = &model.monitoring else { return };
    let Some(prom) = &mon.prometheus else { return };
    for (i, h) in model.hosts.iter().enumerate() {
        if h.settings.monitored {
            let to = HostId::from_index(i);
            b.add(
                Purpose::ScrapeNodeExporter,
                prom.host,
                to,
                Proto::Tcp,
                Some(mon.node_exporter.port),
                prom.host_span,
            );
        }
    }
    if let Some(g) = &mon.grafana {
        // Grafana's data source is Prometheus; on one host this stays local.
        b.add(
            Purpose::GrafanaToPrometheus,
            g.host,
            prom.host,
            Proto::Tcp,
            Some(prom.port),
            g.host_span,
        );
    }
    for pg in &model.postgres {
        if let Some(port) = pg.exporter_port {
            b.all_to_all(
                Purpose::ScrapePostgresExporter,
                &[prom.host],
                &pg.members.hosts,
                port,
                pg.name_span,
            );
        }
    }
    for es in &model.elasticsearch {
        if let Some(port) = es.exporter_port {
            b.all_to_all(
                Purpose::ScrapeEsExporter,
                &[prom.host],
                &es.members.hosts,
                port,
                es.name_span,
            );
        }
    }
}

fn postgres(b: &mut Builder, pg: &PostgresCluster) {
    let m = &pg.members.hosts;
    if let Some(h) = &pg.haproxy {
        b.all_to_all(Purpose::HaproxyToPostgres, &h.hosts, m, 5432, h.span);
        b.all_to_all(Purpose::HaproxyToPatroni, &h.hosts, m, 8008, h.span);
        // `haproxy group=`: the internal network balancer has instance
        // targets and keeps the client's source address, so every HAProxy
        // host must admit the clients themselves.
        b.all_to_all(
            Purpose::ClientsToHaproxy,
            &pg.clients.hosts,
            &h.hosts,
            h.port,
            pg.clients.span,
        );
    } else {
        b.all_to_all(
            Purpose::ClientsToPostgres,
            &pg.clients.hosts,
            m,
            5432,
            pg.clients.span,
        );
    }
    b.all_to_all(
        Purpose::PatroniToEtcd,
        m,
        &pg.etcd.hosts,
        2379,
        pg.etcd.span,
    );
    b.all_to_all(
        Purpose::EtcdPeers,
        &pg.etcd.hosts,
        &pg.etcd.hosts,
        2380,
        pg.etcd.span,
    );
    b.all_to_all(Purpose::Replication, m, m, 5432, pg.members.span);
    b.all_to_all(Purpose::PatroniRest, m, m, 8008, pg.members.span);
}

/// The traffic tier's flows that do not cross a balancer (those are the
/// balancer flows): gateway hosts to the hosts of `group:` routes, and
/// self-hosted Redis (clients, replication, Sentinel).
fn traffic(b: &mut Builder) {
    let model = b.model;
    for gw in &model.gateways {
        let from = &model.group(gw.group).hosts;
        for r in &gw.routes {
            if let RouteTarget::Group(g) = r.to {
                b.all_to_all(
                    Purpose::GatewayToGroup,
                    from,
                    &model.group(g).hosts,
                    r.port,
                    r.to_span,
                );
            }
        }
    }
    for r in &model.redis {
        if r.engine != RedisEngine::SelfHosted {
            // ElastiCache has no host of the model: its security group is
            // infragen's own (admitting the clients) or the spec's.
            continue;
        }
        let m = &r.members.hosts;
        b.all_to_all(
            Purpose::ClientsToRedis,
            &r.clients.hosts,
            m,
            r.port,
            r.clients.span,
        );
        if r.has_sentinel() {
            let sentinel = crate::model::traffic::SENTINEL_PORT;
            b.all_to_all(Purpose::RedisReplication, m, m, r.port, r.members.span);
            b.all_to_all(Purpose::SentinelPeers, m, m, sentinel, r.members.span);
            b.all_to_all(
                Purpose::ClientsToSentinel,
                &r.clients.hosts,
                m,
                sentinel,
                r.clients.span,
            );
        }
    }
}

/// The flows through every balancer (`Model::load_balancers`, the spec's and
/// those in front of `haproxy group=`) and to ElastiCache:
/// - its sources to the listener port, filtered by the balancer's own
///   security groups: the internet for an internet-facing balancer, else the
///   hosts of every gateway routing to it (and a postgres-cluster's clients
///   for an HAProxy balancer, whose flows to the HAProxy hosts the cluster
///   already derives);
/// - to the targets on the target port: an application balancer connects
///   from its own nodes (its security groups, addresses in its subnets); a
///   network balancer with instance targets keeps the client's address, so
///   the targets must admit the sources themselves;
/// - health checks from the balancer's nodes to every target, both kinds;
/// - ElastiCache: its clients to its port, filtered by its security groups.
fn balancers(b: &mut Builder) {
    let model = b.model;
    let mut gateway_sources: Vec<Vec<(HostId, Span)>> =
        vec![Vec::new(); model.load_balancers.len()];
    for gw in &model.gateways {
        for r in &gw.routes {
            if let RouteTarget::Lb(id) = r.to
                && let Some(v) = gateway_sources.get_mut(id.index())
            {
                for h in &model.group(gw.group).hosts {
                    v.push((*h, r.to_span));
                }
            }
        }
    }
    for (i, lb) in model.load_balancers.iter().enumerate() {
        let id = LbId::from_index(i);
        let me = Endpoint::Lb(id);
        let mut sources: Vec<(Endpoint, Span)> = Vec::new();
        match (lb.scheme, lb.origin) {
            (LbScheme::InternetFacing, _) => sources.push((Endpoint::world(), lb.name_span)),
            (LbScheme::Internal, LbOrigin::Haproxy(pg)) => {
                let pg = &model.postgres[pg.index()];
                for h in &pg.clients.hosts {
                    sources.push((Endpoint::Host(*h), pg.clients.span));
                }
            }
            (LbScheme::Internal, LbOrigin::Spec) => {}
        }
        if let Some(v) = gateway_sources.get_mut(i) {
            v.sort_unstable_by_key(|(h, _)| *h);
            v.dedup_by_key(|(h, _)| *h);
            sources.extend(v.iter().map(|(h, s)| (Endpoint::Host(*h), *s)));
        }
        let proto = |l: &Listener| {
            if l.protocol == LbProtocol::Udp {
                Proto::Udp
            } else {
                Proto::Tcp
            }
        };
        for l in &lb.listeners {
            for (src, span) in &sources {
                b.add_ends(
                    Purpose::ClientsToLb,
                    *src,
                    me,
                    proto(l),
                    Some(l.port.value),
                    *span,
                );
            }
            let targets = &model.group(l.target).hosts;
            // The HAProxy balancer's client flows to the HAProxy hosts are
            // the postgres-cluster's (`clients-to-haproxy`).
            let forward_from: Vec<Endpoint> = match (lb.kind, lb.origin) {
                (_, LbOrigin::Haproxy(_)) => Vec::new(),
                (LbKind::Application, _) => vec![me],
                (LbKind::Network, _) => sources.iter().map(|(s, _)| *s).collect(),
            };
            for t in targets {
                for src in &forward_from {
                    b.add_ends(
                        Purpose::LbToTargets,
                        *src,
                        Endpoint::Host(*t),
                        proto(l),
                        Some(l.target_port),
                        l.target_span,
                    );
                }
            }
            // An application balancer's health checks are the forwarded
            // flow itself (from its nodes, TCP, the target port). A UDP
            // listener's targets are checked over TCP on the same port (AWS
            // has no UDP health check).
            if lb.kind == LbKind::Application {
                continue;
            }
            // Azure's probes come from 168.63.129.16 (the AzureLoadBalancer
            // service tag), not from the subnet, and the NSG infragen writes
            // admits them to the targets itself (`allow-lb-probes`,
            // emit::terraform::azure_nsg): no flow to check.
            let azure = lb
                .subnets
                .first()
                .is_some_and(|s| model.network(model.subnet(*s).network).cloud == Cloud::Azure);
            if azure {
                continue;
            }
            for t in targets {
                b.add_ends(
                    Purpose::LbHealthCheck,
                    me,
                    Endpoint::Host(*t),
                    Proto::Tcp,
                    Some(l.target_port),
                    l.target_span,
                );
            }
        }
    }
    for (i, r) in model.redis.iter().enumerate() {
        if r.engine != RedisEngine::Elasticache {
            continue;
        }
        for h in &r.clients.hosts {
            b.add_ends(
                Purpose::ClientsToElastiCache,
                Endpoint::Host(*h),
                Endpoint::ElastiCache(RedisId::from_index(i)),
                Proto::Tcp,
                Some(r.port),
                r.clients.span,
            );
        }
    }
}
