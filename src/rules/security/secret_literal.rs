//! `secret-literal`: A secret written into the spec instead of named by environment variable.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "secret-literal",
    family: Family::Security,
    severity: Severity::Error,
    summary: "A secret written into the spec instead of named by environment variable.",
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
