//! Live proof with TLS (issue 13): `examples/local-ha-tls.kdl` built by
//! infragen runs as a real HA cluster — 3 etcd, 3 Patroni/PostgreSQL 15,
//! HAProxy — with TLS and authentication everywhere. A throwaway CA issues
//! each host's certificate from infragen's `pki/HOST.cnf` (the commands of
//! `pki/README.md`); the cluster survives `kill -9` of the leader within
//! the failover bound infragen reports; and the locks hold: an etcd client
//! without a certificate is refused, Patroni's REST API refuses a client
//! without a certificate (`verify_client: required`: HAProxy's checks
//! present HAProxy's), `POST /switchover` without the REST credentials gets
//! 401, a plaintext connection to a member is refused by
//! pg_hba. Gated by `INFRAGEN_LIVE=1` (tests/scripts/test.sh sets it); see
//! docs/live-tests.md.
//!
//! Everything runs in private network namespaces: one whose `lo` carries
//! the addresses of the HAProxy and PostgreSQL hosts (127.0.0.40–43), and
//! one per etcd host (127.0.0.51–53) joined to it by a veth pair, since etcd
//! checks that a peer dials from an address its certificate names. The daemons run from the generated files
//! with the adaptations of tests/support/live_ha.rs (data directories, unix
//! socket directory, pgpass, HAProxy's admin socket) plus one: the pki's
//! paths point at the test's CA directory (`pki::relocate`). Each is a pure
//! function, unit-tested here without the flag.

#[path = "support/build.rs"]
mod build;
#[path = "support/live.rs"]
mod live;
#[path = "support/live_ha.rs"]
mod live_ha;
#[path = "support/pki.rs"]
mod pki;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::Secrets;
use live::{Deadline, Live};
use live_ha::{adapt_etcd, adapt_haproxy, adapt_patroni, artifact, artifacts_under};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SPEC: &str = "local-ha-tls";
const CLUSTER: &str = "local";
/// The whole test, bootstrap to rejoin, must finish within this.
const DEADLINE: Duration = Duration::from_secs(180);
/// Allowed excess of the measured failover over infragen's bound: promotion
/// itself (pg_ctl promote, a checkpoint) and this test's polling period.
const MARGIN: Duration = Duration::from_secs(3);
const SUPERUSER_VAR: &str = "LOCAL_SUPERUSER_PASSWORD";
const REPLICATION_VAR: &str = "LOCAL_REPLICATION_PASSWORD";
const REST_VAR: &str = "LOCAL_REST_PASSWORD";

#[test]
fn adaptations_touch_only_the_documented_keys() {
    live_ha::check_adaptations(&build::render_example(SPEC));
}

/// `pki::relocate` changes only the pki's paths, in every file that names
/// them, and each changed line names the test directory instead.
#[test]
fn relocation_touches_only_the_pki_paths() {
    let (source, lock) = build::example_source(SPEC);
    let pkis = pki::paths_of(&source, &lock);
    assert_eq!(
        pkis,
        [(
            "/etc/infragen/pki/ca.crt".to_string(),
            "/etc/infragen/pki".to_string()
        )]
    );
    let arts = build::render_example(SPEC);
    let dir = Path::new("/tmp/t/pki");
    let mut changed = 0;
    for a in &arts {
        let moved = pki::relocate(&a.contents, &pkis, dir);
        assert_eq!(moved.lines().count(), a.contents.lines().count());
        for (g, m) in a.contents.lines().zip(moved.lines()) {
            if g != m {
                assert!(g.contains("/etc/infragen/pki/"), "{}: {g}", a.path);
                assert!(!m.contains("/etc/infragen/pki"), "{}: {m}", a.path);
                assert_eq!(m.replace("/tmp/t/pki/", "/etc/infragen/pki/"), g);
                changed += 1;
            }
        }
    }
    assert!(changed > 0);
}

// ---------------------------------------------------------------------------
// The live test.

struct Cluster {
    live: Live,
    ns: String,
    deadline: Deadline,
    superuser_password: String,
    rest_password: String,
    /// The test CA's directory: ca.crt, HOST.crt/key, test-client.crt/key.
    pki: PathBuf,
    haproxy: String,
    /// member name → (address, adapted config path, member dir)
    members: BTreeMap<String, (String, PathBuf, PathBuf)>,
}

impl Cluster {
    fn ca(&self) -> String {
        self.pki.join("ca.crt").to_string_lossy().into_owned()
    }

    /// The status of `METHOD https://addr:8008path`, the server's
    /// certificate checked against the CA; `extra` adds curl arguments.
    fn rest(&self, method: &str, addr: &str, path: &str, extra: &[&str]) -> u16 {
        let url = format!("https://{addr}:8008{path}");
        let ca = self.ca();
        let mut args = vec![
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "2",
            "--cacert",
            &ca,
            "-X",
            method,
        ];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = self.live.run_in(&self.ns, None, 5, &args, &[]);
        live::stdout(&out).parse().unwrap_or(0)
    }

    /// `GET` with the test client certificate (`verify_client: required`:
    /// Patroni refuses any client without one).
    fn http_status(&self, addr: &str, path: &str) -> u16 {
        let crt = self.pki.join("test-client.crt");
        let key = self.pki.join("test-client.key");
        let (crt, key) = (crt.to_string_lossy(), key.to_string_lossy());
        self.rest("GET", addr, path, &["--cert", &crt, "--key", &key])
    }

    /// psql to `host:port` as the superuser with the given sslmode.
    fn sql_at(&self, host: &str, port: &str, sslmode: &str, sql: &str) -> Result<String, String> {
        let ca = self.ca();
        let out = self.live.run_in(
            &self.ns,
            None,
            8,
            &[
                "psql",
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                host,
                "-p",
                port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ],
            &[
                ("PGPASSWORD", &self.superuser_password),
                ("PGCONNECT_TIMEOUT", "2"),
                ("PGSSLMODE", sslmode),
                ("PGSSLROOTCERT", &ca),
            ],
        );
        if out.status.success() {
            Ok(live::stdout(&out))
        } else {
            Err(format!("{} {}", live::stdout(&out), live::stderr(&out)))
        }
    }

    /// The member whose Patroni answers `/primary` with 200.
    fn primary(&self) -> Option<String> {
        self.members
            .iter()
            .find(|(_, (addr, _, _))| self.http_status(addr, "/primary") == 200)
            .map(|(m, _)| m.clone())
    }

    /// psql through HAProxy (`host:port` of the cluster listener), as the
    /// superuser, over TLS: `verify-ca`, since the leader's certificate names
    /// the leader, not HAProxy (pki/README.md).
    fn sql_via_haproxy(&self, sql: &str) -> Result<String, String> {
        let (host, port) = self.haproxy.split_once(':').expect("host:port");
        self.sql_at(host, port, "verify-ca", sql)
    }

    fn sql_local(&self, member: &str, sql: &str) -> Result<String, String> {
        live_ha::sql_local(&self.live, &self.ns, &self.members[member].2, sql)
    }

    fn start_patroni(&mut self, member: &str) {
        let (_, cfg, dir) = self.members[member].clone();
        live_ha::start_patroni(&mut self.live, &self.ns, member, &cfg, &dir);
    }

    /// SIGKILLs the member's Patroni (its process group) and its postmaster's
    /// process group (Patroni starts the postmaster in a session of its own).
    fn kill_member(&mut self, member: &str) -> Instant {
        let dir = self.members[member].2.clone();
        live_ha::kill_member(&mut self.live, member, &dir)
    }
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn patroni_failover_with_tls_from_generated_configs() {
    if !live::enabled("live_patroni_tls") {
        return;
    }
    for t in [
        "etcd", "patroni", "haproxy", "psql", "curl", "setpriv", "ip", "openssl",
    ] {
        if tools::require(t).is_none() {
            return;
        }
    }
    if tools::tool("/usr/lib/postgresql/15/bin/postgres").is_none() {
        tools::missing("PostgreSQL 15 (/usr/lib/postgresql/15/bin)");
        return;
    }
    let deadline = Deadline::new(DEADLINE);

    // --- infragen: the bound it reports, and the files, secrets filled.
    let (source, lock) = build::example_source(SPEC);
    let checked = infragen::pipeline::check(&source, &lock);
    let model = checked.model.as_ref().expect("model");
    let pg = model
        .postgres
        .iter()
        .find(|c| c.name == CLUSTER)
        .expect("cluster local");
    let bound = infragen::model::ha::failover_bound(pg);
    let explain = tools::run_ok(
        std::process::Command::new(env!("CARGO_BIN_EXE_infragen")).args([
            "explain",
            "cluster",
            CLUSTER,
            "--spec",
            &build::examples_dir()
                .join(format!("{SPEC}.kdl"))
                .to_string_lossy(),
        ]),
    );
    let explain = String::from_utf8_lossy(&explain.stdout).into_owned();
    assert!(
        explain.contains(&format!("worst-case failover: {}s", bound.total_ms / 1000)),
        "`infragen explain cluster {CLUSTER}` disagrees with failover_bound ({} ms):\n{explain}",
        bound.total_ms
    );

    let nonce = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let superuser_password = format!("su-{nonce}");
    let rest_password = format!("rest-{nonce}");
    let secrets = Secrets::Values(BTreeMap::from([
        (SUPERUSER_VAR.to_string(), superuser_password.clone()),
        (REPLICATION_VAR.to_string(), format!("repl-{nonce}")),
        (REST_VAR.to_string(), rest_password.clone()),
    ]));
    let arts = build::render_example_with(SPEC, &secrets);

    let mut live = Live::new("pgtls");
    // The generated files, as infragen wrote them (kept for the failure report).
    let gen_dir = live.path("generated");
    for a in &arts {
        let p = gen_dir.join(&a.path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, &a.contents).expect("write");
    }

    // --- a throwaway CA issues every host's certificate from pki/HOST.cnf.
    let t_pki = Instant::now();
    let pki_dir = live.path("pki");
    let issued = pki::issue(&arts, &pki_dir);
    assert_eq!(
        issued.len(),
        7,
        "a request for each etcd and Patroni host and HAProxy: {issued:?}"
    );
    // PostgreSQL wants its key owned by its user and 0600; etcd and HAProxy run as root.
    for e in std::fs::read_dir(&pki_dir).expect("pki dir").flatten() {
        if e.path().extension().is_some_and(|x| x == "key") {
            live::set_mode(&e.path(), 0o600);
        }
    }
    live::chown_r(&pki_dir, "postgres");
    eprintln!(
        "pki: CA and {} certificates issued from pki/*.cnf in {:.1}s",
        issued.len(),
        t_pki.elapsed().as_secs_f64()
    );
    let pkis = pki::paths_of(&source, &lock);
    let relocate = |t: &str| pki::relocate(t, &pkis, &pki_dir);
    let ca = pki_dir.join("ca.crt").to_string_lossy().into_owned();
    let client_crt = pki_dir
        .join("test-client.crt")
        .to_string_lossy()
        .into_owned();
    let client_key = pki_dir
        .join("test-client.key")
        .to_string_lossy()
        .into_owned();

    // --- one namespace; lo carries every host's address (/32: a connection
    // to a host then leaves from that host's address, not 127.0.0.1).
    // etcd checks that a peer dials from an address its certificate names,
    // so each etcd host gets a namespace of its own, joined to the main one
    // (Patroni, PostgreSQL, HAProxy) by a veth pair: its connections then
    // leave from its own address. 127.0.0.0/8 off `lo` needs route_localnet,
    // and the main namespace answers ARP for the etcd hosts (proxy_arp) so
    // they reach each other through it. Nothing leaves these namespaces.
    let ns = live.netns("ha");
    let etcd_hosts: Vec<String> = artifacts_under(&arts, "etcd/")
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let sh = |live: &Live, ns: &str, cmd: &str| {
        let out = live.run_in(ns, None, 10, &["sh", "-c", cmd], &[]);
        assert!(out.status.success(), "{ns}: {cmd}: {}", live::stderr(&out));
    };
    const PREP: &str = "sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.default.route_localnet=1 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_forward=1 \
        && ip addr del 127.0.0.1/8 dev lo && ip addr add 127.0.0.1/32 dev lo";
    sh(&live, &ns, PREP);
    let mut etcd_ns: BTreeMap<String, String> = BTreeMap::new();
    for (i, h) in model.hosts.iter().enumerate() {
        let Some(a) = h.address else { continue };
        if !etcd_hosts.contains(&h.name) {
            // Global scope: a source address for connections to the etcd hosts.
            live.ip(
                &ns,
                &[
                    "addr",
                    "add",
                    &format!("{a}/32"),
                    "dev",
                    "lo",
                    "scope",
                    "global",
                ],
            );
            continue;
        }
        let ens = live.netns(&h.name);
        sh(&live, &ens, PREP);
        let v = format!("v{i}");
        live.ip(
            &ns,
            &[
                "link", "add", &v, "type", "veth", "peer", "name", "eth0", "netns", &ens,
            ],
        );
        live.ip(&ns, &["link", "set", &v, "up"]);
        sh(
            &live,
            &ns,
            &format!(
                "sysctl -qw net.ipv4.conf.{v}.route_localnet=1 net.ipv4.conf.{v}.rp_filter=0 net.ipv4.conf.{v}.proxy_arp=1"
            ),
        );
        live.ip(&ns, &["route", "add", &format!("{a}/32"), "dev", &v]);
        live.ip(&ens, &["addr", "add", &format!("{a}/32"), "dev", "eth0"]);
        live.ip(&ens, &["link", "set", "eth0", "up"]);
        sh(
            &live,
            &ens,
            "sysctl -qw net.ipv4.conf.eth0.route_localnet=1 net.ipv4.conf.eth0.rp_filter=0",
        );
        live.ip(&ens, &["route", "add", "default", "dev", "eth0"]);
        etcd_ns.insert(h.name.clone(), ens);
    }

    // --- etcd ×3
    let mut etcd_addrs = Vec::new();
    for (member, text) in artifacts_under(&arts, "etcd/") {
        let data = live.path(&format!("etcd/{member}"));
        std::fs::create_dir_all(&data).expect("mkdir etcd data");
        live::set_mode(&data, 0o700);
        let cfg = live.path(&format!("etcd/{member}.conf.yml"));
        std::fs::write(&cfg, adapt_etcd(&relocate(text), &data)).expect("write etcd config");
        let doc: Value = serde_yaml::from_str(text).expect("yaml");
        etcd_addrs.push(
            doc["advertise-client-urls"]
                .as_str()
                .expect("advertise-client-urls")
                .to_string(),
        );
        live.spawn(
            &member,
            &etcd_ns[&member],
            None,
            &[Path::new("etcd"), Path::new("--config-file"), cfg.as_path()],
            &[],
        );
    }
    let (_, t_etcd) = deadline.wait_for("etcd members healthy", Duration::from_millis(300), || {
        etcd_addrs
            .iter()
            .all(|u| {
                let out = live.run_in(
                    &ns,
                    None,
                    5,
                    &[
                        "curl",
                        "-s",
                        "--max-time",
                        "2",
                        "--cacert",
                        &ca,
                        "--cert",
                        &client_crt,
                        "--key",
                        &client_key,
                        &format!("{u}/health"),
                    ],
                    &[],
                );
                live::stdout(&out).contains("\"health\":\"true\"")
            })
            .then_some(())
    });
    eprintln!("etcd: 3 members healthy after {:.1}s", t_etcd.as_secs_f64());

    // --- Patroni ×3 as postgres
    let mut members = BTreeMap::new();
    for (member, text) in artifacts_under(&arts, "patroni/") {
        let dir = live.path(&format!("pg/{member}"));
        std::fs::create_dir_all(&dir).expect("mkdir member dir");
        let cfg = live.path(&format!("pg/{member}.patroni.yml"));
        std::fs::write(&cfg, adapt_patroni(&relocate(text), &dir)).expect("write patroni.yml");
        live::set_mode(&cfg, 0o600);
        live::set_mode(&dir, 0o700);
        live::chown_r(&dir, "postgres");
        live::chown_r(&cfg, "postgres");
        let doc: Value = serde_yaml::from_str(text).expect("yaml");
        let addr = doc["postgresql"]["connect_address"]
            .as_str()
            .and_then(|a| a.split(':').next())
            .expect("connect_address")
            .to_string();
        members.insert(member, (addr, cfg, dir));
    }

    // --- HAProxy
    let hcfg_text = artifact(&arts, "haproxy/haproxy.cfg");
    let haproxy = hcfg_text
        .lines()
        .skip_while(|l| !l.starts_with(&format!("listen {CLUSTER}")))
        .find_map(|l| l.trim().strip_prefix("bind ").map(str::to_string))
        .expect("listen section with bind");
    let hcfg = live.path("haproxy.cfg");
    std::fs::write(
        &hcfg,
        adapt_haproxy(&relocate(hcfg_text), &live.path("haproxy-admin.sock")),
    )
    .expect("write haproxy.cfg");

    let mut c = Cluster {
        live,
        ns,
        deadline,
        superuser_password,
        rest_password,
        pki: pki_dir.clone(),
        haproxy,
        members,
    };
    let names: Vec<String> = c.members.keys().cloned().collect();
    let t_boot = Instant::now();
    for m in &names {
        c.start_patroni(m);
    }
    c.live.spawn(
        "haproxy",
        &c.ns.clone(),
        None,
        &[
            Path::new("haproxy"),
            Path::new("-db"),
            Path::new("-f"),
            &hcfg,
        ],
        &[],
    );

    // --- a leader, then both replicas streaming
    let (leader, t_leader) = c.deadline.wait_for(
        "a Patroni leader (/primary 200)",
        Duration::from_millis(500),
        || c.primary(),
    );
    eprintln!("leader: {leader} after {:.1}s", t_leader.as_secs_f64());
    let replicas: Vec<String> = names.iter().filter(|m| **m != leader).cloned().collect();
    c.deadline.wait_for(
        "both replicas (/replica 200)",
        Duration::from_millis(500),
        || {
            replicas
                .iter()
                .all(|m| c.http_status(&c.members[m].0, "/replica") == 200)
                .then_some(())
        },
    );
    eprintln!(
        "replicas {replicas:?} streaming after {:.1}s",
        t_boot.elapsed().as_secs_f64()
    );

    // --- the locks
    // etcd: a client without a certificate is refused (TLS handshake), one
    // with a certificate from the CA is served.
    let etcd_url = format!("{}/health", etcd_addrs[0]);
    let bare = c.live.run_in(
        &c.ns,
        None,
        5,
        &["curl", "-s", "--max-time", "2", "--cacert", &ca, &etcd_url],
        &[],
    );
    assert!(
        !bare.status.success() && !live::stdout(&bare).contains("health"),
        "etcd served a client without a certificate: {}",
        live::stdout(&bare)
    );
    eprintln!(
        "LOCK etcd: a client without a certificate is refused (curl exit {:?})",
        bare.status.code()
    );
    // Patroni: with `verify_client: required` a client without a
    // certificate from the CA is refused at the TLS handshake, even for a
    // safe GET (curl gets no HTTP status: 000); with one, a GET is served
    // and an unsafe endpoint then wants the REST credentials (401 without,
    // or with a wrong password).
    let leader_addr = c.members[&leader].0.clone();
    let body = format!("{{\"leader\":\"{leader}\"}}");
    let cert = ["--cert", &client_crt, "--key", &client_key];
    let get_no_cert = c.rest("GET", &leader_addr, "/health", &[]);
    assert_eq!(get_no_cert, 0, "GET /health without a client certificate");
    let get_cert = c.http_status(&leader_addr, "/health");
    assert_eq!(get_cert, 200, "GET /health with a client certificate");
    let no_cert = c.rest("POST", &leader_addr, "/switchover", &["-d", &body]);
    assert_eq!(no_cert, 0, "POST /switchover without a client certificate");
    let anonymous = c.rest(
        "POST",
        &leader_addr,
        "/switchover",
        &[&cert[..], &["-d", &body]].concat(),
    );
    assert_eq!(anonymous, 401, "POST /switchover without credentials");
    let wrong = c.rest(
        "POST",
        &leader_addr,
        "/switchover",
        &[&cert[..], &["-u", "patroni:wrong", "-d", &body]].concat(),
    );
    assert_eq!(wrong, 401, "POST /switchover with a wrong password");
    // The right credentials pass (a request without a leader is refused
    // with 400 before anything happens: no switchover).
    let userpass = format!("patroni:{}", c.rest_password);
    let authed = c.rest(
        "POST",
        &leader_addr,
        "/switchover",
        &[&cert[..], &["-u", &userpass, "-d", "{}"]].concat(),
    );
    assert!(
        authed != 401 && authed != 403 && authed != 0,
        "POST /switchover with the certificate and credentials: {authed}"
    );
    eprintln!(
        "LOCK Patroni REST: GET /health without a client certificate {get_no_cert} (refused), with one {get_cert}; POST /switchover without a client certificate {no_cert}, with one but no credentials {anonymous}, wrong password {wrong}, certificate and credentials {authed}"
    );
    // PostgreSQL: a plaintext connection matches no pg_hba line; TLS with
    // the member's certificate verified (verify-full) is admitted.
    let plain = c.sql_at(&leader_addr, "5432", "disable", "SELECT 1");
    let err = plain.expect_err("a plaintext connection to a member was admitted");
    assert!(
        err.contains("no pg_hba.conf entry") && err.contains("no encryption"),
        "plaintext refused, but not by pg_hba: {err}"
    );
    let tls = c.sql_at(
        &leader_addr,
        "5432",
        "verify-full",
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    );
    assert_eq!(
        tls.as_deref(),
        Ok("t"),
        "verify-full to the member's address"
    );
    eprintln!(
        "LOCK PostgreSQL: plaintext refused by pg_hba ({}); verify-full admitted over TLS",
        err.lines()
            .find(|l| l.contains("pg_hba"))
            .unwrap_or("")
            .trim()
    );

    // --- a row, through HAProxy; it arrives from HAProxy's address
    let (client, _) = c.deadline.wait_for(
        "a write through HAProxy",
        Duration::from_millis(300),
        || {
            c.sql_via_haproxy(
                "CREATE TABLE IF NOT EXISTS live_proof (id int PRIMARY KEY, note text); \
                 INSERT INTO live_proof VALUES (1, 'before failover') ON CONFLICT DO NOTHING; \
                 SELECT host(inet_client_addr())",
            )
            .ok()
        },
    );
    let haproxy_host = c.haproxy.split(':').next().unwrap_or("").to_string();
    assert_eq!(
        client, haproxy_host,
        "PostgreSQL saw the HAProxy connection come from {client}, not from the HAProxy host: \
         pg_hba's application line (`hostssl all all {haproxy_host}/32`) was not what admitted it"
    );
    // Async replication: wait until both replicas have the row, so the
    // failover below cannot lose it for reasons unrelated to the configs.
    c.deadline.wait_for(
        "the row on both replicas",
        Duration::from_millis(300),
        || {
            replicas
                .iter()
                .all(|m| c.sql_local(m, "SELECT count(*) FROM live_proof").as_deref() == Ok("1"))
                .then_some(())
        },
    );

    // --- kill -9 the leader: Patroni and its postgres
    let t0 = c.kill_member(&leader);
    eprintln!("killed {leader} (Patroni and postmaster process groups, SIGKILL)");
    let mut promoted: Option<(String, Duration)> = None;
    let mut last_err = String::new();
    let (_, failover) = c.deadline.wait_for(
        "a write through HAProxy after killing the leader",
        Duration::from_millis(200),
        || {
            if promoted.is_none()
                && let Some(p) = c.primary()
            {
                promoted = Some((p, t0.elapsed()));
            }
            match c.sql_via_haproxy(
                "INSERT INTO live_proof VALUES (2, 'after failover') ON CONFLICT DO NOTHING",
            ) {
                Ok(_) => Some(()),
                Err(e) => {
                    last_err = e;
                    None
                }
            }
        },
    );
    let failover = t0.elapsed().max(failover);
    let new_leader = c.primary().expect("a leader after failover");
    assert_ne!(new_leader, leader, "the killed member is leader again");
    let (promoted_name, promoted_at) = promoted.unwrap_or((new_leader.clone(), failover));
    let bound_d = Duration::from_millis(bound.total_ms);
    eprintln!(
        "FAILOVER: measured {:.1}s (new leader {promoted_name}: /primary 200 after {:.1}s; \
         last error before success: {}) | infragen bound {:.0}s = ttl {}s + loop_wait {}s + \
         rise x check-interval {:.0}s | allowed: bound + {}s",
        failover.as_secs_f64(),
        promoted_at.as_secs_f64(),
        last_err.lines().next().unwrap_or("-"),
        bound_d.as_secs_f64(),
        bound.ttl_ms / 1000,
        bound.loop_wait_ms / 1000,
        bound.haproxy_ms as f64 / 1000.0,
        MARGIN.as_secs()
    );
    assert!(
        failover <= bound_d + MARGIN,
        "failover took {:.1}s, more than infragen's bound {:.0}s + {}s margin",
        failover.as_secs_f64(),
        bound_d.as_secs_f64(),
        MARGIN.as_secs()
    );

    // --- the old leader rejoins as a replica when its Patroni restarts
    let t_restart = Instant::now();
    c.start_patroni(&leader);
    let old_addr = c.members[&leader].0.clone();
    c.deadline.wait_for(
        &format!("{leader} to rejoin as a replica (/replica 200)"),
        Duration::from_millis(500),
        || (c.http_status(&old_addr, "/replica") == 200).then_some(()),
    );
    let rejoin = t_restart.elapsed();
    let log = live::tail(&c.live.path(&format!("logs/{leader}.log")), 400);
    let rewind = if log.contains("running pg_rewind") {
        assert!(
            log.contains("pg_rewind exit code=0"),
            "{leader}: pg_rewind ran and failed"
        );
        "ran, exit 0"
    } else {
        "not needed (no divergence)"
    };
    eprintln!(
        "REJOIN: {leader} is a replica {:.1}s after its Patroni restarted (pg_rewind: {rewind})",
        rejoin.as_secs_f64()
    );
    assert!(
        c.sql_local(&leader, "SELECT pg_is_in_recovery()")
            .as_deref()
            == Ok("t"),
        "{leader} is not in recovery after rejoining"
    );

    // --- both rows survived, read back through HAProxy
    let rows = c
        .sql_via_haproxy("SELECT id || ':' || note FROM live_proof ORDER BY id")
        .expect("read back through HAProxy");
    assert_eq!(rows, "1:before failover\n2:after failover");
    c.deadline.check("finishing");
    eprintln!(
        "live_patroni_tls: done in {:.1}s",
        c.deadline.elapsed().as_secs_f64()
    );
}
