//! What would unblock a blocked flow: the one fix-finding engine. The rule
//! `required-flow-blocked` words its findings from it, and the Prometheus and
//! Grafana emitters ask it (through the rule's wording) which spec change would
//! let a scrape through; the failure simulator and `diff` reuse it.
//!
//! [`SgChooser::new`] looks at every blocked flow at once (so the rule lands in
//! the group most of the blocked hosts share); [`fix_for`] then gives each
//! flow's fix and the host the block is at.

use super::flows::{Endpoint, Flow, Purpose};
use super::reach::{self, Block, Path};
use crate::model::*;
use std::collections::{HashMap, HashSet};

/// How to fix a finding; findings with the same fix are reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fix {
    /// Add a rule to a security group (`sg`), or attach one to `host`.
    Rule {
        direction: Direction,
        sg: Option<SgId>,
        host: Option<HostId>,
        peer: FixPeer,
        via_gateway: bool,
    },
    Route {
        from: NetworkId,
        to: NetworkId,
    },
    Cover {
        vpn: VpnId,
        left: bool,
    },
    PublicAddress {
        host: HostId,
    },
}

/// The `from=`/`to=` value the suggested rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixPeer {
    Sg(SgId),
    Host(HostId),
    Network(NetworkId),
    /// `lb:NAME`: the balancer's one security group.
    Lb(LbId),
    /// The balancer's subnets (`subnet:`, one rule each): where a balancer
    /// without one security group sends from (health checks of a network
    /// balancer).
    LbSubnets(LbId),
    /// `cidr:` (the internet).
    Cidr(ipnet::IpNet),
}

impl FixPeer {
    pub fn is(self, peer: &Peer) -> bool {
        match (self, peer) {
            (FixPeer::Sg(a), Peer::Sg(b)) => a == *b,
            (FixPeer::Host(a), Peer::Host(b)) => a == *b,
            (FixPeer::Network(a), Peer::Network(b)) => a == *b,
            (FixPeer::Cidr(a), Peer::Cidr(b)) => a == *b,
            _ => false,
        }
    }
}

/// The fix for one blocked flow, and the end the block is at.
pub fn fix_for(model: &Model, flow: &Flow, block: &Block, chooser: &SgChooser) -> (Fix, Endpoint) {
    match *block {
        Block::Ingress { at, .. } => {
            let at = Endpoint::Host(at);
            let fix = rule_fix(model, flow, Direction::Ingress, at, flow.from, chooser);
            (fix, at)
        }
        Block::Egress { at, .. } => {
            let at = Endpoint::Host(at);
            let fix = rule_fix(model, flow, Direction::Egress, at, flow.to, chooser);
            (fix, at)
        }
        Block::EndIngress { at } => {
            let fix = rule_fix(model, flow, Direction::Ingress, at, flow.from, chooser);
            (fix, at)
        }
        Block::EndEgress { at } => {
            let fix = rule_fix(model, flow, Direction::Egress, at, flow.to, chooser);
            (fix, at)
        }
        Block::NoRoute { from, to } => (Fix::Route { from, to }, flow.to),
        Block::NotInTunnel { vpn, host } => {
            let left = model
                .vpns
                .get(vpn.index())
                .is_some_and(|v| model.host_network(v.left.host) == model.host_network(host));
            (Fix::Cover { vpn, left }, Endpoint::Host(host))
        }
        Block::NoPublicAddress { host } => (Fix::PublicAddress { host }, Endpoint::Host(host)),
    }
}

/// A rule on `at` naming `other`, the far end of the flow from `at`'s view.
fn rule_fix(
    model: &Model,
    flow: &Flow,
    direction: Direction,
    at: Endpoint,
    other: Endpoint,
    chooser: &SgChooser,
) -> Fix {
    let peer = match (at, other) {
        (Endpoint::Host(a), Endpoint::Host(o)) => fix_peer(model, flow, a, o),
        _ => end_fix_peer(model, at, other),
    };
    let sg = chooser.choose(model, flow, direction, at, peer);
    Fix::Rule {
        direction,
        sg,
        host: if sg.is_none() { at.host() } else { None },
        peer,
        via_gateway: at != flow.from && at != flow.to,
    }
}

/// What the suggested rule names, following LANGUAGE.md: a group of the same
/// network by `sg:`; a gateway seen over the internet by `host:` (its
/// public address); traffic from across the tunnel by its network.
fn fix_peer(model: &Model, flow: &Flow, at: HostId, other: HostId) -> FixPeer {
    let other_net = model.host_network(other);
    if model.host_network(at) != other_net {
        return match reach::path(model, flow) {
            Ok(Path::Internet) => FixPeer::Host(other),
            _ => FixPeer::Network(other_net),
        };
    }
    let h = model.host(other);
    match h.settings.security_groups.first() {
        Some(sg) => FixPeer::Sg(*sg),
        None if h.group.is_none() => FixPeer::Host(other),
        None => FixPeer::Network(other_net),
    }
}

/// What a rule on `at` names for a flow with a non-host end (inside one
/// network, or from the internet).
fn end_fix_peer(model: &Model, at: Endpoint, other: Endpoint) -> FixPeer {
    match other {
        Endpoint::Host(h) => {
            let host = model.host(h);
            match host.settings.security_groups.first() {
                Some(sg) => FixPeer::Sg(*sg),
                None if host.group.is_none() => FixPeer::Host(h),
                None => FixPeer::Network(model.host_network(h)),
            }
        }
        Endpoint::Lb(id) => match model.load_balancers.get(id.index()) {
            Some(lb) if lb.security_groups.len() == 1 => FixPeer::Lb(id),
            _ => FixPeer::LbSubnets(id),
        },
        Endpoint::ElastiCache(_) => match reach::end_security_groups(model, other).first() {
            Some(sg) => FixPeer::Sg(*sg),
            None => match at.host() {
                Some(h) => FixPeer::Network(model.host_network(h)),
                None => FixPeer::Cidr(ipnet::IpNet::V4(ipnet::Ipv4Net::default())),
            },
        },
        Endpoint::Cidr(c) => FixPeer::Cidr(c),
    }
}

/// Picks the security group a missing rule belongs in: the one shared by
/// most of the hosts a purpose is blocked at (so `node-exporter`, not
/// `app`, for the scrape of every host), then one that already has a rule
/// for the port (from the wrong peer), then the most specific (attached to
/// the fewest hosts), then one that already names the peer.
pub struct SgChooser {
    shared: HashMap<(Purpose, Direction, SgId), u32>,
    attached: Vec<u32>,
}

impl SgChooser {
    pub fn new(model: &Model, blocked: &[(&Flow, Block)]) -> Self {
        let mut seen = HashSet::new();
        let mut shared = HashMap::new();
        for (flow, block) in blocked {
            let (dir, at) = match block {
                Block::Ingress { at, .. } => (Direction::Ingress, Endpoint::Host(*at)),
                Block::Egress { at, .. } => (Direction::Egress, Endpoint::Host(*at)),
                Block::EndIngress { at } => (Direction::Ingress, *at),
                Block::EndEgress { at } => (Direction::Egress, *at),
                _ => continue,
            };
            if seen.insert((flow.purpose, dir, at)) {
                for sg in reach::end_security_groups(model, at) {
                    *shared.entry((flow.purpose, dir, *sg)).or_insert(0) += 1;
                }
            }
        }
        let mut attached = vec![0u32; model.security_groups.len()];
        for h in &model.hosts {
            for sg in &h.settings.security_groups {
                if let Some(n) = attached.get_mut(sg.index()) {
                    *n += 1;
                }
            }
        }
        SgChooser { shared, attached }
    }

    fn choose(
        &self,
        model: &Model,
        flow: &Flow,
        dir: Direction,
        at: Endpoint,
        peer: FixPeer,
    ) -> Option<SgId> {
        let rules = |sg: SgId| {
            let g = model.sg(sg);
            if dir == Direction::Ingress {
                g.ingress.as_slice()
            } else {
                g.egress.as_slice()
            }
        };
        let has_port = |sg: SgId| rules(sg).iter().any(|r| r.covers(flow.proto, flow.port));
        let names_peer = |sg: SgId| rules(sg).iter().any(|r| peer.is(&r.peer));
        reach::end_security_groups(model, at)
            .iter()
            .copied()
            .max_by_key(|sg| {
                let shared = self.shared.get(&(flow.purpose, dir, *sg)).copied();
                let attached = self.attached.get(sg.index()).copied().unwrap_or(0);
                // Least privilege before convenience: a group on fewer
                // hosts opens the port on fewer hosts.
                (
                    shared.unwrap_or(0),
                    has_port(*sg),
                    std::cmp::Reverse(attached),
                    names_peer(*sg),
                    std::cmp::Reverse(*sg),
                )
            })
    }
}
