//! `es-minimum-master-nodes`: minimum_master_nodes that is not a majority of the master-eligible nodes.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::EsMinimumMasterNodes,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "minimum_master_nodes that is not a majority of the master-eligible nodes.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
When an `elasticsearch-cluster` gives `minimum-master-nodes`, checks it:

- Elasticsearch 6.x and older: it must be ⌊n/2⌋+1 of the n master-eligible
  nodes (`discovery.zen.minimum_master_nodes`). Lower is an error (split
  brain), higher is an error (the cluster stops when it need not).
- Elasticsearch 7 and later: the setting is ignored, so giving it at all is an
  error; Elasticsearch 7+ computes the voting quorum itself.

Without `minimum-master-nodes`, infragen writes ⌊n/2⌋+1 for 6.x clusters.

## Why is this bad
With a value below the majority, a network partition can leave two groups of
master-eligible nodes that each reach the minimum and each elect a master:
two clusters then accept different writes to the same indices (split brain)
and one side's data is lost when they rejoin. With a value above the
majority, losing a node the cluster could afford to lose stops master
election and the cluster stops accepting writes. On 7+ the value is silently
ignored, so a reader of the spec would believe in a guarantee that is not
there.

## Example
```kdl
elasticsearch-cluster "logs" version="6.8.23" {
    members group="search"      // 3 master-eligible nodes
    minimum-master-nodes 1      // should be 2
}
```
Write `minimum-master-nodes 2`, or leave it out. On `version="7.17.0"`,
remove the line.

## Source
- Elasticsearch 6.8, "Avoiding split brain with minimum_master_nodes":
  <https://www.elastic.co/guide/en/elasticsearch/reference/6.8/modules-node.html#split-brain>
- Elasticsearch 7.0 breaking changes, "discovery.zen.minimum_master_nodes is
  ignored": <https://www.elastic.co/guide/en/elasticsearch/reference/7.0/breaking-changes-7.0.html>
- Elasticsearch, "Voting configurations":
  <https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-discovery-voting.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for es in &ctx.model.elasticsearch {
        let Some(given) = &es.minimum_master_nodes else {
            continue;
        };
        if es.major >= 7 {
            out.push(ignored(es, given));
            continue;
        }
        let n = es.master_eligible.hosts.len();
        // No master-eligible host means the member list failed to resolve.
        if n == 0 || given.value == es.quorum() {
            continue;
        }
        out.push(wrong(es, given, n));
    }
}

fn ignored(es: &EsCluster, given: &crate::span::Spanned<u32>) -> Diagnostic {
    Diagnostic::error(
        RULE.code,
        format!(
            "`minimum-master-nodes` is ignored by Elasticsearch {} (cluster `{}`)",
            es.version.value, es.name
        ),
    )
    .label(given.span, "ignored since 7.0")
    .label(es.version.span, format!("version {}", es.major))
    .help("remove `minimum-master-nodes`: Elasticsearch 7+ computes the voting quorum itself")
}

fn wrong(es: &EsCluster, given: &crate::span::Spanned<u32>, n: usize) -> Diagnostic {
    let quorum = es.quorum();
    let risk = if given.value < quorum {
        "two halves of a partition can each elect a master (split brain)"
    } else {
        "losing a node the cluster could spare stops master election"
    };
    Diagnostic::error(
        RULE.code,
        format!(
            "minimum-master-nodes {} of cluster `{}` is not {quorum}, the majority of {n} master-eligible nodes: {risk}",
            given.value, es.name
        ),
    )
    .label(given.span, format!("should be {quorum}"))
    .label(es.master_eligible.span, format!("{n} master-eligible"))
    .help(format!(
        "write `minimum-master-nodes {quorum}` (⌊{n}/2⌋+1), or leave it out: infragen computes it"
    ))
}
