//! `required-flow-blocked`: A flow the declared services need is not allowed by the security groups.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "required-flow-blocked",
    family: Family::Security,
    severity: Severity::Error,
    summary: "A flow the declared services need is not allowed by the security groups.",
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
