//! `unknown-node`: A node the spec language does not have at that place.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "unknown-node",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A node the spec language does not have at that place.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
TODO

## Why is this bad
TODO

## Example
```kdl
TODO
```

## Source
TODO
"#;
