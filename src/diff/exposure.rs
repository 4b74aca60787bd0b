//! Exposure: who can reach what, on each side of a change, asked of the
//! same flow evaluation `required-flow-blocked` uses (`graph::reach`), and
//! compared.
//!
//! Asking every host pair would be quadratic, so hosts are put in *classes*
//! that the rule set cannot tell apart: the same unit (group, or a host of
//! its own), the same network, and the same answer to every address-valued
//! peer that cuts through the network (`subnet:`, a `cidr:` or `set:`
//! narrower than the VPC, a tunnel's `subnets=`). A host that a `host:`
//! peer or a VPN names is a unit of its own. One member of each class
//! stands for it. Ports are asked once per elementary interval of the
//! destination's ingress rules on either side, so each answer holds for
//! the whole interval.

use super::{LineIndex, SpecLines};
use crate::graph::flows::Endpoint;
use crate::graph::reach::{self, Probe};
use crate::model::*;
use crate::units::format_port_range;
use ipnet::IpNet;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Allowed in NEW, not in OLD.
    Opened,
    /// Allowed in OLD, not in NEW.
    Closed,
}

/// Where the traffic comes from, most alarming first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Any address on the internet.
    World,
    /// An address set or a literal CIDR outside the spec's hosts.
    External,
    /// A host in another network (through a tunnel or over the internet).
    CrossNetwork,
    /// A host in the destination's network.
    Internal,
}

/// One (source, destination, protocol/ports) pair newly allowed or blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exposure {
    pub change: Change,
    pub class: Class,
    /// `world`, `set:NAME`, `cidr:X`, or a group or host name.
    pub source: String,
    /// A group or host name.
    pub destination: String,
    pub proto: &'static str,
    /// `22`, `1000-2000`, `all`; None for icmp and esp.
    pub ports: Option<String>,
    /// Does the destination have a public address (reachable from the
    /// internet at all)?
    pub destination_public: bool,
    /// Only some hosts of the source or destination are concerned.
    pub partial: bool,
    /// The ingress rules that admit it, on each side.
    pub lines: SpecLines,
}

/// The label of the world as a source.
pub const WORLD: &str = "world";

/// The units and classes of one side.
struct Side<'m> {
    model: &'m Model,
    lines: &'m LineIndex,
    /// Unit label → its classes: up to two member hosts each (a second one
    /// to stand for the class as a source towards itself).
    units: BTreeMap<String, Vec<[Option<HostId>; 2]>>,
    /// `lb:NAME` → the balancer: a destination of its own, filtered by its
    /// security groups.
    balancers: BTreeMap<String, LbId>,
}

impl<'m> Side<'m> {
    fn new(model: &'m Model, lines: &'m LineIndex) -> Self {
        // Hosts a `host:` peer or a VPN end names.
        let mut singled: BTreeSet<HostId> = BTreeSet::new();
        let mut cidrs: Vec<IpNet> = Vec::new();
        let mut peer = |p: &Peer, singled: &mut BTreeSet<HostId>| match p {
            Peer::Host(h) => {
                singled.insert(*h);
            }
            Peer::Sg(_) => {}
            other => cidrs.extend(model.peer_cidrs(other, None)),
        };
        for sg in &model.security_groups {
            for r in sg.ingress.iter().chain(&sg.egress) {
                peer(&r.peer, &mut singled);
            }
        }
        for v in &model.vpns {
            singled.insert(v.left.host);
            singled.insert(v.right.host);
            for p in v.left.subnets.iter().chain(&v.right.subnets) {
                peer(p, &mut singled);
            }
        }
        cidrs.sort();
        cidrs.dedup();
        // Per network, the CIDRs that cut through it.
        let cutting: Vec<Vec<IpNet>> = model
            .networks
            .iter()
            .map(|n| {
                let net = n.cidr.value;
                cidrs
                    .iter()
                    .filter(|c| overlaps(c, &net) && !c.contains(&net))
                    .copied()
                    .collect()
            })
            .collect();
        type Key = (String, usize, Vec<bool>, bool, bool);
        let mut classes: HashMap<Key, usize> = HashMap::new();
        let mut units: BTreeMap<String, Vec<[Option<HostId>; 2]>> = BTreeMap::new();
        for (i, h) in model.hosts.iter().enumerate() {
            let id = HostId::from_index(i);
            let unit = match h.group {
                Some(g) if !singled.contains(&id) => model.group(g).name.clone(),
                _ => h.name.clone(),
            };
            let net = model.host_network(id).index();
            let bits = cutting[net]
                .iter()
                .map(|c| h.address.is_some_and(|a| c.contains(&a)))
                .collect();
            let key = (
                unit.clone(),
                net,
                bits,
                h.address.is_none(),
                h.public_address.is_some(),
            );
            let list = units.entry(unit).or_default();
            match classes.get(&key) {
                Some(&k) => {
                    if list[k][1].is_none() {
                        list[k][1] = Some(id);
                    }
                }
                None => {
                    classes.insert(key, list.len());
                    list.push([Some(id), None]);
                }
            }
        }
        let balancers = model
            .load_balancers
            .iter()
            .enumerate()
            .map(|(i, lb)| (format!("lb:{}", lb.name), LbId::from_index(i)))
            .collect();
        Side {
            model,
            lines,
            units,
            balancers,
        }
    }

    /// The (protocol, ports) of every ingress rule of a balancer's groups.
    fn lb_ingress_ranges(&self, label: &str, out: &mut Vec<(Proto, Option<(u16, u16)>)>) {
        let Some(id) = self.balancers.get(label) else {
            return;
        };
        for sg in reach::end_security_groups(self.model, Endpoint::Lb(*id)) {
            for r in &self.model.sg(*sg).ingress {
                out.push((r.proto, r.ports));
            }
        }
    }

    /// The (protocol, ports) of every ingress rule on the unit's hosts.
    fn ingress_ranges(&self, unit: &str, out: &mut Vec<(Proto, Option<(u16, u16)>)>) {
        for class in self.units.get(unit).into_iter().flatten() {
            let Some(h) = class[0] else { continue };
            let host = self.model.host(h);
            if host.settings.security_groups.is_empty() && self.model.host_cloud(h) == Cloud::Azure
            {
                out.push((Proto::All, None)); // no NSG: everything comes in
            }
            for sg in &host.settings.security_groups {
                for r in &self.model.sg(*sg).ingress {
                    out.push((r.proto, r.ports));
                }
            }
        }
    }

    fn network_name(&self, h: HostId) -> &str {
        &self.model.network(self.model.host_network(h)).name
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// One probe: a protocol and an interval of ports (None: icmp, esp).
type Interval = (Proto, Option<(u16, u16)>);

/// The elementary intervals of a set of rule ranges: each is covered by at
/// least one range, and every range is a union of them.
fn intervals(ranges: &[(Proto, Option<(u16, u16)>)]) -> Vec<Interval> {
    let mut bounds: BTreeMap<Proto, BTreeSet<u32>> = BTreeMap::new();
    let mut portless: BTreeSet<Proto> = BTreeSet::new();
    let mut add = |p: Proto, r: Option<(u16, u16)>| {
        let (lo, hi) = r.unwrap_or((1, u16::MAX));
        let b = bounds.entry(p).or_default();
        b.insert(u32::from(lo));
        b.insert(u32::from(hi) + 1);
    };
    for &(proto, ports) in ranges {
        match proto {
            Proto::Tcp | Proto::Udp => add(proto, ports),
            Proto::All => {
                add(Proto::Tcp, ports);
                add(Proto::Udp, ports);
                if ports.is_none() {
                    portless.insert(Proto::Icmp);
                    portless.insert(Proto::Esp);
                }
            }
            Proto::Icmp | Proto::Esp => {
                portless.insert(proto);
            }
        }
    }
    let mut out = Vec::new();
    for (proto, b) in &bounds {
        let b: Vec<u32> = b.iter().copied().collect();
        for w in b.windows(2) {
            let (lo, hi) = (w[0] as u16, (w[1] - 1) as u16);
            if ranges.iter().any(|&(p, r)| {
                (p == *proto || p == Proto::All) && r.is_none_or(|(a, z)| a <= lo && hi <= z)
            }) {
                out.push((*proto, Some((lo, hi))));
            }
        }
    }
    out.extend(portless.into_iter().map(|p| (p, None)));
    out
}

/// What one side allows for one (source, destination, interval).
#[derive(Debug, Default)]
struct Answer {
    /// Some class pair gets through.
    any: bool,
    /// Every class pair gets through.
    all: bool,
    class: Option<Class>,
    public: bool,
    lines: BTreeSet<usize>,
}

/// (source, destination, interval), borrowing the labels.
type Key<'a> = (&'a str, &'a str, Interval);

/// Which answers to give, and whether with the lines of the admitting
/// rules: every answer without lines first (most are the same on both
/// sides, and only a change is reported with its lines), then the changed
/// ones again with their lines.
#[derive(Clone, Copy)]
enum Ask<'k> {
    All,
    WithLines(&'k HashSet<(&'k str, &'k str, Interval)>),
}

impl Ask<'_> {
    fn wants(&self, src: &str, dest: &str, iv: Interval) -> bool {
        match self {
            Ask::All => true,
            Ask::WithLines(keys) => keys.contains(&(src, dest, iv)),
        }
    }

    fn lines(&self) -> bool {
        matches!(self, Ask::WithLines(_))
    }
}

/// External sources, with the addresses that stand for them on a side.
fn externals(old: &Model, new: &Model) -> Vec<(String, Vec<IpAddr>, Vec<IpAddr>)> {
    let mut literal: BTreeSet<IpNet> = BTreeSet::new();
    let mut all: Vec<IpNet> = Vec::new();
    for m in [old, new] {
        for sg in &m.security_groups {
            for r in sg.ingress.iter().chain(&sg.egress) {
                if let Peer::Cidr(c) = r.peer
                    && c.prefix_len() > 0
                {
                    literal.insert(c);
                }
                if !matches!(r.peer, Peer::Sg(_) | Peer::Host(_)) {
                    all.extend(m.peer_cidrs(&r.peer, None));
                }
            }
        }
        all.extend(m.networks.iter().map(|n| n.cidr.value));
        for s in &m.address_sets {
            all.extend(s.cidrs.iter().map(|c| c.value));
        }
    }
    // An internet address no narrower peer of either side names.
    let world = [
        Ipv4Addr::new(8, 8, 8, 8),
        Ipv4Addr::new(1, 1, 1, 1),
        Ipv4Addr::new(9, 9, 9, 9),
        Ipv4Addr::new(100, 64, 0, 1),
        Ipv4Addr::new(240, 0, 0, 1),
    ]
    .into_iter()
    .map(IpAddr::V4)
    .find(|a| !all.iter().any(|c| c.prefix_len() > 0 && c.contains(a)))
    .unwrap_or(IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)));
    let mut out = vec![(WORLD.to_string(), vec![world], vec![world])];
    let set_names: BTreeSet<&str> = old
        .address_sets
        .iter()
        .chain(&new.address_sets)
        .map(|s| s.name.as_str())
        .collect();
    let set_addrs = |m: &Model, name: &str| -> Vec<IpAddr> {
        m.address_sets
            .iter()
            .filter(|s| s.name == name)
            .flat_map(|s| s.cidrs.iter().map(|c| c.value.network()))
            .collect()
    };
    for name in set_names {
        out.push((
            format!("set:{name}"),
            set_addrs(old, name),
            set_addrs(new, name),
        ));
    }
    for c in literal {
        out.push((format!("cidr:{c}"), vec![c.network()], vec![c.network()]));
    }
    out
}

/// Everything one side allows, on the probes both sides share.
fn answers<'a>(
    side: &'a Side,
    probes: &BTreeMap<String, Vec<Interval>>,
    externals: &'a [(String, Vec<IpAddr>)],
    ask: Ask,
) -> HashMap<Key<'a>, Answer> {
    let m = side.model;
    let mut out: HashMap<Key<'a>, Answer> = HashMap::new();
    for (dest, dest_classes) in &side.units {
        let Some(ivs) = probes.get(dest) else {
            continue;
        };
        for &iv in ivs {
            let (proto, ports) = iv;
            let port = ports.map(|(lo, _)| lo);
            // External sources.
            for (label, addrs) in externals {
                if !ask.wants(label, dest, iv) {
                    continue;
                }
                let mut a = Answer {
                    all: true,
                    class: Some(if label == WORLD {
                        Class::World
                    } else {
                        Class::External
                    }),
                    ..Answer::default()
                };
                for class in dest_classes {
                    let Some(d) = class[0] else { continue };
                    a.public |= m.host(d).has_public_address();
                    let mut ok = false;
                    for &addr in addrs {
                        if reach::check_from_address(m, addr, d, proto, port).is_ok() {
                            ok = true;
                            if !ask.lines() {
                                continue;
                            }
                            a.lines.extend(
                                reach::admitting_rules(m, d, proto, port, addr, None)
                                    .map(|r| side.lines.line(r.span.start)),
                            );
                        }
                    }
                    a.any |= ok;
                    a.all &= ok;
                }
                if a.any {
                    out.insert((label.as_str(), dest.as_str(), iv), a);
                }
            }
            // Hosts of the spec.
            for (src, src_classes) in &side.units {
                if !ask.wants(src, dest, iv) {
                    continue;
                }
                let mut a = Answer {
                    all: true,
                    ..Answer::default()
                };
                for sc in src_classes {
                    for dc in dest_classes {
                        let Some(d) = dc[0] else { continue };
                        let s = match sc {
                            [Some(s), _] if *s != d => *s,
                            [_, Some(s)] if *s != d => *s,
                            _ => continue, // a one-host class towards itself
                        };
                        a.public |= m.host(d).has_public_address();
                        let cross = m.host_network(s) != m.host_network(d);
                        let class = if cross {
                            Class::CrossNetwork
                        } else {
                            Class::Internal
                        };
                        a.class = Some(a.class.map_or(class, |c| c.min(class)));
                        let lines = ask.lines().then_some(&mut a.lines);
                        let ok = host_to_host(side, s, d, proto, port, lines);
                        a.any |= ok;
                        a.all &= ok;
                    }
                }
                if a.any {
                    out.insert((src.as_str(), dest.as_str(), iv), a);
                }
            }
        }
    }
    balancer_answers(side, probes, externals, ask, &mut out);
    out
}

/// The balancers as destinations: who gets through their own security
/// groups to a listener (the same `reach::check_probe` as the flows).
fn balancer_answers<'a>(
    side: &'a Side,
    probes: &BTreeMap<String, Vec<Interval>>,
    externals: &'a [(String, Vec<IpAddr>)],
    ask: Ask,
    out: &mut HashMap<Key<'a>, Answer>,
) {
    let m = side.model;
    for (dest, id) in &side.balancers {
        let Some(ivs) = probes.get(dest) else {
            continue;
        };
        let to = Endpoint::Lb(*id);
        let lb = &m.load_balancers[id.index()];
        let public = lb.scheme == LbScheme::InternetFacing;
        let lb_net = lb.subnets.first().map(|s| m.subnet(*s).network);
        for &iv in ivs {
            let (proto, ports) = iv;
            let port = ports.map(|(lo, _)| lo);
            let mut ask =
                |label: &'a str, class: Class, froms: &mut dyn Iterator<Item = Endpoint>| {
                    if !ask.wants(label, dest, iv) {
                        return;
                    }
                    let mut a = Answer {
                        all: true,
                        class: Some(class),
                        public,
                        ..Answer::default()
                    };
                    for from in froms {
                        let probe = Probe {
                            from,
                            to,
                            proto,
                            port,
                            control: false,
                        };
                        let ok = reach::check_probe(m, &probe).is_ok();
                        if ok && ask.lines() {
                            a.lines.extend(
                                reach::end_admitting_rules(m, to, proto, port, from)
                                    .map(|r| side.lines.line(r.span.start)),
                            );
                        }
                        a.any |= ok;
                        a.all &= ok;
                    }
                    if a.any {
                        out.insert((label, dest.as_str(), iv), a);
                    }
                };
            for (label, addrs) in externals {
                let class = if label == WORLD {
                    Class::World
                } else {
                    Class::External
                };
                ask(
                    label,
                    class,
                    &mut addrs.iter().map(|a| Endpoint::Cidr(IpNet::from(*a))),
                );
            }
            for (src, src_classes) in &side.units {
                let hosts: Vec<HostId> = src_classes.iter().filter_map(|c| c[0]).collect();
                let cross = hosts.iter().any(|h| Some(m.host_network(*h)) != lb_net);
                let class = if cross {
                    Class::CrossNetwork
                } else {
                    Class::Internal
                };
                ask(src, class, &mut hosts.into_iter().map(Endpoint::Host));
            }
        }
    }
}

/// Host to host: through one network or the tunnel, else (gateways) over
/// the internet with public addresses. Collects the admitting rules' lines.
fn host_to_host(
    side: &Side,
    s: HostId,
    d: HostId,
    proto: Proto,
    port: Option<u16>,
    lines: Option<&mut BTreeSet<usize>>,
) -> bool {
    let m = side.model;
    let mut probe = Probe {
        from: Endpoint::Host(s),
        to: Endpoint::Host(d),
        proto,
        port,
        control: false,
    };
    let mut ok = reach::check_probe(m, &probe).is_ok();
    let mut seen = m.host(s).address;
    if !ok
        && side.network_name(s) != side.network_name(d)
        && m.host(s).public_address.is_some()
        && m.host(d).public_address.is_some()
    {
        probe.control = true;
        ok = reach::check_probe(m, &probe).is_ok();
        seen = m.host(s).public_address.as_ref().map(|a| a.value);
    }
    if ok
        && let Some(addr) = seen
        && let Some(lines) = lines
    {
        lines.extend(
            reach::admitting_rules(m, d, proto, port, addr, Some(s))
                .map(|r| side.lines.line(r.span.start)),
        );
    }
    ok
}

fn ports_text(proto: Proto, ports: Option<(u16, u16)>) -> Option<String> {
    match ports {
        _ if !proto.has_ports() => None,
        None => Some("all".into()),
        Some((1, u16::MAX)) => Some("all".into()),
        Some(p) => Some(format_port_range(p, "-")),
    }
}

/// Every exposure change from `old` to `new`, most alarming first: opened
/// before closed, then world, external, cross-network, internal.
pub fn compare(
    old: &Model,
    old_lines: &LineIndex,
    new: &Model,
    new_lines: &LineIndex,
) -> Vec<Exposure> {
    let (o, n) = (Side::new(old, old_lines), Side::new(new, new_lines));
    let dests: BTreeSet<&String> = o.units.keys().chain(n.units.keys()).collect();
    let mut probes: BTreeMap<String, Vec<Interval>> = BTreeMap::new();
    for d in dests {
        let mut ranges = Vec::new();
        o.ingress_ranges(d, &mut ranges);
        n.ingress_ranges(d, &mut ranges);
        probes.insert(d.clone(), intervals(&ranges));
    }
    let lbs: BTreeSet<&String> = o.balancers.keys().chain(n.balancers.keys()).collect();
    for d in lbs {
        let mut ranges = Vec::new();
        o.lb_ingress_ranges(d, &mut ranges);
        n.lb_ingress_ranges(d, &mut ranges);
        probes.insert(d.clone(), intervals(&ranges));
    }
    let ext = externals(old, new);
    let ext_old: Vec<(String, Vec<IpAddr>)> =
        ext.iter().map(|(l, a, _)| (l.clone(), a.clone())).collect();
    let ext_new: Vec<(String, Vec<IpAddr>)> =
        ext.iter().map(|(l, _, a)| (l.clone(), a.clone())).collect();
    // The two sides' answers are independent: one thread each. First
    // every answer without the admitting rules' lines, then only the ones
    // present on one side (an exposure change), with their lines.
    let both = |ask_old: Ask, ask_new: Ask| {
        std::thread::scope(|s| {
            let before = s.spawn(|| answers(&o, &probes, &ext_old, ask_old));
            let after = answers(&n, &probes, &ext_new, ask_new);
            (
                before
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                after,
            )
        })
    };
    let (before, after) = both(Ask::All, Ask::All);
    let (closed, opened) = (only(&before, &after), only(&after, &before));
    let (before, after) = both(Ask::WithLines(&closed), Ask::WithLines(&opened));

    let mut out = Vec::new();
    let mut push = |change: Change, key: &Key, a: &Answer, other: Option<&Answer>| {
        let (source, destination, (proto, ports)) = key;
        let (old_l, new_l) = match change {
            Change::Opened => (other, Some(a)),
            Change::Closed => (Some(a), other),
        };
        let lines_of = |x: Option<&Answer>| {
            x.map(|x| x.lines.iter().copied().collect())
                .unwrap_or_default()
        };
        out.push(Exposure {
            change,
            class: a.class.unwrap_or(Class::Internal),
            source: source.to_string(),
            destination: destination.to_string(),
            proto: proto.as_str(),
            ports: ports_text(*proto, *ports),
            destination_public: a.public,
            partial: !a.all,
            lines: SpecLines {
                old: lines_of(old_l),
                new: lines_of(new_l),
            },
        });
    };
    // Phase two answered exactly the changed keys.
    for (k, a) in &after {
        push(Change::Opened, k, a, None);
    }
    for (k, a) in &before {
        push(Change::Closed, k, a, None);
    }
    out = merge_protocols(merge_adjacent(out));
    out.sort_by(|a, b| {
        (a.change, a.class, &a.source, &a.destination, a.proto)
            .cmp(&(b.change, b.class, &b.source, &b.destination, b.proto))
            .then_with(|| port_key(a).cmp(&port_key(b)))
    });
    out
}

/// The keys of `a` that `b` lacks.
fn only<'a>(a: &HashMap<Key<'a>, Answer>, b: &HashMap<Key<'a>, Answer>) -> HashSet<Key<'a>> {
    a.keys().filter(|k| !b.contains_key(*k)).copied().collect()
}

fn port_key(e: &Exposure) -> u32 {
    e.ports
        .as_deref()
        .and_then(|p| p.split('-').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// Every port of tcp and udp, icmp and esp, with the same change, source
/// and destination: one `all` line (a rule `ingress "all"`).
fn merge_protocols(v: Vec<Exposure>) -> Vec<Exposure> {
    let whole = |e: &Exposure| match e.proto {
        "tcp" | "udp" => e.ports.as_deref() == Some("all"),
        "icmp" | "esp" => true,
        _ => false,
    };
    let mut count: BTreeMap<(Change, String, String), usize> = BTreeMap::new();
    for e in v.iter().filter(|e| whole(e)) {
        *count
            .entry((e.change, e.source.clone(), e.destination.clone()))
            .or_default() += 1;
    }
    let mut out: Vec<Exposure> = Vec::with_capacity(v.len());
    let mut merged: BTreeMap<(Change, String, String), usize> = BTreeMap::new();
    for e in v {
        let key = (e.change, e.source.clone(), e.destination.clone());
        if !whole(&e) || count.get(&key) != Some(&4) {
            out.push(e);
            continue;
        }
        match merged.get(&key) {
            Some(&i) => {
                let m = &mut out[i];
                m.partial |= e.partial;
                m.destination_public |= e.destination_public;
                for (into, from) in [
                    (&mut m.lines.old, e.lines.old),
                    (&mut m.lines.new, e.lines.new),
                ] {
                    into.extend(from);
                    into.sort();
                    into.dedup();
                }
            }
            None => {
                merged.insert(key, out.len());
                out.push(Exposure {
                    proto: "all",
                    ports: None,
                    ..e
                });
            }
        }
    }
    out
}

/// Adjacent intervals with the same change, source and destination become
/// one range (`8000-8999` rather than two lines).
fn merge_adjacent(mut v: Vec<Exposure>) -> Vec<Exposure> {
    fn range(e: &Exposure) -> Option<(u32, u32)> {
        let p = e.ports.as_deref()?;
        if p == "all" {
            return Some((1, 65535));
        }
        let mut it = p.split('-').map(|x| x.parse::<u32>().ok());
        let lo = it.next()??;
        let hi = it.next().flatten().unwrap_or(lo);
        Some((lo, hi))
    }
    v.sort_by(|a, b| {
        (a.change, &a.source, &a.destination, a.proto)
            .cmp(&(b.change, &b.source, &b.destination, b.proto))
            .then_with(|| port_key(a).cmp(&port_key(b)))
    });
    let mut out: Vec<Exposure> = Vec::with_capacity(v.len());
    for e in v {
        if let Some(last) = out.last_mut()
            && (last.change, &last.source, &last.destination, last.proto)
                == (e.change, &e.source, &e.destination, e.proto)
            && let (Some((llo, lhi)), Some((lo, hi))) = (range(last), range(&e))
            && lhi + 1 == lo
            && last.class == e.class
        {
            last.ports = Some(if (llo, hi) == (1, 65535) {
                "all".into()
            } else {
                format_port_range((llo as u16, hi as u16), "-")
            });
            last.partial |= e.partial;
            last.destination_public |= e.destination_public;
            for (into, from) in [
                (&mut last.lines.old, e.lines.old),
                (&mut last.lines.new, e.lines.new),
            ] {
                into.extend(from);
                into.sort();
                into.dedup();
            }
            continue;
        }
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_split_overlapping_ranges() {
        let iv = intervals(&[
            (Proto::Tcp, Some((22, 22))),
            (Proto::Tcp, Some((20, 30))),
            (Proto::Icmp, None),
        ]);
        assert_eq!(
            iv,
            vec![
                (Proto::Tcp, Some((20, 21))),
                (Proto::Tcp, Some((22, 22))),
                (Proto::Tcp, Some((23, 30))),
                (Proto::Icmp, None),
            ]
        );
    }

    #[test]
    fn all_expands_to_every_protocol() {
        let iv = intervals(&[(Proto::All, None)]);
        assert_eq!(iv.len(), 4);
        assert_eq!(iv[0], (Proto::Tcp, Some((1, u16::MAX))));
    }
}
