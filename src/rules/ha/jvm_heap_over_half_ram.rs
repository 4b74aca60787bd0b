//! `jvm-heap-over-half-ram`: A JVM heap larger than half the host's RAM.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "jvm-heap-over-half-ram",
    family: Family::Ha,
    severity: Severity::Error,
    summary: "A JVM heap larger than half the host's RAM.",
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
