//! `infragen rules` and `infragen explain RULE`.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::diagnostic::did_you_mean;
use crate::rules::{REGISTRY, Rule, lookup};

pub fn list(json: bool) -> i32 {
    if json {
        let rules: Vec<_> = REGISTRY
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name(),
                    "family": r.family.as_str(),
                    "severity": r.severity.as_str(),
                    "summary": r.summary,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rules).unwrap_or_default()
        );
        return EXIT_OK;
    }
    let width = REGISTRY.iter().map(|r| r.name().len()).max().unwrap_or(0);
    let mut family = None;
    for r in REGISTRY {
        if family != Some(r.family) {
            if family.is_some() {
                println!();
            }
            println!("{}:", r.family.as_str());
            family = Some(r.family);
        }
        println!(
            "  {:width$}  {:7}  {}",
            r.name(),
            r.severity.as_str(),
            r.summary
        );
    }
    EXIT_OK
}

/// The full documentation of a rule, as `explain` prints it and as
/// docs/rules/NAME.md holds it.
pub fn document(r: &Rule) -> String {
    format!(
        "# {}\n\n{}\n\nFamily: {}. Default severity: {}.\n\n{}",
        r.name(),
        r.summary,
        r.family.as_str(),
        r.severity.as_str(),
        r.docs.trim_start()
    )
}

pub fn explain(name: &str) -> i32 {
    match lookup(name) {
        Some(r) => {
            print!("{}", document(r));
            EXIT_OK
        }
        None => {
            let hint = did_you_mean(name, REGISTRY.iter().map(|r| r.name()))
                .unwrap_or_else(|| "`infragen rules` lists every rule".into());
            eprintln!("infragen explain: no rule named `{name}`: {hint}");
            EXIT_USAGE
        }
    }
}

/// `explain cluster NAME --spec SPEC`: failures tolerated and the
/// worst-case failover time the spec's timings imply.
pub fn explain_cluster(name: Option<&str>, spec: Option<&std::path::Path>) -> i32 {
    let (Some(name), Some(spec)) = (name, spec) else {
        eprintln!("infragen explain: usage: infragen explain cluster NAME --spec SPEC");
        return EXIT_USAGE;
    };
    let (source, lock) = match super::load_spec(spec) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("infragen explain: {e}");
            return EXIT_USAGE;
        }
    };
    let checked = crate::pipeline::check(&source, &lock);
    let Some(model) = &checked.model else {
        eprintln!(
            "infragen explain: {} is not valid KDL; run `infragen lint`",
            spec.display()
        );
        return EXIT_FAILED;
    };
    match crate::model::ha::report(model, name) {
        Some(report) => {
            print!("{report}");
            EXIT_OK
        }
        None => {
            // An unknown name, like an unknown rule: a usage error.
            eprintln!(
                "infragen explain: {} declares no postgres-cluster or elasticsearch-cluster `{name}`",
                spec.display()
            );
            EXIT_USAGE
        }
    }
}
