//! `cidr-overlap`: Two networks overlap (an error when a VPN joins them, a warning otherwise).

use super::super::prelude::*;
use super::{free_private_block, overlaps};
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::CidrOverlap,
    family: Family::Network,
    severity: Severity::Error,
    summary: "Two networks overlap (an error when a VPN joins them, a warning otherwise).",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that the CIDRs of the estate's VPCs and VNets are disjoint, and that
the two sides of every `vpn` (`left subnets=` and `right subnets=`) do not
overlap.

Two overlapping networks are an **error** when a `vpn` joins them (its left
and right gateways sit in those two networks), and a **warning** otherwise.
Overlapping `subnets=` of the two ends of one VPN are always an error.

## Why is this bad
A site-to-site tunnel routes by destination address: when the same address
exists on both sides, the route to the far side (AWS route table entry, Azure
user-defined route, the IPsec traffic selectors) cannot tell local from remote
traffic, so packets stay local or are dropped. strongSwan and the cloud route
tables accept such a configuration silently; the tunnel comes up and carries
nothing. Networks that are not joined today work, but cannot be peered or
joined by a VPN later without renumbering one of them, which replaces every
instance in it.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" { /* … */ }
vnet "dr" region="centralindia" resource-group="acme-dr" cidr="10.10.0.0/16" { /* … */ }
vpn "aws-azure" {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
}
```
Give each network its own range:
```kdl
vnet "dr" region="centralindia" resource-group="acme-dr" cidr="10.20.0.0/16" { /* … */ }
```

## Source
- AWS, "Configure route tables" (the local route of the VPC CIDR always wins; a route to an overlapping remote range never applies): https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
- AWS, "VPC peering limitations" (no overlapping IPv4 CIDR blocks): https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html
- Azure, "Plan virtual networks" (address spaces must not overlap with networks you connect): https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-vnet-plan-design-arm
- strongSwan, traffic selectors (`leftsubnet`/`rightsubnet`): https://docs.strongswan.org/docs/latest/config/IKEv2.html
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    // VPNs already reported through their networks: their `subnets=`
    // overlap for the same reason, one report is enough.
    let mut reported_vpns = Vec::new();
    for (i, a) in m.networks.iter().enumerate() {
        for (j, b) in m.networks.iter().enumerate().skip(i + 1) {
            if !overlaps(&a.cidr.value, &b.cidr.value) {
                continue;
            }
            let vpn = joining_vpn(m, NetworkId::from_index(i), NetworkId::from_index(j));
            if let Some(v) = vpn {
                reported_vpns.push(v);
            }
            out.push(network_overlap(m, NetworkId::from_index(j), a, b, vpn));
        }
    }
    for (i, vpn) in m.vpns.iter().enumerate() {
        if !reported_vpns.contains(&i) {
            vpn_sides_overlap(m, vpn, out);
        }
    }
}

/// The VPN whose two gateways sit in networks `a` and `b`.
fn joining_vpn(m: &Model, a: NetworkId, b: NetworkId) -> Option<usize> {
    m.vpns.iter().position(|v| {
        let ends = (m.host_network(v.left.host), m.host_network(v.right.host));
        ends == (a, b) || ends == (b, a)
    })
}

fn describe(n: &Network) -> String {
    format!("{} `{}` ({})", n.cloud.display(), n.name, n.cidr.value)
}

/// `later` is `b`'s id: the network to renumber.
fn network_overlap(
    m: &Model,
    later: NetworkId,
    a: &Network,
    b: &Network,
    vpn: Option<usize>,
) -> Diagnostic {
    let renumber = match free_private_block(m, later, b.cidr.value.prefix_len()) {
        Some(free) => format!("renumber `{}`, e.g. `cidr=\"{free}\"`", b.name),
        None => format!("give `{}` a range of its own", b.name),
    };
    let base = |sev: Severity, msg: String| {
        Diagnostic::error(RULE.code, msg)
            .with_severity(sev)
            .label(b.cidr.span, format!("overlaps `{}`", a.name))
            .label(a.cidr.span, format!("`{}` declared here", a.name))
    };
    match vpn.and_then(|v| m.vpns.get(v)) {
        Some(v) => base(
            Severity::Error,
            format!(
                "{} and {} overlap, and VPN `{}` joins them",
                describe(a),
                describe(b),
                v.name
            ),
        )
        .label(v.name_span, "this tunnel routes between them")
        .help(format!(
            "traffic for an address that exists on both sides cannot be routed through the tunnel; {renumber}"
        )),
        None => base(
            Severity::Warning,
            format!("{} and {} overlap", describe(a), describe(b)),
        )
        .help(format!(
            "the two networks could never be peered or joined by a VPN; {renumber}"
        )),
    }
}

/// The ranges one end of a VPN announces, each described as written
/// (`vpc:core (10.10.0.0/16)`, or just `cidr:10.10.0.0/24`).
fn side(m: &Model, end: &VpnEnd) -> Vec<(String, IpNet)> {
    end.subnets
        .iter()
        .flat_map(|p| {
            let name = m.peer_name(p);
            let literal = matches!(p, Peer::Cidr(_));
            m.peer_cidrs(p, None).into_iter().map(move |c| {
                let what = if literal {
                    format!("`{name}`")
                } else {
                    format!("`{name}` ({c})")
                };
                (what, c)
            })
        })
        .collect()
}

fn vpn_sides_overlap(m: &Model, vpn: &Vpn, out: &mut Vec<Diagnostic>) {
    let (left, right) = (side(m, &vpn.left), side(m, &vpn.right));
    for (ln, lc) in &left {
        for (rn, rc) in &right {
            if !overlaps(lc, rc) {
                continue;
            }
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "VPN `{}` routes {ln} on the left and {rn} on the right, which overlap",
                        vpn.name
                    ),
                )
                .label(vpn.right.subnets_span, format!("{rc} overlaps the left side"))
                .label(vpn.left.subnets_span, format!("the left side announces {lc}"))
                .help("each end must announce only the ranges behind its own gateway; list disjoint subnets on the two sides"),
            );
        }
    }
}
