//! `kdl-syntax`: The spec is not valid KDL.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "kdl-syntax",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "The spec is not valid KDL.",
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
