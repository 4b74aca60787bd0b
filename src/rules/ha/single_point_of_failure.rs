//! `single-point-of-failure`: One host whose loss stops a declared HA
//! service.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::SinglePointOfFailure,
    family: Family::Ha,
    severity: Severity::Warning,
    summary: "One host whose loss stops a declared HA service.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports a host that a declared high-availability service cannot lose:

- a `postgres-cluster` whose clients reach it through `haproxy host=`: one
  HAProxy host carries every connection (`haproxy group=`, HAProxy on every
  host of a group behind an internal load balancer, is not reported);
- a cluster (`postgres-cluster` members, its `etcd`, an
  `elasticsearch-cluster`) whose members are all one host;
- an `etcd` of one member;
- a `gateway` whose group is one host (NGINX runs nowhere else);
- a `load-balancer` listener whose target group is one host (not when
  that group is a gateway's: the gateway is reported);
- a self-hosted `redis` with clients and a single member (no replica for
  Sentinel to promote).

Hosts that are not part of a declared HA service (a bastion, the
monitoring host) are not reported: they are single on purpose.

## Why is this bad
A Patroni cluster survives the loss of its leader, but not of the one
HAProxy in front of it: when that host fails, no client reaches the new
leader and every write stops, exactly as if the database had failed. The
redundancy below the single host buys nothing. The same holds for an etcd
of one member or members that are all one machine, for an NGINX gateway or
a balancer's targets on one host (the balancer stays up and answers 502/503
to every request), and for a self-hosted Redis without a replica (its
clients' sessions and writes stop with the host).

## Example
```kdl
postgres-cluster "orders" version=15 {
    members group="db"
    etcd group="etcd"
    haproxy host="haproxy" port=5000 stats-port=7000   // one host
}
```
Run HAProxy on a group of two or more hosts in different zones instead:
`haproxy group="haproxy" port=5000 stats-port=7000` puts HAProxy on every
host of the group behind an internal load balancer (an AWS Network Load
Balancer, a zonal-redundant service), and clients connect to the
balancer, as `examples/three-zones.kdl` does. Or let the clients find the
leader themselves: drop `haproxy` and connect with a multi-host libpq
connection string (`host=db-01,db-02,db-03 target_session_attrs=read-write`).

```kdl
fleet {
    group "gw" count=1 type="c6i.large"   // the gateway's only host
}
gateway "edge" group="gw" { route "/" to="group:app" }
```
Give the group two or more hosts in different zones (`count=2` with
subnets in two zones); for Redis list two or three `members` in different
zones so Sentinel can promote a replica.

## Source
- AWS Builders' Library, "Minimizing correlated failures in distributed
  systems": <https://aws.amazon.com/builders-library/minimizing-correlated-failures-in-distributed-systems/>
- Redis, "High availability with Redis Sentinel":
  <https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/>
- Patroni documentation, "HAProxy" (clients reach the leader through a
  proxy that must itself be redundant): <https://patroni.readthedocs.io/en/latest/rest_api.html>
"#;

fn distinct(hosts: &[HostId]) -> Vec<HostId> {
    let mut v = hosts.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    for pg in &model.postgres {
        if let Some(hx) = &pg.haproxy
            && hx.placement == HaproxyPlacement::Host
            && let Some(&h) = hx.hosts.first()
        {
            let host = &model.host(h).name;
            out.push(
                Diagnostic::warning(
                    RULE.code,
                    format!(
                        "HAProxy of `{}` runs on one host, `{host}`: losing it stops every write",
                        pg.name
                    ),
                )
                .label(hx.host_span, "the only entry point of the cluster")
                .help("write `haproxy group=\"GROUP\"` with a group of two or more hosts in different zones: infragen puts an internal load balancer in front of them (as examples/three-zones.kdl does); or drop `haproxy` and connect with a multi-host libpq string (`host=A,B,C target_session_attrs=read-write`)"),
            );
        }
        one_host(
            model,
            out,
            &format!("postgres cluster `{}`", pg.name),
            &pg.members,
            2,
        );
        one_host(model, out, &format!("etcd of `{}`", pg.name), &pg.etcd, 1);
    }
    traffic(model, out);
    for es in &model.elasticsearch {
        one_host(
            model,
            out,
            &format!("elasticsearch cluster `{}`", es.name),
            &es.members,
            2,
        );
    }
}

/// Members that are one host: listed `min` times or more (a lone etcd
/// member counts; one PostgreSQL or Elasticsearch member is
/// `cluster-too-small`'s).
fn one_host(model: &Model, out: &mut Vec<Diagnostic>, what: &str, m: &Members, min: usize) {
    let hosts = distinct(&m.hosts);
    let [only] = hosts[..] else { return };
    if m.hosts.len() < min {
        return;
    }
    let host = &model.host(only).name;
    out.push(
        Diagnostic::warning(
            RULE.code,
            format!("every member of {what} is host `{host}`: losing it stops the cluster"),
        )
        .label(m.span, format!("all on `{host}`"))
        .help("place the members on three hosts, in different zones"),
    );
}

/// The traffic tier: a gateway, a balancer's targets, a self-hosted Redis
/// on one host.
fn traffic(model: &Model, out: &mut Vec<Diagnostic>) {
    for gw in &model.gateways {
        let g = model.group(gw.group);
        let [only] = distinct(&g.hosts)[..] else {
            continue;
        };
        let host = &model.host(only).name;
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "gateway `{}` runs on one host, `{host}`: losing it stops every route",
                    gw.name
                ),
            )
            .label(gw.group_span, format!("group `{}` is one host", g.name))
            .help(format!(
                "give group `{}` two or more hosts in different zones (`count=2` with subnets in two zones)",
                g.name
            )),
        );
    }
    for lb in &model.load_balancers {
        if lb.origin != LbOrigin::Spec {
            continue;
        }
        for l in &lb.listeners {
            if model.gateways.iter().any(|gw| gw.group == l.target) {
                continue; // the gateway's warning says it
            }
            let g = model.group(l.target);
            let [only] = distinct(&g.hosts)[..] else {
                continue;
            };
            let host = &model.host(only).name;
            out.push(
                Diagnostic::warning(
                    RULE.code,
                    format!(
                        "load balancer `{}` sends listener {} to one host, `{host}`: losing it stops the balancer",
                        lb.name, l.port.value
                    ),
                )
                .label(l.target_span, format!("group `{}` is one host", g.name))
                .help(format!(
                    "give group `{}` two or more hosts in the balancer's zones",
                    g.name
                )),
            );
        }
    }
    for r in &model.redis {
        if r.engine != RedisEngine::SelfHosted || r.clients.hosts.is_empty() {
            continue;
        }
        let [only] = distinct(&r.members.hosts)[..] else {
            continue;
        };
        let host = &model.host(only).name;
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "redis `{}` has one member, `{host}`, and no replica: losing it stops its clients",
                    r.name
                ),
            )
            .label(r.members.span, format!("only `{host}`"))
            .help("list two or three members in different zones: Sentinel then promotes a replica when the primary is lost"),
        );
    }
}
