//! The real consumers accept infragen's Patroni and etcd output: for every
//! example, the generated `etcd.conf.yml` files start a real etcd cluster
//! that becomes healthy, and `patroni --validate-config` accepts every
//! generated `patroni.yml` against that etcd. Everything runs in private
//! network and PID namespaces (tests/support/netns.rs): the members' 10.x
//! addresses exist only on that namespace's `lo`, so neither etcd nor
//! Patroni's reachability probe can send a packet off this machine.
//!
//! One adaptation, the only one: each etcd `data-dir` is moved into a
//! temporary directory (the generated `/var/lib/etcd/...` is not ours here).
//! With `tls`, a throwaway CA issues each host's certificate from
//! `pki/HOST.cnf` and the pki paths point at it (support/pki.rs).

#[path = "support/build.rs"]
mod build;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/pki.rs"]
mod pki;
#[path = "support/tools.rs"]
mod tools;

use std::path::Path;

/// Starts every etcd of `dir/etcd/*.yml`, waits until each answers
/// `/health` with true, then validates every `dir/patroni/*.yml`.
const SCRIPT: &str = r#"
set -u
D=$1; shift
ip link set lo up
for a in "$@"; do ip addr add "$a" dev lo || exit 10; done
for c in "$D"/etcd/*.yml; do etcd --config-file "$c" >"$c.log" 2>&1 & done
ok=0
for i in $(seq 1 150); do
  all=1
  for a in "$@"; do
    python3 - "$a" "$D/pki" 2>/dev/null <<'PY' || all=0
import json, os, ssl, sys, urllib.error, urllib.request
host = sys.argv[1] if ":" not in sys.argv[1] else "[%s]" % sys.argv[1]
pki = sys.argv[2]
if not os.path.exists(pki + "/ca.crt"):
    r = json.load(urllib.request.urlopen("http://%s:2379/health" % host, timeout=1))
    sys.exit(0 if r.get("health") == "true" else 1)
# tls: the member's server certificate (issued from pki/HOST.cnf) verifies
# against the CA for the address dialled, and a client without a certificate
# is refused. In one network namespace every connection to a member's
# address leaves from that same address, so etcd's peer check (the remote
# address must be a SAN of the peer's certificate) refuses the peers and no
# quorum forms here: /health answering over TLS (503 without a leader) is
# what this oracle can prove; tests/live_patroni_tls.rs runs the quorum.
url = "https://%s:2379/health" % host
bare = ssl.create_default_context(cafile=pki + "/ca.crt")
try:
    urllib.request.urlopen(url, timeout=1, context=bare).read()
    print("etcd %s served a client without a certificate" % host)
    sys.exit(2)
except urllib.error.HTTPError:
    sys.exit(2)
except (ssl.SSLError, urllib.error.URLError, ConnectionError, OSError) as e:
    if "CERTIFICATE_VERIFY_FAILED" in str(e):
        sys.exit(3)
ctx = ssl.create_default_context(cafile=pki + "/ca.crt")
ctx.load_cert_chain(pki + "/test-client.crt", pki + "/test-client.key")
try:
    r = json.load(urllib.request.urlopen(url, timeout=1, context=ctx))
except urllib.error.HTTPError as e:
    r = json.load(e)
sys.exit(0 if "health" in r else 1)
PY
  done
  [ "$all" = 1 ] && { ok=1; break; }
  sleep 0.2
done
if [ "$ok" != 1 ]; then
  echo "etcd did not become healthy"
  for l in "$D"/etcd/*.log; do echo "== $l"; tail -n 15 "$l"; done
  exit 11
fi
echo "etcd healthy after $i polls"
rc=0
for p in "$D"/patroni/*.yml; do
  if patroni --validate-config "$p"; then echo "valid: $p"; else echo "INVALID: $p"; rc=12; fi
done
exit $rc
"#;

/// The host of `key: http://HOST:PORT` in an etcd config.
fn url_host(text: &str, key: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with(&format!("{key}:")))?;
    let url = line.split_once("://")?.1.trim();
    let (host, _port) = url.rsplit_once(':')?;
    Some(host.trim_matches(['[', ']']).to_string())
}

/// Lays out one example's etcd and Patroni files for the script.
fn stage(name: &str, dir: &Path) -> (Vec<String>, usize) {
    let artifacts = build::render_example(name);
    let (source, lock) = build::example_source(name);
    let pkis = pki::paths_of(&source, &lock);
    if !pkis.is_empty() {
        pki::issue(&artifacts, &dir.join("pki"));
    }
    let certs = dir.join("pki");
    let relocate = |t: &str| pki::relocate(t, &pkis, &certs);
    std::fs::create_dir_all(dir.join("etcd")).unwrap();
    std::fs::create_dir_all(dir.join("patroni")).unwrap();
    let mut addrs = Vec::new();
    let mut patronis = 0;
    for a in &artifacts {
        let parts: Vec<&str> = a.path.split('/').collect();
        match parts.as_slice() {
            ["etcd", member, "etcd.conf.yml"] => {
                let data = dir.join("data").join(member);
                let text: String = relocate(&a.contents)
                    .lines()
                    .map(|l| {
                        if l.starts_with("data-dir:") {
                            format!("data-dir: {}\n", data.display())
                        } else {
                            format!("{l}\n")
                        }
                    })
                    .collect();
                addrs.push(url_host(&text, "listen-client-urls").expect("listen-client-urls"));
                std::fs::write(dir.join("etcd").join(format!("{member}.yml")), text).unwrap();
            }
            ["patroni", member, "patroni.yml"] => {
                std::fs::write(
                    dir.join("patroni").join(format!("{member}.yml")),
                    relocate(&a.contents),
                )
                .unwrap();
                patronis += 1;
            }
            _ => {}
        }
    }
    (addrs, patronis)
}

#[test]
#[ignore = "needs patroni and etcd: tests/scripts/test.sh runs it"]
fn generated_etcd_forms_a_cluster_and_patroni_validates_against_it() {
    let (Some(_), Some(_), Some(_)) = (
        tools::require("patroni"),
        tools::require("etcd"),
        tools::require("python3"),
    ) else {
        return;
    };
    if !netns::require() {
        return;
    }
    let mut checked = 0;
    for name in build::example_names() {
        if has_pki(&name) {
            eprintln!(
                "{name}: has tls, checked by tls_etcd_starts_and_patroni_validates (ignored)"
            );
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let (addrs, patronis) = stage(&name, tmp.path());
        if patronis == 0 {
            continue;
        }
        assert!(
            !addrs.is_empty(),
            "{name}: Patroni members but no etcd configs"
        );
        let mut args = vec![tmp.path().display().to_string()];
        args.extend(addrs);
        let out = netns::run(SCRIPT, &args, 90);
        let log = tools::describe(&out);
        assert!(out.status.success(), "{name}:\n{log}");
        assert_eq!(
            log.matches("valid: ").count() - log.matches("INVALID: ").count(),
            patronis,
            "{name}: every patroni.yml validated\n{log}"
        );
        eprintln!("{name}: {patronis} patroni.yml valid against a live etcd");
        checked += 1;
    }
    assert!(checked > 0, "no example has a Patroni cluster");
}

fn has_pki(name: &str) -> bool {
    let (source, lock) = build::example_source(name);
    !pki::paths_of(&source, &lock).is_empty()
}

/// The harness really fails: a config without `authentication.rewind`
/// (required by Patroni 3.0.2) is rejected.
#[test]
#[ignore = "needs patroni and etcd: tests/scripts/test.sh runs it"]
fn patroni_validation_rejects_a_broken_config() {
    let (Some(_), Some(_), Some(_)) = (
        tools::require("patroni"),
        tools::require("etcd"),
        tools::require("python3"),
    ) else {
        return;
    };
    if !netns::require() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (addrs, _) = stage("reference", tmp.path());
    let first = std::fs::read_dir(tmp.path().join("patroni"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .min()
        .unwrap();
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, text.replace("    rewind:", "    rewound:")).unwrap();
    let mut args = vec![tmp.path().display().to_string()];
    args.extend(addrs);
    let out = netns::run(SCRIPT, &args, 90);
    assert!(
        !out.status.success(),
        "broken config accepted:\n{}",
        tools::describe(&out)
    );
    assert!(
        tools::combined(&out).contains("rewind"),
        "{}",
        tools::describe(&out)
    );
}

/// Each DCS address on `lo` with a throwaway listener on its port standing
/// in for etcd (Patroni 3.0.2's validator only opens a TCP connection to
/// each DCS host), then `patroni --validate-config` on every file given.
const LISTEN_AND_VALIDATE: &str = r#"
set -u
D=$1; shift
ip link set lo up
for hp in "$@"; do
  h=${hp%:*}; h=${h#[}; h=${h%]}
  ip addr add "$h" dev lo 2>/dev/null
  python3 -c "import socket,sys,time;s=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET);s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind((sys.argv[1],int(sys.argv[2])));s.listen(64);time.sleep(120)" "$h" "${hp##*:}" &
done
for hp in "$@"; do
  h=${hp%:*}; h=${h#[}; h=${h%]}
  for i in $(seq 1 50); do
    python3 -c "import socket,sys;socket.create_connection((sys.argv[1],int(sys.argv[2])),1)" "$h" "${hp##*:}" 2>/dev/null && break
    sleep 0.1
  done
done
rc=0
for p in "$D"/*.yml; do
  if patroni --validate-config "$p"; then echo "valid: $p"; else echo "INVALID: $p"; rc=12; fi
done
exit $rc
"#;

/// With `tls`: every generated patroni.yml of every example with a pki,
/// byte for byte as built (no path rewritten: Patroni 3.0.2's validator
/// reads no certificate file), passes `patroni --validate-config`. Its
/// reachability probe is a TCP connect to each `etcd3.hosts` entry, which a
/// plain listener answers; the TLS handshake itself is proven by
/// tests/live_patroni_tls.rs.
#[test]
#[ignore = "needs patroni: tests/scripts/test.sh runs it"]
fn tls_patroni_configs_validate_unmodified() {
    let (Some(_), Some(_)) = (tools::require("patroni"), tools::require("python3")) else {
        return;
    };
    if !netns::require() {
        return;
    }
    let mut checked = 0;
    for name in build::example_names().into_iter().filter(|n| has_pki(n)) {
        let tmp = tempfile::tempdir().unwrap();
        let mut dcs: Vec<String> = Vec::new();
        let mut patronis = 0;
        for a in build::render_example(&name) {
            let parts: Vec<&str> = a.path.split('/').collect();
            if let ["patroni", member, "patroni.yml"] = parts.as_slice() {
                assert!(
                    a.contents.contains("protocol: https"),
                    "{name}/{member}: etcd3 over https"
                );
                assert!(
                    a.contents.contains("certfile:"),
                    "{name}/{member}: REST API certificate"
                );
                let mut in_hosts = false;
                for l in a.contents.lines() {
                    if l == "  hosts:" {
                        in_hosts = true;
                    } else if in_hosts && l.starts_with("    - ") {
                        let hp = l.trim_start_matches("    - ").to_string();
                        if !dcs.contains(&hp) {
                            dcs.push(hp);
                        }
                    } else {
                        in_hosts = false;
                    }
                }
                std::fs::write(tmp.path().join(format!("{member}.yml")), &a.contents).unwrap();
                patronis += 1;
            }
        }
        if patronis == 0 {
            continue;
        }
        assert!(!dcs.is_empty(), "{name}: no etcd3 hosts in patroni.yml");
        let mut args = vec![tmp.path().display().to_string()];
        args.extend(dcs);
        let out = netns::run(LISTEN_AND_VALIDATE, &args, 120);
        let log = tools::describe(&out);
        assert!(out.status.success(), "{name}:\n{log}");
        assert_eq!(log.matches("valid: ").count(), patronis, "{name}:\n{log}");
        eprintln!("{name}: {patronis} TLS patroni.yml valid as built");
        checked += 1;
    }
    assert!(checked > 0, "no example has a postgres-cluster with tls");
}
