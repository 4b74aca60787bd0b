//! `ikev1`: A VPN that uses IKEv1.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "ikev1",
    family: Family::Security,
    severity: Severity::Warning,
    summary: "A VPN that uses IKEv1.",
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
