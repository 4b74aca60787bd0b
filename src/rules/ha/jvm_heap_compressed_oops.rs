//! `jvm-heap-compressed-oops`: A JVM heap at the compressed-oops threshold (31 GB or more).

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "jvm-heap-compressed-oops",
    family: Family::Ha,
    severity: Severity::Warning,
    summary: "A JVM heap at the compressed-oops threshold (31 GB or more).",
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
