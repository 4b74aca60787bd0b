//! `unknown-property`: A property the node does not take.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::UnknownProperty,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A property the node does not take.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a property (`name=value`) that its node does not take, with "did
you mean" when a known property is close, or the list of properties the
node accepts. A required property that the misspelt one stands for is not
reported again as missing.

## Why is this bad
KDL accepts any property name, so a typo such as `zones=` is valid KDL; if
infragen ignored it, the value written would be lost and a default (or an
error about something else) would take its place.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zones="us-east-1a" cidr="10.10.16.0/20"
}
```
Write `zone="us-east-1a"`.

## Source
- The KDL Document Language, specification (properties): <https://kdl.dev/spec/>
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
