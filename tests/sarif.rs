//! `--format sarif`: the log the real binary prints validates against the
//! official SARIF 2.1.0 schema (vendored in tests/fixtures, checked with the
//! jsonschema that tests/scripts/install-test-tools.sh installs), and meets what
//! GitHub code scanning needs on top of the schema: every ruleId among the
//! driver's rules (with a matching ruleIndex), lines and columns ≥ 1,
//! relative forward-slash URIs against %SRCROOT%, a partial fingerprint.

#[path = "support/tools.rs"]
mod tools;

use infragen::cli::report::{FileReport, sarif};
use infragen::diagnostic::{Code, Diagnostic};
use infragen::span::Span;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Errors (unknown property, not a network address, bad enum) and what the
/// model rules report as warnings (a public-space CIDR, IKEv1).
const SPEC: &str = r#"vpc "core" region="us-east-1" cidr="172.0.0.0/16" frobnicate=1 {
    subnet "a" zone="us-east-1a" cidr="172.0.1.1/24"
}
security-group "web" vpc="core" {
    ingress "smtp" 25 from="cidr:0.0.0.0/0"
}
"#;

const CLEAN: &str = r#"vpc "core" region="us-east-1" cidr="10.0.0.0/16" {
    subnet "a" zone="us-east-1a" cidr="10.0.1.0/24"
}
"#;

fn lint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(dir)
        .arg("lint")
        .args(args)
        .args(["--format", "sarif"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run infragen")
}

/// Writes the log, validates it against the official schema, and checks
/// GitHub's requirements. Returns the parsed log.
fn check(dir: &Path, name: &str, log: &[u8]) -> Value {
    let path = dir.join(name);
    std::fs::write(&path, log).unwrap();
    if let Err(e) = tools::validate_sarif(&path) {
        panic!("{e}\n--- log ---\n{}", String::from_utf8_lossy(log));
    }
    let v: Value = serde_json::from_slice(log).expect("SARIF is JSON");
    github_requirements(&v);
    v
}

fn github_requirements(v: &Value) {
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = v["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "infragen");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );
    let rules = driver["rules"].as_array().expect("driver.rules");
    for rule in infragen::rules::REGISTRY {
        let d = rules
            .iter()
            .find(|r| r["id"] == rule.name())
            .unwrap_or_else(|| panic!("rule {} missing from driver.rules", rule.name()));
        assert_eq!(d["name"], rule.name());
        assert_eq!(d["shortDescription"]["text"], rule.summary);
        assert!(
            d["fullDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let md = d["help"]["markdown"].as_str().expect("help.markdown");
        assert!(md.starts_with(&format!("# {}", rule.name())), "{md}");
        assert!(d["help"]["text"].is_string());
        assert_eq!(d["defaultConfiguration"]["level"], rule.severity.as_str());
        assert_eq!(d["properties"]["tags"][0], rule.family.as_str());
    }
    for r in runs[0]["results"].as_array().expect("results") {
        let id = r["ruleId"].as_str().expect("ruleId");
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], id, "ruleIndex points at ruleId");
        assert!(matches!(r["level"].as_str(), Some("error" | "warning")));
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(
            r["partialFingerprints"]
                .as_object()
                .is_some_and(|m| !m.is_empty())
        );
        let locs = r["locations"].as_array().expect("locations");
        assert_eq!(locs.len(), 1);
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for loc in locs.iter().chain(&related) {
            let phys = &loc["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().expect("uri");
            assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert!(
                !uri.contains(':') && !uri.starts_with('/'),
                "relative: {uri}"
            );
            assert!(!uri.contains('\\') && !uri.contains(' '), "{uri}");
            let reg = &phys["region"];
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(reg[k].as_u64().is_some_and(|n| n >= 1), "{k} ≥ 1: {reg}");
            }
        }
        for loc in &related {
            assert!(loc["message"]["text"].is_string(), "related message");
        }
    }
}

#[test]
#[ignore = "needs the SARIF validator (jsonschema): tests/scripts/test.sh runs it"]
fn binary_sarif_validates_and_suits_github() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    std::fs::write(dir.path().join("specs/prod env.kdl"), SPEC).unwrap();
    std::fs::write(dir.path().join("clean.kdl"), CLEAN).unwrap();

    let out = lint(dir.path(), &["./specs/prod env.kdl", "clean.kdl"]);
    assert_eq!(out.status.code(), Some(1), "{}", tools::describe(&out));
    let v = check(dir.path(), "out.sarif", &out.stdout);
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 3, "{results:?}");
    for r in results {
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, "specs/prod%20env.kdl");
    }
    let rule_ids: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    for expected in ["unknown-property", "invalid-cidr", "invalid-value"] {
        assert!(
            rule_ids.contains(&expected),
            "{expected} not in {rule_ids:?}"
        );
    }
    let unknown = results
        .iter()
        .find(|r| r["ruleId"] == "unknown-property")
        .unwrap();
    assert_eq!(unknown["level"], "error");
    let region = &unknown["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 1);
    assert_eq!(region["startColumn"], 51);
    // The help is appended to the message.
    assert!(
        unknown["message"]["text"]
            .as_str()
            .unwrap()
            .contains("help: `vpc` accepts")
    );

    // Deterministic, and the same with the files given the other way round
    // (fingerprints do not depend on the order of the results).
    let again = lint(dir.path(), &["./specs/prod env.kdl", "clean.kdl"]);
    assert_eq!(out.stdout, again.stdout);
    let swapped = lint(dir.path(), &["clean.kdl", "specs/prod env.kdl"]);
    let w: Value = serde_json::from_slice(&swapped.stdout).unwrap();
    let fps = |v: &Value| {
        let mut f: Vec<String> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].to_string())
            .collect();
        f.sort();
        f
    };
    assert_eq!(fps(&v), fps(&w));
}

#[test]
#[ignore = "needs the SARIF validator (jsonschema): tests/scripts/test.sh runs it"]
fn clean_spec_gives_an_empty_valid_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.kdl"), CLEAN).unwrap();
    let out = lint(dir.path(), &["clean.kdl"]);
    assert_eq!(out.status.code(), Some(0), "{}", tools::describe(&out));
    let v = check(dir.path(), "clean.sarif", &out.stdout);
    assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
}

#[test]
#[ignore = "needs the SARIF validator (jsonschema): tests/scripts/test.sh runs it"]
fn invalid_kdl_still_gives_a_valid_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.kdl"), "vpc \"core\" {\n").unwrap();
    let out = lint(dir.path(), &["broken.kdl"]);
    assert_eq!(out.status.code(), Some(1), "{}", tools::describe(&out));
    let v = check(dir.path(), "broken.sarif", &out.stdout);
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "kdl-syntax");
}

/// Warnings, related locations and an empty span, through the library (the
/// rules that warn are checked in the binary once they land; this does not
/// depend on them).
#[test]
#[ignore = "needs the SARIF validator (jsonschema): tests/scripts/test.sh runs it"]
fn warnings_and_related_locations_validate() {
    let src = "vpc \"a\" cidr=\"172.0.0.0/16\"\nvpc \"a\" cidr=\"172.0.0.0/16\"\n";
    let diags = vec![
        Diagnostic::warning(Code::NonPrivateCidr, "172.0.0.0/16 is public address space")
            .label(Span::new(13, 14), "public")
            .help("use 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"),
        Diagnostic::error(Code::DuplicateName, "`a` is defined twice")
            .label(Span::new(32, 3), "defined again here")
            .label(Span::new(4, 3), "first defined here"),
        Diagnostic::warning(Code::Ikev1, "IKEv1").label(Span::new(src.len(), 0), ""),
    ];
    let files = [FileReport::new(r"specs\a b.kdl", src, &diags)];
    let log = sarif::render(&files);
    let dir = tempfile::tempdir().unwrap();
    let v = check(dir.path(), "lib.sarif", log.as_bytes());
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results[0]["level"], "warning");
    assert_eq!(results[1]["level"], "error");
    let rel = &results[1]["relatedLocations"][0];
    assert_eq!(rel["message"]["text"], "first defined here");
    assert_eq!(rel["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(rel["physicalLocation"]["region"]["startColumn"], 5);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "specs/a%20b.kdl"
    );
}
