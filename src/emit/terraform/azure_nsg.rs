//! Azure NSGs: one per set of security groups a NIC uses
//! (`Model::azure_nsgs`), with one `azurerm_network_security_rule` per
//! spec rule at the priority `model::nsg::priorities` gives it, and the
//! deny rules that make an NSG behave as lint checks it.

use super::azure::{location, rg_attr};
use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::nsg::{self, NsgSet};
use crate::model::*;
use crate::units::format_port_range;
use std::collections::BTreeSet;

pub fn nsg_name(m: &Model, groups: &[SgId]) -> String {
    crate::model::tf_names::nsg(groups.iter().map(|g| m.sg(*g).name.as_str()))
}

pub fn nsg(tf: &Tf, f: &mut TfFile, set: &NsgSet, probes: Option<&super::azure_lb::Probes>) {
    let m = tf.m;
    let n = set.network;
    let name = nsg_name(m, &set.groups);
    let spec_name = set.spec_name(m);
    for g in &set.groups {
        f.source(format!("security-group {}", m.sg(*g).name), m.sg(*g).span);
    }
    f.add(
        opt(
            resource("azurerm_network_security_group", &name)
                .add_attribute((
                    "name",
                    s(names::cloud_name(m, &spec_name.replace('+', "-"))),
                ))
                .add_attribute(location(m, n))
                .add_attribute(rg_attr(m, n)),
            tf.azure_tags(),
        )
        .build(),
    );
    let rules = set.rules(m);
    let directions: Vec<Direction> = rules.iter().map(|r| r.direction).collect();
    // More rules than Azure's priorities allow is `nsg-priority-exhausted`,
    // an error that stops the build; the fallback only keeps this total.
    let priorities = nsg::priorities(&directions).unwrap_or_else(|_| {
        (0..rules.len())
            .map(|i| nsg::ALLOW_FIRST + i as u32)
            .collect()
    });
    let mut taken = BTreeSet::new();
    for (rule, priority) in rules.iter().zip(priorities) {
        nsg_rule(tf, f, &name, n, rule, priority, &mut taken);
    }
    if let Some(p) = probes {
        lb_probes(tf, f, &name, n, p);
    }
    // Security-group semantics: nothing enters unless a rule says so. Azure's
    // default AllowVnetInBound would admit the VNet and every prefix of a
    // user-defined route (the other side of the tunnel), which lint treats
    // as blocked; this rule makes the NSG behave as lint checks it.
    deny_rest(
        tf,
        f,
        &name,
        n,
        "Inbound",
        nsg::DENY_OTHER_INGRESS,
        "Ingress not declared in the spec",
    );
    // Once egress is declared, nothing else may leave (Azure's defaults
    // would let it).
    if set.groups.iter().any(|g| m.sg(*g).egress_declared) {
        deny_rest(
            tf,
            f,
            &name,
            n,
            "Outbound",
            nsg::DENY_OTHER_EGRESS,
            "Egress not declared in the spec",
        );
    }
}

/// Admits an Azure load balancer's health probes to its targets behind
/// this NSG. They come from 168.63.129.16, the `AzureLoadBalancer` service
/// tag, which "must not be blocked for probes to mark your instance as up"
/// (https://learn.microsoft.com/en-us/azure/load-balancer/load-balancer-custom-probe-overview).
/// Azure's default rule AllowAzureLoadBalancerInBound does admit them, but
/// at priority 65001
/// (https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#default-security-rules):
/// deny-other-ingress at 4010 would drop them first, every target would
/// look down and the balancer would forward nothing.
fn lb_probes(tf: &Tf, f: &mut TfFile, nsg: &str, n: NetworkId, p: &super::azure_lb::Probes) {
    let m = tf.m;
    let ports: Vec<String> = p.ports.iter().map(|x| x.to_string()).collect();
    let targets: Vec<String> = p
        .addresses
        .iter()
        .map(|a| ipnet::IpNet::from(*a).to_string())
        .collect();
    let mut b = resource(
        "azurerm_network_security_rule",
        &format!("{nsg}_allow_lb_probes"),
    )
    .add_attribute(("name", s("allow-lb-probes")))
    .add_attribute(rg_attr(m, n))
    .add_attribute((
        "network_security_group_name",
        r(&format!("azurerm_network_security_group.{nsg}.name")),
    ))
    .add_attribute(("priority", nsg::ALLOW_LB_PROBES))
    .add_attribute(("direction", s("Inbound")))
    .add_attribute(("access", s("Allow")))
    .add_attribute(("protocol", s("Tcp")))
    .add_attribute(("source_port_range", s("*")));
    b = if ports.len() == 1 {
        b.add_attribute(("destination_port_range", s(&ports[0])))
    } else {
        b.add_attribute(("destination_port_ranges", strings(ports)))
    };
    b = b.add_attribute(("source_address_prefix", s("AzureLoadBalancer")));
    b = match targets.len() {
        0 => b.add_attribute(("destination_address_prefix", s("*"))),
        1 => b.add_attribute(("destination_address_prefix", s(&targets[0]))),
        _ => b.add_attribute(("destination_address_prefixes", strings(targets))),
    };
    f.add(
        b.add_attribute((
            "description",
            s("Load balancer health probes (AzureLoadBalancer, 168.63.129.16)"),
        ))
        .build(),
    );
}

/// A lowest-precedence rule that denies what the allow rules above do not
/// admit, in one direction.
fn deny_rest(
    tf: &Tf,
    f: &mut TfFile,
    nsg: &str,
    n: NetworkId,
    direction: &str,
    priority: u32,
    why: &str,
) {
    let m = tf.m;
    let short = if direction == "Inbound" {
        "ingress"
    } else {
        "egress"
    };
    f.add(
        resource(
            "azurerm_network_security_rule",
            &format!("{nsg}_deny_other_{short}"),
        )
        .add_attribute(("name", s(format!("deny-other-{short}"))))
        .add_attribute(rg_attr(m, n))
        .add_attribute((
            "network_security_group_name",
            r(&format!("azurerm_network_security_group.{nsg}.name")),
        ))
        .add_attribute(("priority", priority))
        .add_attribute(("direction", s(direction)))
        .add_attribute(("access", s("Deny")))
        .add_attribute(("protocol", s("*")))
        .add_attribute(("source_port_range", s("*")))
        .add_attribute(("destination_port_range", s("*")))
        .add_attribute(("source_address_prefix", s("*")))
        .add_attribute(("destination_address_prefix", s("*")))
        .add_attribute(("description", s(why)))
        .build(),
    );
}

fn nsg_rule(
    tf: &Tf,
    f: &mut TfFile,
    nsg: &str,
    n: NetworkId,
    rule: &SgRule,
    priority: u32,
    taken: &mut BTreeSet<String>,
) {
    let m = tf.m;
    let inbound = rule.direction == Direction::Ingress;
    let (dir, way) = if inbound {
        ("in", "from")
    } else {
        ("out", "to")
    };
    let ports = rule
        .ports
        .map(|p| format_port_range(p, "-"))
        .unwrap_or_else(|| "*".to_string());
    let protocol = match rule.proto {
        Proto::Tcp => "Tcp",
        Proto::Udp => "Udp",
        Proto::Icmp => "Icmp",
        Proto::Esp => "Esp",
        Proto::All => "*",
    };
    let peer_name = m.peer_name(&rule.peer);
    let port_part = if ports == "*" {
        String::new()
    } else {
        format!("-{}", ports)
    };
    let rule_name = format!(
        "{dir}-{}{port_part}-{}",
        rule.proto.as_str(),
        peer_name.replace([':', '/', '.'], "-")
    );
    let res = super::security::unique(taken, format!("{nsg}_{}", names::id(&rule_name)));
    let description = rule
        .description
        .clone()
        .unwrap_or_else(|| format!("{} {ports} {way} {peer_name}", rule.proto.as_str()));
    let prefixes: Vec<String> = match &rule.peer {
        // Members of a group, by private address (Azure has no group
        // references across NICs without application security groups).
        Peer::Sg(g) => m
            .hosts
            .iter()
            .filter(|h| h.settings.security_groups.contains(g))
            .filter_map(|h| h.address.map(|a| ipnet::IpNet::from(a).to_string()))
            .collect(),
        peer => m
            .peer_cidrs(peer, Some(n))
            .iter()
            .map(|c| c.to_string())
            .collect(),
    };
    let (remote, local) = if inbound {
        ("source", "destination")
    } else {
        ("destination", "source")
    };
    let mut b = resource("azurerm_network_security_rule", &res);
    let world = prefixes.iter().any(|p| p.ends_with("/0"));
    if let (true, true, Some(reason)) = (inbound, world, super::security::allowed_world(m, rule)) {
        for (check, port, protos) in [
            ("CKV_AZURE_10", Some(22), &[Proto::Tcp, Proto::All][..]),
            ("CKV_AZURE_9", Some(3389), &[Proto::Tcp, Proto::All][..]),
            ("CKV_AZURE_160", Some(80), &[Proto::Tcp, Proto::All][..]),
            ("CKV_AZURE_77", None, &[Proto::Udp][..]),
        ] {
            let in_range = match (port, rule.ports) {
                (Some(p), Some((lo, hi))) => lo <= p && p <= hi,
                _ => true,
            };
            if protos.contains(&rule.proto) && in_range {
                b = b.add_attribute(checkov_skip(check, &reason));
            }
        }
    }
    let mut b = b
        .add_attribute(("name", s(&rule_name)))
        .add_attribute(rg_attr(m, n))
        .add_attribute((
            "network_security_group_name",
            r(&format!("azurerm_network_security_group.{nsg}.name")),
        ))
        .add_attribute(("priority", priority))
        .add_attribute(("direction", s(if inbound { "Inbound" } else { "Outbound" })))
        .add_attribute(("access", s("Allow")))
        .add_attribute(("protocol", s(protocol)))
        .add_attribute(("source_port_range", s("*")))
        .add_attribute(("destination_port_range", s(&ports)));
    b = if prefixes.len() == 1 {
        b.add_attribute((format!("{remote}_address_prefix"), s(&prefixes[0])))
    } else {
        b.add_attribute((format!("{remote}_address_prefixes"), strings(prefixes)))
    };
    f.add(
        b.add_attribute((format!("{local}_address_prefix"), s("*")))
            .add_attribute(("description", s(description)))
            .build(),
    );
}
