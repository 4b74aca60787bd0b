//! The acceptance scenario lints clean, with the two warnings it must have.

use std::process::Command;

fn reference() -> std::path::PathBuf {
    let local = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/reference.kdl");
    if local.exists() {
        local
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/reference.kdl")
    }
}

#[test]
fn reference_lints_clean_with_expected_warnings() {
    let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(["lint", "--format", "json"])
        .arg(reference())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    let errors: Vec<_> = diags.iter().filter(|d| d["severity"] == "error").collect();
    assert!(errors.is_empty(), "reference has errors: {errors:#?}");
    let rules: Vec<&str> = diags.iter().filter_map(|d| d["rule"].as_str()).collect();
    assert!(rules.contains(&"eol-os"), "{rules:?}");
    assert!(rules.contains(&"jvm-heap-compressed-oops"), "{rules:?}");
    // Issue 12: us-east-1a holds two of three etcd members; one HAProxy host.
    assert!(rules.contains(&"zone-failure-loses-quorum"), "{rules:?}");
    assert!(rules.contains(&"single-point-of-failure"), "{rules:?}");
    assert_eq!(out.status.code(), Some(0));
}
