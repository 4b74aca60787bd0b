//! `jvm-heap-over-half-ram`: A JVM heap larger than half the host's RAM.

use super::super::prelude::*;
use super::{GIB, MIB, format_size};
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: Code::JvmHeapOverHalfRam,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "A JVM heap larger than half the host's RAM.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Compares an `elasticsearch-cluster`'s `heap` with the RAM of each member:
`memory=` when the host or group gives it, otherwise the instance type's
memory from infragen's table. A heap larger than half of a member's RAM is an
error; one diagnostic per cluster names every group or host affected. Members
whose RAM is unknown (an instance type missing from the table and no
`memory=`) are not checked.

## Why is this bad
Elasticsearch leans on the operating system's filesystem cache to read its
index files fast, and Lucene uses memory outside the JVM heap. Elastic
recommends a heap of no more than 50% of the RAM: with a bigger heap the
cache starves and searches hit the disk, or the kernel's OOM killer ends the
process when heap and off-heap memory together exceed the RAM.

## Example
```kdl
fleet {
    group "search" count=3 type="r5.large" { subnets "core/private-a"; }   // 16 GiB
}
elasticsearch-cluster "logs" version="6.8.23" {
    members group="search"
    heap "31g"
}
```
Write `heap "8g"`, or use `type="r5.2xlarge"` (64 GiB) for a 31 GiB heap.

## Source
- Elasticsearch, "Advanced configuration", "Set the JVM heap size":
  <https://www.elastic.co/guide/en/elasticsearch/reference/current/advanced-configuration.html#set-jvm-heap-size>
- Elasticsearch 6.8, "Setting the heap size":
  <https://www.elastic.co/guide/en/elasticsearch/reference/6.8/heap-size.html>
"#;

/// Heaps larger than this are errors of their own (`jvm-heap-over-32g`);
/// the suggested heap never goes past the safe size.
const SAFE_HEAP: u64 = 30 * GIB;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for es in &ctx.model.elasticsearch {
        let Some(heap) = &es.heap else { continue };
        let entries = affected(ctx.model, &es.members, heap.value);
        let Some(smallest) = entries.iter().map(|e| e.memory).min() else {
            continue;
        };
        let mut d = Diagnostic::error(RULE.code, message(es, heap.value, &entries))
            .label(heap.span, format!("heap {}", format_size(heap.value)));
        let mut seen: Vec<Span> = vec![heap.span];
        for e in &entries {
            if let Some(span) = e.ram_span.filter(|s| !seen.contains(s)) {
                seen.push(span);
                d = d.label(span, format!("{} of RAM", format_size(e.memory)));
            }
        }
        out.push(d.help(help(heap.value, smallest)));
    }
}

/// Members (a whole group, or one host) whose RAM is less than twice the heap.
struct Entry {
    who: String,
    memory: u64,
    /// `r5.large's 16 GiB` or `16 GiB from memory=`.
    ram: String,
    ram_span: Option<Span>,
}

fn affected(model: &Model, members: &Members, heap: u64) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut done_groups: Vec<GroupId> = Vec::new();
    let mut hosts = members.hosts.clone();
    hosts.sort_unstable();
    hosts.dedup();
    for id in hosts {
        let host = model.host(id);
        let Some(memory) = host.memory else { continue };
        if u128::from(heap) * 2 <= u128::from(memory) {
            continue;
        }
        match host.group {
            Some(g) if done_groups.contains(&g) => {}
            Some(g) => {
                done_groups.push(g);
                entries.push(group_entry(model, g, members, memory));
            }
            None => entries.push(entry(
                format!("host `{}`", host.name),
                &host.settings,
                memory,
            )),
        }
    }
    entries
}

/// A group's hosts share their settings, so one of them speaks for all.
fn group_entry(model: &Model, g: GroupId, members: &Members, memory: u64) -> Entry {
    let group = model.group(g);
    let who = if group.hosts.iter().all(|h| members.hosts.contains(h)) {
        format!("group `{}`", group.name)
    } else {
        let names: Vec<String> = group
            .hosts
            .iter()
            .filter(|h| members.hosts.contains(h))
            .map(|h| format!("`{}`", model.host(*h).name))
            .collect();
        names.join(", ")
    };
    entry(who, &group.settings, memory)
}

fn entry(who: String, settings: &HostSettings, memory: u64) -> Entry {
    let size = format_size(memory);
    let (ram, ram_span) = match (&settings.memory, &settings.instance_type) {
        (Some(m), _) => (format!("{size} from memory="), Some(m.span)),
        (None, Some(t)) => (format!("{}'s {size}", t.value), Some(t.span)),
        (None, None) => (size, None),
    };
    Entry {
        who,
        memory,
        ram,
        ram_span,
    }
}

fn message(es: &EsCluster, heap: u64, entries: &[Entry]) -> String {
    let head = format!("heap {} of cluster `{}`", format_size(heap), es.name);
    match entries {
        [one] => format!("{head} is more than half of {} on {}", one.ram, one.who),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|e| format!("{} ({})", e.who, e.ram))
                .collect();
            format!("{head} is more than half the RAM of {}", list.join(", "))
        }
    }
}

fn help(heap: u64, smallest: u64) -> String {
    let half = smallest / 2;
    let why = if half > SAFE_HEAP {
        "the compressed-oops limit".to_string()
    } else {
        format!("half of {}", format_size(smallest))
    };
    format!(
        "write heap \"{}\" or less ({why}), or give the members at least {} of RAM",
        spec_size(half.min(SAFE_HEAP)),
        format_size(heap.saturating_mul(2))
    )
}

/// A size the way the spec writes it, rounded down: "8g", "1536m".
fn spec_size(bytes: u64) -> String {
    if bytes.is_multiple_of(GIB) {
        format!("{}g", bytes / GIB)
    } else {
        format!("{}m", bytes / MIB)
    }
}
