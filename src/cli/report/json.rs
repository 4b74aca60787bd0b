//! `--format json`: one object with every diagnostic and a summary.

use super::FileReport;
use crate::span::line_col;
use serde::Serialize;

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

pub fn render(files: &[FileReport]) -> String {
    let mut diagnostics = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    for f in files {
        for d in f.diagnostics {
            match d.severity {
                crate::diagnostic::Severity::Error => errors += 1,
                crate::diagnostic::Severity::Warning => warnings += 1,
            }
            let span = d.primary_span();
            let (line, column) = line_col(f.source(), span.start);
            let (end_line, end_column) = line_col(f.source(), span.end());
            diagnostics.push(JsonDiagnostic {
                rule: d.rule.as_str(),
                severity: d.severity.as_str(),
                message: &d.message,
                file: f.path,
                line,
                column,
                end_line,
                end_column,
                help: d.help.as_deref(),
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let (line, column) = line_col(f.source(), l.span.start);
                        JsonLabel {
                            message: &l.text,
                            line,
                            column,
                        }
                    })
                    .collect(),
            });
        }
    }
    let out = Output {
        diagnostics,
        summary: Summary {
            files: files.len(),
            errors,
            warnings,
        },
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
