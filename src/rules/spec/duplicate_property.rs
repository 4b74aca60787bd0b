//! `duplicate-property`: A property (or a node that may appear once) given twice.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::DuplicateProperty,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A property (or a node that may appear once) given twice.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a property given twice on one node, and a child node that may appear
only once given twice under one parent (two `patroni` nodes in one
cluster, two `monitoring` blocks).

## Why is this bad
The KDL specification lets a later property override an earlier one with
the same name, and the parser keeps only the last value without a word. A
duplicated property is almost always an editing mistake, and which of the two
values wins is not what a reviewer reading the first one expects.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20" cidr="10.10.32.0/20"
}
```
Keep one `cidr=`.

## Source
- The KDL Document Language, specification (properties: when a name repeats
  on a node, the rightmost value is used): <https://kdl.dev/spec/>
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
