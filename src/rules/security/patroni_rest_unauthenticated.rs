//! `patroni-rest-unauthenticated`: Patroni's unsafe REST endpoints without basic auth.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::PatroniRestUnauthenticated,
    family: Family::Security,
    severity: Severity::Warning,
    summary: "Patroni's REST API takes POST /switchover, /restart and /reinitialize from anyone (no `rest-user`).",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns about every `postgres-cluster` whose `patroni` has no
`rest-user=`/`rest-password-env=`.

## Why is this bad
Patroni's REST API (port 8008 on every member) has unsafe endpoints:
`POST /switchover`, `POST /failover`, `POST /restart`, `POST /reinitialize`,
`PATCH /config`. Without `restapi.authentication` any host that reaches the
port (HAProxy's health checks need it open) can move the leader, restart
PostgreSQL or wipe a replica's data directory.

## Example
```kdl
postgres-cluster "orders" version=15 {
    patroni ttl=30   // no rest-user: anyone on 8008 can switch over
}
```
Write
```kdl
    patroni ttl=30 rest-user="patroni" rest-password-env="PATRONI_REST_PASSWORD"
```
The password lands as a `${PATRONI_REST_PASSWORD}` placeholder in the 0600
patroni.yml. Combine it with `tls`: basic auth over plain HTTP sends the
password in clear.

## Source
- Patroni, "Security Considerations" (Protecting the REST API): <https://patroni.readthedocs.io/en/latest/security.html>
- Patroni, "YAML Configuration Settings" (`restapi.authentication`): <https://patroni.readthedocs.io/en/latest/yaml_configuration.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for pg in &ctx.model.postgres {
        let p = &pg.patroni;
        // Given, or given and refused (reported): not missing.
        if p.rest_auth.is_some() || p.rest_auth_poisoned {
            continue;
        }
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "Patroni's REST API of postgres-cluster `{}` takes POST /switchover, /restart and /reinitialize without authentication",
                    pg.name
                ),
            )
            .label(p.span.unwrap_or(pg.name_span), "no `rest-user`")
            .help(
                "add `rest-user=\"patroni\" rest-password-env=\"PATRONI_REST_PASSWORD\"` to `patroni`",
            ),
        );
    }
}
