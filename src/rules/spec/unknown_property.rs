//! `unknown-property`: A property the node does not take.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "unknown-property",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A property the node does not take.",
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
