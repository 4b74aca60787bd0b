//! `redis-maxmemory-over-ram`: A self-hosted Redis member cannot hold the data set.

use super::super::prelude::*;
use super::format_size;

pub static RULE: Rule = Rule {
    code: Code::RedisMaxmemoryOverRam,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "A self-hosted Redis member has less memory than the maxmemory every member uses.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
For a `redis engine="self-hosted"`, infragen writes one `maxmemory` into
every member's redis.conf: the first member's RAM minus
`reserved-memory-percent` (`Redis::maxmemory_bytes`), since a replica must
hold the primary's whole data set. The rule reports every member whose own
share (its RAM minus the same reserved percentage) is smaller than that
number. RAM comes from `memory=` or the instance type; members whose RAM is
unknown are not checked.

## Why is this bad
Replication copies the whole data set. A replica with less memory than the
primary's `maxmemory` fills up before the primary does: it swaps or is
killed by the OOM killer during the sync, and after a failover it becomes
a primary that evicts (or, under `noeviction`, refuses writes) at a size the
old primary handled. The members of one Redis need the same memory.

## Example
```kdl
fleet {
    group "cache" count=1 type="r6i.xlarge" { subnets "core/private-a"; }  // 32 GiB
    host "cache-replica" type="r6i.large" { subnets "core/private-b"; }     // 16 GiB
}
redis "sessions" engine="self-hosted" version="7.0" {
    clients group="app"
    members "cache-01" "cache-replica"
}
```
Give every member the same instance type (or put the smallest first).

## Source
- Redis, "Replication":
  <https://redis.io/docs/latest/operate/oss_and_stack/management/replication/>
- Redis, "Key eviction" (`maxmemory`):
  <https://redis.io/docs/latest/develop/reference/eviction/>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    for r in &model.redis {
        let Some(maxmemory) = r.self_hosted_maxmemory(model) else {
            continue;
        };
        let Some(&first) = r.members.hosts.first() else {
            continue;
        };
        let short: Vec<(HostId, u64)> = r
            .members
            .hosts
            .iter()
            .filter_map(|h| Some((*h, model.host(*h).memory?)))
            .filter(|(_, ram)| r.maxmemory_bytes(*ram) < maxmemory)
            .collect();
        let Some(&(_, smallest)) = short.iter().min_by_key(|(_, ram)| *ram) else {
            continue;
        };
        let names: Vec<String> = short
            .iter()
            .map(|(h, ram)| {
                format!(
                    "`{}` ({}, {} after the {} % reserve)",
                    model.host(*h).name,
                    format_size(*ram),
                    format_size(r.maxmemory_bytes(*ram)),
                    r.reserved_memory_percent.value
                )
            })
            .collect();
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "redis `{}` gives every member maxmemory {} (from `{}`'s {}), more than {} can hold",
                    r.name,
                    format_size(maxmemory),
                    model.host(first).name,
                    format_size(model.host(first).memory.unwrap_or_default()),
                    names.join(", ")
                ),
            )
            .label(r.members.span, "members of unequal memory")
            .help(format!(
                "give every member the RAM of the first, or list the smallest first (maxmemory would be {})",
                format_size(r.maxmemory_bytes(smallest))
            )),
        );
    }
}
