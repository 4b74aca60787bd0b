//! `unknown-node`: A node the spec language does not have at that place.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::UnknownNode,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A node the spec language does not have at that place.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a node whose name the spec language does not have at that place: a
top-level node other than `project`, `vpc`, `fleet`, …, or a child that its
parent does not take (`subnets` inside a `vpc`, where the node is
`subnet`). When a known name is close, the help suggests it; otherwise it
lists the nodes accepted there. (`allow RULE reason="…"` is accepted under
any node.)

## Why is this bad
KDL itself accepts any node name, so a misspelt node is valid KDL that
infragen would otherwise ignore silently: the subnet, alert or setting it
was meant to declare would simply be missing from the output.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnets "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
}
```
Write `subnet "private-a" …`.

## Source
- The KDL Document Language, specification (nodes): <https://kdl.dev/spec/>
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
