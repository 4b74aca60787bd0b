//! `subnet-outside-network`: A subnet whose CIDR is not inside its VPC or VNet.

use super::super::prelude::*;
use super::free_block;
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::SubnetOutsideNetwork,
    family: Family::Network,
    severity: Severity::Error,
    summary: "A subnet whose CIDR is not inside its VPC or VNet.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that every subnet's `cidr=` lies entirely inside the `cidr=` of the
`vpc` or `vnet` that declares it.

## Why is this bad
A subnet is carved out of its network's address space. AWS rejects
`CreateSubnet` when the block is not a subset of the VPC's CIDR
(`InvalidSubnet.Range`), and Azure rejects a subnet prefix outside the VNet's
address space, so `terraform apply` fails half-way. The compile-time addresses
infragen assigns would also be unreachable from the rest of the network.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.11.0.0/24" // outside 10.10.0.0/16
}
```
Use a block inside the VPC:
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.0.0/24"
}
```

## Source
- AWS, "Subnet CIDR blocks": https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
- Azure, "Add, change, or delete a virtual network subnet": https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-subnet
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for (i, s) in m.subnets.iter().enumerate() {
        let net = m.network(s.network);
        if net.cidr.value.contains(&s.cidr.value) {
            continue;
        }
        let id = SubnetId::from_index(i);
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "subnet `{}` ({}) is not inside its {} `{}` ({})",
                    m.subnet_path(id),
                    s.cidr.value,
                    net.cloud.display(),
                    net.name,
                    net.cidr.value
                ),
            )
            .label(s.cidr.span, "outside the network's range")
            .label(
                net.cidr.span,
                format!("{} `{}` spans this range", net.cloud.display(), net.name),
            )
            .help(help(m, id, &net.cidr.value)),
        );
    }
}

/// Suggests a free block of the same size inside the network, or says the
/// subnet is larger than the network itself.
fn help(m: &Model, id: SubnetId, within: &IpNet) -> String {
    let s = m.subnet(id);
    let prefix = s.cidr.value.prefix_len();
    if prefix < within.prefix_len() {
        return format!(
            "a /{prefix} cannot fit in the /{} network; use a smaller subnet inside {within}",
            within.prefix_len()
        );
    }
    let taken: Vec<IpNet> = m
        .network(s.network)
        .subnets
        .iter()
        .filter(|o| **o != id)
        .map(|o| m.subnet(*o).cidr.value)
        .collect();
    match free_block(within, prefix, &taken) {
        Some(free) => {
            format!("use a range inside {within} that no other subnet uses, e.g. `cidr=\"{free}\"`")
        }
        None => format!("use a range inside {within}"),
    }
}
