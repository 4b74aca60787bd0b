//! The command line, through the real binary: exit codes (0 clean, 1
//! errors or warnings under --deny-warnings, 2 usage and I/O problems),
//! NO_COLOR, several files in one run, `rules`, `explain`, and the
//! pre-commit hook definition (`.pre-commit-hooks.yaml`, docs/pre-commit.md).

#[path = "support/tools.rs"]
mod tools;

use infragen::rules::REGISTRY;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const CLEAN: &str = r#"project "demo" {
    owner "ops@example.com"
}
vpc "core" region="us-east-1" cidr="10.0.0.0/16" {
    subnet "a" zone="us-east-1a" cidr="10.0.1.0/24"
}
"#;

/// Two errors: an unknown property and a CIDR with host bits set.
const ERRORS: &str = r#"vpc "core" region="us-east-1" cidr="10.0.0.0/16" frobnicate=1 {
    subnet "a" zone="us-east-1a" cidr="10.0.1.1/24"
}
"#;

/// One error: an unknown top-level node.
const ONE_ERROR: &str = "frobnicate \"x\"\n";

/// Shape-valid, but warned about by the model rules: public address space
/// (`non-private-cidr`) and two VPCs that overlap without a VPN between them
/// (`cidr-overlap`, a warning in that case).
const WARNINGS: &str = r#"vpc "a" region="us-east-1" cidr="172.0.0.0/16" {
    subnet "a1" zone="us-east-1a" cidr="172.0.1.0/24"
}
vpc "b" region="us-east-1" cidr="172.0.0.0/16" {
    subnet "b1" zone="us-east-1b" cidr="172.0.2.0/24"
}
"#;

fn infragen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infragen")
}

fn specs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("clean.kdl", CLEAN),
        ("errors.kdl", ERRORS),
        ("one-error.kdl", ONE_ERROR),
        ("warnings.kdl", WARNINGS),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", tools::describe(out)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn clean_spec_exits_0() {
    let dir = specs();
    let out = infragen(dir.path(), &["lint", "clean.kdl"]);
    assert_eq!(code(&out), 0, "{}", tools::describe(&out));
    assert!(
        stderr(&out).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
    let out = infragen(dir.path(), &["lint", "clean.kdl", "--deny-warnings"]);
    assert_eq!(code(&out), 0, "{}", tools::describe(&out));
}

#[test]
fn errors_exit_1_in_every_format() {
    let dir = specs();
    for format in ["human", "json", "sarif"] {
        let out = infragen(dir.path(), &["lint", "errors.kdl", "--format", format]);
        assert_eq!(
            code(&out),
            1,
            "--format {format}\n{}",
            tools::describe(&out)
        );
    }
    let out = infragen(dir.path(), &["lint", "one-error.kdl"]);
    assert_eq!(code(&out), 1, "{}", tools::describe(&out));
    assert!(stderr(&out).contains("unknown-node"), "{}", stderr(&out));
}

#[test]
fn warnings_exit_1_only_under_deny_warnings() {
    let dir = specs();
    let summary = json(&infragen(
        dir.path(),
        &["lint", "warnings.kdl", "--format", "json"],
    ))["summary"]
        .clone();
    assert_eq!(
        summary["errors"], 0,
        "warnings.kdl must have no errors: {summary}"
    );
    assert_ne!(summary["warnings"], 0, "warnings.kdl must warn: {summary}");
    let out = infragen(dir.path(), &["lint", "warnings.kdl"]);
    assert_eq!(code(&out), 0, "{}", tools::describe(&out));
    let out = infragen(dir.path(), &["lint", "warnings.kdl", "--deny-warnings"]);
    assert_eq!(code(&out), 1, "{}", tools::describe(&out));
    let out = infragen(
        dir.path(),
        &[
            "lint",
            "--deny-warnings",
            "--format",
            "json",
            "warnings.kdl",
        ],
    );
    assert_eq!(code(&out), 1, "{}", tools::describe(&out));
}

#[test]
fn usage_and_io_problems_exit_2() {
    let dir = specs();
    let cases: &[&[&str]] = &[
        &["lint", "missing.kdl"],
        &["lint", "clean.kdl", "missing.kdl"],
        &["lint", "--no-such-flag", "clean.kdl"],
        &["lint"],
        &["lint", "clean.kdl", "--format", "xml"],
        &["no-such-command"],
        &["explain", "no-such-rule"],
    ];
    for args in cases {
        let out = infragen(dir.path(), args);
        assert_eq!(code(&out), 2, "{args:?}\n{}", tools::describe(&out));
        assert!(
            !stderr(&out).trim().is_empty(),
            "{args:?}: says why on stderr"
        );
        // Nothing half-written on stdout for machines to parse.
        assert!(out.stdout.is_empty(), "{args:?}: {}", tools::describe(&out));
    }
    let out = infragen(dir.path(), &["lint", "missing.kdl"]);
    assert!(stderr(&out).contains("missing.kdl"), "{}", stderr(&out));
    let out = infragen(dir.path(), &["explain", "cidr-overlaps"]);
    assert!(
        stderr(&out).contains("did you mean `cidr-overlap`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_and_version_exit_0() {
    let dir = specs();
    for args in [&["--help"][..], &["--version"], &["lint", "--help"]] {
        let out = infragen(dir.path(), args);
        assert_eq!(code(&out), 0, "{args:?}\n{}", tools::describe(&out));
    }
}

fn has_ansi(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
}

#[test]
fn no_color_output_has_no_ansi_escapes() {
    let dir = specs();
    let out = infragen(dir.path(), &["lint", "errors.kdl"]);
    assert_eq!(code(&out), 1);
    assert!(
        !has_ansi(&out.stderr) && !has_ansi(&out.stdout),
        "{}",
        stderr(&out)
    );
}

/// On a terminal (a pty from util-linux `script`), colour is on unless
/// NO_COLOR is set.
#[test]
#[ignore = "needs script (util-linux): tests/scripts/test.sh runs it"]
fn colour_on_a_terminal_unless_no_color() {
    let dir = specs();
    let Some(script) = tools::require("script") else {
        return;
    };
    let bin = env!("CARGO_BIN_EXE_infragen");
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = Command::new(&script);
        cmd.current_dir(dir.path())
            .args(["-qec", &format!("'{bin}' lint errors.kdl"), "/dev/null"])
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        tools::run(&mut cmd)
    };
    let plain = on_tty(Some("1"));
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("frobnicate"),
        "{}",
        tools::describe(&plain)
    );
    assert!(
        !has_ansi(&plain.stdout),
        "NO_COLOR=1 on a tty:\n{}",
        tools::describe(&plain)
    );
    let coloured = on_tty(None);
    assert!(
        has_ansi(&coloured.stdout),
        "a tty without NO_COLOR is coloured"
    );
}

#[test]
fn several_files_are_all_reported() {
    let dir = specs();
    let out = infragen(
        dir.path(),
        &["lint", "errors.kdl", "one-error.kdl", "clean.kdl"],
    );
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("errors.kdl:1:"), "{err}");
    assert!(err.contains("one-error.kdl:1:1"), "{err}");
    assert!(err.contains("3 errors, 0 warnings"), "{err}");

    let v = json(&infragen(
        dir.path(),
        &[
            "lint",
            "errors.kdl",
            "one-error.kdl",
            "clean.kdl",
            "--format",
            "json",
        ],
    ));
    assert_eq!(v["summary"]["files"], 3);
    assert_eq!(v["summary"]["errors"], 3);
    assert_eq!(v["summary"]["warnings"], 0);
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    assert_eq!(files, ["errors.kdl", "errors.kdl", "one-error.kdl"]);
    let errors = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    assert_eq!(errors, 3, "summary matches the diagnostics");
}

#[test]
fn rules_lists_every_rule() {
    let dir = specs();
    let out = infragen(dir.path(), &["rules"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    for r in REGISTRY {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(r.name()))
            .unwrap_or_else(|| panic!("`infragen rules` does not list {}:\n{text}", r.name()));
        assert!(line.contains(r.severity.as_str()), "{line}");
    }
    let v = json(&infragen(dir.path(), &["rules", "--json"]));
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    let expected: Vec<&str> = REGISTRY.iter().map(|r| r.name()).collect();
    assert_eq!(names, expected);
}

#[test]
fn explain_prints_the_rule_page() {
    let dir = specs();
    let out = infragen(dir.path(), &["explain", "cidr-overlap"]);
    assert_eq!(code(&out), 0, "{}", tools::describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# cidr-overlap\n"), "{text}");
    for r in REGISTRY {
        let out = infragen(dir.path(), &["explain", r.name()]);
        assert_eq!(code(&out), 0, "{}", r.name());
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with(&format!("# {}\n", r.name())),
            "{}",
            r.name()
        );
    }
}

fn yaml(path: &str) -> serde_yaml::Value {
    let text = std::fs::read_to_string(tools::repo_root().join(path)).expect(path);
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

#[test]
fn pre_commit_hook_definition() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list of hooks");
    let hook = hooks
        .iter()
        .find(|h| h["id"].as_str() == Some("infragen-lint"))
        .expect("hook infragen-lint");
    assert_eq!(hook["entry"].as_str(), Some("infragen lint"));
    assert_eq!(hook["files"].as_str(), Some(r"\.kdl$"));
    assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    assert!(hook["name"].as_str().is_some_and(|n| !n.is_empty()));

    // The entry works the way pre-commit calls it: entry, args, file names.
    let dir = specs();
    let mut words = hook["entry"].as_str().unwrap().split_whitespace();
    assert_eq!(words.next(), Some("infragen"));
    let entry_args: Vec<&str> = words.collect();
    let run = |files: &[&str]| {
        let mut args = entry_args.clone();
        args.extend_from_slice(files);
        code(&infragen(dir.path(), &args))
    };
    assert_eq!(run(&["clean.kdl"]), 0);
    assert_eq!(run(&["clean.kdl", "errors.kdl"]), 1);
}

#[test]
fn pre_commit_docs_examples_parse() {
    let text = std::fs::read_to_string(tools::repo_root().join("docs/pre-commit.md"))
        .expect("docs/pre-commit.md");
    let blocks: Vec<&str> = text
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(blocks.len() >= 2, "a remote and a local example");
    let mut languages = Vec::new();
    for block in blocks {
        let v: serde_yaml::Value =
            serde_yaml::from_str(block).unwrap_or_else(|e| panic!("{e}:\n{block}"));
        let repos = v["repos"].as_sequence().expect("repos:");
        for repo in repos {
            for hook in repo["hooks"].as_sequence().expect("hooks:") {
                assert_eq!(hook["id"].as_str(), Some("infragen-lint"), "{block}");
                if let Some(lang) = hook["language"].as_str() {
                    languages.push(lang.to_string());
                    assert_eq!(hook["entry"].as_str(), Some("infragen lint"));
                    assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
                }
            }
        }
    }
    assert!(languages.contains(&"system".to_string()), "{languages:?}");
}

// ---------------------------------------------------------------------
// The CLI table (issue 11): every subcommand's --help, usage errors,
// unknown names, unreadable files and bad specs, with one exit code per
// kind of failure and one error prefix (`infragen <command>: `).

fn run_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

const SUBCOMMANDS: &[&str] = &["lint", "build", "graph", "rules", "explain", "init"];

#[test]
fn every_subcommand_has_help_and_every_argument_a_description() {
    use clap::CommandFactory;
    let dir = specs();
    for sub in SUBCOMMANDS {
        let out = infragen(dir.path(), &[sub, "--help"]);
        assert_eq!(code(&out), 0, "{sub} --help\n{}", tools::describe(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("Usage: infragen {sub}")), "{text}");
    }
    let cli = infragen::cli::Cli::command();
    for sub in cli.get_subcommands() {
        assert!(sub.get_about().is_some(), "{} has no about", sub.get_name());
        for arg in sub.get_arguments() {
            if ["help", "version"].contains(&arg.get_id().as_str()) || arg.is_hide_set() {
                continue;
            }
            assert!(
                arg.get_help().is_some(),
                "infragen {} {}: no help text",
                sub.get_name(),
                arg.get_id()
            );
        }
    }
    // `--out <DIR>` with `-o`.
    let help = infragen(dir.path(), &["build", "--help"]);
    assert!(
        String::from_utf8_lossy(&help.stdout).contains("-o, --out <DIR>"),
        "{}",
        tools::describe(&help)
    );
}

#[test]
fn the_cli_table() {
    let dir = specs();
    let d = dir.path();
    std::fs::write(d.join("latin1.kdl"), b"project \"caf\xe9\"\n").unwrap();
    std::fs::create_dir(d.join("empty-dir")).unwrap();
    std::fs::write(d.join("dup.kdl"), CLEAN).unwrap();
    std::fs::write(d.join("dup.lock"), "a core/a 10.0.1.4\na core/a 10.0.1.5\n").unwrap();
    std::fs::write(d.join("notes.txt"), "not infragen's\n").unwrap();
    std::fs::create_dir(d.join("foreign")).unwrap();
    std::fs::write(d.join("foreign/index.html"), "<html>\n").unwrap();
    // (args, exit code, the prefix stderr starts with)
    let table: &[(&[&str], i32, Option<&str>)] = &[
        // usage errors
        (&[], 2, None), // the help, on stderr
        (&["no-such-command"], 2, Some("infragen: ")),
        (&["lint"], 2, Some("infragen lint: ")),
        (
            &["lint", "--no-such-flag", "clean.kdl"],
            2,
            Some("infragen lint: "),
        ),
        (
            &["lint", "clean.kdl", "--format", "xml"],
            2,
            Some("infragen lint: "),
        ),
        (&["build", "clean.kdl"], 2, Some("infragen build: ")),
        (&["graph"], 2, Some("infragen graph: ")),
        (
            &["graph", "clean.kdl", "--format", "png"],
            2,
            Some("infragen graph: "),
        ),
        (&["rules", "--format", "yaml"], 2, Some("infragen rules: ")),
        (&["explain"], 2, Some("infragen explain: ")),
        (&["explain", "cluster"], 2, Some("infragen explain: ")),
        (
            &["init", "--template", "no-such"],
            2,
            Some("infragen init: "),
        ),
        // unknown names
        (&["explain", "no-such-rule"], 2, Some("infragen explain: ")),
        (
            &["explain", "cluster", "nope", "--spec", "clean.kdl"],
            2,
            Some("infragen explain: "),
        ),
        // unreadable files
        (&["lint", "missing.kdl"], 2, Some("infragen lint: ")),
        (&["lint", "latin1.kdl"], 2, Some("infragen lint: ")),
        (&["lint", "empty-dir"], 2, Some("infragen lint: ")),
        (&["lint", "dup.kdl"], 2, Some("infragen lint: ")),
        (
            &["build", "missing.kdl", "-o", "out"],
            2,
            Some("infragen build: "),
        ),
        (
            &["build", "dup.kdl", "-o", "out"],
            2,
            Some("infragen build: "),
        ),
        (
            &["build", "clean.kdl", "-o", "notes.txt"],
            2,
            Some("infragen build: "),
        ),
        (
            &["build", "clean.kdl", "-o", "foreign"],
            2,
            Some("infragen build: "),
        ),
        (
            &["build", "clean.kdl", "-o", "clean.lock"],
            2,
            Some("infragen build: "),
        ),
        (&["graph", "missing.kdl"], 2, Some("infragen graph: ")),
        (
            &["explain", "cluster", "x", "--spec", "missing.kdl"],
            2,
            Some("infragen explain: "),
        ),
        (&["init", "notes.txt"], 2, Some("infragen init: ")),
        // bad specs
        (&["lint", "errors.kdl"], 1, None),
        (&["build", "errors.kdl", "-o", "out"], 1, None),
        (&["graph", "errors.kdl"], 1, None),
        (&["graph", "one-error.kdl", "--format", "mermaid"], 1, None),
        // success
        (&["lint", "clean.kdl"], 0, None),
        (&["rules", "--format", "json"], 0, None),
        (&["rules", "--json"], 0, None),
        (&["graph", "clean.kdl"], 0, None),
        (&["explain", "cidr-overlap"], 0, None),
    ];
    for (args, want, prefix) in table {
        let out = infragen(d, args);
        assert_eq!(code(&out), *want, "{args:?}\n{}", tools::describe(&out));
        let err = stderr(&out);
        if *want != 0 {
            assert!(!err.trim().is_empty(), "{args:?}: says why on stderr");
        }
        if *want == 2 {
            assert!(out.stdout.is_empty(), "{args:?}: {}", tools::describe(&out));
        }
        if let Some(p) = prefix {
            assert!(
                err.starts_with(p),
                "{args:?}: stderr must start with {p:?}:\n{err}"
            );
        }
    }
    assert!(!d.join("out").exists(), "a failed build wrote its output");
    assert_eq!(
        std::fs::read_to_string(d.join("foreign/index.html")).unwrap(),
        "<html>\n"
    );
}

#[test]
fn graph_of_a_spec_with_errors_exits_1_with_the_diagnostics() {
    let dir = specs();
    for spec in ["errors.kdl", "one-error.kdl"] {
        let out = infragen(dir.path(), &["graph", spec]);
        assert_eq!(code(&out), 1, "{}", tools::describe(&out));
        assert!(
            out.stdout.is_empty(),
            "no graph on stdout: {}",
            tools::describe(&out)
        );
        let err = stderr(&out);
        assert!(err.contains(&format!("{spec}:1:")), "{err}");
        assert!(err.contains("infragen graph: "), "{err}");
    }
}

#[test]
fn lint_scans_directories_and_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("specs/nested")).unwrap();
    std::fs::create_dir_all(d.join(".git")).unwrap();
    std::fs::write(d.join("specs/a.kdl"), CLEAN).unwrap();
    std::fs::write(d.join("specs/nested/b.kdl"), ONE_ERROR).unwrap();
    std::fs::write(d.join("specs/a.lock"), "# a lock, never linted\n").unwrap();
    std::fs::write(d.join("specs/README.md"), "not a spec\n").unwrap();
    std::fs::write(d.join(".git/hidden.kdl"), ONE_ERROR).unwrap();
    let out = infragen(d, &["lint", "specs", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", tools::describe(&out));
    let v = json(&out);
    assert_eq!(v["summary"]["files"], 2, "{v}");
    assert_eq!(v["summary"]["errors"], 1, "{v}");
    let out = infragen(d, &["lint", "."]);
    assert!(!stderr(&out).contains("hidden.kdl"), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 error"), "{}", stderr(&out));

    let out = run_with_stdin(d, &["lint", "-"], CLEAN);
    assert_eq!(code(&out), 0, "{}", tools::describe(&out));
    let out = run_with_stdin(d, &["lint", "-", "--format", "json"], ONE_ERROR);
    assert_eq!(code(&out), 1, "{}", tools::describe(&out));
    assert_eq!(json(&out)["diagnostics"][0]["file"], "<stdin>");
}

#[test]
fn init_then_lint_then_build() {
    for template in ["minimal", "web-ha"] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let out = infragen(d, &["init", "estate", "--template", template]);
        assert_eq!(code(&out), 0, "{}", tools::describe(&out));
        let names: Vec<String> = std::fs::read_dir(d.join("estate"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["infra.kdl"],
            "init writes the spec and nothing else"
        );
        let spec = std::fs::read(d.join("estate/infra.kdl")).unwrap();
        assert!(spec.starts_with(b"// "), "a commented starter");
        let out = infragen(d, &["lint", "--deny-warnings", "estate/infra.kdl"]);
        assert_eq!(code(&out), 0, "{template}: {}", tools::describe(&out));
        let out = infragen(d, &["build", "estate/infra.kdl", "-o", "out"]);
        assert_eq!(code(&out), 0, "{template}: {}", tools::describe(&out));
        assert!(
            stderr(&out).contains("estate/infra.lock created ("),
            "{}",
            stderr(&out)
        );
        let out = infragen(
            d,
            &[
                "build",
                "estate/infra.kdl",
                "-o",
                "out",
                "--check",
                "--locked",
            ],
        );
        assert_eq!(code(&out), 0, "{template}: {}", tools::describe(&out));
        // Never overwrites.
        let out = infragen(d, &["init", "estate"]);
        assert_eq!(code(&out), 2, "{}", tools::describe(&out));
        assert_eq!(std::fs::read(d.join("estate/infra.kdl")).unwrap(), spec);
    }
    // Default DIR is the current directory.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&infragen(dir.path(), &["init"])), 0);
    assert!(dir.path().join("infra.kdl").is_file());
}

/// Every relative link in the README and the docs points at a file that
/// exists (the README promises its docs; getting-started is linked first).
#[test]
fn doc_links_resolve() {
    let root = tools::repo_root();
    let mut pages = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = rest[..end].split('#').next().unwrap();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let path = page.parent().unwrap().join(target);
            assert!(
                path.exists(),
                "{}: link to {target} does not resolve",
                page.display()
            );
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first_link = readme.find("](").map(|i| &readme[i + 2..]).unwrap_or("");
    assert!(
        first_link.starts_with("docs/getting-started.md"),
        "the README's first link is the getting-started guide"
    );
    for doc in [
        "terraform.md",
        "services.md",
        "monitoring.md",
        "getting-started.md",
    ] {
        assert!(
            readme.contains(&format!("(docs/{doc})")),
            "README links docs/{doc}"
        );
    }
}
