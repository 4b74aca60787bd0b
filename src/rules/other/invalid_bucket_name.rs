//! `invalid-bucket-name`: An S3 bucket name that breaks the S3 naming rules.

use super::super::prelude::*;
use crate::span::Spanned;
use std::net::Ipv4Addr;

pub static RULE: Rule = Rule {
    code: Code::InvalidBucketName,
    family: Family::Other,
    severity: Severity::Error,
    summary: "An S3 bucket name that breaks the S3 naming rules.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks the source and destination (`to=`) bucket names of every
`s3-migration` against the S3 naming rules for general purpose buckets:
3 to 63 characters; only lowercase letters, digits, dots and hyphens; begins
and ends with a letter or digit; no two adjacent dots; not an IP address; not
starting with `xn--`, `sthree-` or `amzn-s3-demo-`; not ending with
`-s3alias`, `--ol-s3`, `.mrap`, `--x-s3` or `--table-s3`. The message names
the rule the name breaks.

## Why is this bad
S3 refuses to create a bucket with such a name (`InvalidBucketName`), so the
Terraform that creates the destination buckets fails, and `aws s3 sync`
cannot address a source bucket that could never have existed under that name.
The reserved prefixes and suffixes belong to punycode, access point aliases,
Multi-Region Access Points, directory buckets and table buckets.

## Example
```kdl
s3-migration "virginia-to-mumbai" from-region="us-east-1" to-region="ap-south-1" method="sync" {
    bucket "acme-assets" to="Acme_Assets_APS1"
}
```
Use lowercase letters, digits and hyphens:
```kdl
    bucket "acme-assets" to="acme-assets-aps1"
```

## Source
- AWS, "General purpose bucket naming rules": https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
"#;

const RESERVED_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for mig in &ctx.model.s3_migrations {
        for b in &mig.buckets {
            for (name, role) in [(&b.source, "source"), (&b.dest, "destination")] {
                if let Some(d) = report(name, role) {
                    out.push(d);
                }
            }
        }
    }
}

fn report(name: &Spanned<String>, role: &str) -> Option<Diagnostic> {
    let reason = problem(&name.value)?;
    let help = match suggest(&name.value) {
        Some(fixed) => format!("did you mean `{fixed}`?"),
        None => "use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit".to_string(),
    };
    Some(
        Diagnostic::error(
            RULE.code,
            format!("{role} bucket name `{}` {reason}", name.value),
        )
        .label(name.span, "not a valid S3 bucket name")
        .help(help),
    )
}

/// The first naming rule `name` breaks, as the end of a sentence.
fn problem(name: &str) -> Option<String> {
    let len = name.chars().count();
    if !(3..=63).contains(&len) {
        return Some(format!(
            "is {len} characters long; bucket names have 3 to 63"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "contains the uppercase letter `{c}`; bucket names are lowercase"
        ));
    }
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "contains `{c}`; only lowercase letters, digits, dots and hyphens are allowed"
        ));
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(name.chars().next()) || !alnum(name.chars().last()) {
        return Some("must begin and end with a letter or digit".to_string());
    }
    if name.contains("..") {
        return Some("contains two adjacent dots".to_string());
    }
    if name.parse::<Ipv4Addr>().is_ok() {
        return Some("is formatted as an IP address".to_string());
    }
    if let Some(p) = RESERVED_PREFIXES.iter().find(|p| name.starts_with(**p)) {
        return Some(format!("starts with the reserved prefix `{p}`"));
    }
    if let Some(s) = RESERVED_SUFFIXES.iter().find(|s| name.ends_with(**s)) {
        return Some(format!("ends with the reserved suffix `{s}`"));
    }
    None
}

fn allowed(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
}

/// A valid name close to `name`, when simple repairs give one.
fn suggest(name: &str) -> Option<String> {
    // `192.168.5.4` → `192-168-5-4`, which no longer reads as an address.
    let lower = if name.parse::<Ipv4Addr>().is_ok() {
        name.replace('.', "-")
    } else {
        name.to_ascii_lowercase()
    };
    let mut s: String = lower
        .chars()
        .map(|c| if allowed(c) { c } else { '-' })
        .collect();
    while s.contains("..") {
        s = s.replace("..", ".");
    }
    for p in RESERVED_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest.to_string();
        }
    }
    for x in RESERVED_SUFFIXES {
        if let Some(rest) = s.strip_suffix(x) {
            s = rest.to_string();
        }
    }
    let s: String = s.chars().take(63).collect();
    let s = s
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    (s != name && problem(&s).is_none()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::{problem, suggest};

    #[test]
    fn accepts_valid_names() {
        for n in ["acme-assets", "acme.logs.2026", "abc", &"a".repeat(63)] {
            assert_eq!(problem(n), None, "{n}");
        }
    }

    #[test]
    fn rejects_each_rule() {
        for n in [
            "ab",
            &"a".repeat(64),
            "Acme",
            "acme_logs",
            "-acme",
            "acme.",
            "acme..logs",
            "10.0.0.1",
            "xn--acme",
            "sthree-acme",
            "amzn-s3-demo-acme",
            "acme-s3alias",
            "acme--ol-s3",
            "acme.mrap",
            "acme--x-s3",
            "acme--table-s3",
        ] {
            assert!(problem(n).is_some(), "{n}");
        }
    }

    #[test]
    fn suggestions_are_valid() {
        assert_eq!(suggest("Acme_Logs").as_deref(), Some("acme-logs"));
        assert_eq!(suggest("10.0.0.1").as_deref(), Some("10-0-0-1"));
        assert_eq!(suggest("ab"), None);
    }
}
