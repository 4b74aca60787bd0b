//! shellcheck (warnings and errors) accepts every shell script infragen writes.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use std::process::Command;

#[test]
#[ignore = "needs shellcheck: tests/scripts/test.sh runs it"]
fn shellcheck_accepts_every_script() {
    let Some(shellcheck) = tools::require("shellcheck") else {
        return;
    };
    let mut checked = 0;
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let dir = build::write(&artifacts);
        for a in artifacts.iter().filter(|a| {
            a.contents.starts_with("#!")
                && a.contents.lines().next().is_some_and(|l| l.contains("sh"))
        }) {
            let out = tools::run(
                Command::new(&shellcheck)
                    .args(["-S", "warning"])
                    .arg(dir.path().join(&a.path)),
            );
            assert!(
                out.status.success(),
                "{name}: shellcheck on {}:\n{}",
                a.path,
                String::from_utf8_lossy(&out.stdout)
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "expected the S3 script and the init script");
}

#[test]
fn s3_script_syncs_then_verifies_every_bucket() {
    let artifacts = build::render_example("reference");
    let s = &artifacts
        .iter()
        .find(|a| a.path == "s3-migration/virginia-to-mumbai.sh")
        .unwrap()
        .contents;
    assert!(s.contains("set -euo pipefail"));
    for (src, dst) in [
        ("acme-assets", "acme-assets-aps1"),
        ("acme-invoices", "acme-invoices-aps1"),
        ("acme-logs", "acme-logs-aps1"),
    ] {
        assert!(s.contains(&format!("migrate '{src}' '{dst}'")), "{src}");
        assert!(s.contains(&format!("verify '{src}' '{dst}'")), "{src}");
    }
    assert!(s.contains("migrate 'acme-logs' 'acme-logs-aps1' 'STANDARD_IA'"));
    assert!(s.contains("SRC_REGION='us-east-1'") && s.contains("DST_REGION='ap-south-1'"));
}
