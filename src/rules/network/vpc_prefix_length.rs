//! `vpc-prefix-length`: An AWS VPC or subnet prefix outside /16 to /28.

use super::super::prelude::*;
use crate::span::Span;
use ipnet::IpNet;

pub static RULE: Rule = Rule {
    code: Code::VpcPrefixLength,
    family: Family::Network,
    severity: Severity::Error,
    summary: "An AWS VPC or subnet prefix outside /16 to /28.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that the CIDR of every AWS `vpc`, and of every subnet in it, has a
prefix length between /16 (65,536 addresses) and /28 (16 addresses). Azure
VNets are not subject to this limit.

## Why is this bad
AWS rejects `CreateVpc` and `CreateSubnet` with a block larger than /16 or
smaller than /28, so `terraform apply` fails on the first resource of the
network. Larger ranges need several CIDR blocks associated with the VPC.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.0.0.0/12" { /* … */ }
```
Use at most a /16:
```kdl
vpc "core" region="us-east-1" cidr="10.0.0.0/16" { /* … */ }
```

## Source
- AWS, "VPC CIDR blocks" (IPv4 VPC CIDR blocks are /16 to /28): https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
- AWS, "Subnet CIDR blocks" (subnets are /16 to /28): https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
"#;

const LARGEST: u8 = 16;
const SMALLEST: u8 = 28;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for n in m.networks.iter().filter(|n| n.cloud == Cloud::Aws) {
        let what = format!("VPC `{}`", n.name);
        if let Some(d) = report(&what, &n.cidr.value, n.cidr.span) {
            out.push(d);
        }
        for id in &n.subnets {
            let s = m.subnet(*id);
            let what = format!("subnet `{}`", m.subnet_path(*id));
            if let Some(d) = report(&what, &s.cidr.value, s.cidr.span) {
                out.push(d);
            }
        }
    }
}

fn report(what: &str, cidr: &IpNet, span: Span) -> Option<Diagnostic> {
    let prefix = cidr.prefix_len();
    let (bound, label) = if prefix < LARGEST {
        (LARGEST, "larger than /16")
    } else if prefix > SMALLEST {
        (SMALLEST, "smaller than /28")
    } else {
        return None;
    };
    let help = match IpNet::new(cidr.addr(), bound) {
        Ok(fixed) => format!(
            "use a prefix from /16 to /28, e.g. `cidr=\"{}\"`",
            fixed.trunc()
        ),
        Err(_) => "use a prefix from /16 to /28".to_string(),
    };
    Some(
        Diagnostic::error(
            RULE.code,
            format!("{what} has a /{prefix} CIDR ({cidr}), but AWS allows only /16 to /28"),
        )
        .label(span, label)
        .help(help),
    )
}
