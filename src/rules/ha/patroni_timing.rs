//! `patroni-timing`: Patroni timings that break loop_wait + 2 x retry_timeout <= ttl.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "patroni-timing",
    family: Family::Ha,
    severity: Severity::Error,
    summary: "Patroni timings that break loop_wait + 2 x retry_timeout <= ttl.",
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
