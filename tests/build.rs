//! `infragen build`: determinism, atomicity, `--check`, the address lock and
//! the graph, all through the real binary.

#[path = "support/tools.rs"]
mod tools;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn infragen(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infragen")
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A temp dir holding a copy of an example spec and its lock.
fn workspace(example: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join(format!("{example}.kdl"));
    fs::copy(examples().join(format!("{example}.kdl")), &spec).unwrap();
    let lock = examples().join(format!("{example}.lock"));
    if lock.exists() {
        fs::copy(lock, dir.path().join(format!("{example}.lock"))).unwrap();
    }
    (dir, spec)
}

fn tree(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, u32)>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
                out.insert(rel, (fs::read(&p).unwrap(), mode));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

#[test]
fn same_spec_same_bytes_from_any_directory() {
    let (ws, spec) = workspace("reference");
    let out_a = ws.path().join("a");
    let out_b = ws.path().join("nested/b");
    fs::create_dir_all(ws.path().join("nested")).unwrap();
    let r = infragen(ws.path(), &["build", "reference.kdl", "--out", "a"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let r = infragen(
        &ws.path().join("nested"),
        &[
            "build",
            spec.to_str().unwrap(),
            "--out",
            out_b.to_str().unwrap(),
        ],
    );
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let (a, b) = (tree(&out_a), tree(&out_b));
    assert!(!a.is_empty());
    assert_eq!(a, b, "two builds of one spec differ");
}

#[test]
fn check_detects_changed_added_and_removed_files() {
    let (ws, _) = workspace("reference");
    let build = |extra: &[&str]| {
        let mut args = vec!["build", "reference.kdl", "--out", "out"];
        args.extend_from_slice(extra);
        infragen(ws.path(), &args)
    };
    assert_eq!(build(&[]).status.code(), Some(0));
    let fresh = build(&["--check"]);
    assert_eq!(
        fresh.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );

    let manifest = ws.path().join("out/manifest.json");
    let original = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, original.replace("infragen", "infragem")).unwrap();
    let changed = build(&["--check"]);
    assert_eq!(changed.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&changed.stdout);
    assert!(
        diff.contains("--- a/manifest.json") && diff.contains("+++ b/manifest.json"),
        "{diff}"
    );
    assert!(diff.contains("-  \"generator\": \"infragem"), "{diff}");
    fs::write(&manifest, &original).unwrap();

    fs::write(ws.path().join("out/stray.txt"), "x").unwrap();
    let added = build(&["--check"]);
    assert_eq!(added.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&added.stdout).contains("removed: stray.txt"));
    fs::remove_file(ws.path().join("out/stray.txt")).unwrap();

    // A script that lost its executable bit is drift; a secret at 0644 is
    // not (git keeps only the executable bit, so golden trees have them so).
    use std::os::unix::fs::PermissionsExt;
    let script = ws.path().join("out/s3-migration/virginia-to-mumbai.sh");
    fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
    let mode = build(&["--check"]);
    assert_eq!(mode.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&mode.stdout)
            .contains("mode: s3-migration/virginia-to-mumbai.sh is 644, a build writes 755")
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let secrets = ws.path().join("out/ipsec/vpn-aws/ipsec.secrets");
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(build(&["--check"]).status.code(), Some(0));

    fs::remove_file(&manifest).unwrap();
    let removed = build(&["--check"]);
    assert_eq!(removed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&removed.stdout).contains("added: manifest.json"));
}

#[test]
fn invalid_spec_leaves_output_untouched() {
    let (ws, spec) = workspace("reference");
    assert_eq!(
        infragen(ws.path(), &["build", "reference.kdl", "--out", "out"])
            .status
            .code(),
        Some(0)
    );
    let before = tree(&ws.path().join("out"));
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replace("cidr=\"10.10.0.0/16\"", "cidr=\"10.10.0.1/16\""),
    )
    .unwrap();
    let r = infragen(ws.path(), &["build", "reference.kdl", "--out", "out"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("nothing was written"));
    assert_eq!(tree(&ws.path().join("out")), before);
}

#[test]
fn failure_mid_write_leaves_output_untouched() {
    let (ws, _) = workspace("reference");
    assert_eq!(
        infragen(ws.path(), &["build", "reference.kdl", "--out", "out"])
            .status
            .code(),
        Some(0)
    );
    fs::write(ws.path().join("out/manifest.json"), "old contents").unwrap();
    let before = tree(&ws.path().join("out"));
    let r = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(ws.path())
        .args(["build", "reference.kdl", "--out", "out"])
        .env("INFRAGEN_TEST_FAIL_WRITE_AFTER", "0")
        .output()
        .unwrap();
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(tree(&ws.path().join("out")), before);
    let leftovers: Vec<_> = fs::read_dir(ws.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".infragen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary directories left behind");
}

#[test]
fn refuses_to_replace_a_foreign_directory() {
    let (ws, _) = workspace("small");
    fs::create_dir(ws.path().join("home")).unwrap();
    fs::write(ws.path().join("home/notes.txt"), "keep me").unwrap();
    let r = infragen(ws.path(), &["build", "small.kdl", "--out", "home"]);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(ws.path().join("home/notes.txt")).unwrap(),
        "keep me"
    );
}

fn lock_entries(path: &Path) -> BTreeMap<String, String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((
                parts.next()?.to_string(),
                parts.collect::<Vec<_>>().join(" "),
            ))
        })
        .collect()
}

#[test]
fn resizing_or_adding_groups_keeps_every_address() {
    let (ws, spec) = workspace("reference");
    let lock = ws.path().join("reference.lock");
    fs::remove_file(&lock).ok();
    assert_eq!(
        infragen(ws.path(), &["build", "reference.kdl", "--out", "out"])
            .status
            .code(),
        Some(0)
    );
    let before = lock_entries(&lock);
    assert_eq!(before.len(), 73 + 1, "73 AWS hosts and the Azure gateway");

    let text = fs::read_to_string(&spec).unwrap();
    let grown = text
        .replace("group \"app\" count=52", "group \"app\" count=60")
        .replace("group \"legacy\" count=8", "group \"legacy\" count=6")
        .replace(
            "    host \"haproxy\"",
            "    group \"worker\" count=5 type=\"m5.large\" {\n        subnets \"core/private-a\" \"core/private-b\"\n        security-groups \"app\" \"node-exporter\"\n    }\n    host \"haproxy\"",
        );
    assert_ne!(grown, text);
    fs::write(&spec, grown).unwrap();
    let locked = infragen(
        ws.path(),
        &["build", "reference.kdl", "--out", "out", "--locked"],
    );
    assert_eq!(
        locked.status.code(),
        Some(1),
        "--locked must refuse a changing lock"
    );
    let r = infragen(ws.path(), &["build", "reference.kdl", "--out", "out"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let after = lock_entries(&lock);
    for (host, addr) in &before {
        if host == "legacy-07" || host == "legacy-08" {
            assert!(
                !after.contains_key(host),
                "{host} was removed from the spec"
            );
            continue;
        }
        assert_eq!(after.get(host), Some(addr), "{host} moved");
    }
    assert!(after.contains_key("worker-01") && after.contains_key("app-60"));
    let r = infragen(
        ws.path(),
        &["build", "reference.kdl", "--out", "out", "--locked"],
    );
    assert_eq!(r.status.code(), Some(0), "the lock is now current");
}

#[test]
fn graph_renders_for_graphviz_and_mermaid() {
    let reference = examples().join("reference.kdl");
    let dot = infragen(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["graph", reference.to_str().unwrap(), "--format", "dot"],
    );
    assert_eq!(dot.status.code(), Some(0));
    let mermaid = infragen(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["graph", reference.to_str().unwrap(), "--format", "mermaid"],
    );
    assert!(String::from_utf8_lossy(&mermaid.stdout).starts_with("%% generated by infragen"));
    let Some(dot_bin) = tools::require("dot") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.dot");
    fs::write(&file, &dot.stdout).unwrap();
    let out = tools::run(Command::new(dot_bin).arg("-Tsvg").arg(&file));
    assert!(
        out.status.success(),
        "dot rejected the graph: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

/// `(name, private_ip)` of every host of group `group` in hosts.tf, in the
/// order Terraform's `for_each` map lists them (its keys are the names).
fn hosts_tf_entries(out: &Path, group: &str) -> Vec<(String, String)> {
    let text = fs::read_to_string(out.join("terraform/hosts.tf")).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{group} = {{")))
        .unwrap_or_else(|| panic!("no `{group}` in hosts.tf:\n{text}"));
    line.split("\" = { subnet_id")
        .zip(line.split("private_ip = \"").skip(1))
        .map(|(key, ip)| {
            let name = key.rsplit('"').next().unwrap().to_string();
            (name, ip.split('"').next().unwrap().to_string())
        })
        .collect()
}

#[test]
fn resizing_across_digit_boundaries_renames_no_host() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("resize.kdl");
    let write = |count: usize| {
        fs::write(
            &spec,
            format!(
                r#"project "resize" {{
    owner "ops@example.com"
}}
vpc "core" region="eu-west-1" cidr="10.0.0.0/16" {{
    subnet "a" zone="eu-west-1a" cidr="10.0.0.0/24"
    subnet "b" zone="eu-west-1b" cidr="10.0.1.0/24"
}}
fleet {{
    group "app" count={count} type="t3.small" os="ubuntu-24.04" monitored=#false {{
        subnets "core/a" "core/b"
    }}
}}
"#
            ),
        )
        .unwrap();
    };
    // (count, hosts.tf entries, lock entries) of the previous build.
    type Build = (usize, Vec<(String, String)>, BTreeMap<String, String>);
    let mut previous: Option<Build> = None;
    for count in [9, 10, 9, 10, 99, 100, 101, 99, 100, 9] {
        write(count);
        let r = infragen(dir.path(), &["build", "resize.kdl", "--out", "out"]);
        assert_eq!(
            r.status.code(),
            Some(0),
            "count={count}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let hosts = hosts_tf_entries(&dir.path().join("out"), "app");
        assert_eq!(hosts.len(), count);
        for (i, (name, _)) in hosts.iter().enumerate() {
            assert_eq!(name, &format!("app-{:02}", i + 1), "count={count}");
        }
        let lock = lock_entries(&dir.path().join("resize.lock"));
        assert_eq!(lock.len(), count, "the lock lists exactly the hosts");
        for (name, ip) in &hosts {
            assert!(
                lock[name].ends_with(&format!(" {ip}")),
                "{name}: hosts.tf says {ip}, the lock says {}",
                lock[name]
            );
        }
        if let Some((before, old_hosts, old_lock)) = &previous {
            let kept = (*before).min(count);
            assert_eq!(
                old_hosts[..kept],
                hosts[..kept],
                "{before} → {count}: a surviving host changed its name (Terraform key) or address"
            );
            for (name, _) in &hosts[..kept] {
                assert_eq!(
                    old_lock.get(name),
                    lock.get(name),
                    "{before} → {count}: {name}"
                );
            }
        }
        previous = Some((count, hosts, lock));
    }
}

#[test]
fn digits_raises_the_minimum_width() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("digits.kdl"),
        r#"project "digits" {
    owner "ops@example.com"
}
vpc "core" region="eu-west-1" cidr="10.0.0.0/16" {
    subnet "a" zone="eu-west-1a" cidr="10.0.0.0/24"
}
fleet {
    group "app" count=3 digits=3 type="t3.small" os="ubuntu-24.04" monitored=#false {
        subnets "core/a"
    }
}
"#,
    )
    .unwrap();
    let r = infragen(dir.path(), &["build", "digits.kdl", "--out", "out"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let names: Vec<String> = hosts_tf_entries(&dir.path().join("out"), "app")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["app-001", "app-002", "app-003"]);
}
