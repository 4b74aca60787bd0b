//! `subnet-capacity`: More hosts placed in a subnet than it has usable addresses.

use super::super::prelude::*;
use crate::model::network::usable_addresses;
use crate::span::Span;
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::SubnetCapacity,
    family: Family::Network,
    severity: Severity::Error,
    summary: "More hosts placed in a subnet than it has usable addresses.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Counts the hosts that groups and hosts place in each subnet (a group's hosts
are spread round-robin over its `subnets`) and reports a subnet that holds
more hosts than it has usable addresses. AWS and Azure both reserve five
addresses of every subnet: the first four and the last one, so a /24 has
251 usable addresses and a /28 has 11.

## Why is this bad
Every host gets a fixed private address at compile time. When a subnet runs
out, the hosts beyond its capacity get no address, and the cloud would refuse
to launch them anyway (`InsufficientFreeAddressesInSubnet` on AWS).

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.0.0/28" // 11 usable
}
fleet {
    group "app" count=12 type="m5.large" {
        subnets "core/private-a"
    }
}
```
Widen the subnet (a /27 has 27 usable addresses) or spread the group over
more subnets:
```kdl
    subnet "private-a" zone="us-east-1a" cidr="10.10.0.0/27"
```

## Source
- AWS, "Subnet CIDR blocks" (the first four and the last IP address of each subnet are reserved): https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
- Azure, "Virtual network FAQ" (Azure reserves the first four and the last IP address of each subnet): https://learn.microsoft.com/en-us/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets
"#;

/// Who put hosts in a subnet: a group (named once) or a single host.
#[derive(PartialEq, Eq)]
struct Placer {
    name: String,
    span: Span,
    hosts: u64,
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    let mut placed: Vec<Vec<Placer>> = m.subnets.iter().map(|_| Vec::new()).collect();
    for h in &m.hosts {
        let (name, span) = match h.group {
            Some(g) => (format!("group `{}`", m.group(g).name), m.group(g).name_span),
            None => (format!("host `{}`", h.name), h.name_span),
        };
        let Some(list) = placed.get_mut(h.subnet.index()) else {
            continue;
        };
        match list.iter_mut().find(|p| p.span == span) {
            Some(p) => p.hosts += 1,
            None => list.push(Placer {
                name,
                span,
                hosts: 1,
            }),
        }
    }
    for (i, placers) in placed.iter().enumerate() {
        let id = SubnetId::from_index(i);
        let total: u64 = placers.iter().map(|p| p.hosts).sum();
        let usable = usable_addresses(&m.subnet(id).cidr.value);
        if total > usable {
            out.push(report(m, id, placers, total, usable));
        }
    }
}

fn report(m: &Model, id: SubnetId, placers: &[Placer], total: u64, usable: u64) -> Diagnostic {
    let s = m.subnet(id);
    let mut d = Diagnostic::error(
        RULE.code,
        format!(
            "subnet `{}` ({}) has {total} hosts placed in it but only {usable} usable addresses",
            m.subnet_path(id),
            s.cidr.value
        ),
    )
    .label(
        s.cidr.span,
        format!(
            "/{} leaves {usable} usable addresses after the 5 reserved",
            s.cidr.value.prefix_len()
        ),
    );
    for p in placers {
        let what = if p.hosts == 1 { "host" } else { "hosts" };
        d = d.label(p.span, format!("{} places {} {what} here", p.name, p.hosts));
    }
    d.help(help(&s.cidr.value, total))
}

/// The largest prefix (smallest subnet) that holds `hosts`.
fn help(cidr: &IpNet, hosts: u64) -> String {
    let fits = (0..cidr.prefix_len()).rev().find_map(|p| {
        let wider = IpNet::new(cidr.addr(), p).ok()?.trunc();
        (usable_addresses(&wider) >= hosts).then_some(wider)
    });
    match fits {
        Some(wider) => format!(
            "widen the subnet to /{} ({} usable), e.g. `cidr=\"{wider}\"`, or spread the hosts over more subnets",
            wider.prefix_len(),
            usable_addresses(&wider)
        ),
        None => "spread the hosts over more subnets".to_string(),
    }
}
