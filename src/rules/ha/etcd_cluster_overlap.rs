//! `etcd-cluster-overlap`: Two clusters' etcd member lists share some hosts but not all.

use super::super::prelude::*;
use std::collections::{BTreeSet, HashMap};

pub static RULE: Rule = Rule {
    code: Code::EtcdClusterOverlap,
    family: Family::Ha,
    severity: Severity::Error,
    summary: "Two clusters' etcd member lists share some hosts but not all.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Compares the `etcd` member lists of every two `postgres-cluster`s. Lists that
are the same (one etcd cluster serving both, each Patroni cluster under its
own scope) are fine, and so are lists with no host in common. Lists that
share some hosts but not all are an error naming the shared hosts and both
clusters.

## Why is this bad
An etcd member belongs to exactly one etcd cluster: its `etcd.conf.yml`
names one `initial-cluster`. A host in both lists can only get one of the two
configurations, so the other cluster's etcd is one member short from the
start, and that Patroni cluster's DCS list spans members of two different
etcd clusters. Patroni then talks to whichever answers, two leaders can hold
the "same" lock in different etcd clusters, and the PostgreSQL cluster can
split brain.

## Example
```kdl
postgres-cluster "orders" version=15 {
    members group="db"
    etcd "dcs-1" "dcs-2" "dcs-3"
}
postgres-cluster "billing" version=15 {
    members group="billing-db"
    etcd "dcs-3" "dcs-4" "dcs-5"   // dcs-3 is in both
}
```
Give `billing` its own etcd hosts, or let both clusters use the same
`"dcs-1" "dcs-2" "dcs-3"` (one etcd cluster; Patroni keeps them apart by
scope).

## Source
- etcd, "Clustering Guide" (`initial-cluster` lists one cluster's members):
  <https://etcd.io/docs/current/op-guide/clustering/>
- Patroni, "YAML Configuration Settings", `etcd3.hosts` and `scope`:
  <https://patroni.readthedocs.io/en/latest/yaml_configuration.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    let sets: Vec<BTreeSet<HostId>> = m
        .postgres
        .iter()
        .map(|pg| pg.etcd.hosts.iter().copied().collect())
        .collect();
    // host → clusters whose etcd lists it, in spec order.
    let mut users: HashMap<HostId, Vec<usize>> = HashMap::new();
    for (i, set) in sets.iter().enumerate() {
        for h in set {
            users.entry(*h).or_default().push(i);
        }
    }
    // Every pair of clusters sharing an etcd host, once, in spec order.
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for u in users.values() {
        for (k, &a) in u.iter().enumerate() {
            for &b in &u[k + 1..] {
                pairs.insert((a, b));
            }
        }
    }
    for (a, b) in pairs {
        if sets[a] == sets[b] {
            continue;
        }
        let shared: Vec<String> = sets[a]
            .intersection(&sets[b])
            .map(|h| format!("`{}`", m.host(*h).name))
            .collect();
        let (pa, pb) = (&m.postgres[a], &m.postgres[b]);
        let hosts = if shared.len() == 1 {
            format!("host {}", shared[0])
        } else {
            format!("hosts {}", shared.join(", "))
        };
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "etcd of `{}` and etcd of `{}` share {hosts} but not their other members",
                    pa.name, pb.name
                ),
            )
            .label(pb.etcd.span, format!("etcd of `{}`", pb.name))
            .label(pa.etcd.span, format!("etcd of `{}`", pa.name))
            .help(format!(
                "an etcd host belongs to one etcd cluster: give `{}` etcd hosts of its own, or list exactly the same members as `{}` (one etcd cluster, separate Patroni scopes)",
                pb.name, pa.name
            )),
        );
    }
}
