//! Name tables and reference resolution with "did you mean".

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::span::Span;
use std::collections::HashMap;

/// One namespace of entity names, remembering where each was declared.
#[derive(Debug)]
pub struct Namespace<T> {
    kind: &'static str,
    map: HashMap<String, (T, Span)>,
}

impl<T: Copy> Namespace<T> {
    pub fn new(kind: &'static str) -> Self {
        Namespace {
            kind,
            map: HashMap::new(),
        }
    }

    /// Declares a name; reports `duplicate-name` and returns false when taken.
    pub fn declare(&mut self, name: &str, id: T, span: Span, diags: &mut Diagnostics) -> bool {
        if let Some((_, first)) = self.map.get(name) {
            diags.push(
                Diagnostic::error(
                    "duplicate-name",
                    format!("{} `{name}` is declared twice", self.kind),
                )
                .label(span, "declared again here")
                .label(*first, "first declared here")
                .help(format!("give each {} a unique name", self.kind)),
            );
            return false;
        }
        self.map.insert(name.to_string(), (id, span));
        true
    }

    pub fn get(&self, name: &str) -> Option<T> {
        self.map.get(name).map(|(id, _)| *id)
    }

    /// Looks a name up; reports `unresolved-reference` when it is unknown.
    pub fn resolve(&self, name: &str, span: Span, diags: &mut Diagnostics) -> Option<T> {
        if let Some(id) = self.get(name) {
            return Some(id);
        }
        let mut names: Vec<&str> = self.map.keys().map(String::as_str).collect();
        names.sort_unstable();
        let help = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                format!("the spec declares no {}", self.kind)
            } else {
                format!(
                    "declare {} `{name}`, or use one of: {}",
                    self.kind,
                    preview(&names)
                )
            }
        });
        diags.push(
            Diagnostic::error(
                "unresolved-reference",
                format!("no {} named `{name}`", self.kind),
            )
            .label(span, "referenced here")
            .help(help),
        );
        None
    }
}

fn preview(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    if names.len() > 8 {
        format!("{}, …", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
