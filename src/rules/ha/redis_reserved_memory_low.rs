//! `redis-reserved-memory-low`: Redis keeps too little memory free of data.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::RedisReservedMemoryLow,
    family: Family::Ha,
    severity: Severity::Warning,
    summary: "Redis keeps less than 10 % of its memory free of data.",
    docs: DOCS,
    check: Some(check),
};

/// Below this share, snapshots and replication can push Redis out of memory.
pub const MIN_RESERVED_PERCENT: u32 = 10;

const DOCS: &str = r#"## What it does
Warns when a `redis` has `reserved-memory-percent` below 10. infragen's
default is 25, ElastiCache's own default.

## Why is this bad
Redis needs memory beyond its data set: a background save or a full
resynchronisation of a replica forks the process, and every page written
during the fork is copied; replication and client output buffers and the
allocator's fragmentation come on top. With too little reserved, a
snapshot or a replica's resync under write load pushes the node into swap
or the OOM killer, and on ElastiCache into a failover. AWS recommends
reserving 25 % of the node's memory.

## Example
```kdl
redis "sessions" engine="elasticache" version="7.1" node-type="cache.r7g.large" reserved-memory-percent=5 {
    clients group="app"
}
```
Write `reserved-memory-percent=25` (at least 10).

## Source
- AWS, "Managing reserved memory for Valkey and Redis OSS":
  <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-memory-management.html>
- Redis, "Persistence" (fork and copy-on-write):
  <https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for r in &ctx.model.redis {
        let p = &r.reserved_memory_percent;
        if p.value >= MIN_RESERVED_PERCENT {
            continue;
        }
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "redis `{}` keeps only {} % of its memory free of data",
                    r.name, p.value
                ),
            )
            .label(p.span, format!("below {MIN_RESERVED_PERCENT} %"))
            .help(
                "write reserved-memory-percent=25 (ElastiCache's default): snapshots, replica resyncs and buffers need memory beyond maxmemory",
            ),
        );
    }
}
