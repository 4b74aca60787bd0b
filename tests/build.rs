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

    // A file infragen did not write is ignored; one the tree's manifest
    // lists but the build no longer writes is reported.
    fs::write(ws.path().join("out/stray.txt"), "x").unwrap();
    let ignored = build(&["--check"]);
    assert_eq!(
        ignored.status.code(),
        Some(0),
        "{}",
        tools::describe(&ignored)
    );
    fs::write(
        &manifest,
        original.replacen(
            "\"files\": [",
            "\"files\": [\n    {\"path\": \"stray.txt\", \"mode\": \"644\", \"sources\": []},",
            1,
        ),
    )
    .unwrap();
    let removed = build(&["--check"]);
    assert_eq!(removed.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&removed.stdout).contains("removed: stray.txt"),
        "{}",
        tools::describe(&removed)
    );
    fs::write(&manifest, &original).unwrap();
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
    fs::write(ws.path().join("out/terraform/providers.tf"), "old contents").unwrap();
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
    assert!(String::from_utf8_lossy(&dot.stdout).starts_with("// generated by infragen"));
}

#[test]
#[ignore = "needs graphviz dot: tests/scripts/test.sh runs it"]
fn graphviz_renders_the_dot_graph() {
    let reference = examples().join("reference.kdl");
    let dot = infragen(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["graph", reference.to_str().unwrap(), "--format", "dot"],
    );
    assert_eq!(dot.status.code(), Some(0));
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

// ---------------------------------------------------------------------
// Output ownership (issue 11) and safe output trees (issue 9).

fn run_ok(cwd: &Path, args: &[&str]) -> Output {
    let out = infragen(cwd, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}\n{}",
        tools::describe(&out)
    );
    out
}

/// Every entry under `dir` from lstat (symlinks are recorded, not followed):
/// path → (kind, bytes or link target, mode).
fn snapshot(dir: &Path) -> BTreeMap<String, (char, Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (char, Vec<u8>, u32)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let m = fs::symlink_metadata(&p).unwrap();
            let mode = m.permissions().mode() & 0o7777;
            if m.file_type().is_symlink() {
                let target = fs::read_link(&p).unwrap();
                out.insert(rel, ('l', target.to_string_lossy().as_bytes().to_vec(), 0));
            } else if m.is_dir() {
                out.insert(rel, ('d', Vec::new(), mode));
                walk(root, &p, out);
            } else if m.is_file() {
                out.insert(rel, ('f', fs::read(&p).unwrap(), mode));
            } else {
                out.insert(rel, ('o', Vec::new(), mode));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Terraform's working files and a user's notes, as `terraform init/apply`
/// and a user leave them in the generated tree.
fn user_files(out: &Path) -> Vec<(&'static str, &'static [u8])> {
    let files: Vec<(&str, &[u8])> = vec![
        (
            "terraform/.terraform/providers/registry.terraform.io/hashicorp/aws/5.0.0/linux_amd64/terraform-provider-aws",
            b"\x7fELF fake provider",
        ),
        (
            "terraform/.terraform/terraform.tfstate",
            b"{\"backend\": {\"type\": \"s3\"}}\n",
        ),
        (
            "terraform/.terraform.lock.hcl",
            b"# This file is maintained automatically by \"terraform init\".\n",
        ),
        (
            "terraform/terraform.tfstate",
            b"{\"version\": 4, \"serial\": 7}\n",
        ),
        (
            "terraform/terraform.tfstate.backup",
            b"{\"version\": 4, \"serial\": 6}\n",
        ),
        ("terraform/x.auto.tfvars", b"instance_count = 3\n"),
        ("terraform/prod.tfvars", b"env = \"prod\"\n"),
        ("terraform/crash.log", b"panic: boom\n"),
        ("NOTES.md", b"unrelated file\n"),
    ];
    for (rel, bytes) in &files {
        let p = out.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, bytes).unwrap();
    }
    std::os::unix::fs::symlink(
        "terraform-provider-aws",
        out.join("terraform/.terraform/providers/registry.terraform.io/hashicorp/aws/5.0.0/linux_amd64/link"),
    )
    .unwrap();
    files
}

#[test]
fn rebuild_keeps_terraform_working_files_and_unrelated_files() {
    let (ws, spec) = workspace("small");
    run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    let out = ws.path().join("out");
    let files = user_files(&out);
    let before = snapshot(&out);

    // Unchanged spec, then a changed one: both keep every user file.
    let r = run_ok(ws.path(), &["build", "small.kdl", "-o", "out"]);
    assert!(
        stderr_of(&r).contains("0 written, ") && stderr_of(&r).contains("10 carried over"),
        "{}",
        stderr_of(&r)
    );
    assert_eq!(snapshot(&out), before, "a rebuild changed the tree");
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replace("retention=\"15d\"", "retention=\"16d\""),
    )
    .unwrap();
    run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    let after = snapshot(&out);
    for (rel, bytes) in &files {
        assert_eq!(after[*rel].1, *bytes, "{rel} changed");
    }
    let link =
        "terraform/.terraform/providers/registry.terraform.io/hashicorp/aws/5.0.0/linux_amd64/link";
    assert_eq!(
        after[link], before[link],
        "the symlink was not kept as a symlink"
    );

    // --check ignores them, and says so.
    let check = run_ok(
        ws.path(),
        &["build", "small.kdl", "--out", "out", "--check"],
    );
    assert!(
        stderr_of(&check).contains("10 files infragen did not write were ignored"),
        "{}",
        stderr_of(&check)
    );
    // … but reports a hand-edited file that infragen owns.
    let prom = out.join("prometheus/prometheus.yml");
    let mut edited = fs::read_to_string(&prom).unwrap();
    edited.push_str("# hand edit\n");
    fs::write(&prom, edited).unwrap();
    let check = infragen(
        ws.path(),
        &["build", "small.kdl", "--out", "out", "--check"],
    );
    assert_eq!(check.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("-# hand edit"),
        "{}",
        tools::describe(&check)
    );
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_foreign_manifest_is_refused_and_left_untouched() {
    let (ws, _) = workspace("small");
    let app = ws.path().join("app");
    fs::create_dir_all(app.join("static")).unwrap();
    fs::write(
        app.join("manifest.json"),
        "{\"name\": \"my web app\", \"start_url\": \"/\"}\n",
    )
    .unwrap();
    fs::write(app.join("static/index.html"), "<html></html>\n").unwrap();
    let before = snapshot(&app);
    let r = infragen(ws.path(), &["build", "small.kdl", "--out", "app"]);
    assert_eq!(r.status.code(), Some(2), "{}", tools::describe(&r));
    assert!(
        stderr_of(&r).contains("not written by infragen"),
        "{}",
        stderr_of(&r)
    );
    assert!(
        stderr_of(&r).starts_with("infragen build: "),
        "{}",
        stderr_of(&r)
    );
    assert_eq!(snapshot(&app), before);
    // Not JSON at all, or a symlink named manifest.json: refused too.
    fs::write(app.join("manifest.json"), "not json").unwrap();
    assert_eq!(
        infragen(ws.path(), &["build", "small.kdl", "--out", "app"])
            .status
            .code(),
        Some(2)
    );
    fs::remove_file(app.join("manifest.json")).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", app.join("manifest.json")).unwrap();
    assert_eq!(
        infragen(ws.path(), &["build", "small.kdl", "--out", "app"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        fs::read_to_string(app.join("static/index.html")).unwrap(),
        "<html></html>\n"
    );
}

#[test]
fn a_file_that_cannot_be_carried_is_refused_with_the_list() {
    let (ws, _) = workspace("small");
    run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    let out = ws.path().join("out");
    // A hand-made file at a path the next build writes: the manifest does
    // not list it (as after a spec change that adds the file).
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let mut v2 = v.clone();
    v2["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["path"] != "prometheus/prometheus.yml");
    fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&v2).unwrap(),
    )
    .unwrap();
    // And a FIFO.
    let fifo = out.join("terraform/pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let before = snapshot(&out);
    let r = infragen(ws.path(), &["build", "small.kdl", "--out", "out"]);
    assert_eq!(r.status.code(), Some(2), "{}", tools::describe(&r));
    let err = stderr_of(&r);
    assert!(
        err.contains("prometheus/prometheus.yml") && err.contains("terraform/pipe"),
        "{err}"
    );
    assert_eq!(snapshot(&out), before, "a refused build changed the tree");
    // --check does not hang on the FIFO and ignores it.
    let check = infragen(
        ws.path(),
        &["build", "small.kdl", "--out", "out", "--check"],
    );
    assert_eq!(check.status.code(), Some(1), "{}", tools::describe(&check));
}

#[test]
fn check_never_follows_a_symlink_and_never_prints_secrets() {
    let (ws, _) = workspace("reference");
    run_ok(ws.path(), &["build", "reference.kdl", "--out", "out"]);
    let out = ws.path().join("out");
    let prom = out.join("prometheus/prometheus.yml");
    fs::remove_file(&prom).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", &prom).unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(ws.path())
        .args(["build", "reference.kdl", "--out", "out", "--check"])
        .env("CANARY_IN_THE_ENVIRONMENT", "SENTINEL-environ-4711")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1), "{}", tools::describe(&r));
    let all = tools::combined(&r);
    assert!(
        !all.contains("SENTINEL-environ-4711"),
        "--check followed the symlink:\n{all}"
    );
    assert!(
        all.contains("changed: prometheus/prometheus.yml is a symlink"),
        "{all}"
    );
    // The output directory itself as a symlink: refused, not followed.
    std::os::unix::fs::symlink("out", ws.path().join("link")).unwrap();
    for extra in [&["--check"][..], &[]] {
        let mut args = vec!["build", "reference.kdl", "--out", "link"];
        args.extend_from_slice(extra);
        let r = infragen(ws.path(), &args);
        assert_eq!(r.status.code(), Some(2), "{args:?} {}", tools::describe(&r));
    }
}

/// The secret variables of examples/reference.kdl, with sentinel values.
const SENTINELS: &[(&str, &str)] = &[
    ("IPSEC_PSK", "SENTINEL-psk-c0ffee"),
    ("PG_REPLICATION_PASSWORD", "SENTINEL-repl-c0ffee"),
    ("PG_SUPERUSER_PASSWORD", "SENTINEL-super-c0ffee"),
    (
        "GCHAT_WEBHOOK_URL",
        "https://chat.example/SENTINEL-hook-c0ffee",
    ),
];

fn with_sentinels(cwd: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_infragen"));
    cmd.current_dir(cwd).args(args).env("NO_COLOR", "1");
    for (k, v) in SENTINELS {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn assert_no_sentinel(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !text.contains("SENTINEL-"),
        "a secret leaked into {what}:\n{text}"
    );
}

/// Issue 9, "Done when" #2 (build, --check both ways, graph). The `lint`
/// half is `lint_of_a_literal_secret_never_echoes_it` below.
#[test]
fn secrets_never_leave_their_files() {
    use sha2::Digest;
    use std::os::unix::fs::PermissionsExt;
    let (ws, _) = workspace("reference");
    let placeholders = run_ok(
        ws.path(),
        &["build", "reference.kdl", "--out", "placeholders"],
    );
    let filled = with_sentinels(
        ws.path(),
        &[
            "build",
            "reference.kdl",
            "--out",
            "filled",
            "--secrets-from-env",
        ],
    );
    assert_eq!(
        filled.status.code(),
        Some(0),
        "{}",
        tools::describe(&filled)
    );
    let filled_tree = snapshot(&ws.path().join("filled"));
    let secret_files: Vec<&String> = filled_tree
        .iter()
        .filter(|(_, (k, bytes, _))| {
            *k == 'f' && String::from_utf8_lossy(bytes).contains("SENTINEL-")
        })
        .map(|(p, _)| p)
        .collect();
    assert!(
        secret_files.iter().any(|p| p.ends_with("ipsec.secrets"))
            && secret_files.iter().any(|p| p.ends_with("patroni.yml")),
        "the sentinels were not filled in: {secret_files:?}"
    );
    let hashes: Vec<String> = secret_files
        .iter()
        .map(|p| {
            sha2::Sha256::digest(&filled_tree[*p].1)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect();
    let mut outputs = vec![
        (
            "build stdout+stderr".to_string(),
            tools::combined(&placeholders).into_bytes(),
        ),
        (
            "build --secrets-from-env stdout+stderr".to_string(),
            tools::combined(&filled).into_bytes(),
        ),
    ];
    // --check of a filled build against a placeholder tree, and of a
    // placeholder build against a filled tree: drift, named, not shown.
    let up = with_sentinels(
        ws.path(),
        &[
            "build",
            "reference.kdl",
            "--out",
            "placeholders",
            "--check",
            "--secrets-from-env",
        ],
    );
    let down = with_sentinels(
        ws.path(),
        &["build", "reference.kdl", "--out", "filled", "--check"],
    );
    for (name, r) in [("--check --secrets-from-env", &up), ("--check", &down)] {
        assert_eq!(r.status.code(), Some(1), "{name}: {}", tools::describe(r));
        let stdout = String::from_utf8_lossy(&r.stdout);
        assert!(
            stdout.contains(
                "changed: ipsec/vpn-aws/ipsec.secrets (holds secrets: contents not shown)"
            ),
            "{name}: {stdout}"
        );
        assert!(
            !stdout.contains("manifest.json"),
            "{name}: the manifest differs between filled and placeholder builds:\n{stdout}"
        );
        outputs.push((name.to_string(), tools::combined(r).into_bytes()));
    }
    let graph = with_sentinels(ws.path(), &["graph", "reference.kdl"]);
    assert_eq!(graph.status.code(), Some(0));
    outputs.push(("graph".into(), tools::combined(&graph).into_bytes()));
    for (rel, (kind, bytes, mode)) in &filled_tree {
        if *kind == 'f' && mode & 0o077 != 0 {
            outputs.push((format!("{rel} (mode {mode:o})"), bytes.clone()));
        }
    }
    for (what, bytes) in &outputs {
        assert_no_sentinel(what, bytes);
        let text = String::from_utf8_lossy(bytes);
        for h in &hashes {
            assert!(
                !text.contains(h.as_str()),
                "the hash of a secret file is in {what}"
            );
        }
    }
    // And the secret files themselves are 0600.
    for p in &secret_files {
        let mode = fs::metadata(ws.path().join("filled").join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{p}");
    }
}

/// The `lint` half of issue 9's sentinel test: diagnostics must not echo a
/// literal secret, in the message or in any snippet of any diagnostic.
#[test]
fn lint_of_a_literal_secret_never_echoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = r#"vpc "core" region="us-east-1" cidr="10.0.0.0/16" {
    subnet "a" zone="us-east-1a" cidr="10.0.1.0/24"
}
postgres-cluster "db" version=15 {
    superuser "postgres" password="SENTINEL-literal-c0ffee"
}
vpn "v" {
    psk "SENTINEL-literal-psk-c0ffee"
}
"#;
    fs::write(dir.path().join("s.kdl"), spec).unwrap();
    for format in ["human", "json", "sarif"] {
        let r = infragen(dir.path(), &["lint", "s.kdl", "--format", format]);
        assert_eq!(r.status.code(), Some(1), "{}", tools::describe(&r));
        assert_no_sentinel(
            &format!("lint --format {format}"),
            &tools::combined(&r).into_bytes(),
        );
    }
    let r = infragen(dir.path(), &["graph", "s.kdl"]);
    assert_no_sentinel("graph", &tools::combined(&r).into_bytes());
    let r = infragen(dir.path(), &["build", "s.kdl", "--out", "out"]);
    assert_no_sentinel("build", &tools::combined(&r).into_bytes());
}

#[test]
fn a_spec_inside_the_output_directory_is_kept() {
    let (ws, _) = workspace("small");
    run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    fs::rename(ws.path().join("small.kdl"), ws.path().join("out/small.kdl")).unwrap();
    fs::rename(
        ws.path().join("small.lock"),
        ws.path().join("out/small.lock"),
    )
    .unwrap();
    let spec = fs::read(ws.path().join("out/small.kdl")).unwrap();
    run_ok(ws.path(), &["build", "out/small.kdl", "--out", "out"]);
    run_ok(ws.path(), &["build", "out/small.kdl", "--out", "out"]);
    assert_eq!(fs::read(ws.path().join("out/small.kdl")).unwrap(), spec);
    assert!(ws.path().join("out/small.lock").is_file());
    run_ok(
        ws.path(),
        &["build", "out/small.kdl", "--out", "out", "--check"],
    );
    // A spec at a path the build writes would be replaced: refused.
    let hosts_tf = ws.path().join("out/terraform/hosts.tf");
    fs::write(&hosts_tf, &spec).unwrap();
    let before = snapshot(&ws.path().join("out"));
    let r = infragen(
        ws.path(),
        &["build", "out/terraform/hosts.tf", "--out", "out"],
    );
    assert_eq!(r.status.code(), Some(2), "{}", tools::describe(&r));
    assert!(
        stderr_of(&r).contains("at a path the build writes"),
        "{}",
        stderr_of(&r)
    );
    assert_eq!(snapshot(&ws.path().join("out")), before);
}

#[test]
fn out_on_the_spec_or_its_lock_is_refused_early() {
    let (ws, _) = workspace("small");
    let before = snapshot(ws.path());
    for out in ["small.lock", "small.kdl", "./small.lock"] {
        let r = infragen(ws.path(), &["build", "small.kdl", "--out", out]);
        assert_eq!(r.status.code(), Some(2), "{out}: {}", tools::describe(&r));
        assert_eq!(snapshot(ws.path()), before, "{out}: something was written");
    }
    // Without a lock yet, too: no `small.lock` directory, no tmp file.
    fs::remove_file(ws.path().join("small.lock")).unwrap();
    let r = infragen(ws.path(), &["build", "small.kdl", "--out", "small.lock"]);
    assert_eq!(r.status.code(), Some(2), "{}", tools::describe(&r));
    let names: Vec<String> = fs::read_dir(ws.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["small.kdl"]);
    run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
}

#[test]
fn umask_000_still_writes_exact_modes() {
    use std::os::unix::fs::PermissionsExt;
    let (ws, _) = workspace("reference");
    fs::remove_file(ws.path().join("reference.lock")).unwrap();
    let r = Command::new("sh")
        .current_dir(ws.path())
        .args([
            "-c",
            "umask 000 && exec \"$0\" build reference.kdl --out out",
            env!("CARGO_BIN_EXE_infragen"),
        ])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", tools::describe(&r));
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&ws.path().join("reference.lock")), 0o644);
    assert_eq!(mode(&ws.path().join("out")), 0o755);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(ws.path().join("out/manifest.json")).unwrap()).unwrap();
    let modes: BTreeMap<&str, &str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(modes["ipsec/vpn-aws/ipsec.secrets"], "600");
    assert_eq!(modes["s3-migration/virginia-to-mumbai.sh"], "755");
    for (rel, (kind, _, m)) in snapshot(&ws.path().join("out")) {
        let want = match kind {
            'd' => 0o755,
            _ if rel == "manifest.json" => 0o644,
            _ => u32::from_str_radix(modes[rel.as_str()], 8).unwrap(),
        };
        assert_eq!(m, want, "{rel}: {m:o}");
    }
}

#[test]
fn the_lock_is_checked_not_silently_rewritten() {
    let (ws, _) = workspace("small");
    let lock = ws.path().join("small.lock");
    let text = fs::read_to_string(&lock).unwrap();
    // A host listed twice: an error, even under --locked (last wins would pass).
    fs::write(&lock, format!("{text}web-01 main/private-a 10.30.10.99\n")).unwrap();
    for extra in [&["--locked"][..], &[]] {
        let mut args = vec!["build", "small.kdl", "--out", "out"];
        args.extend_from_slice(extra);
        let r = infragen(ws.path(), &args);
        assert_eq!(
            r.status.code(),
            Some(2),
            "{args:?}: {}",
            tools::describe(&r)
        );
        assert!(
            stderr_of(&r).contains("web-01") && stderr_of(&r).contains("twice"),
            "{}",
            stderr_of(&r)
        );
    }
    // An entry the build cannot keep (outside its subnet): a warning that
    // names it, and the rewrite.
    fs::write(
        &lock,
        text.replace(
            "web-01 main/private-a 10.30.10.4",
            "web-01 main/private-a 10.99.0.4",
        ),
    )
    .unwrap();
    let r = infragen(
        ws.path(),
        &["build", "small.kdl", "--out", "out", "--locked"],
    );
    assert_eq!(r.status.code(), Some(1), "{}", tools::describe(&r));
    let r = run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    assert!(
        stderr_of(&r).contains("warning")
            && stderr_of(&r).contains("`web-01 main/private-a 10.99.0.4` cannot be kept"),
        "{}",
        stderr_of(&r)
    );
    assert!(
        stderr_of(&r).contains("small.lock updated (0 hosts added, 0 removed, 1 moved)"),
        "{}",
        stderr_of(&r)
    );
}

fn temp_dirs(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".infragen-"))
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

#[test]
fn a_kill_between_the_fallback_renames_is_recovered() {
    let (ws, spec) = workspace("small");
    run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    let before = snapshot(&ws.path().join("out"));
    let text = fs::read_to_string(&spec).unwrap();
    fs::write(
        &spec,
        text.replace("retention=\"15d\"", "retention=\"16d\""),
    )
    .unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(ws.path())
        .args(["build", "small.kdl", "--out", "out"])
        .env("INFRAGEN_TEST_SWAP", "abort-between-renames")
        .output()
        .unwrap();
    assert!(!r.status.success());
    assert!(
        !ws.path().join("out").exists(),
        "the abort happens between the renames"
    );
    // The next build puts the old tree back first, then builds.
    fs::write(&spec, &text).unwrap();
    let r = run_ok(ws.path(), &["build", "small.kdl", "--out", "out"]);
    assert!(
        stderr_of(&r).contains("restored the previous tree"),
        "{}",
        stderr_of(&r)
    );
    assert_eq!(snapshot(&ws.path().join("out")), before);
    assert_eq!(temp_dirs(ws.path()), Vec::<String>::new());
    // The fallback itself works.
    fs::write(
        &spec,
        text.replace("retention=\"15d\"", "retention=\"16d\""),
    )
    .unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(ws.path())
        .args(["build", "small.kdl", "--out", "out"])
        .env("INFRAGEN_TEST_SWAP", "renames")
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", tools::describe(&r));
    assert!(
        fs::read_to_string(ws.path().join("out/prometheus/prometheus.yml"))
            .unwrap()
            .contains("16d")
    );
    assert_eq!(temp_dirs(ws.path()), Vec::<String>::new());
}

/// 200 kill -9 at random points of a build (half of them with the
/// two-rename fallback): DIR is always the old tree or the new one (with
/// the user's files), never a mix, and the next build leaves no temporary.
#[test]
fn kill_9_at_random_points_leaves_the_old_or_the_new_tree() {
    let ws = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(examples().join("small.kdl")).unwrap();
    let variants = [
        text.clone(),
        text.replace("retention=\"15d\"", "retention=\"16d\""),
    ];
    assert_ne!(variants[0], variants[1]);
    let mut expected = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let d = ws.path().join(format!("v{i}"));
        fs::create_dir(&d).unwrap();
        fs::write(d.join("small.kdl"), v).unwrap();
        fs::copy(examples().join("small.lock"), d.join("small.lock")).unwrap();
        run_ok(&d, &["build", "small.kdl", "--out", "expected"]);
        expected.push(snapshot(&d.join("expected")));
    }
    let out = ws.path().join("out");
    run_ok(
        &ws.path().join("v0"),
        &["build", "small.kdl", "--out", "../out"],
    );
    let files = user_files(&out);
    let carried: Vec<String> = snapshot(&out)
        .into_keys()
        .filter(|k| !expected[0].contains_key(k))
        .collect();
    let user = |snap: &BTreeMap<String, (char, Vec<u8>, u32)>| {
        snap.iter()
            .filter(|(k, _)| carried.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let user_before = user(&snapshot(&out));
    assert_eq!(user_before.len(), carried.len());
    assert!(files.len() < carried.len());
    let strip = |snap: BTreeMap<String, (char, Vec<u8>, u32)>| {
        snap.into_iter()
            .filter(|(k, _)| !carried.contains(k))
            .collect::<BTreeMap<_, _>>()
    };

    // How long one build takes, to spread the kills over all of it.
    let t0 = std::time::Instant::now();
    run_ok(
        &ws.path().join("v1"),
        &["build", "small.kdl", "--out", "../out"],
    );
    let span = t0.elapsed().as_micros() as u64 * 3 / 2 + 1;
    let mut seed: u64 = std::env::var("INFRAGEN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("kill test: seed {seed} (INFRAGEN_TEST_SEED), kills within {span} µs");
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut outcomes = [0usize; 3]; // old/new, missing-but-recoverable, finished
    for i in 0..200 {
        let variant = i % 2;
        let fallback = (i / 2) % 2 == 1;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_infragen"));
        cmd.current_dir(ws.path().join(format!("v{variant}")))
            .args(["build", "small.kdl", "--out", "../out"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if fallback {
            cmd.env("INFRAGEN_TEST_SWAP", "renames");
        }
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(next() % span));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        if !out.exists() {
            // Only the fallback, killed between its renames: the old tree
            // waits whole beside DIR for the next build to restore it.
            assert!(fallback, "iteration {i}: DIR missing without the fallback");
            let olds: Vec<String> = temp_dirs(ws.path())
                .into_iter()
                .filter(|n| n.contains("-old-"))
                .collect();
            assert_eq!(olds.len(), 1, "iteration {i}: {olds:?}");
            let old = strip(snapshot(&ws.path().join(&olds[0])));
            assert!(
                old == expected[0] || old == expected[1],
                "iteration {i}: the saved tree is a mix"
            );
            outcomes[1] += 1;
            // Restore it now, as the next build does.
            run_ok(
                &ws.path().join("v0"),
                &["build", "small.kdl", "--out", "../out"],
            );
            continue;
        }
        let snap = snapshot(&out);
        assert_eq!(
            user(&snap),
            user_before,
            "iteration {i}: the user's files changed"
        );
        let tree = strip(snap);
        assert!(
            tree == expected[0] || tree == expected[1],
            "iteration {i} (variant {variant}, fallback {fallback}): a mix of trees"
        );
        outcomes[if finished { 2 } else { 0 }] += 1;
    }
    eprintln!("kill test: {outcomes:?} (killed, missing-and-restored, finished before the kill)");
    assert!(
        outcomes[0] > 0,
        "no kill landed during a build: {outcomes:?}"
    );
    run_ok(
        &ws.path().join("v1"),
        &["build", "small.kdl", "--out", "../out"],
    );
    assert_eq!(
        temp_dirs(ws.path()),
        Vec::<String>::new(),
        "temporaries left after the next build"
    );
    assert_eq!(strip(snapshot(&out)), expected[1]);
    assert_eq!(user(&snapshot(&out)), user_before);
}

/// An Azure spec whose one NSG holds `ingress` + `egress` rules.
fn azure_nsg_spec(ingress: u32, egress: u32) -> String {
    let mut s = String::from(
        "project \"acme\" {\n    owner \"sre@acme.example\"\n}\n\
         vnet \"hub\" region=\"westeurope\" resource-group=\"acme-hub\" cidr=\"10.40.0.0/16\" {\n    subnet \"workloads\" cidr=\"10.40.1.0/24\"\n}\n\
         security-group \"edge\" vnet=\"hub\" {\n",
    );
    for p in 1..=ingress {
        s.push_str(&format!("    ingress tcp {p} from=\"vnet:hub\"\n"));
    }
    for p in 1..=egress {
        s.push_str(&format!("    egress tcp {p} to=\"vnet:hub\"\n"));
    }
    s.push_str(
        "}\nfleet {\n    host \"edge\" type=\"Standard_B2s\" {\n        subnets \"hub/workloads\"\n        security-groups \"edge\"\n    }\n}\n\
         baseline {\n    admin \"sre\" ssh-key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNy sre@example\"\n}\n",
    );
    s
}

/// (direction, priority) of every `azurerm_network_security_rule`.
fn nsg_priorities(azure_tf: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut current: Option<(Option<String>, Option<u32>)> = None;
    for line in azure_tf.lines() {
        if line.starts_with("resource \"azurerm_network_security_rule\"") {
            current = Some((None, None));
        } else if line == "}" {
            if let Some((Some(d), Some(p))) = current.take() {
                out.push((d, p));
            }
        } else if let Some((d, p)) = current.as_mut()
            && let Some((k, v)) = line.split_once('=')
        {
            match k.trim() {
                "direction" => *d = Some(v.trim().trim_matches('"').to_string()),
                "priority" => *p = v.trim().parse().ok(),
                _ => {}
            }
        }
    }
    out
}

/// Azure NSG rule priorities are unique per direction and stay below the
/// deny rules (4000 outbound, 4010 inbound) past 390 rules, where counting
/// up by 10 from 100 used to run into them; more than 100–3999 holds in one
/// direction is `nsg-priority-exhausted`, and build refuses the spec.
#[test]
fn azure_nsg_priorities_are_unique_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("big.kdl"), azure_nsg_spec(3000, 900)).unwrap();
    run_ok(dir.path(), &["build", "big.kdl", "--out", "out"]);
    let tf = fs::read_to_string(dir.path().join("out/terraform/azure.tf")).unwrap();
    let rules = nsg_priorities(&tf);
    assert_eq!(
        rules.len(),
        3000 + 900 + 2,
        "allow rules and the two deny rules"
    );
    let mut seen = std::collections::BTreeSet::new();
    for (d, p) in &rules {
        assert!((100..=4096).contains(p), "{d} {p} outside Azure's range");
        assert!(seen.insert((d.clone(), *p)), "{d} priority {p} twice");
    }
    assert!(seen.contains(&("Outbound".into(), 4000)));
    assert!(seen.contains(&("Inbound".into(), 4010)));
    assert!(
        rules.iter().filter(|(_, p)| *p >= 4000).count() == 2,
        "only the deny rules at 4000 and above"
    );

    fs::write(dir.path().join("full.kdl"), azure_nsg_spec(3901, 0)).unwrap();
    let out = infragen(dir.path(), &["build", "full.kdl", "--out", "full"]);
    assert!(!out.status.success(), "build of an NSG past its priorities");
    assert!(
        stderr_of(&out).contains("nsg-priority-exhausted"),
        "{}",
        stderr_of(&out)
    );
    assert!(!dir.path().join("full").exists());
}
