//! The dependency graph: every entity of the model as a node, every
//! reference as an edge, plus the service flows the declared services need.

pub mod failures;
pub mod fix;
pub mod flows;
pub mod reach;

use crate::model::*;
use flows::Flow;
use petgraph::graph::{DiGraph, NodeIndex};
// foldhash: a node lookup per edge (SipHash was 2% of a 10 000-host diff).
use foldhash::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Network(NetworkId),
    Subnet(SubnetId),
    Group(GroupId),
    Host(HostId),
    Sg(SgId),
    AddressSet(AddressSetId),
    Vpn(VpnId),
    Postgres(PgClusterId),
    Elasticsearch(EsClusterId),
    Monitoring,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edge {
    /// Network → subnet, group → host.
    Contains,
    /// Host → subnet it is placed in.
    PlacedIn,
    /// Host → security group attached to it.
    Uses,
    /// Security group → what a rule names; cluster/VPN/monitoring → hosts.
    References,
    /// A service flow (index into `Graph::flows`).
    Flow(usize),
}

pub struct Graph {
    pub graph: DiGraph<Entity, Edge>,
    pub nodes: HashMap<Entity, NodeIndex>,
    pub flows: Vec<Flow>,
}

impl Graph {
    pub fn node(&self, e: Entity) -> Option<NodeIndex> {
        self.nodes.get(&e).copied()
    }
}

struct Builder {
    graph: DiGraph<Entity, Edge>,
    nodes: HashMap<Entity, NodeIndex>,
}

impl Builder {
    fn node(&mut self, e: Entity) -> NodeIndex {
        *self
            .nodes
            .entry(e)
            .or_insert_with(|| self.graph.add_node(e))
    }

    fn edge(&mut self, a: Entity, b: Entity, edge: Edge) {
        let (a, b) = (self.node(a), self.node(b));
        self.graph.add_edge(a, b, edge);
    }
}

fn peer_entity(p: &Peer) -> Option<Entity> {
    Some(match p {
        Peer::Sg(id) => Entity::Sg(*id),
        Peer::Set(id) => Entity::AddressSet(*id),
        Peer::Host(id) => Entity::Host(*id),
        Peer::Subnet(id) => Entity::Subnet(*id),
        Peer::Network(id) => Entity::Network(*id),
        Peer::Cidr(_) => return None,
    })
}

pub fn build(model: &Model) -> Graph {
    let mut b = Builder {
        graph: DiGraph::new(),
        nodes: HashMap::default(),
    };
    for (i, s) in model.subnets.iter().enumerate() {
        b.edge(
            Entity::Network(s.network),
            Entity::Subnet(SubnetId::from_index(i)),
            Edge::Contains,
        );
    }
    for i in 0..model.address_sets.len() {
        b.node(Entity::AddressSet(AddressSetId::from_index(i)));
    }
    for (i, sg) in model.security_groups.iter().enumerate() {
        let me = Entity::Sg(SgId::from_index(i));
        b.node(me);
        if let Some(n) = sg.network {
            b.edge(me, Entity::Network(n), Edge::References);
        }
        for r in sg.ingress.iter().chain(&sg.egress) {
            if let Some(e) = peer_entity(&r.peer) {
                b.edge(me, e, Edge::References);
            }
        }
    }
    for (i, h) in model.hosts.iter().enumerate() {
        let me = Entity::Host(HostId::from_index(i));
        if let Some(g) = h.group {
            b.edge(Entity::Group(g), me, Edge::Contains);
        }
        b.edge(me, Entity::Subnet(h.subnet), Edge::PlacedIn);
        for sg in &h.settings.security_groups {
            b.edge(me, Entity::Sg(*sg), Edge::Uses);
        }
    }
    let refs = |b: &mut Builder, from: Entity, hosts: &[HostId]| {
        for h in hosts {
            b.edge(from, Entity::Host(*h), Edge::References);
        }
    };
    for (i, v) in model.vpns.iter().enumerate() {
        refs(
            &mut b,
            Entity::Vpn(VpnId::from_index(i)),
            &[v.left.host, v.right.host],
        );
    }
    for (i, pg) in model.postgres.iter().enumerate() {
        let me = Entity::Postgres(PgClusterId::from_index(i));
        refs(&mut b, me, &pg.members.hosts);
        refs(&mut b, me, &pg.etcd.hosts);
        refs(&mut b, me, &pg.clients.hosts);
        if let Some(h) = &pg.haproxy {
            refs(&mut b, me, &h.hosts);
        }
    }
    for (i, es) in model.elasticsearch.iter().enumerate() {
        let me = Entity::Elasticsearch(EsClusterId::from_index(i));
        refs(&mut b, me, &es.members.hosts);
        refs(&mut b, me, &es.clients.hosts);
    }
    if let Some(m) = &model.monitoring {
        let hosts: Vec<HostId> = m
            .prometheus
            .iter()
            .map(|p| p.host)
            .chain(m.grafana.iter().map(|g| g.host))
            .collect();
        refs(&mut b, Entity::Monitoring, &hosts);
    }
    let flows = flows::derive(model);
    for (i, f) in flows.iter().enumerate() {
        // Flows through a balancer or to ElastiCache have an end that is no
        // entity of the graph.
        if let (Some(from), Some(to)) = (f.from.host(), f.to.host()) {
            b.edge(Entity::Host(from), Entity::Host(to), Edge::Flow(i));
        }
    }
    Graph {
        graph: b.graph,
        nodes: b.nodes,
        flows,
    }
}
