//! `required-flow-blocked`: A flow the declared services need is not allowed by the security groups.

use super::super::prelude::*;
use super::flow_text::{Finding, Key, blocker_labels, ends_of, help_text, proto_port, where_text};
use crate::graph::fix::{SgChooser, fix_for};
use crate::graph::flows::Flow;
use crate::graph::reach::{self, Block};
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    code: Code::RequiredFlowBlocked,
    family: Family::Security,
    severity: Severity::Error,
    summary: "A flow the declared services need is not allowed by the security groups.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Derives every network flow the declared services need and evaluates it
against the security groups (AWS) and NSGs (Azure) the way the clouds do:
the union of a host's groups, stateful, egress open unless declared. The
flows are: Prometheus to Node Exporter on every monitored host and to the
cluster exporters, Grafana to Prometheus, HAProxy to PostgreSQL (5432) and
Patroni's REST API (8008), Patroni to etcd (2379), etcd peers (2380),
replication and Patroni REST between members, Elasticsearch transport
(9300), clients to HAProxy or Elasticsearch (9200), IKE (UDP 500 and
4500) and ESP between VPN gateways, an NGINX gateway's hosts to the hosts
of its `group:` routes (the route's port), and self-hosted Redis: clients
to the members (6379 or `port=`), replication among the members, and with
replicas Sentinel (26379) from the clients and among the members. Through
every load balancer (the spec's and the one in front of `haproxy group=`):
its sources to the listener port, checked against the balancer's own
security groups (the internet for an internet-facing balancer, else the
hosts of the gateways routing to it and the clients of the postgres-cluster);
an application balancer to its targets on the target port from its nodes
(the targets must admit `lb:NAME` or the balancer's subnets; its health
checks are that same flow); a network balancer with instance targets keeps
the client's address (the targets must admit the sources themselves) and
health-checks every target from its nodes in its subnets. And the clients of
an ElastiCache Redis to its port, checked against its `security-groups`. A
flow between two networks must cross
a VPN whose `subnets=` cover both ends, and be allowed at the destination
and at both gateways (AWS security groups filter forwarded packets too).

Findings are aggregated: one diagnostic per flow purpose, ports and missing
rule, naming every source and destination it concerns, with the exact rule
to add.

## Why is this bad
The configs build and deploy, and then the service silently fails:
Prometheus shows targets down, Patroni cannot reach etcd and demotes the
leader, HAProxy marks every member down, the tunnel never comes up. These
failures surface only in production, often during an incident.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
}
fleet {
    group "app" count=3 type="t3.small" {
        subnets "core/private-a"
        security-groups "app" "node-exporter"
    }
    host "monitor" type="m5.large" {
        subnets "core/private-a"
        security-groups "monitoring"
    }
}
security-group "app" vpc="core" {
    ingress "tcp" 8080 from="vpc:core"
}
security-group "node-exporter" vpc="core" {
    ingress "tcp" 9100 from="sg:app"
}
security-group "monitoring" vpc="core" {
    ingress "tcp" 9090 from="vpc:core"
}
monitoring {
    node-exporter port=9100
    prometheus host="monitor" port=9090
}
```
Prometheus on `monitor` cannot scrape `app-01`…`app-03` on tcp/9100. Fix:
admit the scrape from Prometheus' group.
```kdl
security-group "node-exporter" vpc="core" {
    ingress "tcp" 9100 from="sg:monitoring"
}
```

## Source
- https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
- https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview
- https://prometheus.io/docs/guides/node-exporter/
- https://patroni.readthedocs.io/en/latest/yaml_configuration.html
- https://etcd.io/docs/current/op-guide/configuration/
- https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-network.html
- https://docs.strongswan.org/docs/5.9/howtos/forwarding.html
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
- https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-register-targets.html
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if !ctx.frontend_clean {
        return;
    }
    let model = ctx.model;
    let blocked: Vec<(&Flow, Block)> = ctx
        .graph
        .flows
        .iter()
        .filter_map(|f| reach::check(model, f).err().map(|b| (f, b)))
        .collect();
    if blocked.is_empty() {
        return;
    }
    let chooser = SgChooser::new(model, &blocked);
    let mut findings: Vec<Finding> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for (flow, block) in &blocked {
        let (fix, at) = fix_for(model, flow, block, &chooser);
        let key = Key {
            purpose: flow.purpose,
            proto: flow.proto,
            port: flow.port,
            fix,
        };
        let i = *index.entry(key).or_insert_with(|| {
            findings.push(Finding {
                key,
                origin: flow.origin,
                sources: Vec::new(),
                dests: Vec::new(),
                at: Vec::new(),
            });
            findings.len() - 1
        });
        if let Some(f) = findings.get_mut(i) {
            f.sources.push(flow.from);
            f.dests.push(flow.to);
            f.at.push(at);
        }
    }
    for mut f in findings {
        for v in [&mut f.sources, &mut f.dests, &mut f.at] {
            v.sort_unstable();
            v.dedup();
        }
        out.push(diagnostic(model, &f));
    }
}

fn diagnostic(model: &Model, f: &Finding) -> Diagnostic {
    let k = &f.key;
    let ports = proto_port(k.proto, k.port);
    let message = format!(
        "{} on {ports} ({}) is dropped: {}",
        ends_of(model, f),
        k.purpose.describe(),
        where_text(model, f)
    );
    let d = Diagnostic::error(RULE.code, message)
        .label(f.origin, format!("needs {ports}: {}", k.purpose.describe()));
    let d = blocker_labels(model, f, d);
    d.help(help_text(model, f))
}
