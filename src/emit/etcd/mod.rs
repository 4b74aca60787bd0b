//! `etcd/<member>/etcd.conf.yml`: the etcd (3.4/3.5) configuration file of
//! every member of a Patroni DCS (`etcd --config-file FILE`). Clusters whose
//! `etcd` lists the same hosts share one etcd.

use super::text::Text;
use super::yaml::scalar;
use super::{Artifact, EmitContext, Emitter};
use crate::model::{HostId, PostgresCluster, ports};
use std::collections::BTreeSet;

pub struct Etcd;

impl Emitter for Etcd {
    fn name(&self) -> &'static str {
        "etcd"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let mut written: BTreeSet<HostId> = BTreeSet::new();
        for (pg, users) in etcd_clusters(&ctx.model.postgres) {
            for &member in &pg.etcd.hosts {
                // A host in two different etcd member lists would need two
                // etcds on one machine: keep the first, lint owns the rest.
                if !written.insert(member) {
                    continue;
                }
                let host = ctx.model.host(member);
                let Some(text) = render(ctx, pg, &users, member) else {
                    continue;
                };
                let mut a = Artifact::new(format!("etcd/{}/etcd.conf.yml", host.name), text);
                for u in &users {
                    a = a.source(
                        format!("postgres-cluster {}", u.name),
                        ctx.line(u.etcd.span),
                    );
                }
                out.push(a.source(format!("host {}", host.name), ctx.line(host.span)));
            }
        }
    }
}

/// Each distinct etcd member list, with the clusters that use it (first
/// cluster first: it names the etcd cluster).
fn etcd_clusters(pgs: &[PostgresCluster]) -> Vec<(&PostgresCluster, Vec<&PostgresCluster>)> {
    let mut out: Vec<(&PostgresCluster, Vec<&PostgresCluster>)> = Vec::new();
    for pg in pgs.iter().filter(|p| !p.etcd.hosts.is_empty()) {
        match out
            .iter_mut()
            .find(|(first, _)| first.etcd.hosts == pg.etcd.hosts)
        {
            Some((_, users)) => users.push(pg),
            None => out.push((pg, vec![pg])),
        }
    }
    out
}

/// `http://addr:port`, or `https://` with TLS (brackets for IPv6 come from
/// `host_port`).
fn url(ip: std::net::IpAddr, port: u16, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}", super::text::host_port(ip, port))
}

fn render(
    ctx: &EmitContext,
    first: &PostgresCluster,
    users: &[&PostgresCluster],
    member: HostId,
) -> Option<String> {
    let model = ctx.model;
    let host = model.host(member);
    let addr = host.address?;
    let n = first.etcd.hosts.len();
    let pki = model.tls_pki(first.tls.as_ref());
    let tls = pki.is_some();
    let url = |ip, port| url(ip, port, tls);
    let initial: Vec<String> = first
        .etcd
        .hosts
        .iter()
        .filter_map(|&m| {
            let h = model.host(m);
            Some(format!("{}={}", h.name, url(h.address?, ports::ETCD_PEER)))
        })
        .collect();
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();

    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# etcd member {} of the DCS of postgres-cluster {} ({n} members: {} must be up for a majority, so it tolerates {} failure{}).",
            host.name,
            names.join(", "),
            n / 2 + 1,
            (n.max(1) - 1) / 2,
            if (n.max(1) - 1) / 2 == 1 { "" } else { "s" }
        ),
    );
    t.line(0, "# Start with `etcd --config-file THIS_FILE`: etcd then ignores flags and ETCD_* variables.");
    t.line(0, format!("name: {}", scalar(&host.name)));
    t.line(0, format!("data-dir: /var/lib/etcd/{}.etcd", host.name));
    // Only the member's own address: plain HTTP must not leave the subnet's
    // security groups, and members sharing a machine (tests) do not collide.
    t.line(
        0,
        format!("listen-peer-urls: {}", url(addr, ports::ETCD_PEER)),
    );
    t.line(
        0,
        format!(
            "initial-advertise-peer-urls: {}",
            url(addr, ports::ETCD_PEER)
        ),
    );
    t.line(
        0,
        format!("listen-client-urls: {}", url(addr, ports::ETCD_CLIENT)),
    );
    t.line(
        0,
        format!("advertise-client-urls: {}", url(addr, ports::ETCD_CLIENT)),
    );
    t.line(
        0,
        format!("initial-cluster: {}", scalar(&initial.join(","))),
    );
    t.line(
        0,
        format!(
            "initial-cluster-token: {}",
            scalar(&format!("{}-{}-etcd", model.project.name, first.name))
        ),
    );
    t.line(
        0,
        "# `new` only matters on first start; a member that already has data ignores it.",
    );
    t.line(0, "initial-cluster-state: new");
    // Patroni's `etcd3` DCS speaks JSON to the gRPC gateway (`/v3/...`).
    // etcd 3.4 turns the gateway off when it reads a config file that does
    // not name it (etcd-io/etcd#12093): Patroni then only logs "404 page not
    // found" and waits on etcd forever (found by tests/live_patroni.rs).
    t.line(
        0,
        "# Patroni's etcd3 client uses the gRPC gateway (/v3); etcd 3.4 leaves it off in config files unless set.",
    );
    t.line(0, "enable-grpc-gateway: true");
    if let Some(pki) = pki {
        // Only holders of a certificate from the CA may read or write the
        // DCS (clients) or join the cluster (peers).
        for (key, who) in [
            ("client-transport-security", "clients (Patroni, patronictl)"),
            ("peer-transport-security", "peers"),
        ] {
            t.line(
                0,
                format!("# TLS for {who}: a certificate from the CA is required."),
            );
            t.line(0, format!("{key}:"));
            t.line(2, format!("cert-file: {}", scalar(&pki.cert(&host.name))));
            t.line(2, format!("key-file: {}", scalar(&pki.key(&host.name))));
            t.line(2, "client-cert-auth: true");
            t.line(
                2,
                format!("trusted-ca-file: {}", scalar(&pki.ca_file.value)),
            );
        }
    }
    Some(t.finish())
}
