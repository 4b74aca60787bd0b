//! The wording of `required-flow-blocked`: message, labels and help for a
//! finding, and [`suggestion`], the help for one flow that the emitters quote.
//! The fixes themselves come from `graph::fix`.

use super::super::prelude::*;
use crate::graph::fix::{Fix, FixPeer, SgChooser, fix_for};
use crate::graph::flows::{Endpoint, Flow, Purpose};
use crate::graph::reach::Block;
use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) purpose: Purpose,
    pub(super) proto: Proto,
    pub(super) port: Option<u16>,
    pub(super) fix: Fix,
}

pub(super) struct Finding {
    pub(super) key: Key,
    pub(super) origin: Span,
    pub(super) sources: Vec<Endpoint>,
    pub(super) dests: Vec<Endpoint>,
    /// Ends whose groups drop the flow, or hosts that the tunnel leaves out.
    pub(super) at: Vec<Endpoint>,
}

/// The hosts among flow ends.
fn hosts_of(ends: &[Endpoint]) -> Vec<HostId> {
    ends.iter().filter_map(|e| e.host()).collect()
}

/// Flow ends in words: the hosts as `hosts_text` words them, then the
/// others (balancers, ElastiCache, the internet) by name.
fn endpoints_text(model: &Model, ends: &[Endpoint]) -> String {
    let hosts = hosts_of(ends);
    let mut parts: Vec<String> = Vec::new();
    if !hosts.is_empty() {
        parts.push(hosts_text(model, &hosts));
    }
    parts.extend(
        ends.iter()
            .filter(|e| e.host().is_none())
            .map(|e| e.name(model)),
    );
    capped(parts.into_iter())
}

/// The fix for a single blocked flow, worded as this rule's help. The
/// Prometheus emitter uses it to say which rule would enable a scrape job.
pub fn suggestion(model: &Model, flow: &Flow, block: &Block) -> String {
    let blocked = [(flow, block.clone())];
    let chooser = SgChooser::new(model, &blocked);
    let (fix, at) = fix_for(model, flow, block, &chooser);
    let finding = Finding {
        key: Key {
            purpose: flow.purpose,
            proto: flow.proto,
            port: flow.port,
            fix,
        },
        origin: flow.origin,
        sources: vec![flow.from],
        dests: vec![flow.to],
        at: vec![at],
    };
    help_text(model, &finding)
}

/// "monitor → app-1…app-3"; both directions between two gateways as
/// "a ↔ b"; peers of one cluster as "traffic among etcd-1…etcd-3".
pub(super) fn ends_of(model: &Model, f: &Finding) -> String {
    if f.sources != f.dests {
        return format!(
            "{} → {}",
            endpoints_text(model, &f.sources),
            endpoints_text(model, &f.dests)
        );
    }
    match f.sources.as_slice() {
        [a, b] => format!("{} ↔ {}", a.name(model), b.name(model)),
        _ => format!("traffic among {}", endpoints_text(model, &f.sources)),
    }
}

pub(super) fn proto_port(proto: Proto, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{}/{p}", proto.as_str()),
        None => proto.as_str().to_string(),
    }
}

/// Where the flow is dropped, in words.
pub(super) fn where_text(model: &Model, f: &Finding) -> String {
    match f.key.fix {
        Fix::Rule {
            direction,
            via_gateway,
            ..
        } => {
            let sgs = sgs_text(model, &f.at);
            let on = ends_text(model, &f.at, via_gateway);
            let Some(sgs) = sgs else {
                return format!("{on} has no security group to admit it");
            };
            let tail = if via_gateway {
                " as it is forwarded through the tunnel"
            } else {
                ""
            };
            match direction {
                Direction::Ingress => format!("no ingress rule of {sgs} on {on} admits it{tail}"),
                Direction::Egress => format!("no egress rule of {sgs} on {on} lets it out{tail}"),
            }
        }
        Fix::Route { from, to } => format!(
            "no VPN joins {} and {}",
            network_text(model, from),
            network_text(model, to)
        ),
        Fix::Cover { vpn, left } => {
            let (name, end) = vpn_end(model, vpn, left);
            format!(
                "the tunnel subnets of the `{}` end of vpn `{name}` do not cover {}",
                side(left),
                addressed_hosts_text(model, &hosts_of(&f.at), end.is_some())
            )
        }
        Fix::PublicAddress { host } => format!(
            "VPN gateway `{}` has no `public-address=` its peer could reach",
            model.host(host).name
        ),
    }
}

fn side(left: bool) -> &'static str {
    if left { "left" } else { "right" }
}

fn vpn_end(model: &Model, vpn: VpnId, left: bool) -> (&str, Option<&VpnEnd>) {
    match model.vpns.get(vpn.index()) {
        Some(v) => (&v.name, Some(if left { &v.left } else { &v.right })),
        None => ("?", None),
    }
}

fn network_text(model: &Model, id: NetworkId) -> String {
    let n = model.network(id);
    format!("{} `{}`", n.cloud.keyword(), n.name)
}

/// "`h` (10.20.1.4)" for the hosts a tunnel leaves out.
fn addressed_hosts_text(model: &Model, hosts: &[HostId], with_address: bool) -> String {
    let text = hosts_text(model, hosts);
    match (hosts, with_address) {
        ([one], true) => match model.host(*one).address {
            Some(a) => format!("{text} ({a})"),
            None => text,
        },
        _ => text,
    }
}

/// The security groups on the blocking ends: "security groups `a`, `b`".
fn sgs_text(model: &Model, at: &[Endpoint]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for e in at {
        for sg in crate::graph::reach::end_security_groups(model, *e) {
            let name = model.sg(*sg).name.as_str();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let noun = match names.len() {
        0 => return None,
        1 => "security group",
        _ => "security groups",
    };
    Some(format!(
        "{noun} {}",
        capped(names.iter().map(|n| format!("`{n}`")))
    ))
}

/// The groups and hosts a list of ends belongs to: "groups `app`, `db`
/// and host `haproxy`"; gateways are named as such, other ends by name.
fn ends_text(model: &Model, ends: &[Endpoint], gateway: bool) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut singles: Vec<String> = Vec::new();
    for h in &hosts_of(ends) {
        let host = model.host(*h);
        let (list, name) = match host.group {
            Some(g) if !gateway => (&mut groups, &model.group(g).name),
            _ => (&mut singles, &host.name),
        };
        let name = format!("`{name}`");
        if !list.contains(&name) {
            list.push(name);
        }
    }
    let single = if gateway { "VPN gateway" } else { "host" };
    let mut parts: Vec<String> = [(groups, "group"), (singles, single)]
        .into_iter()
        .filter(|(l, _)| !l.is_empty())
        .map(|(l, noun)| {
            let s = if l.len() > 1 { "s" } else { "" };
            format!("{noun}{s} {}", capped(l.into_iter()))
        })
        .collect();
    for e in ends.iter().filter(|e| e.host().is_none()) {
        let name = e.name(model);
        if !parts.contains(&name) {
            parts.push(name);
        }
    }
    parts.join(" and ")
}

/// Joins at most four items, then "and N more".
fn capped(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.len() <= 4 {
        return items.join(", ");
    }
    let shown = items.get(..3).unwrap_or_default().join(", ");
    format!("{shown} and {} more", items.len() - 3)
}

/// Hosts in words, whole groups as ranges: "legacy-1…legacy-8".
fn hosts_text(model: &Model, hosts: &[HostId]) -> String {
    let mut items = Vec::new();
    let mut rest = hosts;
    while let Some(first) = rest.first() {
        let group = model.host(*first).group;
        let run = rest
            .iter()
            .take_while(|h| group.is_some() && model.host(**h).group == group)
            .count()
            .max(1);
        let (chunk, tail) = rest.split_at(run);
        items.push(run_text(model, chunk, group));
        rest = tail;
    }
    let total = hosts.len();
    let text = capped(items.iter().cloned());
    if items.len() > 1 && total > items.len() {
        format!("{text} ({total} hosts)")
    } else {
        text
    }
}

fn run_text(model: &Model, chunk: &[HostId], group: Option<GroupId>) -> String {
    let name = |h: &HostId| model.host(*h).name.as_str();
    match (chunk, group) {
        ([one], _) => name(one).to_string(),
        ([a, b], _) => format!("{}, {}", name(a), name(b)),
        ([first, .., last], Some(g)) if model.group(g).hosts.len() == chunk.len() => {
            format!("{}…{}", name(first), name(last))
        }
        (_, Some(g)) => format!(
            "{} of the {} hosts of group `{}`",
            chunk.len(),
            model.group(g).hosts.len(),
            model.group(g).name
        ),
        _ => chunk.iter().map(name).collect::<Vec<_>>().join(", "),
    }
}

/// The second (and third) labels: where the flow is dropped.
pub(super) fn blocker_labels(model: &Model, f: &Finding, d: Diagnostic) -> Diagnostic {
    let Some(first) = f.at.first() else {
        return d;
    };
    let first = match *first {
        Endpoint::Host(h) => model.host(h),
        other => return end_blocker_labels(model, f, other, d),
    };
    match f.key.fix {
        Fix::Rule { sg, .. } => {
            let d = match first.settings.security_groups_span {
                Some(span) => d.label(
                    span,
                    format!("security groups of {}", entry_text(model, first)),
                ),
                None => d.label(
                    first.name_span,
                    format!("`{}` has no security group", first.name),
                ),
            };
            match sg {
                Some(sg) => d.label(model.sg(sg).name_span, "add the rule to this group"),
                None => d,
            }
        }
        Fix::Route { to, .. } => d.label(
            first.name_span,
            format!("`{}` sits in {}", first.name, network_text(model, to)),
        ),
        Fix::Cover { vpn, left } => match vpn_end(model, vpn, left) {
            (_, Some(end)) => d.label(end.subnets_span, format!("does not cover `{}`", first.name)),
            _ => d,
        },
        Fix::PublicAddress { .. } => d.label(first.name_span, "no `public-address=`"),
    }
}

/// The labels of a block at a balancer or an ElastiCache: its security
/// groups, and the group to add the rule to.
fn end_blocker_labels(model: &Model, f: &Finding, at: Endpoint, d: Diagnostic) -> Diagnostic {
    let d = match at {
        Endpoint::Lb(id) => {
            let lb = &model.load_balancers[id.index()];
            d.label(
                lb.security_groups_span.unwrap_or(lb.name_span),
                format!("security groups of balancer `{}`", lb.name),
            )
        }
        Endpoint::ElastiCache(id) => {
            let r = &model.redis[id.index()];
            d.label(
                r.name_span,
                format!("security groups of ElastiCache `{}`", r.name),
            )
        }
        Endpoint::Host(_) | Endpoint::Cidr(_) => d,
    };
    match f.key.fix {
        Fix::Rule { sg: Some(sg), .. } => {
            d.label(model.sg(sg).name_span, "add the rule to this group")
        }
        _ => d,
    }
}

/// "group `app`" or "host `haproxy`": the fleet entry a host comes from.
fn entry_text(model: &Model, host: &Host) -> String {
    match host.group {
        Some(g) => format!("group `{}`", model.group(g).name),
        None => format!("host `{}`", host.name),
    }
}

pub(super) fn help_text(model: &Model, f: &Finding) -> String {
    let k = &f.key;
    match k.fix {
        Fix::Rule {
            direction,
            sg,
            host,
            peer,
            ..
        } => {
            let rule = rule_text(model, direction, k.proto, k.port, peer);
            match (sg, host) {
                (Some(sg), _) => {
                    format!("add `{rule}` to security-group \"{}\"", model.sg(sg).name)
                }
                (None, Some(h)) => format!(
                    "attach a security group to `{}` (`security-groups \"NAME\"`) with `{rule}`",
                    model.host(h).name
                ),
                (None, None) => format!("add `{rule}`"),
            }
        }
        Fix::Route { from, to } => route_help(model, from, to),
        Fix::Cover { vpn, left } => cover_help(model, vpn, left, &hosts_of(&f.at)),
        Fix::PublicAddress { host } => format!(
            "give `{}` the static public IP the estate holds for it: `public-address=\"203.0.113.10\"` (an Elastic IP or an Azure static public IP)",
            model.host(host).name
        ),
    }
}

fn rule_text(
    model: &Model,
    dir: Direction,
    proto: Proto,
    port: Option<u16>,
    peer: FixPeer,
) -> String {
    let (kw, key) = match dir {
        Direction::Ingress => ("ingress", "from"),
        Direction::Egress => ("egress", "to"),
    };
    let port = port.map(|p| format!(" {p}")).unwrap_or_default();
    let peer = match peer {
        FixPeer::Sg(id) => format!("sg:{}", model.sg(id).name),
        FixPeer::Host(id) => format!("host:{}", model.host(id).name),
        FixPeer::Network(id) => {
            let n = model.network(id);
            format!("{}:{}", n.cloud.keyword(), n.name)
        }
        FixPeer::Lb(id) => format!("lb:{}", model.load_balancers[id.index()].name),
        FixPeer::Cidr(c) => format!("cidr:{c}"),
        FixPeer::LbSubnets(id) => {
            // One rule per subnet the balancer's nodes send from.
            let proto = proto.as_str();
            return model.load_balancers[id.index()]
                .subnets
                .iter()
                .map(|s| {
                    format!(
                        "{kw} \"{proto}\"{port} {key}=\"subnet:{}\"",
                        model.subnet_path(*s)
                    )
                })
                .collect::<Vec<_>>()
                .join("` and `");
        }
    };
    format!("{kw} \"{}\"{port} {key}=\"{peer}\"", proto.as_str())
}

/// Suggests a VPN between two networks, with a gateway candidate in each
/// (a host that already holds a public address) when there is one.
fn route_help(model: &Model, from: NetworkId, to: NetworkId) -> String {
    let gateway = |net: NetworkId| {
        model
            .hosts
            .iter()
            .enumerate()
            .find(|(i, h)| {
                h.public_address.is_some() && model.host_network(HostId::from_index(*i)) == net
            })
            .map(|(_, h)| h.name.as_str())
            .unwrap_or("GATEWAY")
    };
    let (a, b) = (model.network(from), model.network(to));
    let (ga, gb) = (gateway(from), gateway(to));
    let note = if ga == "GATEWAY" || gb == "GATEWAY" {
        " (GATEWAY: a host of that network with `public-address=`)"
    } else {
        ""
    };
    format!(
        "join them with a tunnel: `vpn \"{}-{}\" {{ left host=\"{}\" subnets=\"{}:{}\"; right host=\"{}\" subnets=\"{}:{}\"; ike \"aes256-sha256-modp2048\"; esp \"aes256-sha256\"; psk-env \"IPSEC_PSK\" }}`{note}",
        a.name,
        b.name,
        ga,
        a.cloud.keyword(),
        a.name,
        gb,
        b.cloud.keyword(),
        b.name
    )
}

/// Suggests the end's `subnets=` with the uncovered hosts' subnets added.
fn cover_help(model: &Model, vpn: VpnId, left: bool, hosts: &[HostId]) -> String {
    let (name, end) = vpn_end(model, vpn, left);
    let mut parts: Vec<String> = end
        .map(|e| e.subnets.iter().map(|p| model.peer_name(p)).collect())
        .unwrap_or_default();
    for h in hosts {
        let s = format!("subnet:{}", model.subnet_path(model.host(*h).subnet));
        if !parts.contains(&s) {
            parts.push(s);
        }
    }
    format!(
        "write `subnets=\"{}\"` on the `{}` end of vpn \"{name}\" (or name the whole network)",
        parts.join(","),
        side(left)
    )
}
