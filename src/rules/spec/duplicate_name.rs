//! `duplicate-name`: Two entities of one kind share a name.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::DuplicateName,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "Two entities of one kind share a name.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports two entities of one kind with the same name: two VPCs or VNets, two
subnets of one network, two security groups, two address sets, two hosts
(including a `host` whose name equals a group member such as `app-01`), two
groups, two clusters, two S3 migrations into one destination bucket, and so
on. Both declarations are labelled.

## Why is this bad
Names are how the spec refers to things (`"core/private-a"`,
`sg:db`, `group="db"`) and how generated resources are named. With two
entities under one name a reference is ambiguous, and the generated
Terraform would declare one resource twice.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
    subnet "private-a" zone="us-east-1b" cidr="10.10.32.0/20"
}
```
Rename the second subnet, e.g. `subnet "private-b" …`.

## Source
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
