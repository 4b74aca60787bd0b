//! `unresolved-reference`: A reference names nothing the spec declares.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::UnresolvedReference,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A reference names nothing the spec declares.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a reference that names nothing the spec declares: a subnet
`"vpc/subnet"`, a security group, a group or host (`group="db"`,
`host="monitor"`), a peer in `from=`/`to=` (`sg:`, `set:`, `host:`,
`subnet:`, `vpc:`, `vnet:`), a cluster or contact point named by an alert,
or a rule named by `allow`. When a declared name is close, the help
suggests it; otherwise it lists what exists.

## Why is this bad
A reference that resolves to nothing would leave a host without a subnet, a
rule without a source or a cluster short of a member; infragen cannot decide
what was meant.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
}
fleet {
    host "app" type="t3.small" { subnets "core/private-b"; }
}
```
Declare `subnet "private-b"` in `vpc "core"`, or write `"core/private-a"`.

## Source
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
