//! `subnet-overlap`: Two subnets of one network overlap.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "subnet-overlap",
    family: Family::Network,
    severity: Severity::Error,
    summary: "Two subnets of one network overlap.",
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
