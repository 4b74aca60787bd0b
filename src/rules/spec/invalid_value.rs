//! `invalid-value`: A value of the wrong type, out of range, or inconsistent with the rest of the spec.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::InvalidValue,
    family: Family::Spec,
    severity: Severity::Error,
    summary: "A value of the wrong type, out of range, or inconsistent with the rest of the spec.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a value that does not fit where it is written: the wrong KDL type (a
string where a number or `#true`/`#false` is expected), a value out of range
(a port above 65535, a group `count` of 0), a malformed size, duration, name,
address or environment variable name, a value outside an enumeration, too
many arguments, or a value inconsistent with the rest of the spec (a
master-eligible node that is not a member, a PostgreSQL version that is not a
major version).

## Why is this bad
Every value ends up in a generated config (Terraform, Patroni, Prometheus,
…). A value of the wrong shape would either be rejected by that tool much
later, at deploy time, or be silently misread: `public="yes"` is a string,
not a boolean.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "public-a" zone="us-east-1a" cidr="10.10.0.0/24" public="yes"
}
```
Write `public=#true` (KDL v2 booleans are `#true` and `#false`).

## Source
- The KDL Document Language, specification (values, booleans): <https://kdl.dev/spec/>
- infragen spec language, "General rules": [`docs/language.md`](../language.md#general-rules)
"#;
