//! `open-to-world`: Ingress from 0.0.0.0/0 or ::/0 (an error on admin and data ports).

use super::super::prelude::*;
use crate::units::format_port_range;
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::OpenToWorld,
    family: Family::Security,
    severity: Severity::Error,
    summary: "Ingress from 0.0.0.0/0 or ::/0 (an error on admin and data ports).",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Finds ingress rules that admit the whole internet: `from="cidr:0.0.0.0/0"`,
`from="cidr:::/0"`, or an address-set that contains either. It is an
**error** when the rule opens an administration or data port (SSH 22, RDP
3389, etcd 2379/2380, Grafana 3000, PostgreSQL 5432, Redis 6379, Patroni
8008, Prometheus 9090, Alertmanager 9093, Node Exporter 9100,
postgres_exporter 9187, Elasticsearch 9200/9300, MongoDB 27017), protocol
`all`, or a port range covering any of them; a **warning** on other ports
(e.g. 443 on a public web tier, which may be intended).

## Why is this bad
Internet-wide scanners find an open SSH, database or cluster port within
minutes. etcd, Elasticsearch, Prometheus and the exporters have no
authentication by default: anyone can read the data, and etcd or Patroni
access means control of the database cluster.

## Example
```kdl
security-group "bastion" vpc="core" {
    ingress "tcp" 22 from="cidr:0.0.0.0/0"
}
```
Fix: admit only the addresses that need it.
```kdl
address-set "office" {
    cidr "203.0.113.0/24"
}
security-group "bastion" vpc="core" {
    ingress "tcp" 22 from="set:office"
}
```
A public web tier may keep `ingress "tcp" 443 from="cidr:0.0.0.0/0"` and
silence the warning with `allow "open-to-world" reason="public website"`.

## Source
- https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html (EC2.13, EC2.14, EC2.19: no unrestricted access to high-risk ports)
- https://learn.microsoft.com/en-us/azure/security/fundamentals/network-best-practices
"#;

/// Ports that must never face the internet: remote administration, data
/// stores, cluster control planes and unauthenticated metrics endpoints.
const ADMIN_PORTS: &[(u16, &str)] = &[
    (22, "SSH"),
    (2379, "etcd client API"),
    (2380, "etcd peer API"),
    (3000, "Grafana"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (6379, "Redis"),
    (8008, "Patroni REST API"),
    (9090, "Prometheus"),
    (9093, "Alertmanager"),
    (9100, "Node Exporter"),
    (9187, "postgres_exporter"),
    (9200, "Elasticsearch REST"),
    (9300, "Elasticsearch transport"),
    (27017, "MongoDB"),
];

/// Where the whole internet comes from: the rule's own `cidr:` or an
/// address-set that contains it.
struct World {
    cidr: IpNet,
    set: Option<String>,
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    for sg in &model.security_groups {
        for r in &sg.ingress {
            if let Some(world) = world_cidr(model, &r.peer) {
                out.push(finding(model, sg, r, world));
            }
        }
    }
}

/// The all-addresses CIDR a peer includes, if any.
fn world_cidr(model: &Model, peer: &Peer) -> Option<World> {
    match peer {
        Peer::Cidr(c) if c.prefix_len() == 0 => Some(World {
            cidr: *c,
            set: None,
        }),
        Peer::Set(id) => {
            let set = model.address_sets.get(id.index())?;
            let cidr = set
                .cidrs
                .iter()
                .map(|c| c.value)
                .find(|c| c.prefix_len() == 0)?;
            Some(World {
                cidr,
                set: Some(set.name.clone()),
            })
        }
        _ => None,
    }
}

/// The admin/data port a rule opens, or `None` when it opens none.
fn admin_port(r: &SgRule) -> Option<(u16, &'static str)> {
    match (r.proto, r.ports) {
        (Proto::All, _) | (Proto::Tcp | Proto::Udp, None) => ADMIN_PORTS.first().copied(),
        (Proto::Tcp | Proto::Udp, Some((lo, hi))) => ADMIN_PORTS
            .iter()
            .copied()
            .find(|(p, _)| lo <= *p && *p <= hi),
        _ => None,
    }
}

fn ports_text(r: &SgRule) -> String {
    match r.ports {
        Some(p) => format!("{}/{}", r.proto.as_str(), format_port_range(p, "-")),
        None if r.proto == Proto::All => "all traffic".to_string(),
        None => r.proto.as_str().to_string(),
    }
}

fn finding(model: &Model, sg: &SecurityGroup, r: &SgRule, world: World) -> Diagnostic {
    let ports = ports_text(r);
    let via = match &world.set {
        Some(set) => format!("{} via address-set `{set}`", world.cidr),
        None => world.cidr.to_string(),
    };
    let message = format!(
        "security group `{}` admits {ports} from the whole internet ({via})",
        sg.name
    );
    match admin_port(r) {
        Some((port, service)) => {
            let what = if r.ports == Some((port, port)) {
                format!("{service} ({port}) open to anyone")
            } else {
                format!("includes {service} ({port}), open to anyone")
            };
            Diagnostic::error(RULE.code, message)
                .label(r.peer_span, what)
                .help(format!(
                    "admit only who needs it: an address-set of your office or VPN ranges (`from=\"set:office\"`), the bastion's security group (`from=\"sg:bastion\"`){}",
                    own_network_hint(model, sg)
                ))
        }
        None => Diagnostic::warning(RULE.code, message)
            .label(r.peer_span, "anyone can connect")
            .help(
                "if this service is meant to be public (a web tier), keep it and add `allow \"open-to-world\" reason=\"public website\"` to the security group; otherwise narrow `from=`",
            ),
    }
}

/// ", or your network (`from="vpc:core"`)" when the group has one.
fn own_network_hint(model: &Model, sg: &SecurityGroup) -> String {
    match sg.network {
        Some(id) => {
            let n = model.network(id);
            format!(
                ", or your own network (`from=\"{}:{}\"`)",
                n.cloud.keyword(),
                n.name
            )
        }
        None => String::new(),
    }
}
