//! The Terraform oracles the tests share: `terraform fmt -check` and
//! checkov's JSON report. Include beside `support/tools.rs`:
//!
//! ```ignore
//! #[path = "support/tools.rs"]
//! mod tools;
//! #[path = "support/terraform.rs"]
//! mod terraform;
//! ```
// Each test crate uses a part of it.
#![allow(dead_code)]

use super::tools;
use std::path::Path;

/// `terraform fmt -check` on every file under `dir`; panics with the diff.
pub fn fmt_check(terraform: &Path, dir: &Path) {
    let out = tools::run(
        tools::command(terraform)
            .args(["fmt", "-check", "-diff", "-recursive", "-no-color"])
            .arg(dir),
    );
    assert!(
        out.status.success(),
        "terraform fmt -check {}\n{}",
        dir.display(),
        tools::describe(&out)
    );
}

/// One failed checkov check.
#[derive(Debug)]
pub struct Failure {
    /// `"CKV_AWS_20" "aws_lb.x" ("Ensure …")`
    pub text: String,
    /// The file, as checkov names it (`/lb.tf`).
    pub file: String,
}

/// checkov's summary of a directory, and its failed checks.
#[derive(Debug)]
pub struct Checkov {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
    pub resources: u64,
    pub failures: Vec<Failure>,
}

impl Checkov {
    /// Panics unless no check failed.
    pub fn assert_clean(&self, what: &str) {
        let list: Vec<&str> = self.failures.iter().map(|f| f.text.as_str()).collect();
        assert!(
            self.failed == 0 && list.is_empty(),
            "{what}: checkov failures:\n{}",
            list.join("\n")
        );
    }
}

/// checkov on `dir`. Panics on parsing errors: checkov exits 0 on a syntax
/// error, so the report's `parsing_errors` is the only sign of one.
pub fn checkov(checkov: &Path, dir: &Path) -> Checkov {
    let out = tools::run(
        tools::command(checkov)
            .args([
                "--framework",
                "terraform",
                "--quiet",
                "--compact",
                "--skip-download",
                "-o",
                "json",
                "-d",
            ])
            .arg(dir),
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("checkov JSON: {e}\n{}", tools::describe(&out)));
    // One report per framework; a list when several ran.
    let report = match &json {
        serde_json::Value::Array(a) => a.first().cloned().unwrap_or_default(),
        v => v.clone(),
    };
    let summary = &report["summary"];
    assert_eq!(
        summary["parsing_errors"], 0,
        "checkov could not parse the output: {summary}"
    );
    let failures = report["results"]["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| Failure {
            text: format!("{} {} ({})", c["check_id"], c["resource"], c["check_name"]),
            file: c["file_path"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    let n = |k: &str| summary[k].as_u64().unwrap_or(0);
    Checkov {
        passed: n("passed"),
        failed: n("failed"),
        skipped: n("skipped"),
        resources: n("resource_count"),
        failures,
    }
}
