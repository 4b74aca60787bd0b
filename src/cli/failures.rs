//! `infragen explain failures SPEC [--format human|json]`: what each
//! failure domain (zone, region, tunnel, single host) takes down, from the
//! simulator in `graph::failures`. The JSON shape is documented in
//! docs/failures.md.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Format};
use crate::graph::failures::{self, Options, Report};
use serde_json::{Value, json};
use std::path::Path;

pub fn run(spec: Option<&str>, format: Option<Format>, two_zones: bool, nat_per_zone: bool) -> i32 {
    let Some(spec) = spec else {
        eprintln!(
            "infragen: usage: infragen explain failures SPEC [--format human|json] [--two-zones] [--nat-per-zone]"
        );
        return EXIT_USAGE;
    };
    let format = format.unwrap_or(Format::Human);
    if format == Format::Sarif {
        eprintln!("infragen: `explain failures` prints human or json, not sarif");
        return EXIT_USAGE;
    }
    let path = Path::new(spec);
    let (source, lock) = match super::load_spec(path) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("infragen: {e}");
            return EXIT_USAGE;
        }
    };
    let checked = crate::pipeline::check(&source, &lock);
    let (Some(model), Some(graph)) = (&checked.model, &checked.graph) else {
        eprintln!(
            "infragen: {} is not valid KDL; run `infragen lint`",
            path.display()
        );
        return EXIT_FAILED;
    };
    if checked.errors() > 0 {
        eprintln!(
            "infragen: {} has {} error(s); run `infragen lint` first",
            path.display(),
            checked.errors()
        );
        return EXIT_FAILED;
    }
    let opts = Options {
        two_zones,
        nat_per_zone,
    };
    let report = failures::simulate(model, graph, opts);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = match format {
        Format::Json => {
            serde_json::to_string_pretty(&to_json(&name, &report)).unwrap_or_default() + "\n"
        }
        _ => human(&name, &report),
    };
    // A closed pipe (`| head`) is not an error of ours.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    EXIT_OK
}

/// The JSON document (docs/failures.md).
pub fn to_json(spec: &str, r: &Report) -> Value {
    json!({
        "spec": spec,
        "options": {
            "two_zones": r.options.two_zones,
            "nat_per_zone": r.options.nat_per_zone,
        },
        "services": r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        "failures": r.rows.iter().map(|row| json!({
            "kind": row.domain.kind.as_str(),
            "name": row.domain.name,
            "label": row.domain.label(),
            "hosts_down": row.domain.hosts_down,
            "cells": row.cells.iter().zip(&r.columns).map(|(c, col)| json!({
                "service": col.name,
                "survives": c.survives,
                "reason": c.reason_text(),
                "lost": c.lost,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A matrix (one row per domain, one column per service) then, for each
/// domain, every cell's reason chain.
pub fn human(spec: &str, r: &Report) -> String {
    let mut out = format!("failure domains of {spec}\n\n");
    let width = r
        .rows
        .iter()
        .map(|row| row.domain.label().chars().count())
        .max()
        .unwrap_or(0)
        .max("domain".len());
    out.push_str("columns:\n");
    for (i, c) in r.columns.iter().enumerate() {
        out.push_str(&format!("  {:>2}  {}\n", i + 1, c.name));
    }
    out.push('\n');
    out.push_str(&format!("{:<width$}  hosts down ", "domain"));
    for i in 0..r.columns.len() {
        out.push_str(&format!(" {:>4}", i + 1));
    }
    out.push('\n');
    for row in &r.rows {
        out.push_str(&format!(
            "{:<width$}  {:>10} ",
            row.domain.label(),
            row.domain.hosts_down
        ));
        for c in &row.cells {
            out.push_str(&format!(" {:>4}", if c.survives { "ok" } else { "DOWN" }));
        }
        out.push('\n');
    }
    for row in &r.rows {
        out.push_str(&format!("\n{}:\n", row.domain.label()));
        for (c, col) in row.cells.iter().zip(&r.columns) {
            out.push_str(&format!(
                "  {}: {} — {}\n",
                col.name,
                if c.survives { "survives" } else { "down" },
                c.reason_text()
            ));
            if !c.lost.is_empty() {
                const SHOWN: usize = 8;
                let mut lost = c
                    .lost
                    .iter()
                    .take(SHOWN)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                if c.lost.len() > SHOWN {
                    lost.push_str(&format!(", … ({} in all)", c.lost.len()));
                }
                out.push_str(&format!("      lost: {lost}\n"));
            }
        }
    }
    out
}
