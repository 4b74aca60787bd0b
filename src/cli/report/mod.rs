//! Diagnostics for people (miette) and machines (JSON, SARIF).

pub mod human;
pub mod json;
pub mod sarif;

use crate::diagnostic::Diagnostic;

/// The diagnostics of one spec file, with its source for positions.
pub struct FileReport<'a> {
    /// The path as the user gave it.
    pub path: &'a str,
    pub source: &'a str,
    pub diagnostics: &'a [Diagnostic],
}
