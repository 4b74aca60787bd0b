//! `jvm-heap-over-32g`: A JVM heap of 32 GB or more.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "jvm-heap-over-32g",
    family: Family::Ha,
    severity: Severity::Error,
    summary: "A JVM heap of 32 GB or more.",
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
