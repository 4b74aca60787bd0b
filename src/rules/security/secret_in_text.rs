//! `secret-in-text`: A value that looks like a secret (a private key, an
//! access key, a token, `password=…`) in a tag, description or other text.

use super::super::prelude::*;
use crate::diagnostic::Diagnostics;
use crate::span::Span;
use crate::syntax::{Document, Node, Value};

pub static RULE: Rule = Rule {
    code: Code::SecretInText,
    family: Family::Security,
    severity: Severity::Warning,
    summary: "A value that looks like a secret (private key, access key, token, password) in free text.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Warns about any string in the spec that looks like a secret: a PEM private
key (`-----BEGIN … PRIVATE KEY-----`), an AWS access key ID (`AKIA…`,
`ASIA…`), a GitHub token (`ghp_…`, `github_pat_…`), a Slack token
(`xoxb-…`, `xoxp-…`), a URL with a password (`https://user:pass@host`), or
a `password=…`-like assignment (`password`, `passwd`, `secret`, `token`,
`api_key`, `access_key`, `private_key` followed by `=` or `:` and a value).
It looks at every string: tags, `description=`, `owner`, `allow` reasons,
filter values, alert expressions. The check runs in the front end; the
report never repeats the value, and every rendering of the spec in the
report (snippet, SARIF fingerprint) shows it masked.

## Why is this bad
Tags and descriptions are copied into Terraform files, cloud tags, AWS
consoles and billing exports, and the spec itself lives in git: a key
pasted there is readable by everyone with access to any of them and stays
in history after it is removed. `secret-literal` catches secrets in the
settings that have an `-env` form; this rule catches the ones pasted into
free text. It is a warning because the patterns can match text that only
looks like a secret: suppress it with `allow "secret-in-text" reason="…"`.

## Example
```kdl
security-group "web" vpc="core" {
    ingress "tcp" 443 from="set:office" description="deploy with AKIAIOSFODNN7EXAMPLE"
}
```
Remove the key from the spec (and rotate it: it is in git history now).
Secrets reach the outputs through environment variables only (`psk-env`,
`password-env`, `url-env` and `build --secrets-from-env`):
```kdl
    ingress "tcp" 443 from="set:office" description="HTTPS from the office"
```

## Source
- AWS, access key ID format (`AKIA` long-term, `ASIA` temporary): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
- GitHub, token formats: https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
- Slack, token types: https://api.slack.com/authentication/token-types
- OWASP, secrets management (secrets in source control): https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html
"#;

/// Words that introduce a secret in `word=value` / `word: value`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "api-key",
    "apikey",
    "access_key",
    "secret_key",
    "private_key",
    "client_secret",
];

/// What kind of secret `s` looks like, if any.
pub fn looks_secret(s: &str) -> Option<&'static str> {
    if s.contains("-----BEGIN ") && s.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    let words = s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    for w in words {
        let upper_id = |p: &str| {
            w.len() == 20
                && w.starts_with(p)
                && w[4..]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        if upper_id("AKIA") || upper_id("ASIA") {
            return Some("an AWS access key ID");
        }
        let github = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
            .iter()
            .any(|p| {
                w.strip_prefix(p).is_some_and(|rest| {
                    rest.len() >= 20 && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
            });
        if github {
            return Some("a GitHub token");
        }
        let slack = ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xapp-"]
            .iter()
            .any(|p| w.strip_prefix(p).is_some_and(|rest| rest.len() >= 10));
        if slack {
            return Some("a Slack token");
        }
    }
    if url_with_password(s) {
        return Some("a URL with a password");
    }
    if assignment(s) {
        return Some("a password or token assignment");
    }
    None
}

/// `scheme://user:password@host`.
fn url_with_password(s: &str) -> bool {
    s.match_indices("://").any(|(i, _)| {
        let rest = &s[i + 3..];
        let authority = rest.split(['/', '?', '#', ' ']).next().unwrap_or("");
        authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .is_some_and(|(_, pass)| !pass.is_empty() && !is_placeholder(pass))
    })
}

/// `password=hunter2`, `token: abc123` (any case), but not a placeholder
/// such as `password=${PG_PASSWORD}` or `password=<redacted>`.
fn assignment(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|key| {
        lower.match_indices(key).any(|(i, _)| {
            let before_ok = lower[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            let rest = lower[i + key.len()..].trim_start_matches([' ', '"', '\'']);
            let Some(value) = rest.strip_prefix(['=', ':']) else {
                return false;
            };
            let value = value.trim_start_matches([' ', '"', '\'']);
            let value: &str = value
                .split([' ', '"', '\'', ',', ';', '&'])
                .next()
                .unwrap_or("");
            before_ok && value.len() >= 4 && !is_placeholder(value)
        })
    })
}

fn is_placeholder(v: &str) -> bool {
    v.starts_with(['$', '<', '{', '*', '%']) || v.starts_with("…") || v.starts_with("...")
}

/// Scans every string value of the spec. Values another diagnostic
/// already masks (`secret-literal`) are not reported twice.
pub fn scan(doc: &Document, out: &mut Diagnostics) {
    let masked: Vec<Span> = out.iter().flat_map(|d| d.redact.iter().copied()).collect();
    let covered = |span: Span| masked.iter().any(|m| m.contains(span));
    let mut stack: Vec<&Node> = doc.nodes.iter().rev().collect();
    while let Some(node) = stack.pop() {
        for (i, a) in node.args.iter().enumerate() {
            if let Value::Str(s) = &a.value {
                let what = format!("argument {} of `{}`", i + 1, node.name);
                report(s, &what, a.span, a.span, &covered, out);
            }
        }
        for p in &node.props {
            if let Value::Str(s) = &p.value {
                let what = format!("`{}` on `{}`", p.name, node.name);
                let value = crate::schema::validate::value_span(p);
                report(s, &what, value, value, &covered, out);
            }
        }
        stack.extend(node.children.iter().rev());
    }
}

fn report(
    s: &str,
    what: &str,
    label: Span,
    value: Span,
    covered: &dyn Fn(Span) -> bool,
    out: &mut Diagnostics,
) {
    let Some(kind) = looks_secret(s) else { return };
    if covered(value) {
        return;
    }
    out.push(
        Diagnostic::warning(RULE.code, format!("{what} looks like it holds {kind}"))
            .label(label, "a secret here is in git history and in the generated files")
            .help(
                "remove it from the spec and rotate it; secrets reach the outputs only through environment variables (`-env` settings, `build --secrets-from-env`). If it is not a secret, add `allow \"secret-in-text\" reason=\"…\"`",
            )
            .redact(value),
    );
}

#[cfg(test)]
mod tests {
    use super::looks_secret;

    #[test]
    fn finds_secret_looking_text() {
        for s in [
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----",
            "deploy with AKIAIOSFODNN7EXAMPLE",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "xoxb-1234567890-abcdef",
            "https://admin:hunter22@db.example/x",
            "db password=hunter22",
            "TOKEN: abcd1234",
        ] {
            assert!(looks_secret(s).is_some(), "{s}");
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for s in [
            "HTTPS from the office",
            "password-env=PG_PASSWORD",
            "password=${PG_PASSWORD}",
            "rotate the token weekly",
            "https://example.com/a:b@c",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHd3bm9uZ2tleWZvcmFsaWNl alice@acme",
            "AKIA",
            "sre@acme.example",
        ] {
            assert_eq!(looks_secret(s), None, "{s}");
        }
    }
}
