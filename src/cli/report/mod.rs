//! Diagnostics for people (miette) and machines (JSON, SARIF).

pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::{Diagnostic, redact_source};

/// The diagnostics of one spec file, with its source for positions and
/// snippets. The source is always the masked one: [`FileReport::new`] is the
/// only way to make a report, so no renderer (human, JSON, SARIF) and no
/// command (lint, build, graph, …) can show a literal secret a diagnostic
/// marked with `Diagnostic::redact`.
pub struct FileReport<'a> {
    /// The path as the user gave it.
    pub path: &'a str,
    source: String,
    pub diagnostics: &'a [Diagnostic],
}

impl<'a> FileReport<'a> {
    pub fn new(path: &'a str, source: &str, diagnostics: &'a [Diagnostic]) -> Self {
        FileReport {
            path,
            source: redact_source(source, diagnostics),
            diagnostics,
        }
    }

    /// The spec text with every redacted span masked.
    pub fn source(&self) -> &str {
        &self.source
    }
}
