//! `non-private-cidr`: A network uses public address space.

use super::super::prelude::*;
use super::{RFC1918, free_private_block};
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::NonPrivateCidr,
    family: Family::Network,
    severity: Severity::Warning,
    summary: "A network uses public address space.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns when the `cidr=` of a `vpc` or `vnet` is not inside the RFC 1918
private ranges `10.0.0.0/8`, `172.16.0.0/12` and `192.168.0.0/16`. It also
warns, with the reason, for the shared address space `100.64.0.0/10`
(RFC 6598, meant for carrier-grade NAT) and for loopback `127.0.0.0/8`, which
is only meant for local test estates that never reach a cloud.

## Why is this bad
A network numbered from public space shadows the real owners of those
addresses: hosts inside it can no longer reach the public services that use
them, because the VPC's local route always wins. A common slip is
`172.0.0.0/16`, which looks private but is public space (only 172.16–172.31
is private). `100.64.0.0/10` is accepted by the clouds but is what ISPs and
many VPN clients use for carrier-grade NAT, so it collides with the networks
users connect from.

## Example
```kdl
vpc "core" region="us-east-1" cidr="172.0.0.0/16" { /* … */ }
```
Use private space:
```kdl
vpc "core" region="us-east-1" cidr="172.16.0.0/16" { /* … */ }
```

## Source
- RFC 1918, "Address Allocation for Private Internets", section 3: https://www.rfc-editor.org/rfc/rfc1918#section-3
- RFC 6598, "IANA-Reserved IPv4 Prefix for Shared Address Space": https://www.rfc-editor.org/rfc/rfc6598
- AWS, "VPC CIDR blocks" (recommends RFC 1918 ranges): https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
- Azure, "Plan virtual networks" (address space): https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-vnet-plan-design-arm
"#;

/// Why a range is not plain private space.
enum Space {
    Public,
    Cgnat,
    Loopback,
}

fn classify(cidr: &IpNet) -> Option<Space> {
    let within = |s: &str| s.parse::<IpNet>().is_ok_and(|space| space.contains(cidr));
    if RFC1918.iter().any(|s| within(s)) {
        None
    } else if within("100.64.0.0/10") {
        Some(Space::Cgnat)
    } else if within("127.0.0.0/8") {
        Some(Space::Loopback)
    } else {
        Some(Space::Public)
    }
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for (i, n) in m.networks.iter().enumerate() {
        let Some(space) = classify(&n.cidr.value) else {
            continue;
        };
        let what = format!("{} `{}` ({})", n.cloud.display(), n.name, n.cidr.value);
        let (msg, label) = match space {
            Space::Public => (
                format!("{what} is not private address space"),
                "public address space, outside RFC 1918",
            ),
            Space::Cgnat => (
                format!(
                    "{what} is in the shared address space 100.64.0.0/10 (RFC 6598), reserved for carrier-grade NAT"
                ),
                "carrier-grade NAT space: collides with ISP and VPN-client addresses",
            ),
            Space::Loopback => (
                format!("{what} is loopback space, usable only for a local test estate"),
                "loopback space: no cloud routes it",
            ),
        };
        let suggestion = free_private_block(m, NetworkId::from_index(i), n.cidr.value.prefix_len())
            .map(|free| format!(", e.g. `cidr=\"{free}\"`"))
            .unwrap_or_default();
        out.push(
            Diagnostic::warning(RULE.code, msg)
                .label(n.cidr.span, label)
                .help(format!(
                    "number the network from 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16{suggestion}"
                )),
        );
    }
}
