//! `port-conflict`: Two services of the estate bound to one host:port.

use super::super::prelude::*;
use crate::span::Span;
use std::collections::{BTreeMap, HashMap};

pub static RULE: Rule = Rule {
    code: Code::PortConflict,
    family: Family::Network,
    severity: Severity::Error,
    summary: "Two services of the estate bound to one host:port.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Collects every TCP port a service of the estate listens on, host by host:
HAProxy (`port=` and `stats-port=` of each cluster), PostgreSQL (5432) and
Patroni's REST API (8008) on every member, etcd (2379 and 2380), the
postgres and Elasticsearch exporters, Elasticsearch (9200 and 9300), Node
Exporter, Prometheus and Grafana. Two of them on the same host and port is
an error naming both.

Clusters that share one etcd cluster (the same member list) share its
daemons, so that is not a conflict; etcd member lists that only partly
overlap are reported by `etcd-cluster-overlap`.

## Why is this bad
Only one process can own a listening socket, and the second one fails to
start — or worse, both start: HAProxy sets `SO_REUSEPORT`, so two
`haproxy` processes (or two `bind`s of one) on `10.0.0.5:5000` both accept,
and the kernel splits one cluster's clients between two databases (reproduced
with two clusters' `haproxy host="lb" port=5000`: the clients of one reached
the other's leader).

## Example
```kdl
postgres-cluster "orders" version=15 {
    members group="db"
    etcd group="etcd"
    haproxy host="lb" port=5000
}
postgres-cluster "billing" version=15 {
    members group="billing-db"
    etcd group="etcd"
    haproxy host="lb" port=5000   // the same host:port as orders
}
```
Give each cluster its own HAProxy port (`port=5001`), and keep each
`stats-port=` away from every other listener on the host.

## Source
- HAProxy configuration manual, `bind` and `SO_REUSEPORT` (`noreuseport`):
  <https://docs.haproxy.org/2.6/configuration.html#5.1-noreuseport>
- socket(7), `SO_REUSEPORT`: <https://man7.org/linux/man-pages/man7/socket.7.html>
"#;

/// One listening socket the estate asks for.
struct Listener {
    /// Who listens, for messages: "HAProxy of `orders`".
    who: String,
    /// Where the spec asks for it.
    span: Span,
    /// Listeners with the same key on one host are one daemon (the etcd
    /// members shared by clusters, Node Exporter), never a conflict.
    daemon: Option<String>,
}

/// Two users of a port, with the hosts they collide on.
struct Conflict {
    port: u16,
    first: usize,
    second: usize,
    hosts: Vec<HostId>,
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    let mut listeners: Vec<Listener> = Vec::new();
    // (host, port) → the first listener there.
    let mut bound: HashMap<(HostId, u16), usize> = HashMap::new();
    // (port, first, second) → conflict, in the order found.
    let mut conflicts: BTreeMap<(usize, usize, u16), Conflict> = BTreeMap::new();
    let mut bind = |listeners: &mut Vec<Listener>, hosts: &[HostId], port: u16, l: Listener| {
        let id = listeners.len();
        let daemon = l.daemon.clone();
        listeners.push(l);
        for &h in hosts {
            match bound.get(&(h, port)) {
                None => {
                    bound.insert((h, port), id);
                }
                Some(&first) => {
                    if daemon.is_some() && listeners[first].daemon == daemon {
                        continue;
                    }
                    let c = conflicts.entry((first, id, port)).or_insert(Conflict {
                        port,
                        first,
                        second: id,
                        hosts: Vec::new(),
                    });
                    if !c.hosts.contains(&h) {
                        c.hosts.push(h);
                    }
                }
            }
        }
    };
    let l = |who: String, span: Span, daemon: Option<String>| Listener { who, span, daemon };

    if let Some(mon) = &m.monitoring {
        let monitored: Vec<HostId> = (0..m.hosts.len())
            .map(HostId::from_index)
            .filter(|h| m.host(*h).settings.monitored)
            .collect();
        if let Some(p) = &mon.prometheus {
            bind(
                &mut listeners,
                &[p.host],
                p.port,
                l("Prometheus".into(), p.host_span, None),
            );
        }
        if let Some(g) = &mon.grafana {
            bind(
                &mut listeners,
                &[g.host],
                g.port,
                l("Grafana".into(), g.host_span, None),
            );
        }
        bind(
            &mut listeners,
            &monitored,
            mon.node_exporter.port,
            l(
                "Node Exporter".into(),
                mon.node_exporter.span,
                Some("node-exporter".into()),
            ),
        );
    }
    for pg in &m.postgres {
        let name = &pg.name;
        let members = &pg.members.hosts;
        if let Some(h) = &pg.haproxy {
            bind(
                &mut listeners,
                &h.hosts,
                h.port,
                l(format!("HAProxy of `{name}` (port=)"), h.span, None),
            );
            bind(
                &mut listeners,
                &h.hosts,
                h.stats_port,
                l(format!("HAProxy of `{name}` (stats-port=)"), h.span, None),
            );
        }
        bind(
            &mut listeners,
            members,
            ports::POSTGRES,
            l(format!("PostgreSQL of `{name}`"), pg.members.span, None),
        );
        bind(
            &mut listeners,
            members,
            ports::PATRONI_REST,
            l(format!("Patroni REST of `{name}`"), pg.members.span, None),
        );
        if let Some(port) = pg.exporter_port {
            bind(
                &mut listeners,
                members,
                port,
                l(
                    format!("postgres_exporter of `{name}`"),
                    pg.exporter_span,
                    None,
                ),
            );
        }
        for (port, what) in [(ports::ETCD_CLIENT, "client"), (ports::ETCD_PEER, "peer")] {
            bind(
                &mut listeners,
                &pg.etcd.hosts,
                port,
                l(
                    format!("etcd ({what} port) of `{name}`"),
                    pg.etcd.span,
                    Some(format!("etcd-{port}")),
                ),
            );
        }
    }
    for es in &m.elasticsearch {
        let name = &es.name;
        for (port, what) in [(ports::ES_HTTP, "HTTP"), (ports::ES_TRANSPORT, "transport")] {
            bind(
                &mut listeners,
                &es.members.hosts,
                port,
                l(
                    format!("Elasticsearch {what} of `{name}`"),
                    es.members.span,
                    None,
                ),
            );
        }
        if let Some(port) = es.exporter_port {
            bind(
                &mut listeners,
                &es.members.hosts,
                port,
                l(
                    format!("the Elasticsearch exporter of `{name}`"),
                    es.exporter_span,
                    None,
                ),
            );
        }
    }

    for c in conflicts.values() {
        let (a, b) = (&listeners[c.first], &listeners[c.second]);
        let hosts = host_list(m, &c.hosts);
        let d = Diagnostic::error(
            RULE.code,
            format!(
                "{} and {} both listen on port {} of {hosts}",
                a.who, b.who, c.port
            ),
        )
        .label(b.span, format!("{} binds port {} here", b.who, c.port))
        .label(a.span, format!("{} already binds it", a.who));
        out.push(d.help(format!(
            "give one of them another port, or another host: only one service can own {}:{}",
            m.host(c.hosts[0]).name,
            c.port
        )));
    }
}

/// "`lb`", "`db-01` and `db-02`", "`db-01`, `db-02` and 4 more hosts".
fn host_list(m: &Model, hosts: &[HostId]) -> String {
    let names: Vec<String> = hosts
        .iter()
        .take(3)
        .map(|h| format!("`{}`", m.host(*h).name))
        .collect();
    match (hosts.len(), names.as_slice()) {
        (1, [a]) => a.clone(),
        (2, [a, b]) => format!("{a} and {b}"),
        (3, [a, b, c]) => format!("{a}, {b} and {c}"),
        (n, _) => format!("{} and {} more hosts", names.join(", "), n - 3),
    }
}
