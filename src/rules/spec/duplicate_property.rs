//! `duplicate-property`: A property (or a node that may appear once) given twice.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    name: "duplicate-property",
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A property (or a node that may appear once) given twice.",
    docs: DOCS,
    check: None,
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
