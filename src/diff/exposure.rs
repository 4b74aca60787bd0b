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
// foldhash: the memo and the classes are hashed per class pair and per host;
// SipHash was a tenth of a 10 000-host diff.
use foldhash::HashMap;
use std::collections::{BTreeMap, BTreeSet};
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

/// One class of hosts: a member that stands for it, a second one to stand
/// for it as a source towards itself, and its signature.
#[derive(Clone, Copy)]
struct Rep {
    first: HostId,
    second: Option<HostId>,
    /// Hosts of one side with the same signature get the same answer from
    /// `reach` towards and from any other host: everything the evaluation
    /// reads of a host is in it (`Signature`).
    sig: u32,
}

/// What `graph::reach` reads of a host: its network (and so its cloud, its
/// tunnels), which cutting CIDRs hold its private address, whether it has
/// one, its public address, its security groups; and for a host that a
/// `host:` peer or a VPN names (a gateway: the path depends on which host
/// it is), the host itself.
type Signature = (
    usize,
    Vec<bool>,
    bool,
    Option<IpAddr>,
    Vec<SgId>,
    Option<HostId>,
);

/// The units and classes of one side.
struct Side<'m> {
    model: &'m Model,
    lines: &'m LineIndex,
    /// Unit label → its classes.
    units: BTreeMap<String, Vec<Rep>>,
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
        let mut sigs: HashMap<Signature, u32> = HashMap::default();
        let mut classes: HashMap<(String, u32), usize> = HashMap::default();
        let mut units: BTreeMap<String, Vec<Rep>> = BTreeMap::new();
        for (i, h) in model.hosts.iter().enumerate() {
            let id = HostId::from_index(i);
            let single = singled.contains(&id);
            let unit = match h.group {
                Some(g) if !single => model.group(g).name.clone(),
                _ => h.name.clone(),
            };
            let net = model.host_network(id).index();
            let bits = cutting[net]
                .iter()
                .map(|c| h.address.is_some_and(|a| c.contains(&a)))
                .collect();
            let signature = (
                net,
                bits,
                h.address.is_none(),
                h.public_address.as_ref().map(|a| a.value),
                h.settings.security_groups.clone(),
                single.then_some(id),
            );
            let next = sigs.len() as u32;
            let sig = *sigs.entry(signature).or_insert(next);
            let list = units.entry(unit.clone()).or_default();
            match classes.get(&(unit.clone(), sig)) {
                Some(&k) => {
                    if list[k].second.is_none() {
                        list[k].second = Some(id);
                    }
                }
                None => {
                    classes.insert((unit, sig), list.len());
                    list.push(Rep {
                        first: id,
                        second: None,
                        sig,
                    });
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
            let h = class.first;
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

    /// The signatures of a unit's classes, in order; None when this side
    /// has no such unit.
    fn signatures(&self, unit: &str) -> Option<Vec<u32>> {
        self.units
            .get(unit)
            .map(|classes| classes.iter().map(|c| c.sig).collect())
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

/// The labels both sides share an index space for: the external sources
/// first, then the units, then the balancers, each in order. A key
/// (destination, interval, source) of indices sorts the same on both
/// sides, so the two sides' keys are compared by one merge.
struct Labels<'a> {
    names: Vec<&'a str>,
    /// The units' indices start here, the balancers' at `balancers`.
    units: usize,
    balancers: usize,
    /// Per label: the intervals asked of it as a destination.
    probes: Vec<Vec<Interval>>,
}

/// The units that both sides see alike: the same signatures on each side
/// (so the same classes), and so the same answers towards and from every
/// other unit. Only a pair of classes whose answer changed is expanded into
/// its unit pairs, so the comparison is not quadratic in units that no
/// change tells apart (10 000 standalone hosts of one kind are one class).
struct Joint {
    /// Each class's unit labels, ascending; a class is named by its first.
    classes: Vec<Vec<usize>>,
    /// Unit label → its class.
    class_of: HashMap<usize, usize>,
}

impl Joint {
    fn new(o: &Side, n: &Side, labels: &Labels) -> Joint {
        type JointKey = (Option<Vec<u32>>, Option<Vec<u32>>, Vec<Interval>);
        let mut by_key: HashMap<JointKey, usize> = HashMap::default();
        let mut classes: Vec<Vec<usize>> = Vec::new();
        let mut class_of: HashMap<usize, usize> = HashMap::default();
        for u in labels.units..labels.balancers {
            let name = labels.names[u];
            let key = (
                o.signatures(name),
                n.signatures(name),
                labels.probes[u].clone(),
            );
            let next = classes.len();
            let c = *by_key.entry(key).or_insert(next);
            if c == next {
                classes.push(Vec::new());
            }
            classes[c].push(u);
            class_of.insert(u, c);
        }
        Joint { classes, class_of }
    }

    /// The label indices a joint-class label stands for (a balancer or an
    /// external source stands for itself).
    fn members(&self, label: usize) -> Vec<usize> {
        match self.class_of.get(&label) {
            Some(&c) => self.classes[c].clone(),
            None => vec![label],
        }
    }

    /// The unit keys a changed class key stands for: every pair of a
    /// source and a destination member but a unit towards itself (asked
    /// apart, `Side::allowed_within`).
    fn expand(&self, k: Key, out: &mut Vec<Key>) {
        let sources = self.members(k.src as usize);
        for dest in self.members(k.dest as usize) {
            for &src in &sources {
                if src != dest {
                    out.push(Key {
                        dest: dest as u32,
                        iv: k.iv,
                        src: src as u32,
                    });
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    dest: u32,
    iv: u32,
    src: u32,
}

/// A source as one side sees it.
enum Source<'s> {
    External(&'s [IpAddr], Class),
    Unit(&'s [Rep]),
}

/// Remembered `reach` answers of one side, by signature: the memo is
/// exact because two hosts of a signature are the same to the evaluation.
#[derive(Default)]
struct Memo {
    hosts: HashMap<(u32, u32, Interval), bool>,
    addresses: HashMap<(IpAddr, u32, Interval), bool>,
}

impl<'m> Side<'m> {
    fn source<'s>(
        &'s self,
        labels: &Labels,
        externals: &'s [(String, Vec<IpAddr>)],
        i: usize,
    ) -> Option<Source<'s>> {
        if i < labels.units {
            let addrs = &externals[i].1;
            let class = match externals[i].0 == WORLD {
                true => Class::World,
                false => Class::External,
            };
            Some(Source::External(addrs, class))
        } else if i < labels.balancers {
            self.units.get(labels.names[i]).map(|c| Source::Unit(c))
        } else {
            None
        }
    }

    /// Does anything get through, from `src` to the unit `dest` on `iv`?
    /// Stops at the first class pair that does; remembers each answer.
    fn any(&self, src: &Source, dest: &[Rep], iv: Interval, memo: &mut Memo) -> bool {
        let (proto, ports) = iv;
        let port = ports.map(|(lo, _)| lo);
        let m = self.model;
        match src {
            Source::External(addrs, _) => dest.iter().any(|d| {
                addrs.iter().any(|&addr| {
                    *memo.addresses.entry((addr, d.sig, iv)).or_insert_with(|| {
                        reach::check_from_address(m, addr, d.first, proto, port).is_ok()
                    })
                })
            }),
            Source::Unit(classes) => classes.iter().any(|sc| {
                dest.iter().any(|dc| {
                    let Some(s) = stand_in(sc, dc.first) else {
                        return false;
                    };
                    *memo
                        .hosts
                        .entry((sc.sig, dc.sig, iv))
                        .or_insert_with(|| host_to_host(self, s, dc.first, proto, port, None))
                })
            }),
        }
    }

    /// The whole answer for one key, with the admitting rules' lines: what
    /// is reported of a change.
    fn answer(&self, src: &Source, dest: &[Rep], iv: Interval) -> Answer {
        let (proto, ports) = iv;
        let port = ports.map(|(lo, _)| lo);
        let m = self.model;
        let mut a = Answer {
            all: true,
            ..Answer::default()
        };
        match src {
            Source::External(addrs, class) => {
                a.class = Some(*class);
                for dc in dest {
                    let d = dc.first;
                    a.public |= m.host(d).has_public_address();
                    let mut ok = false;
                    for &addr in *addrs {
                        if reach::check_from_address(m, addr, d, proto, port).is_ok() {
                            ok = true;
                            a.lines.extend(
                                reach::admitting_rules(m, d, proto, port, addr, None)
                                    .map(|r| self.lines.line(r.span.start)),
                            );
                        }
                    }
                    a.any |= ok;
                    a.all &= ok;
                }
            }
            Source::Unit(classes) => {
                for sc in *classes {
                    for dc in dest {
                        let d = dc.first;
                        let Some(s) = stand_in(sc, d) else { continue };
                        a.public |= m.host(d).has_public_address();
                        let class = if m.host_network(s) != m.host_network(d) {
                            Class::CrossNetwork
                        } else {
                            Class::Internal
                        };
                        a.class = Some(a.class.map_or(class, |c| c.min(class)));
                        let ok = host_to_host(self, s, d, proto, port, Some(&mut a.lines));
                        a.any |= ok;
                        a.all &= ok;
                    }
                }
            }
        }
        a
    }

    /// A balancer as a destination: who gets through its own security
    /// groups to a listener (the same `reach::check_probe` as the flows).
    fn lb_answer(&self, src: &Source, id: LbId, iv: Interval, lines: bool) -> Answer {
        let (proto, ports) = iv;
        let port = ports.map(|(lo, _)| lo);
        let m = self.model;
        let to = Endpoint::Lb(id);
        let lb = &m.load_balancers[id.index()];
        let lb_net = lb.subnets.first().map(|s| m.subnet(*s).network);
        let (class, froms): (Class, Vec<Endpoint>) = match src {
            Source::External(addrs, class) => (
                *class,
                addrs
                    .iter()
                    .map(|a| Endpoint::Cidr(IpNet::from(*a)))
                    .collect(),
            ),
            Source::Unit(classes) => {
                let hosts: Vec<HostId> = classes.iter().map(|c| c.first).collect();
                let cross = hosts.iter().any(|h| Some(m.host_network(*h)) != lb_net);
                let class = if cross {
                    Class::CrossNetwork
                } else {
                    Class::Internal
                };
                (class, hosts.into_iter().map(Endpoint::Host).collect())
            }
        };
        let mut a = Answer {
            all: true,
            class: Some(class),
            public: lb.scheme == LbScheme::InternetFacing,
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
            if ok && lines {
                a.lines.extend(
                    reach::end_admitting_rules(m, to, proto, port, from)
                        .map(|r| self.lines.line(r.span.start)),
                );
            }
            a.any |= ok;
            a.all &= ok;
            if a.any && !lines {
                break; // only `any` is asked
            }
        }
        a
    }

    /// Every key this side lets through, in key order, unit by unit (the
    /// tests' reference for [`Side::allowed`]). `exact` asks every class
    /// pair afresh, without the memo.
    #[cfg(test)]
    fn allowed_each(
        &self,
        labels: &Labels,
        externals: &[(String, Vec<IpAddr>)],
        exact: bool,
    ) -> Vec<Key> {
        let mut memo = Memo::default();
        let mut out = Vec::new();
        let sources: Vec<(usize, Source)> = (0..labels.balancers)
            .filter_map(|i| Some((i, self.source(labels, externals, i)?)))
            .collect();
        for dest in labels.units..labels.names.len() {
            let name = labels.names[dest];
            let lb = self.balancers.get(name).copied();
            let unit = self.units.get(name);
            if lb.is_none() && unit.is_none() {
                continue;
            }
            for (iv_i, &iv) in labels.probes[dest].iter().enumerate() {
                for (src, source) in &sources {
                    let ok = match (lb, unit) {
                        (Some(id), _) => self.lb_answer(source, id, iv, false).any,
                        (None, Some(classes)) if exact => self.answer(source, classes, iv).any,
                        (None, Some(classes)) => self.any(source, classes, iv, &mut memo),
                        (None, None) => false,
                    };
                    if ok {
                        out.push(Key {
                            dest: dest as u32,
                            iv: iv_i as u32,
                            src: *src as u32,
                        });
                    }
                }
            }
        }
        out
    }

    /// The sources and destinations this side lets through, one key per
    /// pair of joint classes (`Joint`): destination and source are the
    /// classes' first members; a class towards itself is asked with its
    /// second member as the source. In key order.
    fn allowed(
        &self,
        labels: &Labels,
        externals: &[(String, Vec<IpAddr>)],
        joint: &Joint,
        memo: &mut Memo,
    ) -> Vec<Key> {
        let mut out = Vec::new();
        let firsts: Vec<usize> = (0..labels.units)
            .chain(joint.classes.iter().map(|c| c[0]))
            .collect();
        let dests = joint
            .classes
            .iter()
            .map(|c| c[0])
            .chain(labels.balancers..labels.names.len());
        for dest in dests {
            let name = labels.names[dest];
            let lb = self.balancers.get(name).copied();
            let unit = self.units.get(name);
            if lb.is_none() && unit.is_none() {
                continue;
            }
            let own = joint.class_of.get(&dest).map(|&c| &joint.classes[c]);
            for (iv_i, &iv) in labels.probes[dest].iter().enumerate() {
                for &first in &firsts {
                    // The pair of two members of one class: its second member.
                    let src = match own {
                        Some(c) if c[0] == first => match c.get(1) {
                            Some(&second) => second,
                            None => continue,
                        },
                        _ => first,
                    };
                    let Some(source) = self.source(labels, externals, src) else {
                        continue;
                    };
                    let ok = match (lb, unit) {
                        (Some(id), _) => self.lb_answer(&source, id, iv, false).any,
                        (None, Some(classes)) => self.any(&source, classes, iv, memo),
                        (None, None) => false,
                    };
                    if ok {
                        out.push(Key {
                            dest: dest as u32,
                            iv: iv_i as u32,
                            src: first as u32,
                        });
                    }
                }
            }
        }
        out
    }

    /// The units this side lets reach themselves (one host of a group
    /// towards another), in key order.
    fn allowed_within(&self, labels: &Labels, memo: &mut Memo) -> Vec<Key> {
        let mut out = Vec::new();
        for u in labels.units..labels.balancers {
            let Some(classes) = self.units.get(labels.names[u]) else {
                continue;
            };
            for (iv_i, &iv) in labels.probes[u].iter().enumerate() {
                if self.any(&Source::Unit(classes), classes, iv, memo) {
                    out.push(Key {
                        dest: u as u32,
                        iv: iv_i as u32,
                        src: u as u32,
                    });
                }
            }
        }
        out
    }

    /// The whole answer for a key this side lets through.
    fn answer_key(&self, labels: &Labels, externals: &[(String, Vec<IpAddr>)], k: Key) -> Answer {
        let name = labels.names[k.dest as usize];
        let iv = labels.probes[k.dest as usize][k.iv as usize];
        let Some(src) = self.source(labels, externals, k.src as usize) else {
            return Answer::default();
        };
        match (self.balancers.get(name), self.units.get(name)) {
            (Some(id), _) => self.lb_answer(&src, *id, iv, true),
            (None, Some(dest)) => self.answer(&src, dest, iv),
            (None, None) => Answer::default(),
        }
    }
}

/// The host that stands for class `c` as a source towards host `d`: not
/// `d` itself (a one-host class towards itself has none).
fn stand_in(c: &Rep, d: HostId) -> Option<HostId> {
    if c.first != d {
        Some(c.first)
    } else {
        c.second.filter(|s| *s != d)
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

/// The shared labels, and the intervals each destination is asked on: the
/// elementary intervals of its ingress rules on either side.
fn labels<'a>(
    o: &'a Side,
    n: &'a Side,
    ext: &'a [(String, Vec<IpAddr>, Vec<IpAddr>)],
) -> Labels<'a> {
    let dests: BTreeSet<&str> = o
        .units
        .keys()
        .chain(n.units.keys())
        .map(String::as_str)
        .collect();
    let lbs: BTreeSet<&str> = (o.balancers.keys().chain(n.balancers.keys()))
        .map(String::as_str)
        .collect();
    let mut names: Vec<&str> = ext.iter().map(|(l, _, _)| l.as_str()).collect();
    let mut probes: Vec<Vec<Interval>> = vec![Vec::new(); names.len()];
    let units = names.len();
    for d in dests {
        let mut ranges = Vec::new();
        o.ingress_ranges(d, &mut ranges);
        n.ingress_ranges(d, &mut ranges);
        names.push(d);
        probes.push(intervals(&ranges));
    }
    let balancers = names.len();
    for d in lbs {
        let mut ranges = Vec::new();
        o.lb_ingress_ranges(d, &mut ranges);
        n.lb_ingress_ranges(d, &mut ranges);
        names.push(d);
        probes.push(intervals(&ranges));
    }
    Labels {
        names,
        units,
        balancers,
        probes,
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
    let ext = externals(old, new);
    let ext_old: Vec<(String, Vec<IpAddr>)> =
        ext.iter().map(|(l, a, _)| (l.clone(), a.clone())).collect();
    let ext_new: Vec<(String, Vec<IpAddr>)> =
        ext.iter().map(|(l, _, a)| (l.clone(), a.clone())).collect();
    let labels = labels(&o, &n, &ext);
    // Units both sides see alike form one class; the two sides' keys are
    // asked per pair of classes, one thread each. Only a key on one side is
    // a change: it is expanded into its unit pairs, and their answers are
    // then asked again, whole, with the admitting rules' lines.
    let joint = Joint::new(&o, &n, &labels);
    let (closed, opened) = changed_keys(&o, &n, &labels, &ext_old, &ext_new, &joint);

    let mut out = Vec::new();
    let mut push = |change: Change, k: Key, a: Answer| {
        let (proto, ports) = labels.probes[k.dest as usize][k.iv as usize];
        let lines: Vec<usize> = a.lines.iter().copied().collect();
        out.push(Exposure {
            change,
            class: a.class.unwrap_or(Class::Internal),
            source: labels.names[k.src as usize].to_string(),
            destination: labels.names[k.dest as usize].to_string(),
            proto: proto.as_str(),
            ports: ports_text(proto, ports),
            destination_public: a.public,
            partial: !a.all,
            lines: match change {
                Change::Opened => SpecLines {
                    old: Vec::new(),
                    new: lines,
                },
                Change::Closed => SpecLines {
                    old: lines,
                    new: Vec::new(),
                },
            },
        });
    };
    for k in opened {
        push(Change::Opened, k, n.answer_key(&labels, &ext_new, k));
    }
    for k in closed {
        push(Change::Closed, k, o.answer_key(&labels, &ext_old, k));
    }
    out = merge_protocols(merge_adjacent(out));
    out.sort_by(|a, b| {
        (a.change, a.class, &a.source, &a.destination, a.proto)
            .cmp(&(b.change, b.class, &b.source, &b.destination, b.proto))
            .then_with(|| port_key(a).cmp(&port_key(b)))
    });
    out
}

/// The unit keys OLD lets through and NEW does not, and the other way,
/// each sorted.
fn changed_keys(
    o: &Side,
    n: &Side,
    labels: &Labels,
    ext_old: &[(String, Vec<IpAddr>)],
    ext_new: &[(String, Vec<IpAddr>)],
    joint: &Joint,
) -> (Vec<Key>, Vec<Key>) {
    let ((before, before_within), (after, after_within)) = std::thread::scope(|s| {
        // One memo per side: a unit towards itself asks the same
        // signature pairs as the class pairs.
        let side = |x: &Side, ext: &[(String, Vec<IpAddr>)]| {
            let mut memo = Memo::default();
            let classes = x.allowed(labels, ext, joint, &mut memo);
            (classes, x.allowed_within(labels, &mut memo))
        };
        let before = s.spawn(move || side(o, ext_old));
        let after = side(n, ext_new);
        let before = before
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (before, after)
    });
    let (closed_classes, opened_classes) = one_sided(&before, &after);
    let (mut closed, mut opened) = one_sided(&before_within, &after_within);
    for k in closed_classes {
        joint.expand(k, &mut closed);
    }
    for k in opened_classes {
        joint.expand(k, &mut opened);
    }
    closed.sort_unstable();
    opened.sort_unstable();
    (closed, opened)
}

/// The keys only in `a` and the keys only in `b`, of two sorted lists.
fn one_sided(a: &[Key], b: &[Key]) -> (Vec<Key>, Vec<Key>) {
    let (mut only_a, mut only_b) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                only_a.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                only_a.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                only_b.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (only_a, only_b)
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

    fn checked(source: &str, lock: &crate::lock::AddressLock) -> crate::pipeline::Checked {
        let checked = crate::pipeline::check(source, lock);
        assert!(checked.model.is_some(), "{:#?}", checked.diagnostics);
        checked
    }

    /// The examples, each with its lock, and each also with one ingress
    /// rule less, one more and a host more (a change to compare).
    fn example_pairs() -> Vec<(String, String, String, crate::lock::AddressLock)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "kdl") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let lock = match std::fs::read_to_string(path.with_extension("lock")) {
                Ok(t) => crate::lock::AddressLock::parse(&t).unwrap(),
                Err(_) => Default::default(),
            };
            let name = path.display().to_string();
            let mut edits = vec![source.clone()];
            if let Some(at) = source.find("    ingress ") {
                let end = at + source[at..].find('\n').unwrap() + 1;
                edits.push(format!("{}{}", &source[..at], &source[end..]));
                let open = "    ingress \"tcp\" 5432 from=\"cidr:0.0.0.0/0\"\n";
                edits.push(format!("{}{open}{}", &source[..at], &source[at..]));
            }
            if let Some(at) = source.find("count=") {
                let digits: String = source[at + 6..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let more = digits.parse::<u32>().unwrap() + 1;
                let end = at + 6 + digits.len();
                edits.push(format!("{}count={more}{}", &source[..at], &source[end..]));
            }
            for old in &edits {
                for new in &edits {
                    out.push((name.clone(), old.clone(), new.clone(), lock.clone()));
                }
            }
        }
        // Units alike on one side and not on the other: a second group like
        // `web`, two standalone hosts of one kind that talk to each other.
        let small = include_str!("../../examples/small.kdl");
        let twins = |twin_sgs: &str, solo_b_sg: &str, port: u16| {
            let hosts = format!(
                "    group \"twin\" count=2 type=\"t3.medium\" {{\n        subnets \"main/private-a\"\n        security-groups {twin_sgs}\n    }}\n    host \"solo-a\" type=\"t3.small\" {{\n        subnets \"main/private-a\"\n        security-groups \"solo\"\n    }}\n    host \"solo-b\" type=\"t3.small\" {{\n        subnets \"main/private-a\"\n        security-groups \"{solo_b_sg}\"\n    }}\n"
            );
            let at = small.find("    host \"monitor\"").unwrap();
            format!(
                "{}{hosts}{}\nsecurity-group \"solo\" vpc=\"main\" {{\n    ingress \"tcp\" {port} from=\"sg:solo\"\n}}\n",
                &small[..at],
                &small[at..]
            )
        };
        let edits = [
            twins("\"web\" \"node-exporter\"", "solo", 7000),
            twins("\"monitoring\" \"node-exporter\"", "solo", 7000),
            twins("\"web\" \"node-exporter\"", "web", 7000),
            twins("\"web\" \"node-exporter\"", "solo", 7001),
        ];
        for old in &edits {
            for new in &edits {
                out.push(("twins".into(), old.clone(), new.clone(), Default::default()));
            }
        }
        assert!(out.len() >= 9 * 9, "{} pairs", out.len());
        out
    }

    /// The comparison by joint classes and the memo by signature find the
    /// changed keys that asking every unit pair afresh finds, on every
    /// example and its edits (VPNs, `host:` and `subnet:` peers, address
    /// sets, balancers, two clouds).
    #[test]
    fn joint_classes_and_the_memo_change_no_answer() {
        let mut changed = 0;
        for (name, old, new, lock) in example_pairs() {
            let (oc, nc) = (checked(&old, &lock), checked(&new, &lock));
            let (om, nm) = (oc.model.as_ref().unwrap(), nc.model.as_ref().unwrap());
            let (lo, ln) = (LineIndex::new(&old), LineIndex::new(&new));
            let (o, n) = (Side::new(om, &lo), Side::new(nm, &ln));
            let ext = externals(om, nm);
            let side_ext = |old: bool| -> Vec<(String, Vec<IpAddr>)> {
                ext.iter()
                    .map(|(l, a, b)| (l.clone(), if old { a.clone() } else { b.clone() }))
                    .collect()
            };
            let (eo, en) = (side_ext(true), side_ext(false));
            let labels = labels(&o, &n, &ext);
            let joint = Joint::new(&o, &n, &labels);
            let fast = changed_keys(&o, &n, &labels, &eo, &en, &joint);
            let each = |side: &Side, e: &[(String, Vec<IpAddr>)], exact| {
                side.allowed_each(&labels, e, exact)
            };
            let slow = one_sided(&each(&o, &eo, true), &each(&n, &en, true));
            assert!(fast == slow, "{name}: the changed keys differ");
            let memo = one_sided(&each(&o, &eo, false), &each(&n, &en, false));
            assert!(memo == slow, "{name}: the memo differs");
            changed += slow.0.len() + slow.1.len();
        }
        assert!(changed > 0);
    }

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
