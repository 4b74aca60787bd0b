//! `missing-value`: A required argument, property or child node is missing.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "missing-value",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A required argument, property or child node is missing.",
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
