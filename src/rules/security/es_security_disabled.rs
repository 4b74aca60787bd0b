//! `es-security-disabled`: an Elasticsearch 8 cluster without `tls`.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::EsSecurityDisabled,
    family: Family::Security,
    severity: Severity::Error,
    summary: "An Elasticsearch 8.x cluster without `tls`: it fails its bootstrap checks.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports every `elasticsearch-cluster` of version 8 or later without
`tls pki=NAME`.

## Why is this bad
Elasticsearch 8 turns security on by default. A multi-node cluster bound to
a non-loopback address with security on and no transport TLS fails its
bootstrap check ("Transport SSL must be enabled if security is enabled"), so
the generated config would not start. Turning security off instead leaves
the cluster open: anyone reaching 9200 reads and deletes every index.
infragen therefore refuses an 8.x cluster without `tls` rather than writing
a config that fails at boot.

## Example
```kdl
elasticsearch-cluster "logs" version="8.15.0" {   // no tls
    members group="search"
}
```
Declare a pki (under `/etc/elasticsearch`: Elasticsearch reads TLS files
only inside its config directory) and turn TLS on:
```kdl
pki "es" {
    ca-file "/etc/elasticsearch/certs/ca.crt"
    cert-dir "/etc/elasticsearch/certs"
}
elasticsearch-cluster "logs" version="8.15.0" {
    tls pki="es"
    members group="search"
}
```

## Source
- Elasticsearch, "Bootstrap checks for X-Pack" (TLS check): <https://www.elastic.co/guide/en/elasticsearch/reference/current/bootstrap-checks-xpack.html>
- Elasticsearch, "Set up basic security": <https://www.elastic.co/guide/en/elasticsearch/reference/current/security-basic-setup.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for es in ctx.model.elasticsearch.iter().filter(|e| e.major >= 8) {
        if es.tls.is_some() {
            continue;
        }
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "Elasticsearch {} cluster `{}` has no `tls`: 8.x enables security, and without transport TLS it fails its bootstrap checks",
                    es.version.value, es.name
                ),
            )
            .label(es.version.span, "8.x without tls")
            .help(
                "declare `pki \"es\" { ca-file \"/etc/elasticsearch/certs/ca.crt\"; cert-dir \"/etc/elasticsearch/certs\" }` and add `tls pki=\"es\"` to the cluster",
            ),
        );
    }
}
