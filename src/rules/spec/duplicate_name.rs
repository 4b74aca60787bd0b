//! `duplicate-name`: Two entities of one kind share a name.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "duplicate-name",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "Two entities of one kind share a name.",
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
