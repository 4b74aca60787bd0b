//! `cluster-too-small`: Too few members for the cluster to survive a failure.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "cluster-too-small",
    family: Family::Ha,
    severity: Severity::Error,
    summary: "Too few members for the cluster to survive a failure.",
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
