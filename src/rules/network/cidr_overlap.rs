//! `cidr-overlap`: Two networks overlap (an error when a VPN joins them, a warning otherwise).

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "cidr-overlap",
    family: Family::Network,
    severity: Severity::Error,
    summary: "Two networks overlap (an error when a VPN joins them, a warning otherwise).",
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
