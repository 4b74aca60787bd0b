//! Service flows: who must reach whom, on which protocol and port, for the
//! declared services to work. Derived from monitoring, the clusters, their
//! clients and the VPN.

use crate::model::*;
use crate::span::Span;

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
        }
    }

    /// Gateway-to-gateway traffic goes over the internet, not the tunnel.
    pub fn is_tunnel_control(self) -> bool {
        matches!(self, Purpose::Ike | Purpose::IkeNatT | Purpose::Esp)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub purpose: Purpose,
    pub from: HostId,
    pub to: HostId,
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
        b.all_to_all(Purpose::HaproxyToPostgres, &[h.host], m, 5432, h.span);
        b.all_to_all(Purpose::HaproxyToPatroni, &[h.host], m, 8008, h.span);
        b.all_to_all(
            Purpose::ClientsToHaproxy,
            &pg.clients.hosts,
            &[h.host],
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
        if m.len() > 1 {
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
