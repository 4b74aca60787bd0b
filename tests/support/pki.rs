//! A throwaway CA for tests, issuing each host's certificate from
//! infragen's `pki/HOST.cnf` exactly as `pki/README.md` says, and the one
//! adaptation TLS needs: the pki's paths on the hosts → the test's directory.
//! Include with `#[path = "support/pki.rs"] mod pki;` (needs `build` and
//! `tools` beside it).
#![allow(dead_code)]

use infragen::emit::Artifact;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `(ca-file, cert-dir)` of every `pki` of a spec.
pub fn paths_of(source: &str, lock: &infragen::lock::AddressLock) -> Vec<(String, String)> {
    let checked = infragen::pipeline::check(source, lock);
    checked
        .model
        .as_ref()
        .map(|m| {
            m.pkis
                .iter()
                .map(|p| (p.ca_file.value.clone(), p.cert_dir.value.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// `text` with every pki path moved into `dir`: `ca-file` → `dir/ca.crt`,
/// `cert-dir/X` → `dir/X`. Nothing else changes.
pub fn relocate(text: &str, pkis: &[(String, String)], dir: &Path) -> String {
    let mut out = text.to_string();
    for (ca, certs) in pkis {
        out = out.replace(ca.as_str(), &dir.join("ca.crt").to_string_lossy());
        let prefix = format!("{}/", certs.trim_end_matches('/'));
        out = out.replace(&prefix, &format!("{}/", dir.display()));
    }
    out
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = super::tools::run(Command::new("openssl").current_dir(dir).args(args));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        super::tools::describe(&out)
    );
}

/// Makes `dir/ca.crt` (+ key), then `dir/HOST.key` and `dir/HOST.crt` for
/// every `pki/HOST.cnf` of `arts` (openssl req + x509 as pki/README.md says),
/// and `dir/test-client.{crt,key}`: a client certificate with no SANs.
/// Returns the hosts issued.
pub fn issue(arts: &[Artifact], dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).expect("mkdir pki");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "1",
            "-subj",
            "/CN=infragen throwaway test CA",
        ],
    );
    let mut hosts = Vec::new();
    for a in arts
        .iter()
        .filter(|a| a.path.starts_with("pki/") && a.path.ends_with(".cnf"))
    {
        let host = a.path["pki/".len()..a.path.len() - ".cnf".len()].to_string();
        let cnf: PathBuf = dir.join(format!("{host}.cnf"));
        std::fs::write(&cnf, &a.contents).expect("write cnf");
        let cnf = cnf.to_string_lossy().into_owned();
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-config",
                &cnf,
                "-keyout",
                &format!("{host}.key"),
                "-out",
                &format!("{host}.csr"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{host}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "1",
                "-sha256",
                "-extfile",
                &cnf,
                "-extensions",
                "v3_req",
                "-out",
                &format!("{host}.crt"),
            ],
        );
        hosts.push(host);
    }
    let ext = dir.join("client.ext");
    std::fs::write(&ext, "extendedKeyUsage = clientAuth\n").expect("write ext");
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "test-client.key",
            "-out",
            "test-client.csr",
            "-subj",
            "/CN=test-client",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "test-client.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-sha256",
            "-extfile",
            "client.ext",
            "-out",
            "test-client.crt",
        ],
    );
    hosts
}
