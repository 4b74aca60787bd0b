//! `es-minimum-master-nodes`: minimum_master_nodes that is not a majority of the master-eligible nodes.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "es-minimum-master-nodes",
    family: Family::Ha,
    severity: Severity::Error,
    summary: "minimum_master_nodes that is not a majority of the master-eligible nodes.",
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
