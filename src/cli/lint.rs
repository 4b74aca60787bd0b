//! `infragen lint SPEC|DIR|-…`: files, every `*.kdl` below a directory
//! (lock files are `*.lock`, so never linted), or standard input.

use super::report::{self, FileReport};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Format};
use crate::pipeline;
use std::path::{Path, PathBuf};

pub fn run(specs: &[PathBuf], format: Format, deny_warnings: bool) -> i32 {
    let mut sources = Vec::new();
    let files = match expand(specs) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("infragen lint: {e}");
            return EXIT_USAGE;
        }
    };
    for spec in &files {
        let loaded = if spec.as_os_str() == "-" {
            read_stdin().map(|text| ("<stdin>".to_string(), text, Default::default()))
        } else {
            super::load_spec(spec).map(|(text, lock)| (spec.display().to_string(), text, lock))
        };
        match loaded {
            Ok(loaded) => sources.push(loaded),
            Err(e) => {
                eprintln!("infragen lint: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let checked: Vec<_> = sources
        .iter()
        .map(|(_, text, lock)| pipeline::check(text, lock))
        .collect();
    let files: Vec<FileReport> = sources
        .iter()
        .zip(&checked)
        .map(|((path, text, _), c)| FileReport::new(path, text, &c.diagnostics))
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

/// Files as given, directories replaced by every `*.kdl` file below them
/// (sorted; hidden directories and symlinks skipped, so no loops).
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() != "-" && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) {
            let before = out.len();
            walk(p, &mut out).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if out.len() == before {
                return Err(format!("{} contains no *.kdl file", p.display()));
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ty = e.file_type()?;
        let path = e.path();
        if ty.is_dir() {
            if !e.file_name().to_string_lossy().starts_with('.') {
                walk(&path, out)?;
            }
        } else if ty.is_file() && path.extension().is_some_and(|x| x == "kdl") {
            out.push(path);
        }
    }
    Ok(())
}

fn read_stdin() -> Result<String, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "standard input is not UTF-8 text".to_string())
}
