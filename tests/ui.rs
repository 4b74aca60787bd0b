//! UI tests: every `tests/ui/<rule>[.<variant>].kdl` is linted by the real
//! binary; its human output (stderr, no colour) and exit code are pinned as
//! an insta snapshot, and `--format json` must report `<rule>`.

use std::path::Path;
use std::process::Command;

fn lint(dir: &Path, file: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(dir)
        .arg("lint")
        .arg(file)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infragen")
}

#[test]
fn ui_fixtures() {
    insta::glob!("ui/*.kdl", |path| {
        let dir = path.parent().unwrap();
        let file = path.file_name().unwrap().to_str().unwrap();
        let rule = file.split('.').next().unwrap();

        let human = lint(dir, file, &[]);
        let snapshot = format!(
            "exit: {}\n{}",
            human.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&human.stderr)
        );
        insta::assert_snapshot!(snapshot);

        let json = lint(dir, file, &["--format", "json"]);
        let v: serde_json::Value =
            serde_json::from_slice(&json.stdout).expect("lint --format json prints JSON");
        let rules: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["rule"].as_str())
            .collect();
        assert!(
            rules.contains(&rule),
            "{file}: expected rule `{rule}` in --format json, got {rules:?}"
        );
    });
}

#[test]
fn every_rule_has_a_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let missing: Vec<&str> = infragen::rules::REGISTRY
        .iter()
        .map(|r| r.name())
        .filter(|name| !dir.join(format!("{name}.kdl")).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a UI fixture in tests/ui: {missing:?}"
    );
}
