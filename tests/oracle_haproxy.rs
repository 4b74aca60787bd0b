//! `haproxy -dW -c -f` (HAProxy 2.6, warnings fatal) accepts every generated
//! haproxy.cfg, and every port the file names is a real TCP port: HAProxy
//! itself silently accepts `check port 80080`.

#[path = "support/build.rs"]
mod build;
#[path = "support/pki.rs"]
mod pki;
#[path = "support/tools.rs"]
mod tools;

use std::process::Command;

/// Every port number in a haproxy.cfg: `bind A:P`, `server N A:P`, `check port P`.
fn ports(cfg: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for line in cfg.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let addr_port = match words.as_slice() {
            ["bind", a, ..] => Some(*a),
            ["server", _, a, ..] => Some(*a),
            _ => None,
        };
        if let Some((_, p)) = addr_port.and_then(|a| a.rsplit_once(':')) {
            out.push((line.to_string(), p.parse().unwrap_or(-1)));
        }
        for w in words.windows(2) {
            if w[0] == "port" {
                out.push((line.to_string(), w[1].parse().unwrap_or(-1)));
            }
        }
    }
    out
}

#[test]
#[ignore = "needs haproxy: tests/scripts/test.sh runs it"]
fn haproxy_accepts_every_generated_config() {
    let Some(haproxy) = tools::require("haproxy") else {
        return;
    };
    let mut checked = 0;
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let dir = build::write(&artifacts);
        // With `tls`, `ca-file` must name a real CA: issue one, and point
        // the config's pki paths at it (the only adaptation).
        let (source, lock) = build::example_source(&name);
        let pkis = pki::paths_of(&source, &lock);
        let certs = dir.path().join("test-pki");
        if !pkis.is_empty() && tools::require("openssl").is_some() {
            pki::issue(&artifacts, &certs);
        }
        for a in artifacts.iter().filter(|a| a.path.ends_with("haproxy.cfg")) {
            let path = dir.path().join(&a.path);
            if !pkis.is_empty() {
                std::fs::write(&path, pki::relocate(&a.contents, &pkis, &certs)).unwrap();
            }
            let out = tools::run(
                Command::new(&haproxy)
                    .arg("-dW")
                    .arg("-c")
                    .arg("-f")
                    .arg(&path),
            );
            assert!(
                out.status.success(),
                "{name}: {}\n{}",
                a.path,
                tools::describe(&out)
            );
            let ports = ports(&a.contents);
            assert!(!ports.is_empty());
            for (line, p) in ports {
                assert!(
                    (1..=65535).contains(&p),
                    "{name}: {}: port out of range in `{line}`",
                    a.path
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no example renders a haproxy.cfg");
}

/// The oracle is live: a typo in a keyword fails the check.
#[test]
#[ignore = "needs haproxy: tests/scripts/test.sh runs it"]
fn haproxy_rejects_a_broken_config() {
    let Some(haproxy) = tools::require("haproxy") else {
        return;
    };
    let artifacts = build::render_example("reference");
    let cfg = artifacts
        .iter()
        .find(|a| a.path == "haproxy/haproxy.cfg")
        .expect("haproxy.cfg");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("haproxy.cfg");
    std::fs::write(
        &path,
        cfg.contents
            .replace("http-check expect", "http-check expekt"),
    )
    .unwrap();
    let out = tools::run(
        Command::new(&haproxy)
            .arg("-dW")
            .arg("-c")
            .arg("-f")
            .arg(&path),
    );
    assert!(!out.status.success(), "{}", tools::describe(&out));
}

#[test]
fn port_parser_sees_every_port() {
    let cfg = "    bind 10.0.0.1:5000\n    server db-1 10.0.0.2:5432 maxconn 90 check port 80080\n";
    let p: Vec<i64> = ports(cfg).into_iter().map(|(_, p)| p).collect();
    assert_eq!(p, vec![5000, 5432, 80080]);
}
