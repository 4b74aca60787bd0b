//! Does the network let a flow through? Security groups are evaluated the
//! way AWS does (union of the attached groups, stateful, default egress
//! open), and a flow between networks must cross a VPN whose subnets cover
//! both ends and be allowed at both gateways (AWS security groups filter
//! forwarded packets too).
//!
//! This runs once per host pair of every flow (10k hosts → 10k+ checks), so
//! nothing here allocates.

use super::flows::{Endpoint, Flow};
use crate::model::*;
use ipnet::IpNet;
use std::net::IpAddr;

/// Why a flow is blocked, naming the host whose groups drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// No ingress rule on `at` admits the flow arriving from `source`.
    /// `at` is the destination, or a gateway forwarding the flow.
    Ingress { at: HostId, source: IpAddr },
    /// No egress rule on `at` lets the flow out towards `dest`. `at` is the
    /// source, or the destination-side gateway forwarding the flow.
    Egress { at: HostId, dest: IpAddr },
    /// The two networks are not joined by any VPN.
    NoRoute { from: NetworkId, to: NetworkId },
    /// The tunnel's subnets (of the end on `host`'s side) do not include
    /// `host`'s address.
    NotInTunnel { vpn: VpnId, host: HostId },
    /// A VPN gateway without `public-address=`: its peer cannot name it.
    NoPublicAddress { host: HostId },
    /// A flow with an end that is not a host (a balancer, ElastiCache, a
    /// CIDR): no ingress rule of `at` admits it.
    EndIngress { at: Endpoint },
    /// … no egress rule of `at` lets it out.
    EndEgress { at: Endpoint },
}

/// How a flow travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Both ends sit in one network.
    Local,
    /// Gateway to gateway over the internet (IKE, ESP): public addresses.
    Internet,
    /// Through the tunnel of `vpns[vpn]`, private addresses kept.
    Tunnel(Tunnel),
    /// An end has no private address (its subnet is full, which
    /// `subnet-capacity` reports): nothing to evaluate yet.
    Unaddressed,
}

/// The path a flow takes between two networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tunnel {
    pub vpn: VpnId,
    /// Gateway on the source side, then on the destination side.
    pub gateways: [HostId; 2],
    /// True when the source side is the vpn's `left` end.
    pub source_is_left: bool,
}

impl Tunnel {
    /// The vpn end on the source side, then on the destination side.
    pub fn ends<'m>(&self, model: &'m Model) -> [&'m VpnEnd; 2] {
        let v = &model.vpns[self.vpn.index()];
        if self.source_is_left {
            [&v.left, &v.right]
        } else {
            [&v.right, &v.left]
        }
    }
}

/// Every VPN joining network `a` (source side) to `b`.
pub fn tunnels_between(model: &Model, a: NetworkId, b: NetworkId) -> impl Iterator<Item = Tunnel> {
    model.vpns.iter().enumerate().filter_map(move |(i, v)| {
        let (l, r) = (
            model.host_network(v.left.host),
            model.host_network(v.right.host),
        );
        let source_is_left = if (l, r) == (a, b) {
            true
        } else if (r, l) == (a, b) {
            false
        } else {
            return None;
        };
        let gateways = if source_is_left {
            [v.left.host, v.right.host]
        } else {
            [v.right.host, v.left.host]
        };
        Some(Tunnel {
            vpn: VpnId::from_index(i),
            gateways,
            source_is_left,
        })
    })
}

/// The first VPN joining `a` to `b`.
pub fn tunnel_between(model: &Model, a: NetworkId, b: NetworkId) -> Option<Tunnel> {
    tunnels_between(model, a, b).next()
}

/// What a flow carries and between whom: the parts of a `Flow` the
/// evaluation reads. `check` builds one from each service flow; analyses
/// that ask "does this rule set let A reach B on P?" (`infragen diff`)
/// build their own, so both go through one code path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub from: Endpoint,
    pub to: Endpoint,
    pub proto: Proto,
    pub port: Option<u16>,
    /// Gateway-to-gateway control traffic (IKE, ESP): over the internet.
    pub control: bool,
}

impl Probe {
    pub fn of(flow: &Flow) -> Probe {
        Probe {
            from: flow.from,
            to: flow.to,
            proto: flow.proto,
            port: flow.port,
            control: flow.purpose.is_tunnel_control(),
        }
    }
}

/// The path of a flow, or why there is none.
pub fn path(model: &Model, flow: &Flow) -> Result<Path, Block> {
    probe_path(model, &Probe::of(flow))
}

/// A flow between two hosts, in the host-only form the evaluation below
/// reads.
#[derive(Clone, Copy)]
struct HostProbe {
    from: HostId,
    to: HostId,
    proto: Proto,
    port: Option<u16>,
    control: bool,
}

impl Probe {
    fn hosts(&self) -> Option<HostProbe> {
        Some(HostProbe {
            from: self.from.host()?,
            to: self.to.host()?,
            proto: self.proto,
            port: self.port,
            control: self.control,
        })
    }
}

/// The path of a probe, or why there is none. A flow with a non-host end
/// stays in its network (or arrives from the internet): `Local`.
pub fn probe_path(model: &Model, flow: &Probe) -> Result<Path, Block> {
    match flow.hosts() {
        Some(h) => host_path(model, &h),
        None => match (end_network(model, flow.from), end_network(model, flow.to)) {
            (Some(a), Some(b)) if a != b => Err(Block::NoRoute { from: a, to: b }),
            _ => Ok(Path::Local),
        },
    }
}

fn host_path(model: &Model, flow: &HostProbe) -> Result<Path, Block> {
    let (from_net, to_net) = (model.host_network(flow.from), model.host_network(flow.to));
    if from_net == to_net {
        return Ok(Path::Local);
    }
    if flow.control {
        return Ok(Path::Internet);
    }
    let (Some(src), Some(dst)) = (model.host(flow.from).address, model.host(flow.to).address)
    else {
        return Ok(Path::Unaddressed);
    };
    let mut first = None;
    for t in tunnels_between(model, from_net, to_net) {
        let [src_end, dst_end] = t.ends(model);
        if !end_covers(model, src_end, src) {
            first.get_or_insert(Block::NotInTunnel {
                vpn: t.vpn,
                host: flow.from,
            });
        } else if !end_covers(model, dst_end, dst) {
            first.get_or_insert(Block::NotInTunnel {
                vpn: t.vpn,
                host: flow.to,
            });
        } else {
            return Ok(Path::Tunnel(t));
        }
    }
    Err(first.unwrap_or(Block::NoRoute {
        from: from_net,
        to: to_net,
    }))
}

/// Evaluates one flow; `Ok` when every hop lets it through.
pub fn check(model: &Model, flow: &Flow) -> Result<(), Block> {
    check_probe(model, &Probe::of(flow))
}

/// Evaluates one probe the way `check` evaluates a service flow.
pub fn check_probe(model: &Model, flow: &Probe) -> Result<(), Block> {
    match flow.hosts() {
        Some(h) => check_hosts(model, &h),
        None => check_ends(model, flow),
    }
}

fn check_hosts(model: &Model, flow: &HostProbe) -> Result<(), Block> {
    match host_path(model, flow)? {
        Path::Local => {
            let (Some(src), Some(dst)) =
                (model.host(flow.from).address, model.host(flow.to).address)
            else {
                return Ok(());
            };
            egress(model, flow, flow.from, dst, flow.to)?;
            ingress(model, flow, flow.to, src, Some(flow.from))
        }
        Path::Internet => {
            // Each gateway sees the other's public address.
            let src = public_address(model, flow.from)?;
            let dst = public_address(model, flow.to)?;
            egress(model, flow, flow.from, dst, flow.to)?;
            ingress(model, flow, flow.to, src, Some(flow.from))
        }
        Path::Tunnel(t) => through_tunnel(model, flow, t),
        Path::Unaddressed => Ok(()),
    }
}

/// Traffic from an address outside the spec's hosts (the internet, an
/// address set, a literal CIDR) arriving at host `to`: does its ingress
/// admit `proto`/`port` from `src`? The same ingress evaluation as `check`.
pub fn check_from_address(
    model: &Model,
    src: IpAddr,
    to: HostId,
    proto: Proto,
    port: Option<u16>,
) -> Result<(), Block> {
    let probe = HostProbe {
        from: to,
        to,
        proto,
        port,
        control: false,
    };
    ingress(model, &probe, to, src, None)
}

/// The ingress rules on host `at` that admit `proto`/`port` from `src`
/// (sent by host `src_host`, if it is one of the spec's): what `check`
/// finds when it lets a flow in, for reports that name the rule.
pub fn admitting_rules(
    model: &Model,
    at: HostId,
    proto: Proto,
    port: Option<u16>,
    src: IpAddr,
    src_host: Option<HostId>,
) -> impl Iterator<Item = &SgRule> {
    let net = model.host_network(at);
    model
        .host(at)
        .settings
        .security_groups
        .iter()
        .flat_map(move |sg| {
            model.sg(*sg).ingress.iter().filter(move |r| {
                r.covers(proto, port) && peer_admits(model, &r.peer, src, src_host, net)
            })
        })
}

fn public_address(model: &Model, host: HostId) -> Result<IpAddr, Block> {
    match &model.host(host).public_address {
        Some(a) => Ok(a.value),
        None => Err(Block::NoPublicAddress { host }),
    }
}

/// Inside the tunnel packets keep their private addresses: they leave the
/// source, enter the source-side gateway, are encapsulated (the ESP flow
/// covers that leg), leave the destination-side gateway and enter the
/// destination.
fn through_tunnel(model: &Model, flow: &HostProbe, t: Tunnel) -> Result<(), Block> {
    let (Some(src), Some(dst)) = (model.host(flow.from).address, model.host(flow.to).address)
    else {
        return Ok(());
    };
    egress(model, flow, flow.from, dst, flow.to)?;
    let [src_gw, dst_gw] = t.gateways;
    if src_gw != flow.from {
        ingress(model, flow, src_gw, src, Some(flow.from))?;
    }
    if dst_gw != flow.to {
        ingress(model, flow, dst_gw, src, Some(flow.from))?;
        egress(model, flow, dst_gw, dst, flow.to)?;
    }
    ingress(model, flow, flow.to, src, Some(flow.from))
}

/// Does a tunnel end's `subnets=` include `addr`?
fn end_covers(model: &Model, end: &VpnEnd, addr: IpAddr) -> bool {
    end.subnets
        .iter()
        .any(|p| cidr_peer_contains(model, p, addr))
}

fn ingress(
    model: &Model,
    flow: &HostProbe,
    at: HostId,
    src: IpAddr,
    src_host: Option<HostId>,
) -> Result<(), Block> {
    let host = model.host(at);
    if host.settings.security_groups.is_empty() && model.host_cloud(at) == Cloud::Azure {
        return Ok(()); // A NIC without an NSG filters nothing.
    }
    let allowed = admitting_rules(model, at, flow.proto, flow.port, src, src_host)
        .next()
        .is_some();
    if allowed {
        Ok(())
    } else {
        Err(Block::Ingress { at, source: src })
    }
}

fn egress(
    model: &Model,
    flow: &HostProbe,
    at: HostId,
    dst: IpAddr,
    dst_host: HostId,
) -> Result<(), Block> {
    let groups = &model.host(at).settings.security_groups;
    // Each group without egress rules keeps the default "all outbound".
    if groups.is_empty() || groups.iter().any(|sg| !model.sg(*sg).egress_declared) {
        return Ok(());
    }
    let net = model.host_network(at);
    let allowed = groups.iter().any(|sg| {
        model.sg(*sg).egress.iter().any(|r| {
            r.covers(flow.proto, flow.port) && peer_admits(model, &r.peer, dst, Some(dst_host), net)
        })
    });
    if allowed {
        Ok(())
    } else {
        Err(Block::Egress { at, dest: dst })
    }
}

/// Does a rule's peer (in a group of network `here`) match the other end,
/// whose packets carry `addr`?
fn peer_admits(
    model: &Model,
    peer: &Peer,
    addr: IpAddr,
    other: Option<HostId>,
    here: NetworkId,
) -> bool {
    match peer {
        // Group references match members of the same network only, by their
        // private address (forwarded packets keep a foreign source). An
        // address outside the spec's hosts is in no group.
        Peer::Sg(id) => other.is_some_and(|other| {
            model.host_network(other) == here
                && model.host(other).address == Some(addr)
                && model.host(other).settings.security_groups.contains(id)
        }),
        // `host:NAME` is the address that host's packets carry here: public
        // across networks, private inside (LANGUAGE.md, References).
        Peer::Host(id) => model.host_seen_address(*id, Some(here)) == Some(addr),
        _ => cidr_peer_contains(model, peer, addr),
    }
}

/// Address-valued peers (`cidr:`, `set:`, `subnet:`, `vpc:`, `vnet:`).
fn cidr_peer_contains(model: &Model, peer: &Peer, addr: IpAddr) -> bool {
    match peer {
        Peer::Cidr(c) => c.contains(&addr),
        Peer::Set(id) => model
            .address_sets
            .get(id.index())
            .is_some_and(|s| s.cidrs.iter().any(|c| c.value.contains(&addr))),
        Peer::Subnet(id) => model.subnet(*id).cidr.value.contains(&addr),
        Peer::Network(id) => model.network(*id).cidr.value.contains(&addr),
        Peer::Sg(_) | Peer::Host(_) => false,
    }
}

/// The network an end sits in; None for addresses outside the spec.
fn end_network(model: &Model, e: Endpoint) -> Option<NetworkId> {
    match e {
        Endpoint::Host(h) => Some(model.host_network(h)),
        Endpoint::Lb(id) => {
            let lb = model.load_balancers.get(id.index())?;
            Some(model.subnet(*lb.subnets.first()?).network)
        }
        Endpoint::ElastiCache(id) => {
            let r = model.redis.get(id.index())?;
            match r.subnets.first() {
                Some(s) => Some(model.subnet(*s).network),
                None => r.clients.hosts.first().map(|h| model.host_network(*h)),
            }
        }
        Endpoint::Cidr(_) => None,
    }
}

/// The security groups on an end; None when the end filters nothing
/// (addresses outside the spec, a balancer without groups, an ElastiCache
/// whose group is infragen's own, an Azure NIC without an NSG).
fn end_groups(model: &Model, e: Endpoint) -> Option<&[SgId]> {
    let groups: &[SgId] = match e {
        Endpoint::Host(h) => {
            let sgs = &model.host(h).settings.security_groups;
            if sgs.is_empty() && model.host_cloud(h) == Cloud::Azure {
                return None;
            }
            return Some(sgs);
        }
        Endpoint::Lb(id) => &model.load_balancers.get(id.index())?.security_groups,
        Endpoint::ElastiCache(id) => &model.redis.get(id.index())?.security_groups,
        Endpoint::Cidr(_) => return None,
    };
    (!groups.is_empty()).then_some(groups)
}

/// The security groups of an end (empty for an end that has none).
pub fn end_security_groups(model: &Model, e: Endpoint) -> &[SgId] {
    end_groups(model, e).unwrap_or(&[])
}

/// A flow with a non-host end, inside one network or from the internet:
/// egress at the source, then ingress at the destination, with each end as
/// a rule of the other's groups sees it.
fn check_ends(model: &Model, flow: &Probe) -> Result<(), Block> {
    probe_path(model, flow)?;
    if let Some(groups) = end_groups(model, flow.from)
        && !groups.iter().any(|sg| !model.sg(*sg).egress_declared)
        && !groups_admit(model, groups, Direction::Egress, flow, flow.to)
    {
        return Err(Block::EndEgress { at: flow.from });
    }
    if let Some(groups) = end_groups(model, flow.to)
        && !groups_admit(model, groups, Direction::Ingress, flow, flow.from)
    {
        return Err(Block::EndIngress { at: flow.to });
    }
    Ok(())
}

/// Do the `dir` rules of `groups` admit the flow with the end `other`? A
/// balancer or an ElastiCache is named by one of its security groups, or
/// each of its subnets (where its nodes' addresses lie) is covered by a
/// rule.
fn groups_admit(
    model: &Model,
    groups: &[SgId],
    dir: Direction,
    flow: &Probe,
    other: Endpoint,
) -> bool {
    let rules = || {
        groups.iter().flat_map(move |sg| {
            let g = model.sg(*sg);
            let list = match dir {
                Direction::Ingress => &g.ingress,
                Direction::Egress => &g.egress,
            };
            list.iter()
                .filter(move |r| r.covers(flow.proto, flow.port))
                .map(move |r| (&r.peer, g.network))
        })
    };
    let (own_groups, subnets): (&[SgId], &[SubnetId]) = match other {
        Endpoint::Host(h) => {
            let Some(addr) = model.host(h).address else {
                return true; // Unaddressed: `subnet-capacity` reports it.
            };
            return rules().any(|(peer, net)| {
                let net = net.unwrap_or_else(|| model.host_network(h));
                peer_admits(model, peer, addr, Some(h), net)
            });
        }
        Endpoint::Cidr(c) => return rules().any(|(peer, _)| cidr_peer_covers(model, peer, c)),
        Endpoint::Lb(id) => match model.load_balancers.get(id.index()) {
            Some(lb) => (&lb.security_groups, &lb.subnets),
            None => return false,
        },
        Endpoint::ElastiCache(id) => match model.redis.get(id.index()) {
            Some(r) => (&r.security_groups, &r.subnets),
            None => return false,
        },
    };
    rules().any(|(peer, _)| matches!(peer, Peer::Sg(sg) if own_groups.contains(sg)))
        || (!subnets.is_empty()
            && subnets.iter().all(|s| {
                let range = model.subnet(*s).cidr.value;
                rules().any(|(peer, _)| cidr_peer_covers(model, peer, range))
            }))
}

/// The ingress rules of a non-host end `at` (a balancer, an ElastiCache)
/// that admit `proto`/`port` from `from`: what `check` finds when it lets
/// such a flow in, for reports that name the rule.
pub fn end_admitting_rules(
    model: &Model,
    at: Endpoint,
    proto: Proto,
    port: Option<u16>,
    from: Endpoint,
) -> impl Iterator<Item = &SgRule> {
    end_security_groups(model, at).iter().flat_map(move |sg| {
        let g = model.sg(*sg);
        g.ingress
            .iter()
            .filter(move |r| r.covers(proto, port) && rule_admits_end(model, r, g.network, from))
    })
}

/// Does the one rule `r` (of a group in network `here`) admit some of the
/// end `other`'s addresses: its own group, one of its subnets, the host, a
/// CIDR the rule covers?
fn rule_admits_end(model: &Model, r: &SgRule, here: Option<NetworkId>, other: Endpoint) -> bool {
    let peer = &r.peer;
    let (own, subnets): (&[SgId], &[SubnetId]) = match other {
        Endpoint::Host(h) => {
            return model.host(h).address.is_none_or(|addr| {
                let net = here.unwrap_or_else(|| model.host_network(h));
                peer_admits(model, peer, addr, Some(h), net)
            });
        }
        Endpoint::Cidr(c) => return cidr_peer_covers(model, peer, c),
        Endpoint::Lb(id) => match model.load_balancers.get(id.index()) {
            Some(lb) => (&lb.security_groups, &lb.subnets),
            None => return false,
        },
        Endpoint::ElastiCache(id) => match model.redis.get(id.index()) {
            Some(x) => (&x.security_groups, &x.subnets),
            None => return false,
        },
    };
    matches!(peer, Peer::Sg(sg) if own.contains(sg))
        || subnets
            .iter()
            .any(|s| cidr_peer_covers(model, peer, model.subnet(*s).cidr.value))
}

/// Does an address-valued peer contain the whole range `net`?
fn cidr_peer_covers(model: &Model, peer: &Peer, net: IpNet) -> bool {
    match peer {
        Peer::Cidr(c) => c.contains(&net),
        Peer::Set(id) => model
            .address_sets
            .get(id.index())
            .is_some_and(|s| s.cidrs.iter().any(|c| c.value.contains(&net))),
        Peer::Subnet(id) => model.subnet(*id).cidr.value.contains(&net),
        Peer::Network(id) => model.network(*id).cidr.value.contains(&net),
        Peer::Sg(_) | Peer::Host(_) => false,
    }
}
