//! `patroni/<member>/patroni.yml`: one Patroni configuration per PostgreSQL
//! member, with etcd (v3 API) as the DCS. Checked by `patroni --validate-config`
//! (tests/oracle_patroni.rs).

mod hba;

use super::text::{Text, host_port};
use super::yaml::{param_value, scalar};
use super::{Artifact, EmitContext, Emitter};
use crate::model::{PostgresCluster, ports};

pub struct Patroni;

impl Emitter for Patroni {
    fn name(&self) -> &'static str {
        "patroni"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        for pg in &ctx.model.postgres {
            for &member in &pg.members.hosts {
                let host = ctx.model.host(member);
                let Some(text) = render(ctx, pg, member) else {
                    continue;
                };
                out.push(
                    Artifact::new(format!("patroni/{}/patroni.yml", host.name), text)
                        .secret()
                        .source(format!("postgres-cluster {}", pg.name), ctx.line(pg.span))
                        .source(format!("host {}", host.name), ctx.line(host.span)),
                );
            }
        }
    }
}

/// Debian's layout (postgresql-common): the data directory of cluster `main`
/// and the versioned binaries.
pub fn data_dir(version: u32) -> String {
    format!("/var/lib/postgresql/{version}/main")
}

pub fn bin_dir(version: u32) -> String {
    format!("/usr/lib/postgresql/{version}/bin")
}

fn render(ctx: &EmitContext, pg: &PostgresCluster, member: crate::model::HostId) -> Option<String> {
    let model = ctx.model;
    let host = model.host(member);
    let addr = host.address?;
    let version = pg.version.value;
    let p = &pg.patroni;
    let superuser = pg.superuser_or_default();
    let replication = pg.replication_user_or_default();

    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# Patroni member {} of PostgreSQL {version} cluster \"{}\" ({} members, DCS: etcd).",
            host.name,
            pg.name,
            pg.members.hosts.len()
        ),
    );
    t.line(
        0,
        "# Holds passwords once filled: ${VAR} placeholders are replaced at deploy time (or by --secrets-from-env); keep it mode 0600.",
    );
    t.line(
        0,
        format!("# Debian's postgresql package creates its own `main` cluster in data_dir: drop it (pg_dropcluster --stop {version} main) before Patroni first starts."),
    );
    t.line(0, format!("scope: {}", scalar(&pg.name)));
    // One namespace per project, so estates sharing an etcd never collide.
    t.line(
        0,
        format!(
            "namespace: {}",
            scalar(&format!("/{}/", model.project.name))
        ),
    );
    t.line(0, format!("name: {}", scalar(&host.name)));
    t.blank();

    // The member's own address, not 0.0.0.0: HAProxy and the other members
    // reach it there, and members sharing a machine (tests) do not collide.
    t.line(0, "restapi:");
    t.line(
        2,
        format!("listen: {}", host_port(addr, ports::PATRONI_REST)),
    );
    t.line(
        2,
        format!("connect_address: {}", host_port(addr, ports::PATRONI_REST)),
    );
    let pki = model.tls_pki(pg.tls.as_ref());
    let cert = pki.map(|k| {
        (
            k.cert(&host.name),
            k.key(&host.name),
            k.ca_file.value.clone(),
        )
    });
    if let Some((crt, key, ca)) = &cert {
        t.line(2, format!("certfile: {}", scalar(crt)));
        t.line(2, format!("keyfile: {}", scalar(key)));
        t.line(2, format!("cafile: {}", scalar(ca)));
        // Every REST client presents a certificate from the CA: HAProxy's
        // checks (`crt` on its server lines), Prometheus (`tls_config`),
        // the other members and patronictl (`ctl` below). Anyone else is
        // refused at the TLS handshake, on top of the basic auth below.
        t.line(2, "verify_client: required");
    }
    if let Some(auth) = &p.rest_auth {
        t.line(
            2,
            "# Basic auth on the unsafe endpoints (POST /switchover, /restart, /reinitialize, …).",
        );
        t.line(2, "authentication:");
        t.line(4, format!("username: {}", scalar(&auth.user)));
        t.line(
            4,
            format!("password: {}", scalar(&ctx.secret(&auth.password_env))),
        );
    }
    t.blank();
    if let Some((crt, key, ca)) = &cert {
        t.line(
            0,
            "# patronictl on this host: the REST API over https with this host's certificate.",
        );
        t.line(0, "ctl:");
        t.line(2, format!("certfile: {}", scalar(crt)));
        t.line(2, format!("keyfile: {}", scalar(key)));
        t.line(2, format!("cacert: {}", scalar(ca)));
        t.blank();
    }

    t.line(0, "etcd3:");
    if let Some(e) = model.etcd_pki(pg) {
        t.line(2, "protocol: https");
        t.line(2, format!("cacert: {}", scalar(&e.ca_file.value)));
        t.line(2, format!("cert: {}", scalar(&e.cert(&host.name))));
        t.line(2, format!("key: {}", scalar(&e.key(&host.name))));
    }
    t.line(2, "hosts:");
    for &e in &pg.etcd.hosts {
        if let Some(a) = model.host(e).address {
            t.line(4, format!("- {}", host_port(a, ports::ETCD_CLIENT)));
        }
    }
    t.blank();

    let hba = hba::groups(model, pg);
    t.line(0, "bootstrap:");
    t.line(
        2,
        "# Written to etcd once, when the cluster is initialised; change it later with `patronictl edit-config`.",
    );
    t.line(
        2,
        format!(
            "# Failover: the leader key expires after ttl ({}s); loop_wait + 2 × retry_timeout ({}s) must stay within it.",
            p.ttl,
            p.loop_wait + 2 * p.retry_timeout
        ),
    );
    t.line(2, "dcs:");
    t.line(4, format!("ttl: {}", p.ttl));
    t.line(4, format!("loop_wait: {}", p.loop_wait));
    t.line(4, format!("retry_timeout: {}", p.retry_timeout));
    t.line(
        4,
        format!("maximum_lag_on_failover: {}", p.maximum_lag_on_failover),
    );
    t.line(4, format!("synchronous_mode: {}", p.synchronous_mode));
    t.line(4, "postgresql:");
    t.line(6, format!("use_pg_rewind: {}", p.use_pg_rewind));
    t.line(6, format!("use_slots: {}", p.use_slots));
    let params = parameters(pg);
    if !params.is_empty() {
        t.line(6, "parameters:");
        for (k, v) in &params {
            t.line(8, format!("{}: {}", scalar(k), v));
        }
    }
    // Checksums let pg_rewind and replicas detect torn pages.
    t.line(2, "initdb:");
    t.line(4, "- encoding: UTF8");
    t.line(4, "- data-checksums");
    t.line(2, "pg_hba:");
    write_hba(&mut t, 4, &hba);
    t.blank();

    t.line(0, "postgresql:");
    t.line(2, format!("listen: {}", host_port(addr, ports::POSTGRES)));
    t.line(
        2,
        format!("connect_address: {}", host_port(addr, ports::POSTGRES)),
    );
    t.line(2, format!("data_dir: {}", data_dir(version)));
    t.line(2, format!("bin_dir: {}", bin_dir(version)));
    t.line(2, "authentication:");
    let user = |t: &mut Text, role: &str, name: &str, env: &str| {
        t.line(4, format!("{role}:"));
        t.line(6, format!("username: {}", scalar(name)));
        t.line(6, format!("password: {}", scalar(&ctx.secret(env))));
        if let Some((_, _, ca)) = &cert {
            // The leader's certificate must name the address dialled.
            t.line(6, "sslmode: verify-full");
            t.line(6, format!("sslrootcert: {}", scalar(ca)));
        }
    };
    user(
        &mut t,
        "superuser",
        &superuser.name,
        &superuser.password_env,
    );
    user(
        &mut t,
        "replication",
        &replication.name,
        &replication.password_env,
    );
    t.line(
        4,
        "# pg_rewind connects as the superuser: no extra role or secret to manage.",
    );
    user(&mut t, "rewind", &superuser.name, &superuser.password_env);
    t.line(2, "pg_hba:");
    write_hba(&mut t, 4, &hba);
    if let Some((crt, key, ca)) = &cert {
        // This host's own files: local parameters, not the DCS's shared ones.
        t.line(2, "parameters:");
        t.line(4, "ssl: 'on'");
        t.line(4, format!("ssl_cert_file: {}", scalar(crt)));
        t.line(4, format!("ssl_key_file: {}", scalar(key)));
        t.line(4, format!("ssl_ca_file: {}", scalar(ca)));
    }
    t.blank();

    t.line(0, "tags:");
    t.line(2, "nofailover: false");
    t.line(2, "noloadbalance: false");
    t.line(2, "clonefrom: false");
    t.line(2, "nosync: false");
    Some(t.finish())
}

/// The spec's `parameter`s, plus scram-sha-256 hashing on versions whose
/// default is still md5 (pg_hba asks for scram-sha-256).
fn parameters(pg: &PostgresCluster) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = pg
        .parameters
        .iter()
        .map(|(k, v)| (k.clone(), param_value(v)))
        .collect();
    if pg.version.value < 14 && !params.iter().any(|(k, _)| k == "password_encryption") {
        params.push(("password_encryption".into(), "scram-sha-256".into()));
    }
    params
}

fn write_hba(t: &mut Text, indent: usize, groups: &[hba::Group]) {
    for g in groups {
        t.line(indent, format!("# {}", g.comment));
        for l in &g.lines {
            t.line(indent, format!("- {}", scalar(l)));
        }
    }
}
