//! `jvm-heap-compressed-oops`: A JVM heap at the compressed-oops threshold (31 GB or more).

use super::super::prelude::*;
use super::jvm_heap_over_32g::LIMIT;
use super::{GIB, format_size};

pub static RULE: Rule = Rule {
    code: Code::JvmHeapCompressedOops,
    family: Family::Ha,
    severity: Severity::Warning,
    summary: "A JVM heap at the compressed-oops threshold (31 GB or more).",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns when an `elasticsearch-cluster`'s `heap` is at least 31 GiB but below
32 GiB. (32 GiB and more is the error `jvm-heap-over-32g`; a heap gets one
of the two, never both.)

## Why is this bad
The JVM uses compressed object pointers ("compressed oops") only below a
threshold near 32 GB whose exact value varies with the JVM and the platform;
the faster zero-based compressed oops already stop between about 26 and
30 GB. A heap this close to the limit may silently lose them on some hosts,
and every object reference then doubles in size, which costs far more memory
than the extra gigabyte gains. Elastic calls a heap of about 30 GB or less
safe and suggests checking the JVM's startup log line
`heap size [..], compressed ordinary object pointers [true]`.

## Example
```kdl
elasticsearch-cluster "logs" version="6.8.23" {
    members group="search"
    heap "31g"
}
```
Write `heap "30g"`, or keep 31 GiB after checking the log line above and
silence the warning with `allow "jvm-heap-compressed-oops" reason="…"`.

## Source
- Elasticsearch, "Advanced configuration", "Set the JVM heap size":
  <https://www.elastic.co/guide/en/elasticsearch/reference/current/advanced-configuration.html#set-jvm-heap-size>
- Elasticsearch 6.8, "Setting the heap size":
  <https://www.elastic.co/guide/en/elasticsearch/reference/6.8/heap-size.html>
"#;

/// From here up to `LIMIT` the heap is near the threshold.
const NEAR: u64 = 31 * GIB;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for es in &ctx.model.elasticsearch {
        let Some(heap) = &es.heap else { continue };
        if !(NEAR..LIMIT).contains(&heap.value) {
            continue;
        }
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "heap {} of cluster `{}` is close to the ~32 GB compressed-oops threshold",
                    format_size(heap.value),
                    es.name
                ),
            )
            .label(heap.span, "the JVM may turn compressed oops off here")
            .help("write heap \"30g\", or check that the JVM logs `compressed ordinary object pointers [true]`"),
        );
    }
}
