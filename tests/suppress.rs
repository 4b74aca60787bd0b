//! `allow RULE reason="…"` silences one rule on one node, and only with a
//! reason.

use std::process::Command;

const SPEC: &str = r#"
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "public-a" zone="us-east-1a" cidr="10.10.0.0/24" public=#true
}
security-group "web" vpc="core" {
    ingress "tcp" 443 from="cidr:0.0.0.0/0" description="HTTPS" {
        allow "open-to-world" REASON
    }
    ingress "tcp" 80 from="cidr:0.0.0.0/0" description="HTTP redirect"
}
"#;

fn lint(reason: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.kdl");
    std::fs::write(&path, SPEC.replace("REASON", reason)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(["lint", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rules_at(v: &serde_json::Value) -> Vec<(String, u64)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn allow_with_reason_silences_only_its_node() {
    let found = rules_at(&lint(r#"reason="public web tier behind a WAF""#));
    assert!(!found.contains(&("open-to-world".into(), 6)), "{found:?}");
    assert!(
        found.contains(&("open-to-world".into(), 9)),
        "the other rule still reports: {found:?}"
    );
}

#[test]
fn allow_without_reason_is_an_error() {
    let found = rules_at(&lint(""));
    assert!(found.iter().any(|(r, _)| r == "missing-value"), "{found:?}");
}

#[test]
fn allow_of_an_unknown_rule_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spec.kdl");
    std::fs::write(
        &path,
        SPEC.replace(
            "allow \"open-to-world\" REASON",
            "allow \"open-to-wrld\" reason=\"x\"",
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(["lint"])
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `open-to-world`?"), "{err}");
}
