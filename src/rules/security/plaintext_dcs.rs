//! `plaintext-dcs`: a postgres-cluster without `tls`.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::PlaintextDcs,
    family: Family::Security,
    severity: Severity::Warning,
    summary: "A postgres-cluster without `tls`: etcd, Patroni's REST API and PostgreSQL in plaintext.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns about every `postgres-cluster` without `tls pki=NAME`, naming what it
exposes: the etcd members (client port 2379, peer port 2380), Patroni's REST
API (8008) on each member and PostgreSQL (5432).

## Why is this bad
Without TLS, etcd accepts any client its security groups admit, with no
authentication: such a host can rewrite or delete the DCS keys and so choose
the PostgreSQL leader, or break the cluster. Patroni's REST API, replication
and application traffic cross the network unencrypted: passwords exchanged
with SCRAM stay safe, but every row replicated or queried can be read by
anyone on the path.

## Example
```kdl
postgres-cluster "orders" version=15 {   // no tls: etcd takes any client
    members group="db"
    etcd group="etcd"
}
```
Declare where the certificates live and turn TLS on:
```kdl
pki "internal" {
    ca-file "/etc/infragen/pki/ca.crt"
    cert-dir "/etc/infragen/pki"
}
postgres-cluster "orders" version=15 {
    tls pki="internal"
    members group="db"
    etcd group="etcd"
}
```
`build` then writes `pki/HOST.cnf`, a certificate request for each host with
the addresses its peers dial.

## Source
- etcd, "Transport security model": <https://etcd.io/docs/v3.5/op-guide/security/>
- Patroni, "Security Considerations": <https://patroni.readthedocs.io/en/latest/security.html>
- PostgreSQL, "Secure TCP/IP Connections with SSL": <https://www.postgresql.org/docs/current/ssl-tcp.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for pg in ctx.model.postgres.iter().filter(|p| p.tls.is_none()) {
        // No member counts in the text: a fault elsewhere (a host that
        // cannot be placed) must not change this warning.
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "postgres-cluster `{}` runs without TLS: its etcd (ports 2379/2380) takes any client, and Patroni's REST API (8008) and PostgreSQL (5432) talk in plaintext",
                    pg.name,
                ),
            )
            .label(pg.name_span, "no `tls`")
            .help(
                "declare `pki \"NAME\" { ca-file \"/etc/infragen/pki/ca.crt\"; cert-dir \"/etc/infragen/pki\" }` and add `tls pki=\"NAME\"` to the cluster",
            ),
        );
    }
}
