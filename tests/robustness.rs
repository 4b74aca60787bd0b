//! No input makes infragen panic.
//!
//! 1. Every `tests/corpus/*.kdl` (hand-written broken specs) goes through the
//!    real binary: `infragen lint FILE --format json` must exit 1 with valid
//!    JSON and at least one diagnostic, or 2 with a message on stderr. Never a
//!    panic (101) or a signal (stack overflow → SIGABRT).
//! 2. `examples/reference.kdl` cut at ~200 evenly spaced offsets is checked
//!    in-process: no panic, and an error whenever the cut is not valid KDL
//!    closed at the top level.
//! 3. The benchmark generator (`examples/gen.rs`) prints specs with no error.
//! 4. proptest: arbitrary bytes and random edits of the reference never make
//!    `pipeline::check` panic; edited references that lint clean also build
//!    (every emitter, in memory), within a time budget.
//! 5. The crash inputs of issue 9 (tests/corpus: a diagnostic past column
//!    65 535, a KDL v1 raw string `r"\"` before deep nesting, 16 nested
//!    `/-{` before a long token, a huge invalid group name with
//!    count=100000) exit 1 or 2 quickly and small, measured on the child;
//!    a FIFO, a device or a directory as spec or lock is refused (exit 2).

use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::pipeline;
use proptest::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../examples/gen.rs"]
#[allow(dead_code)] // its `main`
mod synth;

const REFERENCE: &str = include_str!("../examples/reference.kdl");

/// Corpus files that may lint clean (exit 0) today: valid documents (empty,
/// comments only, a BOM before a valid spec) and specs whose problem belongs to
/// a rule that is still being implemented. They must still never panic; when
/// the rule lands they exit 1, which is accepted too.
const MAY_PASS: &[&str] = &[
    "bom.kdl",                      // valid spec behind a UTF-8 BOM
    "bom-only.kdl",                 // empty document behind a BOM
    "empty.kdl",                    // empty document
    "only-whitespace.kdl",          // empty document
    "only-comments.kdl",            // empty document
    "group-larger-than-subnet.kdl", // subnet-capacity
    "subnet-slash-32.kdl",          // subnet-capacity
    "network-slash-0.kdl",          // vpc-prefix-length, subnet-overlap
    "overlapping-everything.kdl",   // subnet-overlap, cidr-overlap
    "type-annotations.kdl",         // KDL type annotations are ignored
];

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/corpus exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .collect();
    files.sort();
    files
}

/// Runs the real binary on one file; returns a description of what went
/// wrong, if anything did.
fn lint_file(path: &Path) -> Result<(), String> {
    let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .arg("lint")
        .arg(path)
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run infragen: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let Some(code) = out.status.code() else {
        return Err(format!("killed by a signal ({:?})\n{stderr}", out.status));
    };
    match code {
        0 | 1 => {
            let json: serde_json::Value = serde_json::from_str(&stdout)
                .map_err(|e| format!("exit {code} but stdout is not JSON ({e}):\n{stdout}"))?;
            let diags = json["diagnostics"]
                .as_array()
                .ok_or_else(|| format!("no `diagnostics` array in\n{stdout}"))?;
            let errors = json["summary"]["errors"].as_u64().unwrap_or(0);
            if code == 1 && (diags.is_empty() || errors == 0) {
                return Err(format!("exit 1 without an error diagnostic:\n{stdout}"));
            }
            if code == 0 && !MAY_PASS.contains(&name) {
                return Err(format!(
                    "exit 0: a broken spec linted clean (if it is valid on purpose, add it to MAY_PASS)\n{stdout}"
                ));
            }
            Ok(())
        }
        2 if !stderr.trim().is_empty() => Ok(()),
        2 => Err("exit 2 with nothing on stderr".to_string()),
        _ => Err(format!("exit {code}\n{stderr}")),
    }
}

#[test]
fn corpus_never_panics() {
    let files = corpus();
    assert!(
        files.len() >= 50,
        "tests/corpus should hold at least 50 specs, found {}",
        files.len()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| lint_file(f).err().map(|e| format!("{}: {e}", f.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus files failed:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

/// Checks `src` in-process; Err(panic message) when the pipeline panics.
fn check_caught(src: &str) -> Result<pipeline::Checked, String> {
    catch_unwind(AssertUnwindSafe(|| {
        pipeline::check(src, &AddressLock::default())
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".to_string())
    })
}

/// True when a prefix of the reference may be a valid, smaller spec: it is
/// well-formed KDL that ends outside every block (between top-level nodes, in
/// the leading comment, or after a complete node such as a `vnet` whose
/// subnets were cut off). Any other cut must produce an error.
fn may_be_valid(prefix: &str) -> bool {
    // The reference has no braces inside strings or comments.
    let depth: i64 = prefix
        .bytes()
        .map(|b| match b {
            b'{' => 1,
            b'}' => -1,
            _ => 0,
        })
        .sum();
    depth == 0 && infragen::syntax::kdl::parse(prefix).is_ok()
}

#[test]
fn reference_truncations() {
    const CUTS: usize = 200;
    let mut failures = Vec::new();
    let mut cuts: Vec<usize> = (0..CUTS)
        .map(|k| {
            let mut cut = REFERENCE.len() * k / CUTS;
            while !REFERENCE.is_char_boundary(cut) {
                cut -= 1;
            }
            cut
        })
        .collect();
    cuts.dedup();
    for &cut in &cuts {
        let prefix = &REFERENCE[..cut];
        match check_caught(prefix) {
            Err(panic) => failures.push(format!("cut at byte {cut}: panicked: {panic}")),
            Ok(checked) => {
                let errors = checked
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                if errors == 0 && !may_be_valid(prefix) {
                    failures.push(format!(
                        "cut at byte {cut}: no error for a spec cut mid-node: …{:?}",
                        &prefix[prefix.len().saturating_sub(60)..]
                            .chars()
                            .collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} truncations failed:\n{}",
        failures.len(),
        cuts.len(),
        failures.join("\n")
    );
}

#[test]
fn nesting_at_the_limit_fits_a_test_thread_stack() {
    // Test threads have a 2 MiB stack: the deepest accepted document must
    // parse and lower there, even in a debug build.
    let n = infragen::syntax::kdl::MAX_NESTING;
    for src in [
        format!("{}{}", "a {".repeat(n), "}".repeat(n)),
        format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n - 1)),
        format!("{}{}", "/*".repeat(n), "*/".repeat(n)),
        format!(
            "fleet {{ {}{} }}",
            "group \"g\" count=1 {".repeat(n - 1),
            "}".repeat(n - 1)
        ),
    ] {
        check_caught(&src).expect("no panic at the nesting limit");
    }
    let deep = format!("{}{}", "a {".repeat(n + 1), "}".repeat(n + 1));
    let checked = check_caught(&deep).expect("no panic past the nesting limit");
    assert!(
        checked.diagnostics.iter().any(|d| d.rule == "kdl-syntax"),
        "a document nested past the limit is a kdl-syntax error"
    );
}

#[test]
fn braces_in_strings_and_comments_do_not_count_as_nesting() {
    let n = infragen::syntax::kdl::MAX_NESTING * 2;
    let open = "{".repeat(n);
    let src = format!(
        "project \"p\" {{\n    owner \"{open}\"\n    // {open}\n    /* {open} */\n    tag #\"{open}\"# \"\"\"\n{open}\n\"\"\"\n}}\n"
    );
    let checked = check_caught(&src).expect("no panic");
    assert!(
        !checked
            .diagnostics
            .iter()
            .any(|d| d.message.contains("nested deeper")),
        "braces inside strings or comments were counted: {:#?}",
        checked.diagnostics
    );
}

/// The benchmark's synthetic specs must stay valid as rules land, or the
/// benchmark would time error paths.
#[test]
fn generated_specs_lint_clean() {
    for (hosts, seed) in [(synth::MIN_HOSTS, 1), (1_000, 1), (1_000, 2)] {
        let src = synth::generate(hosts, seed);
        let checked = check_caught(&src).expect("no panic");
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "gen --hosts {hosts} --seed {seed} has errors: {errors:#?}"
        );
        let model = checked.model.expect("a model");
        assert_eq!(model.hosts.len(), hosts, "gen --hosts {hosts}");
    }
}

/// One edit of a source text, applied at a random offset.
#[derive(Debug, Clone)]
enum Edit {
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, &'static str),
    Replace(prop::sample::Index, u8),
    /// Deletes or duplicates a whole line: keeps the KDL valid more often, so
    /// the later stages (lowering, graph, rules) see odd specs too.
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    /// Replaces the number at or after the offset.
    Number(prop::sample::Index, &'static str),
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "=",
    "#",
    "/*",
    "*/",
    "//",
    "/-",
    ";",
    "\\",
    "\n",
    "-",
    "0",
    " ",
    "#true",
    "#null",
    "r#\"",
    "\"\"\"",
    "(t)",
    "\u{feff}",
    "\0",
    "é",
    "🦀",
    "=\"",
    "count=",
    "r\"\\\"",
    "#\"",
    "\"#",
    "/-{",
    "\\q",
    "\t",
    "\r",
    "true",
    "count=100000",
];
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "65536",
    "4294967296",
    "99999999999999999999",
    "1.5",
    "-0",
    "0x10",
    "1e400",
    "#inf",
    "#nan",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<prop::sample::Index>(), prop::sample::select(TOKENS))
            .prop_map(|(i, t)| Edit::Insert(i, t)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        any::<prop::sample::Index>().prop_map(Edit::DeleteLine),
        any::<prop::sample::Index>().prop_map(Edit::DuplicateLine),
        (any::<prop::sample::Index>(), prop::sample::select(NUMBERS))
            .prop_map(|(i, n)| Edit::Number(i, n)),
    ]
}

fn line_at(bytes: &[u8], at: usize) -> (usize, usize) {
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| at + p + 1);
    (start, end)
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    if bytes.is_empty() {
        return;
    }
    match e {
        Edit::Delete(i, n) => {
            let at = i.index(bytes.len());
            let end = (at + n).min(bytes.len());
            bytes.drain(at..end);
        }
        Edit::Insert(i, t) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, t.bytes());
        }
        Edit::Replace(i, b) => {
            let at = i.index(bytes.len());
            bytes[at] = *b;
        }
        Edit::DeleteLine(i) => {
            let (start, end) = line_at(bytes, i.index(bytes.len()));
            bytes.drain(start..end);
        }
        Edit::DuplicateLine(i) => {
            let (start, end) = line_at(bytes, i.index(bytes.len()));
            let line = bytes[start..end].to_vec();
            bytes.splice(end..end, line);
        }
        Edit::Number(i, n) => {
            let from = i.index(bytes.len());
            if let Some(p) = bytes[from..].iter().position(u8::is_ascii_digit) {
                let start = from + p;
                let len = bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                bytes.splice(start..start + len, n.bytes());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Modest by default so debug `cargo test` stays fast; search harder
        // with e.g. PROPTEST_CASES=20000 cargo test --release --test robustness.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let src = String::from_utf8_lossy(&bytes);
        pipeline::check(&src, &AddressLock::default());
    }

    #[test]
    fn kdl_like_text_never_panics(src in "[a-z0-9 =#\"{};/*\\-\n.]{0,600}") {
        pipeline::check(&src, &AddressLock::default());
    }

    #[test]
    fn edited_reference_never_panics(edits in prop::collection::vec(edit(), 1..12)) {
        let mut bytes = REFERENCE.as_bytes().to_vec();
        for e in &edits {
            apply(&mut bytes, e);
        }
        let src = String::from_utf8_lossy(&bytes);
        pipeline::check(&src, &AddressLock::default());
    }
}

/// Lint and, when clean, build every artifact in memory. Err(panic message).
fn build_caught(src: &str) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        let checked = pipeline::check(src, &AddressLock::default());
        if checked.errors() == 0
            && let (Some(model), Some(graph)) = (&checked.model, &checked.graph)
        {
            let secrets = infragen::emit::Secrets::Placeholders;
            let ctx = infragen::emit::EmitContext::new(model, graph, "fuzz.kdl", src, &secrets);
            let artifacts = infragen::emit::emit_all(&ctx);
            assert!(!artifacts.is_empty(), "a clean spec builds something");
        }
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "non-string panic".to_string())
    })
}

/// Wall-clock budget for the whole-pipeline fuzz: cases past it are skipped
/// (not failed), so a slow machine shortens the search instead of failing.
const FUZZ_BUDGET: std::time::Duration = std::time::Duration::from_secs(15);

fn fuzz_clock() -> std::time::Instant {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    *START.get_or_init(std::time::Instant::now)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The whole pipeline: lint, then every emitter when the spec is clean.
    #[test]
    fn edited_reference_lints_and_builds(edits in prop::collection::vec(edit(), 0..6)) {
        if fuzz_clock().elapsed() < FUZZ_BUDGET {
            let mut bytes = REFERENCE.as_bytes().to_vec();
            for e in &edits {
                apply(&mut bytes, e);
            }
            let src = String::from_utf8_lossy(&bytes);
            let started = std::time::Instant::now();
            build_caught(&src).map_err(TestCaseError::fail)?;
            // Generous: a debug build takes well under a second; this
            // catches hangs and exponential cases, not slowness.
            prop_assert!(started.elapsed() < std::time::Duration::from_secs(20));
        }
    }
}

/// Runs the binary with a wall-clock limit; returns (exit code, wall time,
/// the child's peak RSS in KB, stderr). A child past the limit is killed.
/// The child is reaped by `wait4` (for its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_measured(
    args: &[&std::ffi::OsStr],
    limit: std::time::Duration,
) -> (Option<i32>, std::time::Duration, i64, String) {
    use std::process::Stdio;
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("infragen runs");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let pid = child.id() as libc::pid_t;
    let (status, rss) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our own child, not yet reaped (std's Child is not
        // waited on afterwards).
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage.ru_maxrss);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let wall = started.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, wall, rss, reader.join().unwrap_or_default())
}

#[test]
fn issue_9_crash_inputs_exit_quickly_and_small() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let limit = std::time::Duration::from_secs(5);
    let mut report = Vec::new();
    for name in [
        "column-past-65535.kdl",
        "v1-raw-string-backslash.kdl",
        "slashdash-16-long-token.kdl",
        "huge-invalid-group-name.kdl",
    ] {
        let path = dir.join(name);
        for format in ["human", "json"] {
            let args = [
                "lint".as_ref(),
                path.as_os_str(),
                "--format".as_ref(),
                format.as_ref(),
            ];
            let (code, wall, rss_kb, stderr) = run_measured(&args, limit);
            report.push(format!(
                "{name} ({format}): exit {code:?}, {wall:.2?}, {rss_kb} KB"
            ));
            assert!(
                matches!(code, Some(1 | 2)),
                "{name} ({format}): exit {code:?} (a panic is 101, a signal None)\n{stderr}"
            );
            assert!(wall < limit, "{name} ({format}): {wall:?}");
            assert!(
                rss_kb < 100 * 1024,
                "{name} ({format}): peak RSS {rss_kb} KB"
            );
        }
    }
    // `cargo test -- --nocapture` shows what was measured.
    println!("{}", report.join("\n"));
}

#[test]
fn non_regular_spec_or_lock_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("fifo.kdl");
    let c = std::ffi::CString::new(fifo.to_str().expect("utf-8 path")).expect("no NUL");
    // SAFETY: a valid C string path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let zero = dir.path().join("zero.kdl");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let spec = dir.path().join("spec.kdl");
    std::fs::write(&spec, "project \"p\" {\n    owner \"o@example.com\"\n}\n").expect("write");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("spec.lock")).expect("symlink");
    let sub = dir.path().join("dir.kdl");
    std::fs::create_dir(&sub).expect("mkdir");
    let out = dir.path().join("out");
    let limit = std::time::Duration::from_secs(5);
    for (path, what) in [
        (&fifo, "a FIFO"),
        (&zero, "a character device"),
        (&spec, "a character device"), // its lock
        (&sub, "a directory"),
    ] {
        for cmd in ["lint", "build"] {
            let mut args = vec![cmd.as_ref(), path.as_os_str()];
            if cmd == "build" {
                args.extend(["--out".as_ref(), out.as_os_str()]);
            }
            let (code, wall, rss_kb, stderr) = run_measured(&args, limit);
            assert_eq!(code, Some(2), "{cmd} {}: {stderr}", path.display());
            // `lint DIR` scans the directory for specs (an empty one is a usage error).
            let what = if cmd == "lint" && path == &sub {
                "contains no *.kdl file"
            } else {
                what
            };
            assert!(stderr.contains(what), "{cmd} {}: {stderr}", path.display());
            assert!(wall < limit && rss_kb < 100 * 1024, "{wall:?} {rss_kb} KB");
        }
    }
}
