//! `redis-noeviction-cache`: A Redis used as a cache that refuses writes when full.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::RedisNoevictionCache,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "A Redis used as a cache that refuses writes when full (noeviction).",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports a `redis` with `role="cache"` (the default) whose
`maxmemory-policy` is `noeviction`.

## Why is this bad
With `noeviction`, a Redis that reaches `maxmemory` answers every write
with `OOM command not allowed when used memory > 'maxmemory'`. A cache is
meant to drop its least useful keys instead: under `noeviction` it fills up
with sessions and API responses that are never deleted, and then every
request that writes to it fails. On ElastiCache the full primary also
starts failing its health checks, and the replica it fails over to is just
as full, so the failovers loop. This was one of the source estate's
outages; the fix was `maxmemory-policy allkeys-lru`.

## Example
```kdl
redis "sessions" engine="elasticache" version="7.1" node-type="cache.r7g.large" maxmemory-policy="noeviction" {
    clients group="app"
}
```
Write `maxmemory-policy="allkeys-lru"` (or `allkeys-lfu`), or `role="store"`
if the data must never be evicted (and size it so it never fills up).

## Source
- Redis, "Key eviction": <https://redis.io/docs/latest/develop/reference/eviction/>
- AWS, "Redis OSS parameters" (`maxmemory-policy`), ElastiCache User Guide:
  <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for r in &ctx.model.redis {
        if r.role != RedisRole::Cache || r.maxmemory_policy.value != "noeviction" {
            continue;
        }
        let mut d = Diagnostic::error(
            RULE.code,
            format!(
                "redis `{}` is a cache but refuses writes when full (maxmemory-policy noeviction)",
                r.name
            ),
        )
        .label(
            r.maxmemory_policy.span,
            "writes fail with OOM once maxmemory is reached",
        );
        if r.role_span != r.name_span {
            d = d.label(r.role_span, "a cache");
        }
        out.push(d.help(
            "write maxmemory-policy=\"allkeys-lru\" so Redis evicts the least recently used keys, or role=\"store\" if no key may be evicted",
        ));
    }
}
