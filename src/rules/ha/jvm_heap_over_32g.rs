//! `jvm-heap-over-32g`: A JVM heap of 32 GB or more.

use super::super::prelude::*;
use super::{GIB, format_size};

pub static RULE: Rule = Rule {
    code: Code::JvmHeapOver32g,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "A JVM heap of 32 GB or more.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports an `elasticsearch-cluster` whose `heap` is 32 GiB or more. (A heap
of 31 GiB up to 32 GiB is reported by `jvm-heap-compressed-oops` instead, as
a warning.)

## Why is this bad
The JVM addresses objects with 32-bit compressed pointers ("compressed
oops") only while the heap is below a threshold just under 32 GB. At and past
it every reference takes 64 bits: the same data needs much more memory, so a
32 GiB heap holds less than a 30 GiB one, and more memory bandwidth and
garbage collection time are spent on pointers. Elastic recommends keeping
the heap below the threshold, about 30 GB at most, and leaving the rest of
the RAM to the filesystem cache.

## Example
```kdl
elasticsearch-cluster "logs" version="6.8.23" {
    members group="search"
    heap "48g"
}
```
Write `heap "30g"` (on hosts with at least 60 GiB of RAM).

## Source
- Elasticsearch, "Advanced configuration", "Set the JVM heap size":
  <https://www.elastic.co/guide/en/elasticsearch/reference/current/advanced-configuration.html#set-jvm-heap-size>
- Elasticsearch 6.8, "Setting the heap size":
  <https://www.elastic.co/guide/en/elasticsearch/reference/6.8/heap-size.html>
"#;

/// Compressed oops are off at and past this heap size.
pub(super) const LIMIT: u64 = 32 * GIB;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for es in &ctx.model.elasticsearch {
        let Some(heap) = &es.heap else { continue };
        if heap.value < LIMIT {
            continue;
        }
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "heap {} of cluster `{}` is past the ~32 GB compressed-oops threshold: every object reference doubles in size",
                    format_size(heap.value),
                    es.name
                ),
            )
            .label(heap.span, "32 GiB or more")
            .help("write heap \"30g\" or less: a smaller heap with compressed oops holds as much data"),
        );
    }
}
