//! `required-flow-blocked`: A flow the declared services need is not allowed by the security groups.

use super::super::prelude::*;
use crate::graph::flows::{Flow, Purpose};
use crate::graph::reach::{self, Block, Path};
use crate::span::Span;
use std::collections::{HashMap, HashSet};

pub static RULE: Rule = Rule {
    name: "required-flow-blocked",
    family: Family::Security,
    severity: Severity::Error,
    summary: "A flow the declared services need is not allowed by the security groups.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Derives every network flow the declared services need and evaluates it
against the security groups (AWS) and NSGs (Azure) the way the clouds do:
the union of a host's groups, stateful, egress open unless declared. The
flows are: Prometheus to Node Exporter on every monitored host and to the
cluster exporters, Grafana to Prometheus, HAProxy to PostgreSQL (5432) and
Patroni's REST API (8008), Patroni to etcd (2379), etcd peers (2380),
replication and Patroni REST between members, Elasticsearch transport
(9300), clients to HAProxy or Elasticsearch (9200), and IKE (UDP 500 and
4500) and ESP between VPN gateways. A flow between two networks must cross
a VPN whose `subnets=` cover both ends, and be allowed at the destination
and at both gateways (AWS security groups filter forwarded packets too).

Findings are aggregated: one diagnostic per flow purpose, ports and missing
rule, naming every source and destination it concerns, with the exact rule
to add.

## Why is this bad
The configs build and deploy, and then the service silently fails:
Prometheus shows targets down, Patroni cannot reach etcd and demotes the
leader, HAProxy marks every member down, the tunnel never comes up. These
failures surface only in production, often during an incident.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
}
fleet {
    group "app" count=3 type="t3.small" {
        subnets "core/private-a"
        security-groups "app" "node-exporter"
    }
    host "monitor" type="m5.large" {
        subnets "core/private-a"
        security-groups "monitoring"
    }
}
security-group "app" vpc="core" {
    ingress "tcp" 8080 from="vpc:core"
}
security-group "node-exporter" vpc="core" {
    ingress "tcp" 9100 from="sg:app"
}
security-group "monitoring" vpc="core" {
    ingress "tcp" 9090 from="vpc:core"
}
monitoring {
    node-exporter port=9100
    prometheus host="monitor" port=9090
}
```
Prometheus on `monitor` cannot scrape `app-01`…`app-03` on tcp/9100. Fix:
admit the scrape from Prometheus' group.
```kdl
security-group "node-exporter" vpc="core" {
    ingress "tcp" 9100 from="sg:monitoring"
}
```

## Source
- https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
- https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview
- https://prometheus.io/docs/guides/node-exporter/
- https://patroni.readthedocs.io/en/latest/yaml_configuration.html
- https://etcd.io/docs/current/op-guide/configuration/
- https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-network.html
- https://docs.strongswan.org/docs/5.9/howtos/forwarding.html
"#;

/// How to fix a finding; findings with the same fix are reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fix {
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
        vpn: usize,
        left: bool,
    },
    PublicAddress {
        host: HostId,
    },
}

/// The `from=`/`to=` value the suggested rule names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FixPeer {
    Sg(SgId),
    Host(HostId),
    Network(NetworkId),
}

impl FixPeer {
    fn is(self, peer: &Peer) -> bool {
        match (self, peer) {
            (FixPeer::Sg(a), Peer::Sg(b)) => a == *b,
            (FixPeer::Host(a), Peer::Host(b)) => a == *b,
            (FixPeer::Network(a), Peer::Network(b)) => a == *b,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    purpose: Purpose,
    proto: Proto,
    port: Option<u16>,
    fix: Fix,
}

struct Finding {
    key: Key,
    origin: Span,
    sources: Vec<HostId>,
    dests: Vec<HostId>,
    /// Hosts whose groups drop the flow, or that the tunnel leaves out.
    at: Vec<HostId>,
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if !ctx.frontend_clean {
        return;
    }
    let model = ctx.model;
    let blocked: Vec<(&Flow, Block)> = ctx
        .graph
        .flows
        .iter()
        .filter_map(|f| reach::check(model, f).err().map(|b| (f, b)))
        .collect();
    if blocked.is_empty() {
        return;
    }
    let chooser = SgChooser::new(model, &blocked);
    let mut findings: Vec<Finding> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for (flow, block) in &blocked {
        let (fix, at) = fix_for(model, flow, block, &chooser);
        let key = Key {
            purpose: flow.purpose,
            proto: flow.proto,
            port: flow.port,
            fix,
        };
        let i = *index.entry(key).or_insert_with(|| {
            findings.push(Finding {
                key,
                origin: flow.origin,
                sources: Vec::new(),
                dests: Vec::new(),
                at: Vec::new(),
            });
            findings.len() - 1
        });
        if let Some(f) = findings.get_mut(i) {
            f.sources.push(flow.from);
            f.dests.push(flow.to);
            f.at.push(at);
        }
    }
    for mut f in findings {
        for v in [&mut f.sources, &mut f.dests, &mut f.at] {
            v.sort_unstable();
            v.dedup();
        }
        out.push(diagnostic(model, &f));
    }
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

/// The fix for one blocked flow, and the host the block is at.
fn fix_for(model: &Model, flow: &Flow, block: &Block, chooser: &SgChooser) -> (Fix, HostId) {
    match *block {
        Block::Ingress { at, .. } => {
            let fix = rule_fix(model, flow, Direction::Ingress, at, flow.from, chooser);
            (fix, at)
        }
        Block::Egress { at, .. } => {
            let fix = rule_fix(model, flow, Direction::Egress, at, flow.to, chooser);
            (fix, at)
        }
        Block::NoRoute { from, to } => (Fix::Route { from, to }, flow.to),
        Block::NotInTunnel { vpn, host } => {
            let left = model
                .vpns
                .get(vpn)
                .is_some_and(|v| model.host_network(v.left.host) == model.host_network(host));
            (Fix::Cover { vpn, left }, host)
        }
        Block::NoPublicAddress { host } => (Fix::PublicAddress { host }, host),
    }
}

/// A rule on `at` naming `other`, the far end of the flow from `at`'s view.
fn rule_fix(
    model: &Model,
    flow: &Flow,
    direction: Direction,
    at: HostId,
    other: HostId,
    chooser: &SgChooser,
) -> Fix {
    let peer = fix_peer(model, flow, at, other);
    let sg = chooser.choose(model, flow, direction, at, peer);
    Fix::Rule {
        direction,
        sg,
        host: if sg.is_none() { Some(at) } else { None },
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

/// Picks the security group a missing rule belongs in: the one shared by
/// most of the hosts a purpose is blocked at (so `node-exporter`, not
/// `app`, for the scrape of every host), then one that already has a rule
/// for the port (from the wrong peer), then the most specific (attached to
/// the fewest hosts), then one that already names the peer.
struct SgChooser {
    shared: HashMap<(Purpose, Direction, SgId), u32>,
    attached: Vec<u32>,
}

impl SgChooser {
    fn new(model: &Model, blocked: &[(&Flow, Block)]) -> Self {
        let mut seen = HashSet::new();
        let mut shared = HashMap::new();
        for (flow, block) in blocked {
            let (dir, at) = match block {
                Block::Ingress { at, .. } => (Direction::Ingress, *at),
                Block::Egress { at, .. } => (Direction::Egress, *at),
                _ => continue,
            };
            if seen.insert((flow.purpose, dir, at)) {
                for sg in &model.host(at).settings.security_groups {
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
        at: HostId,
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
        model
            .host(at)
            .settings
            .security_groups
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

fn diagnostic(model: &Model, f: &Finding) -> Diagnostic {
    let k = &f.key;
    let ports = proto_port(k.proto, k.port);
    let message = format!(
        "{} on {ports} ({}) is dropped: {}",
        ends_of(model, f),
        k.purpose.describe(),
        where_text(model, f)
    );
    let d = Diagnostic::error(RULE.name, message)
        .label(f.origin, format!("needs {ports}: {}", k.purpose.describe()));
    let d = blocker_labels(model, f, d);
    d.help(help_text(model, f))
}

/// "monitor → app-1…app-3"; both directions between two gateways as
/// "a ↔ b"; peers of one cluster as "traffic among etcd-1…etcd-3".
fn ends_of(model: &Model, f: &Finding) -> String {
    if f.sources != f.dests {
        return format!(
            "{} → {}",
            hosts_text(model, &f.sources),
            hosts_text(model, &f.dests)
        );
    }
    match f.sources.as_slice() {
        [a, b] => format!("{} ↔ {}", model.host(*a).name, model.host(*b).name),
        _ => format!("traffic among {}", hosts_text(model, &f.sources)),
    }
}

fn proto_port(proto: Proto, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{}/{p}", proto.as_str()),
        None => proto.as_str().to_string(),
    }
}

/// Where the flow is dropped, in words.
fn where_text(model: &Model, f: &Finding) -> String {
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
                addressed_hosts_text(model, &f.at, end.is_some())
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

fn vpn_end(model: &Model, vpn: usize, left: bool) -> (&str, Option<&VpnEnd>) {
    match model.vpns.get(vpn) {
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

/// The security groups on the blocking hosts: "security groups `a`, `b`".
fn sgs_text(model: &Model, at: &[HostId]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for h in at {
        for sg in &model.host(*h).settings.security_groups {
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

/// The groups and hosts a list of hosts belongs to: "groups `app`, `db`
/// and host `haproxy`"; gateways are named as such.
fn ends_text(model: &Model, hosts: &[HostId], gateway: bool) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut singles: Vec<String> = Vec::new();
    for h in hosts {
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
    let parts: Vec<String> = [(groups, "group"), (singles, single)]
        .into_iter()
        .filter(|(l, _)| !l.is_empty())
        .map(|(l, noun)| {
            let s = if l.len() > 1 { "s" } else { "" };
            format!("{noun}{s} {}", capped(l.into_iter()))
        })
        .collect();
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
fn blocker_labels(model: &Model, f: &Finding, d: Diagnostic) -> Diagnostic {
    let Some(first) = f.at.first().map(|h| model.host(*h)) else {
        return d;
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

/// "group `app`" or "host `haproxy`": the fleet entry a host comes from.
fn entry_text(model: &Model, host: &Host) -> String {
    match host.group {
        Some(g) => format!("group `{}`", model.group(g).name),
        None => format!("host `{}`", host.name),
    }
}

fn help_text(model: &Model, f: &Finding) -> String {
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
        Fix::Cover { vpn, left } => cover_help(model, vpn, left, &f.at),
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
fn cover_help(model: &Model, vpn: usize, left: bool, hosts: &[HostId]) -> String {
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
