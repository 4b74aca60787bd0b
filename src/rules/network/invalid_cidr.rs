//! `invalid-cidr`: A CIDR that does not parse or has host bits set.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::InvalidCidr,
    family: Family::Network,
    severity: Severity::Error,
    summary: "A CIDR that does not parse or has host bits set.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Checks every CIDR in the spec (`cidr=` of networks and subnets, `cidr` of
address sets, `cidr:` peers in security-group rules and VPN subnets): it must
parse as an address and a prefix length, and be a network address, with no
host bits set below the prefix. `10.0.0.1/16` is reported with the network it
probably means, `10.0.0.0/16`. VPCs, VNets and their subnets must also be
IPv4.

This rule is reported by the front end, while the spec is read.

## Why is this bad
A CIDR with host bits set is ambiguous: some tools silently truncate it to
the network (`10.0.0.0/16`), others reject it (the Terraform AWS provider
refuses a `cidr_block` that is not a network address, and the EC2 API answers
`InvalidParameterValue`), so the same spec would mean different ranges in
different outputs, or fail at `terraform plan`. A typo in the prefix length
changes the size of the network by orders of magnitude.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.1/16" { /* … */ }
```
Write the network address:
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" { /* … */ }
```

## Source
- RFC 4632, "Classless Inter-domain Routing (CIDR)", section 3.1 (prefix notation): https://www.rfc-editor.org/rfc/rfc4632#section-3.1
- AWS, "VPC CIDR blocks": https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
"#;
