//! `missing-value`: A required argument, property or child node is missing.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::MissingValue,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A required argument, property or child node is missing.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a required argument, property or child node that is absent: a
`vpc` without `cidr=`, a `subnet` without its name, a `postgres-cluster`
without `members` or `etcd`, an `allow` without a `reason`, a member list
that names no host. The help says what to add and what it means.

## Why is this bad
infragen does not guess values that decide the estate's shape (address
ranges, where hosts live, which hosts form a cluster): a guessed value would
be rendered into every config and be hard to notice in review.

## Example
```kdl
vpc "core" region="us-east-1" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
}
```
Add the VPC's range: `vpc "core" region="us-east-1" cidr="10.10.0.0/16"`.

## Source
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
