//! `same-region-migration`: An S3 migration whose source and destination regions are the same.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "same-region-migration",
    family: Family::Other,
    severity: Severity::Error,
    summary: "An S3 migration whose source and destination regions are the same.",
    docs: DOCS,
    check: Some(check),
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

fn check(_ctx: &Context, _out: &mut Vec<Diagnostic>) {}
