//! Finding and running the real tools that check infragen's outputs (promtool,
//! patroni, haproxy, terraform, checkov, strongSwan, ...), for integration tests.
//! `tests/scripts/install-test-tools.sh` installs them; `tests/scripts/test.sh` runs it first.
//!
//! # Use
//!
//! Cargo builds every `tests/*.rs` file as its own crate, and nothing under
//! `tests/support/` as a test crate. Include this file as a module in each test
//! file that needs it:
//!
//! ```ignore
//! #[path = "support/tools.rs"]
//! mod tools;
//!
//! use std::process::Command;
//!
//! #[test]
//! fn prometheus_yml_passes_promtool() {
//!     let Some(promtool) = tools::require("promtool") else { return };
//!     let out = tools::run(Command::new(promtool).args(["check", "config", "prometheus.yml"]));
//!     assert!(out.status.success(), "{}", tools::describe(&out));
//! }
//! ```
//!
//! # Where tools are looked for ([`tool`])
//!
//! 1. `$INFRAGEN_TOOLS/bin` (when `INFRAGEN_TOOLS` is set and not empty),
//! 2. `<repo>/.tools/bin` (the repo root is `CARGO_MANIFEST_DIR`),
//! 3. every directory on `PATH`,
//! 4. then a few fixed Debian locations that are not on a usual `PATH`:
//!    `/usr/lib/postgresql/15/bin` (`postgres`, `initdb`, `pg_ctl`, ...),
//!    `/usr/lib/ipsec` (`starter`, `charon`), `/usr/sbin`, `/sbin`.
//!
//! A name containing `/` is taken as a path and only checked for being an
//! executable file. Known paths on the project's machines (Debian 12):
//! `/usr/bin/promtool`, `/usr/bin/patroni`, `/usr/bin/etcd`, `/usr/sbin/haproxy`,
//! `/usr/lib/postgresql/15/bin/postgres`, `/usr/lib/ipsec/starter`,
//! `/usr/lib/ipsec/charon`, `/usr/sbin/ipsec`, `/usr/bin/cloud-init`,
//! `/usr/bin/shellcheck`, `/usr/bin/dot`, `.tools/bin/terraform` (1.0.3),
//! `.tools/bin/checkov`.
//!
//! # Missing tools ([`require`])
//!
//! Every test that needs an external tool carries
//! `#[ignore = "needs <tool>: tests/scripts/test.sh runs it"]`, so plain
//! `cargo test` lists it as **ignored** (with that reason), never as passed.
//! `tests/scripts/test.sh` installs the tools and runs
//! `cargo test -- --include-ignored`; a test that runs and does not find its
//! tool **fails** (panics naming `tests/scripts/install-test-tools.sh`), in CI
//! and everywhere else. `let Some(..) = require(..) else { return };` stays
//! the call-site idiom (the `else` is never taken).
#![allow(dead_code)]

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Debian directories searched after `PATH`.
const EXTRA_DIRS: &[&str] = &[
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/ipsec",
    "/usr/sbin",
    "/sbin",
];

/// The installer to name in skip and failure messages.
pub const INSTALLER: &str = "tests/scripts/install-test-tools.sh";

/// The repository root (`CARGO_MANIFEST_DIR`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tools directory: `$INFRAGEN_TOOLS` if set and not empty, else `<repo>/.tools`.
pub fn tools_dir() -> PathBuf {
    match env::var_os("INFRAGEN_TOOLS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join(".tools"),
    }
}

/// True when running in CI: env `CI` is set, not empty, and not `false`.
pub fn in_ci() -> bool {
    match env::var("CI") {
        Ok(v) => {
            let v = v.trim();
            !v.is_empty() && !v.eq_ignore_ascii_case("false")
        }
        Err(_) => false,
    }
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(m) => m.is_file() && m.permissions().mode() & 0o111 != 0,
        Err(_) => false,
    }
}

/// The directories [`tool`] searches, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = env::var_os("INFRAGEN_TOOLS").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir).join("bin"));
    }
    dirs.push(repo_root().join(".tools").join("bin"));
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path).filter(|d| !d.as_os_str().is_empty()));
    }
    dirs.extend(EXTRA_DIRS.iter().map(PathBuf::from));
    dirs
}

/// Finds an executable called `name` (see the module docs for the search order).
/// A `name` containing `/` is a path: returned if it is an executable file.
pub fn tool(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable_file(&p).then_some(p);
    }
    search_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable_file(p))
}

/// Reports that `what` is not installed: panics (a test that runs without
/// its tool must fail, never pass; see the module docs).
pub fn missing(what: &str) {
    let how = if in_ci() {
        "CI is set"
    } else {
        "this test is #[ignore]d unless asked for"
    };
    panic!(
        "{what} not installed ({how}): run {INSTALLER} (tests/scripts/test.sh does) so the tests can use it"
    );
}

/// Like [`tool`], but a missing tool panics ([`missing`]).
pub fn require(name: &str) -> Option<PathBuf> {
    let found = tool(name);
    if found.is_none() {
        missing(name);
    }
    found
}

/// Runs `cmd` to completion (no timeout) with stdin closed and stdout/stderr
/// captured. Panics with the command line if it cannot be started.
pub fn run(cmd: &mut Command) -> Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "could not start {}: {e} (is it installed? run {INSTALLER})",
            command_line(cmd)
        ),
    }
}

/// Like [`run`], but also panics, showing status, stdout and stderr, when the
/// command exits unsuccessfully.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    if !out.status.success() {
        panic!("{} failed\n{}", command_line(cmd), describe(&out));
    }
    out
}

/// The command line of `cmd`, for messages.
pub fn command_line(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Exit status, stdout and stderr of a finished command, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout).trim_end(),
        String::from_utf8_lossy(&out.stderr).trim_end()
    )
}

/// stdout and stderr of a finished command, joined (tools differ in which one
/// they print their version to).
pub fn combined(out: &Output) -> String {
    let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    s
}

/// The prerequisites of [`grafana_tscheck`] (node, and `tsc` with `@grafana/schema`
/// under `<tools>/grafana`), with [`require`] semantics. Returns the `tsc` path.
pub fn require_grafana_tscheck() -> Option<PathBuf> {
    let dir = tools_dir().join("grafana");
    let tsc = dir.join("node_modules/.bin/tsc");
    let schema = dir.join("node_modules/@grafana/schema/package.json");
    if tool("node").is_none() {
        missing("node (for the Grafana type-check)");
        return None;
    }
    if !is_executable_file(&tsc) || !schema.is_file() {
        missing(&format!(
            "Grafana type-check ({} with @grafana/schema)",
            tsc.display()
        ));
        return None;
    }
    Some(tsc)
}

/// Type-checks one Grafana dashboard JSON file against `@grafana/schema`'s
/// `Dashboard` type with `tests/scripts/grafana-tscheck.sh` (`tsc --strict`).
/// `Err` holds tsc's output. When the type-checker is not installed: panics.
pub fn grafana_tscheck(path: &Path) -> Result<(), String> {
    if require_grafana_tscheck().is_none() {
        return Ok(());
    }
    let script = repo_root().join("tests/scripts/grafana-tscheck.sh");
    let out = run(Command::new("bash")
        .arg(&script)
        .arg(path)
        .env("INFRAGEN_TOOLS", tools_dir()));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(3) => {
            missing("Grafana type-check");
            Ok(())
        }
        _ => Err(format!(
            "{} is not a valid Grafana dashboard:\n{}",
            path.display(),
            describe(&out)
        )),
    }
}

/// The prerequisite of [`validate_sarif`] (the jsonschema venv's python), with
/// [`require`] semantics.
pub fn require_sarif_validator() -> Option<PathBuf> {
    let python = tools_dir().join("py-venv/bin/python");
    if is_executable_file(&python) {
        Some(python)
    } else {
        missing(&format!(
            "SARIF validator ({} with jsonschema)",
            python.display()
        ));
        None
    }
}

/// Validates a SARIF log against the official SARIF 2.1.0 JSON schema
/// (`tests/fixtures/sarif-schema-2.1.0.json`) with `tests/scripts/validate-sarif.py`.
/// `Err` lists the schema errors. When the validator is not installed: panics.
pub fn validate_sarif(path: &Path) -> Result<(), String> {
    let Some(python) = require_sarif_validator() else {
        return Ok(());
    };
    let script = repo_root().join("tests/scripts/validate-sarif.py");
    let out = run(Command::new(python)
        .arg(&script)
        .arg(path)
        .env("INFRAGEN_TOOLS", tools_dir()));
    match out.status.code() {
        Some(0) => Ok(()),
        Some(3) => {
            missing("SARIF validator (jsonschema)");
            Ok(())
        }
        _ => Err(format!(
            "{} is not valid SARIF 2.1.0:\n{}",
            path.display(),
            describe(&out)
        )),
    }
}

/// A `Command` for `program` with the environment the tools want here: no
/// Terraform update check (`CHECKPOINT_DISABLE=1`), and `$INFRAGEN_TOOLS/bin`
/// first on `PATH` so helper processes find the same tools.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("CHECKPOINT_DISABLE", "1");
    let mut path = vec![tools_dir().join("bin")];
    if let Some(p) = env::var_os("PATH") {
        path.extend(env::split_paths(&p));
    }
    if let Ok(joined) = env::join_paths(path) {
        cmd.env("PATH", joined);
    }
    cmd
}
