//! `patroni-timing`: Patroni timings that break loop_wait + 2 x retry_timeout <= ttl.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::PatroniTiming,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "Patroni timings that break loop_wait + 2 x retry_timeout <= ttl.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks the `patroni` timings of every `postgres-cluster` (Patroni's defaults,
ttl 30, loop-wait 10, retry-timeout 10, when the node is absent):

- `loop-wait + 2 × retry-timeout` must not exceed `ttl`: error;
- `ttl` must be at least 20 seconds, the minimum Patroni 4 accepts: error.

## Why is this bad
`ttl` is how long the leader lock lives in etcd; the leader renews it every
`loop-wait` seconds, and a call to etcd or PostgreSQL may take up to
`retry-timeout` seconds before Patroni gives up. When `loop_wait + 2 ×
retry_timeout` is larger than `ttl`, a leader that is merely slow to reach
etcd loses its lock before it can renew it: the primary demotes itself and a
replica is promoted although nothing failed. Patroni 4 refuses to start with
a `ttl` below 20.

## Example
```kdl
postgres-cluster "orders" version=15 {
    members group="db"
    etcd group="etcd"
    patroni ttl=30 loop-wait=10 retry-timeout=15   // 10 + 2 × 15 = 40 > 30
}
```
Write `retry-timeout=10`, or raise `ttl` to 40.

## Source
- Patroni, "Dynamic Configuration Settings" (`ttl`, `loop_wait`,
  `retry_timeout`): <https://patroni.readthedocs.io/en/latest/dynamic_configuration.html>
- Patroni, "YAML Configuration Settings": <https://patroni.readthedocs.io/en/latest/yaml_configuration.html>
"#;

/// Patroni 4 rejects a smaller `ttl` in its configuration validator.
const MIN_TTL: u32 = 20;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for pg in &ctx.model.postgres {
        let p = &pg.patroni;
        if p.poisoned {
            continue;
        }
        // The defaults are valid, so a finding always comes from a written
        // `patroni` node; the cluster name stands in if it ever does not.
        let span = p.span.unwrap_or(pg.name_span);
        if p.ttl < MIN_TTL {
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "patroni ttl {} s of cluster `{}` is below {MIN_TTL} s, the minimum Patroni accepts",
                        p.ttl, pg.name
                    ),
                )
                .label(span, format!("ttl={}", p.ttl))
                .help(format!(
                    "write ttl={} or more (Patroni's default is 30)",
                    u64::from(MIN_TTL).max(budget(p))
                )),
            );
        }
        let needed = budget(p);
        if needed > u64::from(p.ttl) {
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "patroni loop-wait {} + 2 × retry-timeout {} = {needed} s exceeds ttl {} s in cluster `{}`",
                        p.loop_wait, p.retry_timeout, p.ttl, pg.name
                    ),
                )
                .label(span, format!("{needed} s > ttl {} s", p.ttl))
                .help(fix(p, needed)),
            );
        }
    }
}

/// Seconds the leader may need to renew its lock: `loop_wait + 2 × retry_timeout`.
fn budget(p: &Patroni) -> u64 {
    u64::from(p.loop_wait) + 2 * u64::from(p.retry_timeout)
}

/// Either raise ttl, or shrink retry_timeout to fit the ttl given.
fn fix(p: &Patroni, needed: u64) -> String {
    let room = u64::from(p.ttl).saturating_sub(u64::from(p.loop_wait)) / 2;
    if room >= 1 {
        format!("write ttl={needed} or more, or retry-timeout={room} or less")
    } else {
        format!("write ttl={needed} or more, or lower loop-wait below ttl")
    }
}
