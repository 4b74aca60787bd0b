//! `vpc-prefix-length`: An AWS VPC or subnet prefix outside /16 to /28.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "vpc-prefix-length",
    family: Family::Network,
    severity: Severity::Error,
    summary: "An AWS VPC or subnet prefix outside /16 to /28.",
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
