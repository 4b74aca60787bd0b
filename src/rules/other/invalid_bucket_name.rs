//! `invalid-bucket-name`: An S3 bucket name that S3 rejects.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "invalid-bucket-name",
    family: Family::Other,
    severity: Severity::Error,
    summary: "An S3 bucket name that S3 rejects.",
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
