//! `eol-os`: A host on an operating system release past its end of standard support.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "eol-os",
    family: Family::Other,
    severity: Severity::Warning,
    summary: "A host on an operating system release past its end of standard support.",
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
