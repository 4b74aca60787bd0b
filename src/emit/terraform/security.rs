//! AWS security groups: one `aws_security_group` per group and one
//! `aws_vpc_security_group_{ingress,egress}_rule` per rule and CIDR.
//! Rules reference groups by ID from their own resources, so groups that
//! name each other form no dependency cycle.

use super::dsl::*;
use super::{Tf, TfFile, names, opt};
use crate::model::*;
use crate::units::format_port_range;
use hcl::Expression;
use std::collections::BTreeSet;

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut f = TfFile::new("security");
    let mut taken = BTreeSet::new();
    for (i, g) in m.security_groups.iter().enumerate() {
        let Some(n) = g.network else { continue };
        if m.network(n).cloud != Cloud::Aws {
            continue;
        }
        group(tf, &mut f, SgId::from_index(i), n, &mut taken);
    }
    files.push(f);
}

fn group(tf: &Tf, f: &mut TfFile, id: SgId, n: NetworkId, taken: &mut BTreeSet<String>) {
    let m = tf.m;
    let g = m.sg(id);
    let name = names::sg(m, id);
    let region = tf.region(n);
    f.source(format!("security-group {}", g.name), g.span);
    f.add(
        opt(resource("aws_security_group", &name), tf.provider(region))
            .add_attribute(("name", s(names::cloud_name(m, &g.name))))
            .add_attribute((
                "description",
                s(format!("infragen security group {}", g.name)),
            ))
            .add_attribute(("vpc_id", r(&format!("aws_vpc.{}.id", names::network(m, n)))))
            .add_attribute(tf.name_tag(&g.name))
            .build(),
    );
    for rule in &g.ingress {
        rules(tf, f, &name, rule, n, taken);
    }
    for rule in &g.egress {
        rules(tf, f, &name, rule, n, taken);
    }
    if !g.egress_declared {
        // The spec's default is "all egress", which AWS gives a new group
        // but the provider removes: say it explicitly.
        let res = unique(taken, format!("{name}_egress_all"));
        f.add(
            opt(resource("aws_vpc_security_group_egress_rule", &res), tf.provider(region))
                .add_attribute(fmt_skip(
                    "CKV_AWS_382",
                    "the spec leaves egress open (its default): hosts reach package mirrors, NTP and AWS APIs",
                ))
                .add_attribute(("security_group_id", r(&format!("aws_security_group.{name}.id"))))
                .add_attribute(("description", s("All egress (spec default)")))
                .add_attribute(("ip_protocol", s("-1")))
                .add_attribute(("cidr_ipv4", s("0.0.0.0/0")))
                .build(),
        );
    }
}

fn fmt_skip(check: &str, reason: &str) -> hcl::Attribute {
    super::fmt::checkov_skip(check, reason)
}

/// One resource per CIDR the rule's peer stands for (one for a group).
fn rules(
    tf: &Tf,
    f: &mut TfFile,
    sg: &str,
    rule: &SgRule,
    n: NetworkId,
    taken: &mut BTreeSet<String>,
) {
    let m = tf.m;
    let (kind, dir) = match rule.direction {
        Direction::Ingress => ("aws_vpc_security_group_ingress_rule", "in"),
        Direction::Egress => ("aws_vpc_security_group_egress_rule", "out"),
    };
    let description = rule.description.clone().unwrap_or_else(|| {
        let way = if dir == "in" { "from" } else { "to" };
        format!(
            "{} {} {way} {}",
            rule.proto.as_str(),
            ports_text(rule),
            m.peer_name(&rule.peer)
        )
        .replace("  ", " ")
    });
    let base = format!(
        "{sg}_{dir}_{}{}",
        rule.proto.as_str(),
        match rule.ports {
            Some(p) => format!("_{}", format_port_range(p, "_")),
            None => String::new(),
        }
    );
    for (suffix, target) in peers(tf, &rule.peer, n) {
        let res = unique(taken, format!("{base}_{suffix}"));
        let mut b = opt(resource(kind, &res), tf.provider(tf.region(n)));
        if let (Peer::Sg(_), Some((lo, hi))) = (&rule.peer, rule.ports) {
            // checkov reads a rule without a CIDR as open to the world: it
            // knows `source_security_group_id`, not this resource's
            // `referenced_security_group_id`.
            for (check, port) in [
                ("CKV_AWS_24", 22),
                ("CKV_AWS_25", 3389),
                ("CKV_AWS_260", 80),
            ] {
                if lo <= port && port <= hi {
                    b = b.add_attribute(fmt_skip(
                        check,
                        "false positive (bridgecrewio/checkov#6624): the source is a security group, not 0.0.0.0/0",
                    ));
                }
            }
        }
        if let (Direction::Ingress, Some(reason)) = (rule.direction, allowed_world(m, rule))
            && matches!(&target.1, Expression::String(c) if c.ends_with("/0"))
        {
            let (lo, hi) = match rule.proto {
                Proto::Tcp | Proto::Udp => rule.ports.map(|(l, h)| (l as i32, h as i32)),
                Proto::Icmp => Some((-1, -1)),
                Proto::Esp | Proto::All => None,
            }
            .unwrap_or((0, 65535));
            let ported = matches!(rule.proto, Proto::Tcp | Proto::Udp | Proto::Icmp);
            for (check, port) in [
                ("CKV_AWS_24", 22),
                ("CKV_AWS_25", 3389),
                ("CKV_AWS_260", 80),
                ("CKV_AWS_277", -1),
            ] {
                if ported && lo <= port && port <= hi {
                    b = b.add_attribute(fmt_skip(check, &reason));
                }
            }
        }
        let mut b = b
            .add_attribute((
                "security_group_id",
                r(&format!("aws_security_group.{sg}.id")),
            ))
            .add_attribute(("description", s(&description)));
        b = match rule.proto {
            Proto::Tcp | Proto::Udp => {
                let (lo, hi) = rule.ports.unwrap_or((0, 65535));
                b.add_attribute(("ip_protocol", s(rule.proto.as_str())))
                    .add_attribute(("from_port", lo))
                    .add_attribute(("to_port", hi))
            }
            // Every ICMP type and code.
            Proto::Icmp => b
                .add_attribute(("ip_protocol", s("icmp")))
                .add_attribute(("from_port", -1))
                .add_attribute(("to_port", -1)),
            // IP protocol 50; AWS takes no ports for it.
            Proto::Esp => b.add_attribute(("ip_protocol", s("50"))),
            Proto::All => b.add_attribute(("ip_protocol", s("-1"))),
        };
        f.add(b.add_attribute(target).build());
    }
}

/// The reason of an `allow "open-to-world" reason="…"` that covers this
/// rule (as lint applies it), made fit for a one-line `#checkov:skip`
/// comment: the spec says the exposure is deliberate, and checkov is told
/// why.
pub fn allowed_world(m: &Model, rule: &SgRule) -> Option<String> {
    let s = m.suppressions.iter().find(|s| {
        s.rule == crate::diagnostic::Code::OpenToWorld
            && !s.reason.trim().is_empty()
            && s.scope.contains(rule.peer_span)
    })?;
    let clean: String = s
        .reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Some(format!(
        "open-to-world allowed in the spec: {}",
        clean.split_whitespace().collect::<Vec<_>>().join(" ")
    ))
}

fn ports_text(rule: &SgRule) -> String {
    rule.ports
        .map(|p| format_port_range(p, "-"))
        .unwrap_or_default()
}

/// (resource-name suffix, `cidr_ipv4`/`referenced_security_group_id`
/// attribute) for each address range the peer stands for.
fn peers(tf: &Tf, peer: &Peer, n: NetworkId) -> Vec<(String, (&'static str, Expression))> {
    let m = tf.m;
    let cidr = |c: ipnet::IpNet| {
        let key = if c.addr().is_ipv4() {
            "cidr_ipv4"
        } else {
            "cidr_ipv6"
        };
        (key, s(c.to_string()))
    };
    match peer {
        Peer::Sg(g) => vec![(
            format!("sg_{}", names::sg(m, *g)),
            (
                "referenced_security_group_id",
                r(&format!("aws_security_group.{}.id", names::sg(m, *g))),
            ),
        )],
        Peer::Network(id) if m.network(*id).cloud == Cloud::Aws => vec![(
            format!("vpc_{}", names::network(m, *id)),
            (
                "cidr_ipv4",
                r(&format!("aws_vpc.{}.cidr_block", names::network(m, *id))),
            ),
        )],
        Peer::Subnet(id) if m.network(m.subnet(*id).network).cloud == Cloud::Aws => vec![(
            format!("subnet_{}", names::subnet(m, *id)),
            (
                "cidr_ipv4",
                r(&format!("aws_subnet.{}.cidr_block", names::subnet(m, *id))),
            ),
        )],
        Peer::Network(id) => vec![(
            format!(
                "{}_{}",
                m.network(*id).cloud.keyword(),
                names::network(m, *id)
            ),
            cidr(m.network(*id).cidr.value),
        )],
        Peer::Subnet(id) => vec![(
            format!("subnet_{}", names::subnet(m, *id)),
            cidr(m.subnet(*id).cidr.value),
        )],
        Peer::Host(h) => m
            .host_seen_address(*h, Some(n))
            .map(|a| {
                (
                    format!("host_{}", names::id(&m.host(*h).name)),
                    cidr(ipnet::IpNet::from(a)),
                )
            })
            .into_iter()
            .collect(),
        Peer::Set(id) => {
            let set = &m.address_sets[id.index()];
            set.cidrs
                .iter()
                .map(|c| {
                    (
                        format!("{}_{}", names::id(&set.name), cidr_name(&c.value)),
                        cidr(c.value),
                    )
                })
                .collect()
        }
        Peer::Cidr(c) => vec![(format!("cidr_{}", cidr_name(c)), cidr(*c))],
    }
}

/// `203.0.113.0/24` → `203_0_113_0_24`.
fn cidr_name(c: &ipnet::IpNet) -> String {
    c.to_string().replace(['.', '/', ':'], "_")
}

/// The name, or the name with `_2`, `_3`… when a spec repeats a rule.
pub fn unique(taken: &mut BTreeSet<String>, name: String) -> String {
    if taken.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|i| format!("{name}_{i}"))
        .find(|n| taken.insert(n.clone()))
        .unwrap_or(name)
}
