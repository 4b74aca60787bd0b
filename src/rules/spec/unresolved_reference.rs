//! `unresolved-reference`: A reference names nothing the spec declares.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "unresolved-reference",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A reference names nothing the spec declares.",
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
