//! `subnet-capacity`: More hosts placed in a subnet than it has usable addresses.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "subnet-capacity",
    family: Family::Network,
    severity: Severity::Error,
    summary: "More hosts placed in a subnet than it has usable addresses.",
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
