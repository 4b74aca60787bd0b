//! Helpers for the tests that run NGINX on generated `gateway/*/nginx.conf`
//! (tests/oracle_nginx.rs, tests/live_nginx_dns.rs). Include with
//! `#[path = "support/nginx.rs"] mod nginx;` next to `build`.
#![allow(dead_code)]

use infragen::lock::AddressLock;
use std::path::Path;

/// The one adaptation the tests make to a generated nginx.conf: the pid
/// file and the logs move from `/run` and `/var/log/nginx` into `dir`, so a
/// test never touches the machine's NGINX and two instances can run side
/// by side. Nothing else changes.
pub fn relocate(conf: &str, dir: &Path) -> String {
    let d = dir.display();
    conf.replace("pid /run/nginx.pid;", &format!("pid {d}/nginx.pid;"))
        .replace("/var/log/nginx/", &format!("{d}/"))
}

/// `spec` with every `nginx-version="…"` set to `version`.
pub fn with_version(spec: &str, version: &str) -> String {
    let mut out = String::with_capacity(spec.len());
    let mut rest = spec;
    const KEY: &str = "nginx-version=\"";
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str(version);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// True when the config uses the ≥ 1.27.3 form.
pub fn is_resolve_form(conf: &str) -> bool {
    conf.lines()
        .any(|l| l.trim_start().starts_with("server ") && l.trim_end().ends_with(" resolve;"))
}

/// Every generated nginx.conf of every example, each rendered three times:
/// as written and with `nginx-version` set to 1.22.1 and to 1.27.3 (so both
/// forms are covered for every gateway), plus the estates given in
/// `extra` (name, spec). Returns (label, contents).
pub fn all_configs(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut specs: Vec<(String, String, AddressLock)> = Vec::new();
    for name in super::build::example_names() {
        let (source, lock) = super::build::example_source(&name);
        specs.push((name, source, lock));
    }
    for (name, spec) in extra {
        specs.push((name.to_string(), spec.to_string(), AddressLock::default()));
    }
    let mut out = Vec::new();
    for (name, source, lock) in &specs {
        let variants = [
            ("as written", source.clone()),
            ("1.22.1", with_version(source, "1.22.1")),
            ("1.27.3", with_version(source, "1.27.3")),
        ];
        for (v, src) in variants {
            if v != "as written" && src == *source {
                continue;
            }
            for a in super::build::render(name, &src, lock) {
                if a.path.starts_with("gateway/") && a.path.ends_with("/nginx.conf") {
                    out.push((format!("{name} ({v}): {}", a.path), a.contents));
                }
            }
        }
    }
    out
}
