//! `invalid-cidr`: A CIDR that does not parse or has host bits set.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "invalid-cidr",
    family: Family::Network,
    severity: Severity::Error,
    summary: "A CIDR that does not parse or has host bits set.",
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
