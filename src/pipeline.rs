//! The checking pipeline: source → syntax → shape → model → graph → rules.
//! `lint` stops here; `build` goes on to `emit` when there is no error.

use crate::diagnostic::{Diagnostics, Severity};
use crate::graph::{self, Graph};
use crate::lock::AddressLock;
use crate::model::Model;
use crate::rules::{self, Context};
use crate::{lower, schema, syntax};

pub use crate::diagnostic::Diagnostic;

pub struct Checked {
    /// None when the source is not valid KDL.
    pub model: Option<Model>,
    pub graph: Option<Graph>,
    /// Sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

pub fn check(src: &str, lock: &AddressLock) -> Checked {
    let doc = match syntax::kdl::parse(src) {
        Ok(doc) => doc,
        Err(diags) => {
            return Checked {
                model: None,
                graph: None,
                diagnostics: rules::apply::finish(diags),
            };
        }
    };
    let mut front = Diagnostics::default();
    schema::validate::validate(&doc, &mut front);
    rules::check_document(&doc, &mut front);
    let model = lower::lower(&doc, lock, &mut front);
    let graph = graph::build(&model);
    let frontend_clean = !front.has_errors();
    let mut diags = front.into_vec();
    diags.extend(rules::run(&Context {
        model: &model,
        graph: &graph,
        frontend_clean,
    }));
    let diags = rules::apply::apply_suppressions(&model.suppressions, diags);
    Checked {
        model: Some(model),
        graph: Some(graph),
        diagnostics: rules::apply::finish(diags),
    }
}
