//! `haproxy/haproxy.cfg` (HAProxy 2.6): for every postgres-cluster with
//! `haproxy`, a TCP listener on the cluster port that routes only to the
//! Patroni leader, and a stats page with a Prometheus `/metrics` endpoint.
//! When the clusters use different HAProxy hosts, each host gets
//! `haproxy/<host>/haproxy.cfg`; `haproxy group=` gives every host of the
//! group its own (each binds its own address; the internal load balancer in
//! front spreads the clients over them). Checked by `haproxy -dW -c -f` in
//! tests/oracle_haproxy.rs.

use super::text::{Text, host_port};
use super::{Artifact, EmitContext, Emitter};
use crate::model::{HostId, PostgresCluster, ports};
use std::collections::BTreeSet;

pub struct Haproxy;

/// Long SQL sessions (reports, migrations) must not be cut by an idle timer:
/// 30 minutes both ways. Dead peers are caught by TCP keepalives instead.
const SESSION_TIMEOUT: &str = "30m";
/// Inside one VPC a connect takes milliseconds; 4 s covers a SYN retransmit
/// or two without keeping clients waiting on a dead member during failover.
const CONNECT_TIMEOUT: &str = "4s";
/// PostgreSQL's default max_connections.
const PG_DEFAULT_MAX_CONNECTIONS: u32 = 100;
/// Connections HAProxy leaves free on each member for Patroni, replication
/// tools, exporters and an admin session.
const RESERVED_CONNECTIONS: u32 = 10;

impl Emitter for Haproxy {
    fn name(&self) -> &'static str {
        "haproxy"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let hosts: BTreeSet<HostId> = ctx
            .model
            .postgres
            .iter()
            .filter_map(|pg| pg.haproxy.as_ref())
            .flat_map(|h| h.hosts.iter().copied())
            .collect();
        for &h in &hosts {
            let clusters: Vec<&PostgresCluster> = ctx
                .model
                .postgres
                .iter()
                .filter(|pg| pg.haproxy.as_ref().is_some_and(|x| x.hosts.contains(&h)))
                .collect();
            let host = ctx.model.host(h);
            let path = if hosts.len() == 1 {
                "haproxy/haproxy.cfg".to_string()
            } else {
                format!("haproxy/{}/haproxy.cfg", host.name)
            };
            let Some(text) = render(ctx, h, &clusters) else {
                continue;
            };
            let mut a = Artifact::new(path, text);
            for pg in &clusters {
                if let Some(hx) = &pg.haproxy {
                    a = a.source(format!("postgres-cluster {}", pg.name), ctx.line(hx.span));
                }
            }
            out.push(a.source(format!("host {}", host.name), ctx.line(host.span)));
        }
    }
}

/// HAProxy time value: whole seconds as `Ns`, anything else in ms.
fn time(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Per-server connection cap: the cluster's max_connections less a reserve,
/// so excess clients queue in HAProxy instead of being refused by PostgreSQL.
fn server_maxconn(pg: &PostgresCluster) -> u32 {
    let max = pg
        .parameters
        .iter()
        .find(|(k, _)| k == "max_connections")
        .and_then(|(_, v)| v.parse::<u32>().ok())
        .unwrap_or(PG_DEFAULT_MAX_CONNECTIONS);
    max.saturating_sub(RESERVED_CONNECTIONS).max(1)
}

fn render(ctx: &EmitContext, h: HostId, clusters: &[&PostgresCluster]) -> Option<String> {
    let model = ctx.model;
    let addr = model.host(h).address?;
    let mut t = Text::new(ctx.header("#"));
    t.line(0, "global");
    t.line(4, "log /dev/log local0");
    t.line(4, "chroot /var/lib/haproxy");
    t.line(4, "user haproxy");
    t.line(4, "group haproxy");
    t.line(4, "maxconn 4096");
    t.line(
        4,
        "stats socket /run/haproxy/admin.sock mode 660 level admin",
    );
    if clusters
        .iter()
        .any(|pg| model.tls_pki(pg.tls.as_ref()).is_some())
    {
        // `crt DIR/HOST.crt` then loads the key from `DIR/HOST.key` (not
        // `HOST.crt.key`): the pki's layout, no combined PEM to make.
        t.line(4, "ssl-load-extra-del-ext");
    }
    t.blank();
    t.line(0, "defaults");
    t.line(4, "mode tcp");
    t.line(4, "log global");
    t.line(4, "option dontlognull");
    t.line(4, "option clitcpka");
    t.line(4, "option srvtcpka");
    t.line(4, "retries 2");
    t.line(4, format!("timeout connect {CONNECT_TIMEOUT}"));
    t.line(4, format!("timeout client {SESSION_TIMEOUT}"));
    t.line(4, format!("timeout server {SESSION_TIMEOUT}"));
    t.line(4, "timeout queue 30s");

    for pg in clusters {
        let Some(hx) = &pg.haproxy else { continue };
        let p = &pg.patroni;
        t.blank();
        t.line(
            0,
            format!(
                "# PostgreSQL cluster {}: writes go to the Patroni leader only. Patroni answers",
                pg.name
            ),
        );
        t.line(
            0,
            "# OPTIONS /primary with 200 on the leader and 503 elsewhere, so the replicas stay DOWN.",
        );
        t.line(
            0,
            format!(
                "# Failover ≈ ttl {}s (leader key expires) + loop_wait {}s + rise {} × inter {} (new leader UP) = {}s.",
                p.ttl,
                p.loop_wait,
                hx.rise,
                time(hx.check_interval_ms),
                failover_bound_ms(pg).div_ceil(1000)
            ),
        );
        t.line(0, format!("listen {}", pg.name));
        t.line(4, format!("bind {}", host_port(addr, hx.port)));
        // Connect to the members (and check them) from this host's address:
        // pg_hba admits applications only from `<haproxy>/32`, so the source
        // must not be left to the kernel, which picks another address on a
        // host that has several (a VIP, a second interface, loopback aliases
        // in tests/live_patroni.rs, where this was found).
        t.line(4, format!("source {addr}"));
        t.line(4, "option tcplog");
        t.line(4, "option httpchk");
        t.line(4, "http-check send meth OPTIONS uri /primary");
        t.line(4, "http-check expect status 200");
        // A check answer later than one interval is as good as a failure.
        t.line(4, format!("timeout check {}", time(hx.check_interval_ms)));
        // Cut sessions to a demoted leader at once: clients reconnect to the new one.
        t.line(
            4,
            format!(
                "default-server inter {} fall {} rise {} on-marked-down shutdown-sessions",
                time(hx.check_interval_ms),
                hx.fall,
                hx.rise
            ),
        );
        let maxconn = server_maxconn(pg);
        let pki = model.tls_pki(pg.tls.as_ref());
        if pki.is_some() {
            t.line(
                4,
                "# Checks over https: the member's certificate must be from the CA and name the member;",
            );
            t.line(
                4,
                "# HAProxy presents its own (Patroni's REST API requires a client certificate).",
            );
        }
        for &m in &pg.members.hosts {
            let mh = model.host(m);
            let Some(ma) = mh.address else { continue };
            let tls = pki.map_or(String::new(), |k| {
                format!(
                    " check-ssl verify required ca-file {} crt {} verifyhost {}",
                    k.ca_file.value,
                    k.cert(&model.host(h).name),
                    mh.name
                )
            });
            t.line(
                4,
                format!(
                    "server {} {} maxconn {maxconn} check port {}{tls}",
                    mh.name,
                    host_port(ma, ports::POSTGRES),
                    ports::PATRONI_REST
                ),
            );
        }
    }

    // One stats page per distinct port; Prometheus scrapes /metrics there.
    let stats_ports: BTreeSet<u16> = clusters
        .iter()
        .filter_map(|pg| pg.haproxy.as_ref().map(|h| h.stats_port))
        .collect();
    for port in stats_ports {
        t.blank();
        t.line(
            0,
            "# Stats page, and Prometheus metrics on /metrics (built-in exporter).",
        );
        let name = if clusters.len() > 1 {
            format!("stats-{port}")
        } else {
            "stats".to_string()
        };
        t.line(0, format!("listen {name}"));
        t.line(4, "mode http");
        t.line(4, format!("bind {}", host_port(addr, port)));
        t.line(4, "option httplog");
        t.line(4, "timeout client 30s");
        t.line(4, "timeout http-request 10s");
        t.line(
            4,
            "http-request use-service prometheus-exporter if { path /metrics }",
        );
        t.line(4, "stats enable");
        t.line(4, "stats uri /");
        t.line(4, "stats refresh 10s");
    }
    Some(t.finish())
}

/// Worst-case time from the leader's death until HAProxy routes writes to
/// the new leader: the leader key expires (ttl), a replica notices on its
/// next HA loop (loop_wait), and HAProxy needs `rise` passed checks.
pub fn failover_bound_ms(pg: &PostgresCluster) -> u64 {
    let p = &pg.patroni;
    let patroni = (p.ttl as u64 + p.loop_wait as u64) * 1000;
    let haproxy = pg
        .haproxy
        .as_ref()
        .map(|h| h.rise as u64 * h.check_interval_ms)
        .unwrap_or(0);
    patroni + haproxy
}
