//! `cluster-too-small`: Too few members for the cluster to survive a failure.

use super::super::prelude::*;
use super::group_count_span;

pub static RULE: Rule = Rule {
    code: Code::ClusterTooSmall,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "Too few members for the cluster to survive a failure.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports a `postgres-cluster` with fewer than 2 members and an
`elasticsearch-cluster` with fewer than 3 master-eligible nodes
(`master-eligible`, or all members when it is not given).

## Why is this bad
A Patroni cluster with one member has no replica to promote: when that host
fails, the database is down until it is rebuilt. Elasticsearch elects its
master by a majority of the master-eligible nodes; with 2 of them the
majority is 2, so losing either node stops elections and the cluster stops
accepting writes. 3 master-eligible nodes tolerate the loss of 1.

## Example
```kdl
elasticsearch-cluster "logs" version="7.17.0" {
    members "search-1" "search-2"   // 2 master-eligible nodes tolerate 0 failures
}
```
List a third member (or a third `master-eligible` node).

## Source
- Elasticsearch, "Resilience in small clusters":
  <https://www.elastic.co/guide/en/elasticsearch/reference/current/high-availability-cluster-small-clusters.html>
- Elasticsearch 6.8, "Avoiding split brain with minimum_master_nodes":
  <https://www.elastic.co/guide/en/elasticsearch/reference/6.8/modules-node.html#split-brain>
- Patroni, "Introduction" (one leader and its replicas):
  <https://patroni.readthedocs.io/en/latest/>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    for pg in &model.postgres {
        let n = pg.members.hosts.len();
        // 0 means the list is missing or unresolved: the front end said so.
        if n == 1 {
            out.push(with_count(
                model,
                &pg.members,
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "postgres cluster `{}` has 1 member: there is no replica to fail over to",
                        pg.name
                    ),
                )
                .label(pg.members.span, "1 member")
                .help("run at least 2 members (3 with synchronous replication), e.g. a group with count=3"),
            ));
        }
    }
    for es in &model.elasticsearch {
        let n = es.master_eligible.hosts.len();
        if (1..3).contains(&n) {
            out.push(with_count(
                model,
                &es.master_eligible,
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "elasticsearch cluster `{}` has {n} master-eligible {}: losing {} stops master elections",
                        es.name,
                        if n == 1 { "node" } else { "nodes" },
                        if n == 1 { "it" } else { "either" }
                    ),
                )
                .label(es.master_eligible.span, format!("{n} master-eligible"))
                .help("make at least 3 nodes master-eligible: 3 tolerate the loss of 1"),
            ));
        }
    }
}

/// Points at the group's `count=` too when the list is exactly one group.
fn with_count(model: &Model, members: &Members, d: Diagnostic) -> Diagnostic {
    match group_count_span(model, members) {
        Some(span) => d.label(span, "the group's size"),
        None => d,
    }
}
