//! `infragen lint SPEC…`

use super::report::{self, FileReport};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Format};
use crate::pipeline;
use std::path::PathBuf;

pub fn run(specs: &[PathBuf], format: Format, deny_warnings: bool) -> i32 {
    let mut sources = Vec::new();
    for spec in specs {
        let (text, lock) = match super::load_spec(spec) {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("infragen: {e}");
                return EXIT_USAGE;
            }
        };
        sources.push((spec.display().to_string(), text, lock));
    }
    let checked: Vec<_> = sources
        .iter()
        .map(|(_, text, lock)| pipeline::check(text, lock))
        .collect();
    let masked: Vec<String> = sources
        .iter()
        .zip(&checked)
        .map(|((_, text, _), c)| crate::diagnostic::redact_source(text, &c.diagnostics))
        .collect();
    let files: Vec<FileReport> = sources
        .iter()
        .zip(&checked)
        .zip(&masked)
        .map(|(((path, _, _), c), text)| FileReport {
            path,
            source: text,
            diagnostics: &c.diagnostics,
        })
        .collect();
    let errors: usize = checked.iter().map(|c| c.errors()).sum();
    let warnings: usize = checked.iter().map(|c| c.warnings()).sum();
    match format {
        Format::Human => {
            let opts = report::human::Options {
                color: super::use_color(),
                width: 100,
            };
            for f in &files {
                eprint!("{}", report::human::render(f, &opts));
            }
            eprintln!(
                "infragen lint: {}",
                report::human::summary(errors, warnings)
            );
        }
        Format::Json => print!("{}", report::json::render(&files)),
        Format::Sarif => print!("{}", report::sarif::render(&files)),
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}
