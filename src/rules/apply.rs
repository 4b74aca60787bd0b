//! Suppressions (`allow RULE reason="…"`) and the final ordering of
//! diagnostics.

use super::lookup;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::Suppression;

/// Drops diagnostics silenced by an `allow` on an enclosing node, and
/// reports `allow` nodes that name no rule.
pub fn apply_suppressions(suppressions: &[Suppression], diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| {
            !suppressions.iter().any(|s| {
                s.rule == d.rule
                    && !s.reason.trim().is_empty()
                    && s.scope.contains(d.primary_span())
            })
        })
        .collect();
    for s in suppressions {
        if lookup(&s.rule).is_none() {
            let help = did_you_mean(&s.rule, super::REGISTRY.iter().map(|r| r.name()))
                .unwrap_or_else(|| "`infragen rules` lists every rule".to_string());
            out.push(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!("`allow` names no rule `{}`", s.rule),
                )
                .label(s.rule_span, "unknown rule")
                .help(help),
            );
        } else if s.reason.trim().is_empty() {
            out.push(
                Diagnostic::error(
                    Code::MissingValue,
                    format!("`allow \"{}\"` needs a reason", s.rule),
                )
                .label(s.rule_span, "no reason given")
                .help("say why in reason=\"…\": reviewers read it"),
            );
        }
    }
    out
}

/// Sorts by position, then rule, and removes exact duplicates.
pub fn finish(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
    diags
}
