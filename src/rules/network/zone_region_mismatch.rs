//! `zone-region-mismatch`: A subnet zone that is not in its VPC's region.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "zone-region-mismatch",
    family: Family::Network,
    severity: Severity::Error,
    summary: "A subnet zone that is not in its VPC's region.",
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
