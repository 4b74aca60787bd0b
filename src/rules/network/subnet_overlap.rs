//! `subnet-overlap`: Two subnets of the same network overlap.

use super::super::prelude::*;
use super::{free_block, overlaps};
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::SubnetOverlap,
    family: Family::Network,
    severity: Severity::Error,
    summary: "Two subnets of the same network overlap.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that no two subnets of one `vpc` or `vnet` share an address.

## Why is this bad
Every address of a network belongs to exactly one subnet: AWS rejects the
second subnet with `InvalidSubnet.Conflict` and Azure refuses overlapping
subnet prefixes, so `terraform apply` fails. Host addresses assigned in one
subnet could also collide with addresses in the other.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.0.0/20"
    subnet "private-b" zone="us-east-1b" cidr="10.10.8.0/24" // inside private-a
}
```
Give each subnet its own block:
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.0.0/20"
    subnet "private-b" zone="us-east-1b" cidr="10.10.16.0/20"
}
```

## Source
- AWS, "Subnet CIDR blocks" (subnet CIDR blocks in a VPC cannot overlap): https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
- Azure, "Add, change, or delete a virtual network subnet": https://learn.microsoft.com/en-us/azure/virtual-network/virtual-network-manage-subnet
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for net in &m.networks {
        for (i, a) in net.subnets.iter().enumerate() {
            for b in net.subnets.iter().skip(i + 1) {
                let (sa, sb) = (m.subnet(*a), m.subnet(*b));
                if overlaps(&sa.cidr.value, &sb.cidr.value) {
                    out.push(report(m, net, *a, *b));
                }
            }
        }
    }
}

/// Points at the later subnet, which is the one to move.
fn report(m: &Model, net: &Network, first: SubnetId, later: SubnetId) -> Diagnostic {
    let (sa, sb) = (m.subnet(first), m.subnet(later));
    let taken: Vec<IpNet> = net
        .subnets
        .iter()
        .filter(|o| **o != later)
        .map(|o| m.subnet(*o).cidr.value)
        .collect();
    let help = match free_block(&net.cidr.value, sb.cidr.value.prefix_len(), &taken) {
        Some(free) => format!("move `{}` to a free block, e.g. `cidr=\"{free}\"`", sb.name),
        None => format!("give `{}` and `{}` disjoint blocks", sa.name, sb.name),
    };
    Diagnostic::error(
        RULE.code,
        format!(
            "subnets `{}` ({}) and `{}` ({}) overlap",
            m.subnet_path(first),
            sa.cidr.value,
            m.subnet_path(later),
            sb.cidr.value
        ),
    )
    .label(sb.cidr.span, format!("overlaps `{}`", sa.name))
    .label(sa.cidr.span, format!("`{}` declared here", sa.name))
    .help(help)
}
