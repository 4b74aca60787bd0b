//! `weak-ike-proposal`: A VPN proposal with a broken cipher, hash or DH group.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "weak-ike-proposal",
    family: Family::Security,
    severity: Severity::Warning,
    summary: "A VPN proposal with a broken cipher, hash or DH group.",
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
