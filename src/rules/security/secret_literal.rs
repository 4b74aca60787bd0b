//! `secret-literal`: A secret written into the spec instead of named by environment variable.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::SecretLiteral,
    family: Family::Security,
    severity: Severity::Error,
    summary: "A secret written into the spec instead of named by environment variable.",
    docs: DOCS,
    check: None,
};

const DOCS: &str = r#"## What it does
Reports a secret written into the spec: `psk "…"` in a `vpn`,
`password="…"` on `replication-user` or `superuser`, `url="…"` on a Grafana
`contact-point` (webhook URLs embed their key), and any `password`,
`passwd`, `secret`, `token`, `api-key`, `private-key` or `webhook` node or
property. Every secret has an `-env` form that names an environment
variable instead: `psk-env`, `password-env`, `url-env`. The check runs in
the front end, before the model is built.

## Why is this bad
The spec lives in git: a literal secret is copied to every clone, CI log
and backup, stays in history after it is removed, and cannot be rotated
without editing the spec. `build` writes placeholders unless it is told to
fill secrets in from the environment (`--secrets-from-env`), so generated
configs stay safe to commit and review too.

## Example
```kdl
vpn "aws-azure" {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
    psk "correct-horse-battery-staple"
}
```
Fix: name the environment variable that holds it.
```kdl
vpn "aws-azure" {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
    psk-env "IPSEC_PSK"
}
```
Likewise `replication-user "replicator" password-env="PG_REPLICATION_PASSWORD"`
and `contact-point "oncall-chat" type="googlechat" url-env="GCHAT_WEBHOOK_URL"`.

## Source
- https://12factor.net/config
- https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html
- https://cwe.mitre.org/data/definitions/798.html (CWE-798: use of hard-coded credentials)
"#;
