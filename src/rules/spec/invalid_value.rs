//! `invalid-value`: A value of the wrong type, out of range, or inconsistent with the rest of the spec.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "invalid-value",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A value of the wrong type, out of range, or inconsistent with the rest of the spec.",
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
