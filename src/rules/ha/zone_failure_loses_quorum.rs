//! `zone-failure-loses-quorum`: One zone holds enough of a quorum that
//! losing it stops the cluster.

use super::super::prelude::*;
use crate::model::zones::hosts_by_zone;
use crate::span::Span;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: Code::ZoneFailureLosesQuorum,
    family: Family::Ha,
    severity: Severity::Warning,
    summary: "Losing one zone leaves a cluster without quorum or leader.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Looks at where the voters of every cluster sit (the zone of each host: its
subnet's `zone=` on AWS, `zone=`/`zones` on Azure) and reports each zone
whose loss leaves:

- the `etcd` members of a `postgres-cluster` without a majority
  (⌊n/2⌋+1 left);
- the master-eligible nodes of an `elasticsearch-cluster` without a
  majority;
- a `postgres-cluster` without any Patroni member (all in that zone);
- the Sentinels of a self-hosted `redis` (one on every member) without a
  majority: no replica can be promoted when the primary is lost.

The warning names the zone and the members in it, and suggests a subnet in a
third zone. A cluster whose network offers a single zone is not reported:
the whole estate then shares that zone's fate, a choice made elsewhere.

## Why is this bad
Counting members is not HA analysis. Three etcd members tolerate one
failure, but round-robin placement over two subnets puts two of them in the
first zone: one zone outage (power, network, a bad deploy in the zone)
takes two votes at once, etcd loses its quorum, Patroni demotes the leader
and every write stops. The same holds for Elasticsearch's master election
and for Redis Sentinel, which needs a majority of the Sentinels to
authorize a failover.
A majority quorum survives any one zone only when no zone holds half of
the voters or more: three members in three zones, or five over three
zones (2 + 2 + 1).

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
    subnet "private-b" zone="us-east-1b" cidr="10.10.32.0/20"
}
fleet {
    group "etcd" count=3 type="t3.small" {
        subnets "core/private-a" "core/private-b"   // etcd-01, etcd-03 in us-east-1a
    }
}
```
Add a subnet in a third zone and list it:
```kdl
    subnet "private-c" zone="us-east-1c" cidr="10.10.48.0/20"
    …
        subnets "core/private-a" "core/private-b" "core/private-c"
```
`infragen explain failures SPEC` shows what each zone takes down.

## Source
- AWS Builders' Library, "Minimizing correlated failures in distributed
  systems": <https://aws.amazon.com/builders-library/minimizing-correlated-failures-in-distributed-systems/>
- etcd FAQ, "What is failure tolerance?": <https://etcd.io/docs/current/faq/>
- Elasticsearch, "Resilience in larger clusters" (master-eligible nodes in
  three zones): <https://www.elastic.co/guide/en/elasticsearch/reference/current/high-availability-cluster-design-large-clusters.html>
- Redis, "High availability with Redis Sentinel" (a failover needs the
  majority of the Sentinels): <https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    let mut seen: Vec<Vec<HostId>> = Vec::new();
    for pg in &model.postgres {
        let mut etcd = pg.etcd.hosts.clone();
        etcd.sort_unstable();
        etcd.dedup();
        if !seen.contains(&etcd) {
            quorum(
                model,
                out,
                &format!("etcd of `{}`", pg.name),
                &pg.etcd,
                pg.etcd.span,
            );
            seen.push(etcd);
        }
        // Patroni needs one member left (etcd decides which).
        let by_zone = hosts_by_zone(model, &pg.members.hosts);
        if by_zone.len() == 1
            && pg.members.hosts.len() > 1
            && multi_zone(model, &pg.members.hosts)
            && let Some((zone, hosts)) = by_zone.iter().next()
        {
            out.push(
                Diagnostic::warning(
                    RULE.code,
                    format!(
                        "losing zone {zone} stops postgres cluster `{}`: all {} members are in it",
                        pg.name,
                        hosts.len()
                    ),
                )
                .label(
                    pg.members.span,
                    format!("{} in {zone}", names(model, hosts)),
                )
                .help(help(model, &pg.members)),
            );
        }
    }
    for es in &model.elasticsearch {
        quorum(
            model,
            out,
            &format!("the master-eligible nodes of `{}`", es.name),
            &es.master_eligible,
            es.master_eligible.span,
        );
    }
    for r in &model.redis {
        if r.engine == RedisEngine::SelfHosted {
            quorum(
                model,
                out,
                &format!("the Sentinels of redis `{}`", r.name),
                &r.members,
                r.members.span,
            );
        }
    }
}

/// Reports each zone that holds half the voters or more.
fn quorum(model: &Model, out: &mut Vec<Diagnostic>, what: &str, voters: &Members, span: Span) {
    let by_zone = hosts_by_zone(model, &voters.hosts);
    let n: usize = by_zone.values().map(Vec::len).sum();
    // One voter: `etcd-quorum` / `cluster-too-small` say it.
    if n < 2 || !multi_zone(model, &voters.hosts) {
        return;
    }
    let quorum = n / 2 + 1;
    for (zone, hosts) in &by_zone {
        let left = n - hosts.len();
        if left >= quorum {
            continue;
        }
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "losing zone {zone} leaves {what} without quorum: {} of {n} are in it, {left} left < quorum {quorum}",
                    hosts.len()
                ),
            )
            .label(span, format!("{} in {zone}", names(model, hosts)))
            .help(help(model, voters)),
        );
    }
}

/// Whether the voters' network offers more than one zone. False too when
/// a voter's subnet names a zone outside its region: `zone-region-mismatch`
/// reports that, and the zones here would be wrong.
fn multi_zone(model: &Model, hosts: &[HostId]) -> bool {
    let Some(first) = hosts.first() else {
        return false;
    };
    let bad_zone = hosts.iter().any(|h| {
        let z = model.host_zone(*h);
        z.cloud == Cloud::Aws
            && z.zone.as_deref().is_some_and(|zone| {
                !super::super::network::zone_region_mismatch::in_region(zone, &z.region)
            })
    });
    if bad_zone {
        return false;
    }
    let net = model.network(model.host_network(*first));
    let mut zones: BTreeSet<Option<String>> = net
        .subnets
        .iter()
        .filter(|_| net.cloud == Cloud::Aws)
        .map(|s| model.subnet(*s).zone.as_ref().map(|z| z.value.clone()))
        .collect();
    // Azure: the zones the network's hosts use (zone-less hosts share one
    // domain).
    if net.cloud == Cloud::Azure {
        let id = model.host_network(*first);
        for (i, h) in model.hosts.iter().enumerate() {
            if model.host_network(HostId::from_index(i)) == id {
                zones.insert(h.zone.clone());
            }
        }
    }
    zones.len() > 1
}

fn names(model: &Model, hosts: &[HostId]) -> String {
    hosts
        .iter()
        .map(|h| model.host(*h).name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The fix: a subnet in another zone (AWS) or `zones "1" "2" "3"` (Azure).
fn help(model: &Model, voters: &Members) -> String {
    let Some(first) = voters.hosts.first() else {
        return String::new();
    };
    let net = model.network(model.host_network(*first));
    let used: BTreeSet<String> = hosts_by_zone(model, &voters.hosts)
        .keys()
        .map(|z| z.to_string())
        .collect();
    let used = used.into_iter().collect::<Vec<_>>().join(", ");
    match net.cloud {
        Cloud::Aws => format!(
            "the members sit in {used} only: add a subnet in a third zone of {} to `{}` and list it in the group's `subnets` (with 3 members in 3 zones any one zone may fail)",
            net.region.value, net.name
        ),
        Cloud::Azure => format!(
            "the members sit in {used} only: spread the group with `zones \"1\" \"2\" \"3\"` (with 3 members in 3 zones any one zone may fail)"
        ),
    }
}
