//! `infragen fill`: fills only the spec's own `${VAR}` placeholders of a
//! built tree, escaped for each file, and leaves every other `$` alone
//! (envsubst would rewrite the `$user` of `search_path`). The result reads
//! the same as `build --secrets-from-env`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn infragen(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_infragen"));
    c.current_dir(cwd).args(args).env("NO_COLOR", "1");
    for var in [
        "PG_SUPERUSER_PASSWORD",
        "PG_REPLICATION_PASSWORD",
        "IPSEC_PSK",
    ] {
        c.env_remove(var);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run infragen")
}

const SECRETS: &[(&str, &str)] = &[
    ("PG_SUPERUSER_PASSWORD", "s3cr\"et'$x\\y"),
    ("PG_REPLICATION_PASSWORD", "r3pl${IPSEC_PSK}"),
    ("IPSEC_PSK", "psk\"with quote"),
];

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let spec = fs::read_to_string(examples.join("reference.kdl")).unwrap();
    let with_search_path = spec.replacen(
        "    parameter \"max_connections\" \"500\"\n",
        "    parameter \"max_connections\" \"500\"\n    parameter \"search_path\" \"\\\"$user\\\", public\"\n",
        1,
    );
    assert_ne!(spec, with_search_path);
    fs::write(dir.path().join("reference.kdl"), with_search_path).unwrap();
    fs::copy(
        examples.join("reference.lock"),
        dir.path().join("reference.lock"),
    )
    .unwrap();
    dir
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn ok(r: &Output) {
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn fill_substitutes_only_infragens_placeholders() {
    let ws = workspace();
    let d = ws.path();
    ok(&infragen(
        d,
        &["build", "reference.kdl", "--out", "out"],
        &[],
    ));
    ok(&infragen(
        d,
        &[
            "build",
            "reference.kdl",
            "--out",
            "want",
            "--secrets-from-env",
        ],
        SECRETS,
    ));

    // Unset: fails, names the variables, writes nothing.
    let before = files(&d.join("out"));
    let r = infragen(d, &["fill", "reference.kdl", "--out", "out"], &SECRETS[..1]);
    assert_eq!(r.status.code(), Some(1));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("PG_REPLICATION_PASSWORD") && err.contains("IPSEC_PSK"),
        "{err}"
    );
    assert!(!err.contains("s3cr"), "no value in messages: {err}");
    assert_eq!(files(&d.join("out")), before, "nothing written");

    let r = infragen(d, &["fill", "reference.kdl", "--out", "out"], SECRETS);
    ok(&r);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
    for (_, v) in SECRETS {
        assert!(!all.contains(v), "a secret value was printed: {all}");
    }
    let filled = files(&d.join("out"));
    let want = files(&d.join("want"));
    assert_eq!(
        filled.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    let mut patronis = 0;
    for (path, text) in &filled {
        if path.ends_with("patroni.yml") {
            // The same document as --secrets-from-env writes, and `$user`
            // is still there.
            let a: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
            let b: serde_yaml::Value = serde_yaml::from_str(&want[path]).unwrap();
            assert_eq!(a, b, "{path}");
            assert_eq!(
                a["bootstrap"]["dcs"]["postgresql"]["parameters"]["search_path"].as_str(),
                Some("\"$user\", public"),
                "{path}"
            );
            assert_eq!(
                a["postgresql"]["authentication"]["replication"]["password"].as_str(),
                Some("r3pl${IPSEC_PSK}"),
                "a value is never substituted again: {path}"
            );
            patronis += 1;
        } else if path.ends_with("ipsec.secrets") || !path.ends_with("manifest.json") {
            assert_eq!(text, &want[path], "{path}");
        }
    }
    assert_eq!(patronis, 3);

    // The variable list for envsubst, exactly the spec's.
    let r = infragen(d, &["fill", "reference.kdl", "--vars"], &[]);
    ok(&r);
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        "${IPSEC_PSK} ${PG_REPLICATION_PASSWORD} ${PG_SUPERUSER_PASSWORD}\n"
    );
}

#[test]
fn fill_reads_stdin_and_writes_stdout() {
    let ws = workspace();
    let mut c = Command::new(env!("CARGO_BIN_EXE_infragen"));
    c.current_dir(ws.path())
        .args(["fill", "reference.kdl", "--as", "ipsec.secrets"])
        .env("IPSEC_PSK", "k\"y")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a b : PSK \"${IPSEC_PSK}\" # $HOME\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "a b : PSK 0x6b2279 # $HOME\n"
    );
}
