//! `etcd-quorum`: An etcd member count without a useful majority.

use super::super::prelude::*;
use super::group_count_span;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: Code::EtcdQuorum,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "An etcd member count without a useful majority.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Counts the `etcd` members of every `postgres-cluster` (once per distinct set of
hosts, when clusters share their etcd) and reports counts whose majority is
poor value. etcd needs a majority of ⌊n/2⌋+1 members to work, so n members
tolerate ⌊(n−1)/2⌋ failures:

- 2 members: **error**. They tolerate 0 failures, like 1, but either failing
  stops the cluster, so they are twice as likely to fail as one.
- 1 member: **warning**. It tolerates 0 failures.
- an even count of 4 or more: **warning**. It tolerates no more failures than
  one member fewer (4 tolerate 1, like 3) and needs a larger majority.
- more than 7 members: **warning**. Each write must reach more members and the
  cluster gets slower; 7 already tolerate 3 failures.

3, 5 and 7 members are fine.

## Why is this bad
Patroni keeps the leader lock in etcd. When etcd loses its majority no
Patroni node can renew or take the lock, so the primary demotes itself and the
whole PostgreSQL cluster goes read-only: the etcd cluster is the part of the
high-availability setup that must survive a failure first.

## Example
```kdl
fleet {
    group "etcd" count=2 type="t3.small" { subnets "core/private-a"; }
}
postgres-cluster "orders" version=15 {
    members group="db"
    etcd group="etcd"   // 2 members tolerate 0 failures
}
```
Use `count=3` (tolerates 1 failure) or `count=5` (tolerates 2).

## Source
- etcd FAQ, "What is failure tolerance?" and "Why an odd number of cluster
  members?": <https://etcd.io/docs/current/faq/>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    let mut seen: Vec<Vec<HostId>> = Vec::new();
    for (i, pg) in model.postgres.iter().enumerate() {
        let hosts = distinct(&pg.etcd.hosts);
        // An empty list was already reported by the front end.
        if hosts.is_empty() || seen.contains(&hosts) {
            continue;
        }
        let Some(finding) = Finding::of(hosts.len()) else {
            seen.push(hosts);
            continue;
        };
        let mut d = finding
            .diagnostic(&pg.name)
            .label(pg.etcd.span, finding.label());
        if let Some(count) = group_count_span(model, &pg.etcd) {
            d = d.label(count, "the etcd group's size");
        }
        for other in sharing(model, i, &hosts) {
            d = d.label(other, "the same etcd members");
        }
        out.push(d.help(finding.help()));
        seen.push(hosts);
    }
}

/// Hosts in a stable order without repeats, so equal sets compare equal.
fn distinct(hosts: &[HostId]) -> Vec<HostId> {
    let mut v = hosts.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// `etcd` spans of later clusters that use the same etcd hosts.
fn sharing(model: &Model, index: usize, hosts: &[HostId]) -> Vec<Span> {
    model
        .postgres
        .iter()
        .skip(index + 1)
        .filter(|pg| distinct(&pg.etcd.hosts) == hosts)
        .map(|pg| pg.etcd.span)
        .collect()
}

/// What is wrong with a member count.
#[derive(Clone, Copy)]
enum Kind {
    Single,
    Two,
    Even,
    TooMany,
}

struct Finding {
    n: usize,
    kind: Kind,
}

impl Finding {
    fn of(n: usize) -> Option<Finding> {
        let kind = match n {
            1 => Kind::Single,
            2 => Kind::Two,
            n if n > 8 => Kind::TooMany,
            n if n % 2 == 0 => Kind::Even,
            _ => return None,
        };
        Some(Finding { n, kind })
    }

    fn tolerated(&self) -> usize {
        (self.n - 1) / 2
    }

    fn diagnostic(&self, cluster: &str) -> Diagnostic {
        let n = self.n;
        let t = self.tolerated();
        let failures = if t == 1 { "failure" } else { "failures" };
        let message = match self.kind {
            Kind::Single => {
                format!("1 etcd member tolerates 0 failures: losing it stops cluster `{cluster}`")
            }
            Kind::Two => format!(
                "2 etcd members tolerate 0 failures: losing either stops cluster `{cluster}`"
            ),
            Kind::Even => format!(
                "{n} etcd members tolerate {t} {failures}, no more than {} would",
                n - 1
            ),
            Kind::TooMany => format!(
                "{n} etcd members tolerate {t} {failures} but every write must reach {}",
                n / 2 + 1
            ),
        };
        match self.kind {
            Kind::Two => Diagnostic::error(RULE.code, message),
            _ => Diagnostic::warning(RULE.code, message),
        }
    }

    fn label(&self) -> String {
        let t = self.tolerated();
        match self.kind {
            Kind::Single | Kind::Two => format!("{} tolerating 0 failures", self.members()),
            Kind::Even => format!("{}; {} would tolerate {t} too", self.members(), self.n - 1),
            Kind::TooMany => format!("{}; 7 tolerate 3 failures", self.members()),
        }
    }

    fn members(&self) -> String {
        match self.n {
            1 => "1 etcd member".to_string(),
            n => format!("{n} etcd members"),
        }
    }

    fn help(&self) -> String {
        match self.kind {
            Kind::Single | Kind::Two => {
                "run 3 etcd members (e.g. group count=3): they tolerate 1 failure".to_string()
            }
            Kind::Even if self.n + 1 > 7 => format!(
                "run {} etcd members: they tolerate the same {} failures with less write traffic",
                self.n - 1,
                self.tolerated()
            ),
            Kind::Even => format!(
                "run {} etcd members to tolerate {} failures, or {} to tolerate the same {} with less write traffic",
                self.n + 1,
                self.n / 2,
                self.n - 1,
                self.tolerated()
            ),
            Kind::TooMany => {
                "run 5 or 7 etcd members: 7 already tolerate 3 failures with faster writes"
                    .to_string()
            }
        }
    }
}
