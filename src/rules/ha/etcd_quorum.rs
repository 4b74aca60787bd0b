//! `etcd-quorum`: An etcd member count without a useful majority.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "etcd-quorum",
    family: Family::Ha,
    severity: Severity::Error,
    summary: "An etcd member count without a useful majority.",
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
