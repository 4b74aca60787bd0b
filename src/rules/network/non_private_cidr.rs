//! `non-private-cidr`: A network uses public address space.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "non-private-cidr",
    family: Family::Network,
    severity: Severity::Warning,
    summary: "A network uses public address space.",
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
