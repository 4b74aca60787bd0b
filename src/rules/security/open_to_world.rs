//! `open-to-world`: Ingress from 0.0.0.0/0 or ::/0 (an error on admin and data ports).

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "open-to-world",
    family: Family::Security,
    severity: Severity::Error,
    summary: "Ingress from 0.0.0.0/0 or ::/0 (an error on admin and data ports).",
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
