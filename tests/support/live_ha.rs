//! The HA live tests' adaptations of the generated files (documented in
//! docs/live-tests.md), shared by tests/live_patroni.rs and
//! tests/live_patroni_tls.rs: each a pure function, checked by
//! `check_adaptations` without the live flag. Include with
//! `#[path = "support/live_ha.rs"] mod live_ha;`.
#![allow(dead_code)]

use super::live::{self, Live};
use infragen::emit::Artifact;
use serde_yaml::Value;
use std::path::Path;
use std::time::Instant;

pub fn yaml_get<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |v, k| v.get(*k))
}

/// Sets `path` in a YAML mapping tree, creating missing mappings on the way.
pub fn yaml_set(doc: &mut Value, path: &[&str], value: Value) {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut cur = doc;
    for k in parents {
        let map = cur.as_mapping_mut().expect("a mapping");
        cur = map
            .entry(Value::from(*k))
            .or_insert_with(|| Value::Mapping(Default::default()));
    }
    cur.as_mapping_mut()
        .expect("a mapping")
        .insert(Value::from(*last), value);
}

pub fn path_value(p: &Path) -> Value {
    Value::from(p.to_string_lossy().into_owned())
}

/// patroni.yml: `postgresql.data_dir` → `<member_dir>/data`,
/// `postgresql.pgpass` → `<member_dir>/pgpass` (Patroni's default is the OS
/// user's `~/.pgpass`, shared by the three members here), and
/// `postgresql.parameters.unix_socket_directories` → `<member_dir>` (all
/// three listen on port 5432, so the Debian default `/var/run/postgresql`
/// would hold one `.s.PGSQL.5432` for three servers). Nothing else changes.
pub fn adapt_patroni(generated: &str, member_dir: &Path) -> String {
    let mut doc: Value = serde_yaml::from_str(generated).expect("generated patroni.yml parses");
    assert!(
        yaml_get(&doc, &["postgresql", "data_dir"]).is_some(),
        "generated patroni.yml has no postgresql.data_dir"
    );
    yaml_set(
        &mut doc,
        &["postgresql", "data_dir"],
        path_value(&member_dir.join("data")),
    );
    yaml_set(
        &mut doc,
        &["postgresql", "pgpass"],
        path_value(&member_dir.join("pgpass")),
    );
    yaml_set(
        &mut doc,
        &["postgresql", "parameters", "unix_socket_directories"],
        path_value(member_dir),
    );
    serde_yaml::to_string(&doc).expect("patroni.yml serializes")
}

/// etcd.conf.yml: `data-dir` → `data_dir` (the only change).
pub fn adapt_etcd(generated: &str, data_dir: &Path) -> String {
    let mut doc: Value = serde_yaml::from_str(generated).expect("generated etcd.conf.yml parses");
    assert!(
        doc.get("data-dir").is_some(),
        "generated etcd.conf.yml has no data-dir"
    );
    yaml_set(&mut doc, &["data-dir"], path_value(data_dir));
    serde_yaml::to_string(&doc).expect("etcd.conf.yml serializes")
}

/// haproxy.cfg: the admin socket `stats socket /run/haproxy/admin.sock` →
/// `stats socket <sock>` (the system HAProxy's path; a test must not take
/// it). Only that line changes; `chroot`, `user`/`group haproxy` and the
/// rest stay as generated (HAProxy runs in the foreground, `-db`, so no
/// pid file is written).
pub fn adapt_haproxy(generated: &str, sock: &Path) -> String {
    let mut n = 0;
    let out: Vec<String> = generated
        .lines()
        .map(|l| {
            let t = l.trim_start();
            match t.strip_prefix("stats socket ") {
                Some(rest) => {
                    n += 1;
                    let indent = &l[..l.len() - t.len()];
                    let opts = rest.split_once(' ').map(|(_, o)| o).unwrap_or("");
                    format!("{indent}stats socket {} {opts}", sock.display())
                        .trim_end()
                        .to_string()
                }
                None => l.to_string(),
            }
        })
        .collect();
    assert_eq!(n, 1, "expected one `stats socket` line in haproxy.cfg");
    out.join("\n") + "\n"
}

pub fn artifact<'a>(arts: &'a [Artifact], path: &str) -> &'a str {
    &arts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("infragen did not write {path}"))
        .contents
}

pub fn artifacts_under<'a>(arts: &'a [Artifact], prefix: &str) -> Vec<(String, &'a str)> {
    let mut v: Vec<(String, &str)> = arts
        .iter()
        .filter_map(|a| {
            let rest = a.path.strip_prefix(prefix)?;
            let (member, _) = rest.split_once('/')?;
            Some((member.to_string(), a.contents.as_str()))
        })
        .collect();
    v.sort();
    v
}

/// The adaptations of `arts` (one estate's build) change only the
/// documented keys: everything else is byte-for-byte (YAML-value-for-value)
/// what infragen generated.
pub fn check_adaptations(arts: &[Artifact]) {
    let dir = Path::new("/tmp/x/pg-1");
    for (member, text) in artifacts_under(arts, "patroni/") {
        let generated: Value = serde_yaml::from_str(text).expect("yaml");
        let mut adapted: Value =
            serde_yaml::from_str(&adapt_patroni(text, dir)).expect("adapted yaml");
        assert_eq!(
            yaml_get(&adapted, &["postgresql", "data_dir"]),
            Some(&Value::from("/tmp/x/pg-1/data"))
        );
        assert_eq!(
            yaml_get(&adapted, &["postgresql", "pgpass"]),
            Some(&Value::from("/tmp/x/pg-1/pgpass"))
        );
        assert_eq!(
            yaml_get(
                &adapted,
                &["postgresql", "parameters", "unix_socket_directories"]
            ),
            Some(&Value::from("/tmp/x/pg-1"))
        );
        // Put the generated values back: everything else must be identical.
        let pg = adapted["postgresql"].as_mapping_mut().expect("postgresql");
        pg.insert(
            "data_dir".into(),
            generated["postgresql"]["data_dir"].clone(),
        );
        pg.remove("pgpass");
        // With tls the generated file has parameters of its own (ssl).
        match generated["postgresql"].get("parameters") {
            Some(p) => {
                let mut p = p.clone();
                let adapted_params = adapted["postgresql"]["parameters"].clone();
                let mut want = adapted_params;
                want.as_mapping_mut()
                    .expect("parameters")
                    .remove("unix_socket_directories");
                assert_eq!(
                    want, p,
                    "{member}: parameters changed beyond the socket directory"
                );
                adapted["postgresql"]
                    .as_mapping_mut()
                    .expect("postgresql")
                    .insert("parameters".into(), std::mem::take(&mut p));
            }
            None => {
                adapted["postgresql"]
                    .as_mapping_mut()
                    .expect("postgresql")
                    .remove("parameters");
            }
        }
        assert_eq!(adapted, generated, "{member}: unexpected changes");
    }
    for (member, text) in artifacts_under(arts, "etcd/") {
        let generated: Value = serde_yaml::from_str(text).expect("yaml");
        let mut adapted: Value =
            serde_yaml::from_str(&adapt_etcd(text, Path::new("/tmp/x/e"))).expect("yaml");
        assert_eq!(adapted["data-dir"], Value::from("/tmp/x/e"));
        adapted["data-dir"] = generated["data-dir"].clone();
        assert_eq!(adapted, generated, "{member}: unexpected changes");
    }
    let cfg = artifact(arts, "haproxy/haproxy.cfg");
    let adapted = adapt_haproxy(cfg, Path::new("/tmp/x/admin.sock"));
    let changed: Vec<(&str, &str)> = cfg
        .lines()
        .zip(adapted.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        vec![(
            "    stats socket /run/haproxy/admin.sock mode 660 level admin",
            "    stats socket /tmp/x/admin.sock mode 660 level admin"
        )]
    );
    assert_eq!(cfg.lines().count(), adapted.lines().count());
}

/// psql as `postgres` over the member's unix socket (its directory is the
/// member dir: `adapt_patroni`).
pub fn sql_local(live: &Live, ns: &str, member_dir: &Path, sql: &str) -> Result<String, String> {
    let sock = member_dir.to_string_lossy().into_owned();
    let out = live.run_in(
        ns,
        Some("postgres"),
        8,
        &[
            "psql", "-X", "-q", "-At", "-h", &sock, "-p", "5432", "-d", "postgres", "-c", sql,
        ],
        &[("PGCONNECT_TIMEOUT", "2")],
    );
    if out.status.success() {
        Ok(live::stdout(&out))
    } else {
        Err(live::stderr(&out))
    }
}

/// Starts the member's Patroni from its adapted config as `postgres`
/// (`HOME` = the member dir), named `member` in the guard.
pub fn start_patroni(live: &mut Live, ns: &str, member: &str, cfg: &Path, member_dir: &Path) {
    let home = member_dir.to_string_lossy().into_owned();
    live.spawn(
        member,
        ns,
        Some("postgres"),
        &[Path::new("patroni"), cfg],
        &[("HOME", &home)],
    );
}

/// `kill -9` of a member: its Patroni's process group and its postmaster's
/// (PostgreSQL runs in a group of its own); returns when the kill was sent.
pub fn kill_member(live: &mut Live, member: &str, member_dir: &Path) -> Instant {
    let pidfile = member_dir.join("data/postmaster.pid");
    let text =
        std::fs::read_to_string(&pidfile).unwrap_or_else(|e| panic!("{}: {e}", pidfile.display()));
    let postmaster: i32 = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .expect("postmaster pid");
    let pg_group = live::pgid_of(postmaster).expect("postmaster is running");
    let t0 = Instant::now();
    live.kill(member);
    live::kill_group(pg_group);
    t0
}
