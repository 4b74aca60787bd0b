//! `kdl-syntax`: The spec is not valid KDL.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::KdlSyntax,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "The spec is not valid KDL.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a spec that is not a KDL document: an unterminated string, an
unbalanced brace, a property without a value, a bare word where KDL wants a
quoted string. infragen reads KDL v2 and, when a document is not valid v2,
tries it as KDL v1 (`public=true` instead of `public=#true`); only a document
that is neither is an error. The error points at the position the KDL parser
names. Nothing else is checked until the document parses.

## Why is this bad
A document that does not parse has no meaning: infragen cannot tell which
nodes and values were intended, so it cannot check or build anything.

## Example
```kdl
project "acme" {
    owner "sre@acme.example     // the string is never closed
}
```
Close the string: `owner "sre@acme.example"`.

## Source
- The KDL Document Language, specification: <https://kdl.dev/spec/>
  (v1: <https://github.com/kdl-org/kdl/blob/main/SPEC_v1.md>)
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
