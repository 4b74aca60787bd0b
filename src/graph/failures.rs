//! The failure simulator: what still works when one failure domain (a zone,
//! a region, a VPN tunnel, a host some service depends on alone) — or, as
//! an option, two zones — goes down.
//!
//! It is a consumer of the model and the graph: every "can A reach B" is a
//! service flow of `Graph::flows` that `reach::check` lets through in the
//! healthy estate and whose ends (and, through a tunnel, both gateways and
//! the tunnel) are still up. Nothing here re-evaluates security groups.
//!
//! Cost: one `reach::check` per flow (once), then per domain a pass over
//! the hosts and the flows the services name: linear in hosts and flows.
//!
//! The traffic tier (load balancers, NGINX gateways, Redis): a balancer
//! follows its subnets' zones and its targets' hosts (flows through a
//! balancer are not graph flows yet); a `group:` route and a self-hosted
//! Redis follow their flows like postgres.

use super::Graph;
use super::flows::{Endpoint, Flow, Purpose};
use super::reach::{self, Path};
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the simulator is asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also fail every pair of zones.
    pub two_zones: bool,
    /// Assume one NAT gateway per zone (in the zone's public subnet)
    /// instead of one per VPC.
    pub nat_per_zone: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DomainKind {
    None,
    Zone,
    Region,
    Tunnel,
    Host,
    Zones,
}

impl DomainKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainKind::None => "none",
            DomainKind::Zone => "zone",
            DomainKind::Region => "region",
            DomainKind::Tunnel => "tunnel",
            DomainKind::Host => "host",
            DomainKind::Zones => "zones",
        }
    }
}

/// One failure: what goes down together.
#[derive(Debug, Clone)]
pub struct Domain {
    pub kind: DomainKind,
    /// `us-east-1a`, `us-east-1`, `aws-azure`, `haproxy`, `us-east-1a + us-east-1b`.
    pub name: String,
    /// Down hosts, by index.
    down: Vec<bool>,
    pub hosts_down: usize,
    tunnels_down: Vec<VpnId>,
    zones_down: Vec<Zone>,
}

impl Domain {
    pub fn label(&self) -> String {
        match self.kind {
            DomainKind::None => "no failure".into(),
            k => format!("{} {}", k.as_str(), self.name),
        }
    }

    pub fn is_down(&self, h: HostId) -> bool {
        self.down[h.index()]
    }

    /// A flow end that is not a host (a balancer, ElastiCache, the
    /// internet) is not simulated here: never down.
    pub fn is_end_down(&self, e: Endpoint) -> bool {
        e.host().is_some_and(|h| self.is_down(h))
    }
}

/// What a column reports on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    PostgresWrites(PgClusterId),
    PostgresReads(PgClusterId),
    Elasticsearch(EsClusterId),
    Vpn(VpnId),
    Scraping,
    Alerting,
    Egress(NetworkId),
    /// A `load-balancer` of the spec.
    LoadBalancer(LbId),
    /// A `gateway` (index into `Model::gateways`).
    Gateway(usize),
    /// A `redis` (index into `Model::redis`).
    Redis(usize),
}

#[derive(Debug, Clone)]
pub struct Column {
    pub service: Service,
    /// `postgres orders writes`, `elasticsearch logs`, `vpn aws-azure`, …
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub survives: bool,
    /// The reason chain, steps joined with ` → ` when printed.
    pub reason: Vec<String>,
    /// What is lost although it is up itself: unscraped hosts, lost
    /// cross-cloud flows, subnets without a route out.
    pub lost: Vec<String>,
}

impl Cell {
    pub fn reason_text(&self) -> String {
        self.reason.join(" → ")
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub domain: Domain,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub options: Options,
}

/// Each flow's state in the healthy estate: allowed, and the tunnel it
/// takes between networks.
struct FlowState {
    /// `reach::check` passes; evaluated on first use (most flows are
    /// never asked about: a scrape inside one network is lost only with
    /// its host).
    ok: std::cell::OnceCell<bool>,
    tunnel: Option<reach::Tunnel>,
}

pub struct Simulator<'a> {
    model: &'a Model,
    flows: &'a [Flow],
    state: Vec<FlowState>,
    index: HashMap<(Purpose, HostId, HostId), usize>,
    /// Every zone with hosts, in order, and each host's index into it.
    zones: Vec<Zone>,
    host_zone: Vec<usize>,
    /// The flows that cross a tunnel.
    tunnel_flows: Vec<usize>,
}

impl<'a> Simulator<'a> {
    pub fn new(model: &'a Model, graph: &'a Graph) -> Self {
        let flows = &graph.flows[..];
        let mut index = HashMap::with_capacity(flows.len());
        let state: Vec<FlowState> = flows
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if let (Some(from), Some(to)) = (f.from.host(), f.to.host()) {
                    index.entry((f.purpose, from, to)).or_insert(i);
                }
                let tunnel = match reach::path(model, f) {
                    Ok(Path::Tunnel(t)) => Some(t),
                    _ => None,
                };
                FlowState {
                    ok: std::cell::OnceCell::new(),
                    tunnel,
                }
            })
            .collect();
        // Zones keyed by borrowed names (no String per host); the key
        // orders like `Zone`.
        let key = |i: usize| {
            let h = &model.hosts[i];
            let net = model.network(model.host_network(HostId::from_index(i)));
            (net.cloud, net.region.value.as_str(), h.zone.as_deref())
        };
        let mut keys: BTreeMap<(Cloud, &str, Option<&str>), usize> = BTreeMap::new();
        for i in 0..model.hosts.len() {
            keys.insert(key(i), 0);
        }
        let zones: Vec<Zone> = keys
            .iter_mut()
            .enumerate()
            .map(|(n, ((cloud, region, zone), slot))| {
                *slot = n;
                Zone {
                    cloud: *cloud,
                    region: region.to_string(),
                    zone: zone.map(str::to_string),
                }
            })
            .collect();
        let host_zone = (0..model.hosts.len()).map(|i| keys[&key(i)]).collect();
        let tunnel_flows = state
            .iter()
            .enumerate()
            .filter(|(_, s)| s.tunnel.is_some())
            .map(|(i, _)| i)
            .collect();
        Simulator {
            model,
            flows,
            state,
            index,
            zones,
            host_zone,
            tunnel_flows,
        }
    }

    /// Whether flow `i` gets through the healthy estate.
    fn ok(&self, i: usize) -> bool {
        *self.state[i]
            .ok
            .get_or_init(|| reach::check(self.model, &self.flows[i]).is_ok())
    }

    fn flow_up(&self, i: usize, d: &Domain) -> bool {
        let (f, s) = (&self.flows[i], &self.state[i]);
        if d.is_end_down(f.from) || d.is_end_down(f.to) || !self.ok(i) {
            return false;
        }
        match &s.tunnel {
            Some(t) => {
                !d.tunnels_down.contains(&t.vpn) && t.gateways.iter().all(|g| !d.is_down(*g))
            }
            None => true,
        }
    }

    /// Whether `from` reaches `to` for `purpose` under `d` (a host reaches
    /// itself).
    fn reaches(&self, purpose: Purpose, from: HostId, to: HostId, d: &Domain) -> bool {
        if from == to {
            return !d.is_down(from);
        }
        self.index
            .get(&(purpose, from, to))
            .is_some_and(|&i| self.flow_up(i, d))
    }

    fn names(&self, hosts: impl IntoIterator<Item = HostId>) -> String {
        hosts
            .into_iter()
            .map(|h| self.model.host(h).name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The largest set of live `hosts` that reach each other over
    /// `purpose` (a partition keeps only one side).
    fn largest_component(&self, hosts: &[HostId], purpose: Purpose, d: &Domain) -> Vec<HostId> {
        let live: Vec<HostId> = dedup(hosts)
            .into_iter()
            .filter(|h| !d.is_down(*h))
            .collect();
        let mut parent: Vec<usize> = (0..live.len()).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for a in 0..live.len() {
            for b in a + 1..live.len() {
                if self.reaches(purpose, live[a], live[b], d)
                    && self.reaches(purpose, live[b], live[a], d)
                {
                    let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                    parent[ra] = rb;
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<HostId>> = BTreeMap::new();
        for (i, h) in live.iter().enumerate() {
            let r = find(&mut parent, i);
            groups.entry(r).or_default().push(*h);
        }
        groups
            .into_values()
            .max_by_key(|g| g.len())
            .unwrap_or_default()
    }

    pub fn columns(&self) -> Vec<Column> {
        let m = self.model;
        let mut cols = Vec::new();
        for (i, pg) in m.postgres.iter().enumerate() {
            let id = PgClusterId::from_index(i);
            cols.push(Column {
                service: Service::PostgresWrites(id),
                name: format!("postgres {} writes", pg.name),
            });
            cols.push(Column {
                service: Service::PostgresReads(id),
                name: format!("postgres {} reads", pg.name),
            });
        }
        for (i, es) in m.elasticsearch.iter().enumerate() {
            cols.push(Column {
                service: Service::Elasticsearch(EsClusterId::from_index(i)),
                name: format!("elasticsearch {}", es.name),
            });
        }
        for (i, v) in m.vpns.iter().enumerate() {
            cols.push(Column {
                service: Service::Vpn(VpnId::from_index(i)),
                name: format!("vpn {}", v.name),
            });
        }
        if let Some(mon) = &m.monitoring
            && mon.prometheus.is_some()
        {
            cols.push(Column {
                service: Service::Scraping,
                name: "monitoring scraping".into(),
            });
            if !mon.alerts.is_empty() {
                cols.push(Column {
                    service: Service::Alerting,
                    name: "monitoring alerting".into(),
                });
            }
        }
        for (i, lb) in m.load_balancers.iter().enumerate() {
            if lb.origin == LbOrigin::Spec {
                cols.push(Column {
                    service: Service::LoadBalancer(LbId::from_index(i)),
                    name: format!("load-balancer {}", lb.name),
                });
            }
        }
        for (i, gw) in m.gateways.iter().enumerate() {
            cols.push(Column {
                service: Service::Gateway(i),
                name: format!("gateway {}", gw.name),
            });
        }
        for (i, r) in m.redis.iter().enumerate() {
            cols.push(Column {
                service: Service::Redis(i),
                name: format!("redis {}", r.name),
            });
        }
        for (i, n) in m.networks.iter().enumerate() {
            if nat_subnets(m, NetworkId::from_index(i)).is_some() {
                cols.push(Column {
                    service: Service::Egress(NetworkId::from_index(i)),
                    name: format!("egress {}", n.name),
                });
            }
        }
        cols
    }

    fn domain(&self, kind: DomainKind, name: String, down_if: impl Fn(HostId) -> bool) -> Domain {
        let down: Vec<bool> = (0..self.model.hosts.len())
            .map(|i| down_if(HostId::from_index(i)))
            .collect();
        let hosts_down = down.iter().filter(|d| **d).count();
        Domain {
            kind,
            name,
            down,
            hosts_down,
            tunnels_down: Vec::new(),
            zones_down: Vec::new(),
        }
    }

    /// Every zone with hosts, in order.
    pub fn zones(&self) -> Vec<Zone> {
        self.zones.clone()
    }

    /// The domain of the zones `ids` (indexes into `self.zones`).
    fn zone_domain(&self, ids: &[usize]) -> Domain {
        let zones: Vec<Zone> = ids.iter().map(|&i| self.zones[i].clone()).collect();
        let kind = if zones.len() == 1 {
            DomainKind::Zone
        } else {
            DomainKind::Zones
        };
        let name = zones
            .iter()
            .map(|z| z.to_string())
            .collect::<Vec<_>>()
            .join(" + ");
        let mut d = self.domain(kind, name, |h| ids.contains(&self.host_zone[h.index()]));
        d.zones_down = zones;
        d
    }

    /// The failure domains: none, each zone, each region, each tunnel,
    /// each host some service depends on alone (and zone pairs).
    pub fn domains(&self, opts: Options) -> Vec<Domain> {
        let m = self.model;
        let mut out = vec![self.domain(DomainKind::None, String::new(), |_| false)];
        let zones = &self.zones;
        for i in 0..zones.len() {
            out.push(self.zone_domain(&[i]));
        }
        let regions: BTreeSet<(Cloud, String)> =
            zones.iter().map(|z| (z.cloud, z.region.clone())).collect();
        for (cloud, region) in regions {
            let in_region: Vec<bool> = zones
                .iter()
                .map(|z| z.cloud == cloud && z.region == region)
                .collect();
            let mut d = self.domain(DomainKind::Region, region.clone(), |h| {
                in_region[self.host_zone[h.index()]]
            });
            d.zones_down = zones
                .iter()
                .filter(|z| z.cloud == cloud && z.region == region)
                .cloned()
                .collect();
            out.push(d);
        }
        for (i, v) in m.vpns.iter().enumerate() {
            let mut d = self.domain(DomainKind::Tunnel, v.name.clone(), |_| false);
            d.tunnels_down.push(VpnId::from_index(i));
            out.push(d);
        }
        for h in self.single_points() {
            out.push(self.domain(DomainKind::Host, m.host(h).name.clone(), |x| x == h));
        }
        if opts.two_zones {
            for a in 0..zones.len() {
                for b in a + 1..zones.len() {
                    out.push(self.zone_domain(&[a, b]));
                }
            }
        }
        out
    }

    /// `db-lb` for one host; `group haproxy` for `haproxy group=`.
    fn haproxy_label(&self, hx: &Haproxy) -> String {
        match hx.placement {
            HaproxyPlacement::Host => hx
                .hosts
                .first()
                .map_or_else(String::new, |h| self.model.host(*h).name.clone()),
            HaproxyPlacement::Group(g) => format!("group {}", self.model.group(g).name),
        }
    }

    /// Hosts that are alone in a role some declared service needs: the
    /// HAProxy host, a one-member etcd or cluster, the Prometheus and
    /// Grafana hosts, each VPN gateway, a gateway's or a spec balancer's
    /// one-host group, a one-member self-hosted Redis with clients.
    pub fn single_points(&self) -> Vec<HostId> {
        let m = self.model;
        let mut roles: Vec<Vec<HostId>> = Vec::new();
        for pg in &m.postgres {
            if let Some(h) = &pg.haproxy {
                // `haproxy group=` behind its zonal-redundant balancer is
                // no single point; `haproxy host=` is.
                roles.push(h.hosts.clone());
            }
            roles.push(pg.members.hosts.clone());
            roles.push(pg.etcd.hosts.clone());
        }
        for es in &m.elasticsearch {
            roles.push(es.master_eligible.hosts.clone());
            roles.push(es.members.hosts.clone());
        }
        if let Some(mon) = &m.monitoring {
            if let Some(p) = &mon.prometheus {
                roles.push(vec![p.host]);
            }
            if let Some(g) = &mon.grafana {
                roles.push(vec![g.host]);
            }
        }
        for v in &m.vpns {
            roles.push(vec![v.left.host]);
            roles.push(vec![v.right.host]);
        }
        // The traffic tier: the gateway's hosts, each spec balancer's
        // targets, a self-hosted Redis that clients need.
        for gw in &m.gateways {
            roles.push(m.group(gw.group).hosts.clone());
        }
        for lb in &m.load_balancers {
            if lb.origin == LbOrigin::Spec {
                for l in &lb.listeners {
                    roles.push(m.group(l.target).hosts.clone());
                }
            }
        }
        for r in &m.redis {
            if r.engine == RedisEngine::SelfHosted && !r.clients.hosts.is_empty() {
                roles.push(r.members.hosts.clone());
            }
        }
        let set: BTreeSet<HostId> = roles
            .iter()
            .filter_map(|r| match dedup(r)[..] {
                [one] => Some(one),
                _ => None,
            })
            .collect();
        set.into_iter().collect()
    }

    pub fn run(&self, opts: Options) -> Report {
        let columns = self.columns();
        let rows = self
            .domains(opts)
            .into_iter()
            .map(|d| {
                let cells = columns
                    .iter()
                    .map(|c| self.cell(&c.service, &d, opts))
                    .collect();
                Row { domain: d, cells }
            })
            .collect();
        Report {
            columns,
            rows,
            options: opts,
        }
    }

    pub fn cell(&self, s: &Service, d: &Domain, opts: Options) -> Cell {
        match s {
            Service::PostgresWrites(id) => self.pg_writes(&self.model.postgres[id.index()], d),
            Service::PostgresReads(id) => self.pg_reads(&self.model.postgres[id.index()], d),
            Service::Elasticsearch(id) => self.es(&self.model.elasticsearch[id.index()], d),
            Service::Vpn(id) => self.vpn(*id, d),
            Service::Scraping => self.scraping(d),
            Service::Alerting => self.alerting(d),
            Service::Egress(n) => self.egress(*n, d, opts),
            Service::LoadBalancer(id) => self.lb_view(*id, d).cell,
            Service::Gateway(i) => self.gateway(&self.model.gateways[*i], d),
            Service::Redis(i) => self.redis(&self.model.redis[*i], d),
        }
    }

    /// etcd's quorum under `d`: the live members that still reach each
    /// other, and whether they are a majority.
    pub fn etcd_quorum(&self, pg: &PostgresCluster, d: &Domain) -> (Vec<HostId>, usize, bool) {
        let n = dedup(&pg.etcd.hosts).len();
        let quorum = n / 2 + 1;
        let part = self.largest_component(&pg.etcd.hosts, Purpose::EtcdPeers, d);
        let ok = n > 0 && part.len() >= quorum;
        (part, quorum, ok)
    }

    fn pg_writes(&self, pg: &PostgresCluster, d: &Domain) -> Cell {
        let mut reason = Vec::new();
        let n_etcd = dedup(&pg.etcd.hosts).len();
        let (part, quorum, ok) = self.etcd_quorum(pg, d);
        if !ok {
            reason.push(format!(
                "etcd {} {}/{} left < quorum {quorum}",
                pg.name,
                part.len(),
                n_etcd
            ));
            reason.push("Patroni demotes the leader".into());
            reason.push("writes down".into());
            return down(reason);
        }
        reason.push(format!("etcd {}/{} ≥ quorum {quorum}", part.len(), n_etcd));
        let members = dedup(&pg.members.hosts);
        let leaders: Vec<HostId> = members
            .iter()
            .copied()
            .filter(|m| {
                !d.is_down(*m)
                    && part
                        .iter()
                        .any(|e| self.reaches(Purpose::PatroniToEtcd, *m, *e, d))
            })
            .collect();
        let lost: Vec<HostId> = members.iter().copied().filter(|m| d.is_down(*m)).collect();
        if leaders.is_empty() {
            reason.push(format!(
                "no Patroni member of {} left that reaches etcd{}",
                members.len(),
                if lost.is_empty() {
                    String::new()
                } else {
                    format!(" ({} down)", self.names(lost))
                }
            ));
            reason.push("no leader".into());
            reason.push("writes down".into());
            return down(reason);
        }
        if !lost.is_empty() {
            let b = ha::failover_bound(pg);
            reason.push(format!(
                "{} down; a leader among {} within {}s",
                self.names(lost),
                self.names(leaders.iter().copied()),
                b.total_ms.div_ceil(1000)
            ));
        } else {
            reason.push(format!(
                "Patroni {}/{} members up",
                members.len(),
                members.len()
            ));
        }
        // The entry point: clients → HAProxy → a possible leader, or
        // clients → a member directly.
        let clients = &pg.clients.hosts;
        match &pg.haproxy {
            Some(hx) => {
                // `haproxy group=`: the internal balancer (a zonal-redundant
                // AWS/Azure service) sends clients to any HAProxy host that
                // is up, so one such host that reaches a leader and that a
                // client reaches keeps writes up.
                let label = self.haproxy_label(hx);
                let up: Vec<HostId> = hx
                    .hosts
                    .iter()
                    .copied()
                    .filter(|h| !d.is_down(*h))
                    .collect();
                if up.is_empty() {
                    reason.push(format!("HAProxy {label} down"));
                    reason.push("writes down".into());
                    return down(reason);
                }
                let to_leader: Vec<HostId> = up
                    .iter()
                    .copied()
                    .filter(|h| {
                        leaders.iter().any(|m| {
                            self.reaches(Purpose::HaproxyToPostgres, *h, *m, d)
                                && self.reaches(Purpose::HaproxyToPatroni, *h, *m, d)
                        })
                    })
                    .collect();
                if to_leader.is_empty() {
                    reason.push(format!("HAProxy {label} reaches no possible leader"));
                    reason.push("writes down".into());
                    return down(reason);
                }
                if !clients.is_empty()
                    && !to_leader.iter().any(|h| {
                        clients
                            .iter()
                            .any(|c| self.reaches(Purpose::ClientsToHaproxy, *c, *h, d))
                    })
                {
                    reason.push(format!("no client reaches HAProxy {label}"));
                    reason.push("writes down".into());
                    return down(reason);
                }
                if hx.hosts.len() > 1 {
                    reason.push(format!(
                        "via HAProxy {label} ({}/{} up)",
                        up.len(),
                        hx.hosts.len()
                    ));
                } else {
                    reason.push(format!("via HAProxy {label}"));
                }
            }
            None => {
                if !clients.is_empty()
                    && !clients.iter().any(|c| {
                        leaders
                            .iter()
                            .any(|m| self.reaches(Purpose::ClientsToPostgres, *c, *m, d))
                    })
                {
                    reason.push("no client reaches a possible leader".into());
                    reason.push("writes down".into());
                    return down(reason);
                }
            }
        }
        reason.push("writes survive".into());
        up(reason)
    }

    fn pg_reads(&self, pg: &PostgresCluster, d: &Domain) -> Cell {
        let members = dedup(&pg.members.hosts);
        let live: Vec<HostId> = members.iter().copied().filter(|m| !d.is_down(*m)).collect();
        if live.is_empty() {
            return down(vec![
                format!("all {} members down", members.len()),
                "reads down".into(),
            ]);
        }
        let writes = self.pg_writes(pg, d);
        if writes.survives {
            return up(vec![
                "the leader serves reads".into(),
                "reads survive".into(),
            ]);
        }
        // Without a leader, HAProxy (which routes to the primary only) has
        // nothing to send to, but the members keep running read-only.
        up(vec![
            format!(
                "{} up read-only; HAProxy routes to the leader only, so reads need a direct connection",
                self.names(live)
            ),
            "reads survive".into(),
        ])
    }

    fn es(&self, es: &EsCluster, d: &Domain) -> Cell {
        let n = dedup(&es.master_eligible.hosts).len();
        let quorum = es.quorum() as usize;
        let all = self.largest_component(&es.members.hosts, Purpose::EsTransport, d);
        let masters: Vec<HostId> = all
            .iter()
            .copied()
            .filter(|h| es.master_eligible.hosts.contains(h))
            .collect();
        let mut reason = Vec::new();
        if masters.len() < quorum {
            reason.push(format!(
                "elasticsearch {} {}/{n} master-eligible left < quorum {quorum}",
                es.name,
                masters.len()
            ));
            reason.push("no master elected".into());
            reason.push("writes down".into());
            return down(reason);
        }
        reason.push(format!(
            "{}/{n} master-eligible ≥ quorum {quorum}: a master is elected",
            masters.len()
        ));
        let data: Vec<HostId> = all
            .iter()
            .copied()
            .filter(|h| !es.dedicated_masters.contains(h))
            .collect();
        if data.is_empty() {
            reason.push("no data node left".into());
            reason.push("writes down".into());
            return down(reason);
        }
        let clients = &es.clients.hosts;
        if !clients.is_empty()
            && !clients.iter().any(|c| {
                data.iter()
                    .any(|h| self.reaches(Purpose::ClientsToEs, *c, *h, d))
            })
        {
            reason.push("no client reaches a data node".into());
            reason.push("writes down".into());
            return down(reason);
        }
        let lost = dedup(&es.members.hosts)
            .into_iter()
            .filter(|h| d.is_down(*h))
            .count();
        if lost > 0 {
            reason.push(format!("{lost} node(s) down: their replicas are promoted"));
        }
        reason.push("writes survive".into());
        up(reason)
    }

    fn vpn(&self, id: VpnId, d: &Domain) -> Cell {
        let v = &self.model.vpns[id.index()];
        let mut by_purpose: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut total = 0;
        let mut with_end = 0;
        let mut lost_examples = Vec::new();
        for &i in &self.tunnel_flows {
            let (f, s) = (&self.flows[i], &self.state[i]);
            let Some(t) = &s.tunnel else { continue };
            if t.vpn != id || !self.ok(i) {
                continue;
            }
            total += 1;
            // A flow whose end is down is lost with that end, not with the
            // tunnel.
            if d.is_end_down(f.from) || d.is_end_down(f.to) {
                with_end += 1;
                continue;
            }
            if self.flow_up(i, d) {
                continue;
            }
            *by_purpose.entry(f.purpose.describe()).or_default() += 1;
            if lost_examples.len() < 5 {
                lost_examples.push(format!(
                    "{} → {}",
                    f.from.name(self.model),
                    f.to.name(self.model)
                ));
            }
        }
        let gw_down: Vec<HostId> = [v.left.host, v.right.host]
            .into_iter()
            .filter(|g| d.is_down(*g))
            .collect();
        let tunnel_down = d.tunnels_down.contains(&id) || !gw_down.is_empty();
        if !tunnel_down {
            return up(vec![format!("tunnel up ({total} cross-cloud flows)")]);
        }
        let mut reason = vec![if gw_down.is_empty() {
            format!("tunnel {} down", v.name)
        } else {
            format!(
                "gateway {} down → tunnel {} down",
                self.names(gw_down),
                v.name
            )
        }];
        let n: usize = by_purpose.values().sum();
        reason.push(if with_end > 0 {
            format!(
                "{n}/{total} cross-cloud flows lost with the tunnel ({with_end} more with their own end)"
            )
        } else {
            format!("{n}/{total} cross-cloud flows lost")
        });
        let mut cell = down(reason);
        cell.lost = by_purpose
            .iter()
            .map(|(p, n)| format!("{n} × {p}"))
            .chain(lost_examples)
            .collect();
        cell
    }

    fn scraping(&self, d: &Domain) -> Cell {
        let m = self.model;
        let Some(prom) = m.monitoring.as_ref().and_then(|x| x.prometheus.as_ref()) else {
            return up(Vec::new());
        };
        if d.is_down(prom.host) {
            return down(vec![
                format!("Prometheus {} down", m.host(prom.host).name),
                "no host is scraped".into(),
            ]);
        }
        // Both ends up and a local path: the scrape works as in the healthy
        // estate. Only a scrape through a tunnel is lost with a live host.
        let mut lost = Vec::new();
        for &fi in &self.tunnel_flows {
            let f = &self.flows[fi];
            let Some(to) = f.to.host() else { continue };
            if f.purpose != Purpose::ScrapeNodeExporter
                || f.from != Endpoint::Host(prom.host)
                || d.is_down(to)
                || !m.host(to).settings.monitored
            {
                continue;
            }
            if self.ok(fi) && !self.flow_up(fi, d) {
                lost.push(m.host(to).name.clone());
            }
        }
        let mut reason = vec![format!("Prometheus {} up", m.host(prom.host).name)];
        if d.hosts_down > 0 {
            reason.push(format!("{} host(s) down are alerted as down", d.hosts_down));
        }
        if lost.is_empty() {
            reason.push("every live host is scraped".into());
            return up(reason);
        }
        reason.push(format!("{} live host(s) stop being scraped", lost.len()));
        let mut cell = down(reason);
        cell.lost = lost;
        cell
    }

    fn alerting(&self, d: &Domain) -> Cell {
        let m = self.model;
        let Some(mon) = &m.monitoring else {
            return up(Vec::new());
        };
        let Some(prom) = &mon.prometheus else {
            return up(Vec::new());
        };
        if d.is_down(prom.host) {
            return down(vec![
                format!("Prometheus {} down", m.host(prom.host).name),
                "no alert is evaluated".into(),
                "alerting down".into(),
            ]);
        }
        if let Some(g) = &mon.grafana {
            if d.is_down(g.host) {
                return down(vec![
                    format!("Grafana {} down", m.host(g.host).name),
                    "no notification is sent".into(),
                    "alerting down".into(),
                ]);
            }
            if !self.reaches(Purpose::GrafanaToPrometheus, g.host, prom.host, d) {
                return down(vec![
                    "Grafana cannot query Prometheus".into(),
                    "alerting down".into(),
                ]);
            }
        }
        up(vec![
            "Prometheus and Grafana up".into(),
            "alerting survives".into(),
        ])
    }

    fn egress(&self, net: NetworkId, d: &Domain, opts: Options) -> Cell {
        let m = self.model;
        let Some((publics, privates)) = nat_subnets(m, net) else {
            return up(Vec::new());
        };
        let zone_of = |s: SubnetId| Zone {
            cloud: Cloud::Aws,
            region: m.network(net).region.value.clone(),
            zone: m.subnet(s).zone.as_ref().map(|z| z.value.clone()),
        };
        // The spec's `nat-gateways="per-zone"`, or the `--nat-per-zone` what-if.
        let per_zone = opts.nat_per_zone || m.network(net).nat_per_zone;
        let mut lost = Vec::new();
        let mut reason = Vec::new();
        for s in privates {
            let z = zone_of(s);
            if d.zones_down.contains(&z) {
                continue; // down with its zone
            }
            let nat = crate::model::network::nat_subnet(m, s, per_zone).unwrap_or(publics[0]);
            let nz = zone_of(nat);
            if d.zones_down.contains(&nz) {
                if reason.is_empty() {
                    reason.push(format!(
                        "NAT gateway of {} in {nz} down",
                        m.network(net).name
                    ));
                }
                lost.push(m.subnet_path(s));
            }
        }
        if lost.is_empty() {
            return up(vec!["every live private subnet routes out".into()]);
        }
        reason.push(format!(
            "{} live subnet(s) lose their route out",
            lost.len()
        ));
        if !per_zone {
            reason
                .push("a NAT gateway per zone (nat-gateways=\"per-zone\") would keep them".into());
        }
        let mut cell = down(reason);
        cell.lost = lost;
        cell
    }
}

/// A balancer under one failure: its result and the zones its nodes still
/// serve.
struct LbView {
    cell: Cell,
    /// The balancer's zones still up; empty: it is down.
    zones: Vec<Zone>,
    /// An Azure balancer is zone-redundant: it serves targets in any zone.
    any_zone: bool,
}

/// The traffic tier: load balancers, NGINX gateways, Redis.
impl Simulator<'_> {
    fn subnet_zone(&self, s: SubnetId) -> Zone {
        let sub = self.model.subnet(s);
        let net = self.model.network(sub.network);
        Zone {
            cloud: net.cloud,
            region: net.region.value.clone(),
            zone: sub.zone.as_ref().map(|z| z.value.clone()),
        }
    }

    /// Whether zone `z` is down under `d` (a region takes its zones, also
    /// those without hosts).
    fn zone_down(&self, d: &Domain, z: &Zone) -> bool {
        d.zones_down.contains(z)
            || (d.kind == DomainKind::Region
                && d.zones_down
                    .iter()
                    .any(|x| x.cloud == z.cloud && x.region == z.region))
    }

    fn host_zone_of(&self, h: HostId) -> &Zone {
        &self.zones[self.host_zone[h.index()]]
    }

    fn zones_text(zones: &[Zone]) -> String {
        zones
            .iter()
            .map(|z| z.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether balancer `v` still sends to host `h`: `h` is up and sits in
    /// a zone where the balancer has a live node (AWS registers targets
    /// only in its enabled zones).
    fn lb_serves(&self, v: &LbView, h: HostId, d: &Domain) -> bool {
        !d.is_down(h)
            && !v.zones.is_empty()
            && (v.any_zone || v.zones.contains(self.host_zone_of(h)))
    }

    fn lb_view(&self, id: LbId, d: &Domain) -> LbView {
        let m = self.model;
        let lb = &m.load_balancers[id.index()];
        let all: Vec<Zone> = lb
            .subnets
            .iter()
            .map(|s| self.subnet_zone(*s))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let any_zone = all.first().is_some_and(|z| z.cloud == Cloud::Azure);
        let live: Vec<Zone> = if any_zone {
            // Zone-redundant: down only with every zone of its region.
            let region_down = all.iter().all(|z| {
                self.zone_down(d, z)
                    || (!d.zones_down.is_empty()
                        && self
                            .zones
                            .iter()
                            .filter(|x| x.cloud == z.cloud && x.region == z.region)
                            .all(|x| d.zones_down.contains(x)))
            });
            if region_down { Vec::new() } else { all.clone() }
        } else {
            all.iter()
                .filter(|z| !self.zone_down(d, z))
                .cloned()
                .collect()
        };
        let name = &lb.name;
        let mut reason = Vec::new();
        if all.is_empty() {
            reason.push(format!("load-balancer {name} has no subnet"));
        } else if live.is_empty() {
            reason.push(if all.len() == 1 {
                format!(
                    "load-balancer {name} sits in {} only",
                    Self::zones_text(&all)
                )
            } else {
                format!(
                    "every zone of load-balancer {name} down ({})",
                    Self::zones_text(&all)
                )
            });
            reason.push("balancer down".into());
            return LbView {
                cell: down(reason),
                zones: live,
                any_zone,
            };
        } else if live.len() < all.len() {
            let lost: Vec<Zone> = all.iter().filter(|z| !live.contains(z)).cloned().collect();
            reason.push(format!(
                "load-balancer {name}: node in {} down, {} left",
                Self::zones_text(&lost),
                Self::zones_text(&live)
            ));
        } else if any_zone {
            reason.push(format!("load-balancer {name} up (zone-redundant)"));
        } else {
            reason.push(format!(
                "load-balancer {name} up in {}",
                Self::zones_text(&live)
            ));
        }
        let mut view = LbView {
            cell: up(Vec::new()),
            zones: live,
            any_zone,
        };
        let mut dead = Vec::new();
        for l in &lb.listeners {
            let targets = dedup(&m.group(l.target).hosts);
            let left = targets
                .iter()
                .filter(|h| self.lb_serves(&view, **h, d))
                .count();
            reason.push(format!(
                "listener {} → {} {left}/{} targets left",
                l.port.value,
                m.group(l.target).name,
                targets.len()
            ));
            if left == 0 {
                dead.push(l.port.value.to_string());
            }
        }
        if dead.is_empty() {
            reason.push("balancer serves".into());
            view.cell = up(reason);
        } else {
            reason.push(format!("listener {} down", dead.join(", ")));
            view.cell = down(reason);
        }
        view
    }

    /// A gateway serves while some of its hosts is up and, when spec
    /// balancers send to its group, one of them still sends to it; each
    /// route needs a target left behind it.
    fn gateway(&self, gw: &ApiGateway, d: &Domain) -> Cell {
        let m = self.model;
        let hosts = dedup(&m.group(gw.group).hosts);
        let fronts: Vec<(LbId, LbView)> = m
            .load_balancers
            .iter()
            .enumerate()
            .filter(|(_, lb)| {
                lb.origin == LbOrigin::Spec && lb.listeners.iter().any(|l| l.target == gw.group)
            })
            .map(|(i, _)| {
                let id = LbId::from_index(i);
                (id, self.lb_view(id, d))
            })
            .collect();
        let live: Vec<HostId> = hosts.iter().copied().filter(|h| !d.is_down(*h)).collect();
        let mut reason = Vec::new();
        let name = &gw.name;
        if live.is_empty() {
            reason.push(format!("gateway {name} 0/{} hosts left", hosts.len()));
            reason.push("routes down".into());
            return down(reason);
        }
        let served: Vec<HostId> = if fronts.is_empty() {
            live.clone()
        } else {
            live.iter()
                .copied()
                .filter(|h| fronts.iter().any(|(_, v)| self.lb_serves(v, *h, d)))
                .collect()
        };
        let behind = fronts
            .iter()
            .map(|(id, _)| format!("load-balancer {}", m.load_balancers[id.index()].name))
            .collect::<Vec<_>>()
            .join(", ");
        if served.is_empty() {
            reason.push(format!(
                "gateway {name} {}/{} hosts left, none that {behind} still sends to",
                live.len(),
                hosts.len()
            ));
            reason.push("routes down".into());
            return down(reason);
        }
        reason.push(if fronts.is_empty() {
            format!("gateway {name} {}/{} hosts left", served.len(), hosts.len())
        } else {
            format!(
                "gateway {name} {}/{} hosts left behind {behind}",
                served.len(),
                hosts.len()
            )
        });
        let mut routes = Vec::new();
        let mut dead = Vec::new();
        for r in &gw.routes {
            let path = &r.path.value;
            let (left, n, via) = match r.to {
                RouteTarget::Lb(id) => {
                    let lb = &m.load_balancers[id.index()];
                    let view = self.lb_view(id, d);
                    let on_port: Vec<&Listener> = lb
                        .listeners
                        .iter()
                        .filter(|l| l.port.value == r.port)
                        .collect();
                    let listeners = if on_port.is_empty() {
                        lb.listeners.iter().collect()
                    } else {
                        on_port
                    };
                    let targets: Vec<HostId> = dedup(
                        &listeners
                            .iter()
                            .flat_map(|l| m.group(l.target).hosts.iter().copied())
                            .collect::<Vec<_>>(),
                    );
                    let left = targets
                        .iter()
                        .filter(|h| self.lb_serves(&view, **h, d))
                        .count();
                    (left, targets.len(), format!("load-balancer {}", lb.name))
                }
                RouteTarget::Group(g) => {
                    let targets = dedup(&m.group(g).hosts);
                    let left = targets
                        .iter()
                        .filter(|t| {
                            served
                                .iter()
                                .any(|gh| self.reaches(Purpose::GatewayToGroup, *gh, **t, d))
                        })
                        .count();
                    (left, targets.len(), format!("group {}", m.group(g).name))
                }
            };
            routes.push(format!("{path} via {via} {left}/{n} left"));
            if left == 0 {
                dead.push(path.as_str());
            }
        }
        if !routes.is_empty() {
            reason.push(routes.join("; "));
        }
        if dead.is_empty() {
            reason.push("gateway serves".into());
            up(reason)
        } else {
            reason.push(format!("route {} down", dead.join(", ")));
            down(reason)
        }
    }

    fn redis(&self, r: &Redis, d: &Domain) -> Cell {
        let m = self.model;
        let name = &r.name;
        let clients = dedup(&r.clients.hosts);
        let mut reason = Vec::new();
        match r.engine {
            RedisEngine::Elasticache => {
                let zones: Vec<Zone> = r
                    .subnets
                    .iter()
                    .map(|s| self.subnet_zone(*s))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let (lost, left): (Vec<Zone>, Vec<Zone>) =
                    zones.iter().cloned().partition(|z| self.zone_down(d, z));
                let replicas = r.replicas.value;
                let multi_az = replicas >= 1 && zones.len() >= 2;
                if !zones.is_empty() && left.is_empty() {
                    reason.push(if zones.len() == 1 {
                        format!(
                            "ElastiCache {name}: subnet group in {} only",
                            Self::zones_text(&zones)
                        )
                    } else {
                        format!(
                            "ElastiCache {name}: every zone of its subnet group down ({})",
                            Self::zones_text(&zones)
                        )
                    });
                    reason.push("writes down".into());
                    return down(reason);
                }
                if !lost.is_empty() && !multi_az {
                    reason.push(format!(
                        "ElastiCache {name}: no replica, the primary may be in {}",
                        Self::zones_text(&lost)
                    ));
                    reason.push("writes down".into());
                    return down(reason);
                }
                if !lost.is_empty() {
                    reason.push(format!(
                        "ElastiCache {name}: Multi-AZ, {} down → a replica in {} is promoted",
                        Self::zones_text(&lost),
                        Self::zones_text(&left)
                    ));
                } else if multi_az {
                    reason.push(format!(
                        "ElastiCache {name}: Multi-AZ, {replicas} replica(s) over {}",
                        Self::zones_text(&zones)
                    ));
                } else {
                    reason.push(format!("ElastiCache {name} up"));
                }
                if !clients.is_empty() && clients.iter().all(|c| d.is_down(*c)) {
                    reason.push("no client left".into());
                    reason.push("writes down".into());
                    return down(reason);
                }
            }
            RedisEngine::SelfHosted => {
                let members = dedup(&r.members.hosts);
                let n = members.len();
                let primaries: Vec<HostId> = if n <= 1 {
                    let Some(&only) = members.first() else {
                        return up(Vec::new());
                    };
                    if d.is_down(only) {
                        reason.push(format!("redis {name} on {}: no replica", m.host(only).name));
                        reason.push("writes down".into());
                        return down(reason);
                    }
                    reason.push(format!(
                        "redis {name} on {} up (no replica)",
                        m.host(only).name
                    ));
                    vec![only]
                } else {
                    let majority = n / 2 + 1;
                    let part = self.largest_component(&members, Purpose::SentinelPeers, d);
                    let lost: Vec<HostId> =
                        members.iter().copied().filter(|h| d.is_down(*h)).collect();
                    if part.len() < majority {
                        reason.push(format!(
                            "Sentinel {name} {}/{n} left < majority {majority}",
                            part.len()
                        ));
                        reason.push("no failover (the primary may be among the lost)".into());
                        reason.push("writes down".into());
                        return down(reason);
                    }
                    if lost.is_empty() {
                        reason.push(format!("Sentinel {name} {n}/{n} up"));
                    } else {
                        reason.push(format!(
                            "Sentinel {name} {}/{n} ≥ majority {majority}: {} down, a replica among {} is promoted",
                            part.len(),
                            self.names(lost),
                            self.names(part.iter().copied())
                        ));
                    }
                    part
                };
                if !clients.is_empty()
                    && !clients.iter().any(|c| {
                        primaries.iter().any(|p| {
                            self.reaches(Purpose::ClientsToRedis, *c, *p, d)
                                && (n <= 1 || self.reaches(Purpose::ClientsToSentinel, *c, *p, d))
                        })
                    })
                {
                    reason.push("no client reaches a Redis member".into());
                    reason.push("writes down".into());
                    return down(reason);
                }
            }
        }
        reason.push("writes survive".into());
        up(reason)
    }
}

/// An AWS VPC's public subnets (the NAT gateway's place, first one first)
/// and private subnets, when it has both.
fn nat_subnets(m: &Model, net: NetworkId) -> Option<(Vec<SubnetId>, Vec<SubnetId>)> {
    let n = m.network(net);
    if n.cloud != Cloud::Aws {
        return None;
    }
    let (publics, privates): (Vec<SubnetId>, Vec<SubnetId>) =
        n.subnets.iter().partition(|s| m.subnet(**s).public);
    (!publics.is_empty() && !privates.is_empty()).then_some((publics, privates))
}

fn dedup(hosts: &[HostId]) -> Vec<HostId> {
    let mut seen = BTreeSet::new();
    hosts.iter().copied().filter(|h| seen.insert(*h)).collect()
}

fn up(reason: Vec<String>) -> Cell {
    Cell {
        survives: true,
        reason,
        lost: Vec::new(),
    }
}

fn down(reason: Vec<String>) -> Cell {
    Cell {
        survives: false,
        reason,
        lost: Vec::new(),
    }
}

/// Runs the simulator once.
pub fn simulate(model: &Model, graph: &Graph, opts: Options) -> Report {
    Simulator::new(model, graph).run(opts)
}
