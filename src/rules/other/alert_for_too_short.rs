//! `alert-for-too-short`: An alert whose for= is shorter than two scrape intervals.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "alert-for-too-short",
    family: Family::Other,
    severity: Severity::Warning,
    summary: "An alert whose for= is shorter than two scrape intervals.",
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
