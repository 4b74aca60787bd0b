//! `subnet-outside-network`: A subnet whose CIDR is not inside its VPC/VNet.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "subnet-outside-network",
    family: Family::Network,
    severity: Severity::Error,
    summary: "A subnet whose CIDR is not inside its VPC/VNet.",
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
