//! `infragen build SPEC --out DIR [--check] [--locked] [--secrets-from-env]`

use super::output_dir;
use super::report::{self, FileReport};
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::emit::{self, EmitContext, Secrets};
use crate::lock::AddressLock;
use crate::pipeline;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct BuildArgs {
    pub spec: PathBuf,
    pub out: PathBuf,
    pub check: bool,
    pub locked: bool,
    pub secrets_from_env: bool,
}

pub fn run(args: &BuildArgs) -> i32 {
    match build(args) {
        Ok(code) => code,
        Err((code, msg)) => {
            eprintln!("infragen build: {msg}");
            code
        }
    }
}

type Failure = (i32, String);

fn usage(msg: impl Into<String>) -> Failure {
    (EXIT_USAGE, msg.into())
}

fn build(args: &BuildArgs) -> Result<i32, Failure> {
    let (source, old_lock) = super::load_spec(&args.spec).map_err(usage)?;
    let lock_path = super::lock_path(&args.spec);
    if args.locked && !lock_path.exists() {
        return Err((
            EXIT_FAILED,
            format!(
                "--locked but {} does not exist; run build without --locked to create it",
                lock_path.display()
            ),
        ));
    }

    let checked = pipeline::check(&source, &old_lock);
    let path_str = args.spec.display().to_string();
    if !checked.diagnostics.is_empty() {
        let opts = report::human::Options {
            color: super::use_color(),
            width: 100,
        };
        let masked = crate::diagnostic::redact_source(&source, &checked.diagnostics);
        let file = FileReport {
            path: &path_str,
            source: &masked,
            diagnostics: &checked.diagnostics,
        };
        eprint!("{}", report::human::render(&file, &opts));
    }
    let (Some(model), Some(graph)) = (&checked.model, &checked.graph) else {
        return Err((
            EXIT_FAILED,
            "the spec has errors; nothing was written".into(),
        ));
    };
    if checked.errors() > 0 {
        return Err((
            EXIT_FAILED,
            format!(
                "{}; nothing was written",
                report::human::summary(checked.errors(), checked.warnings())
            ),
        ));
    }

    let new_lock = crate::lower::lock_of(model);
    if args.locked && new_lock != old_lock {
        return Err((
            EXIT_FAILED,
            format!(
                "{} would change, but --locked was given; run build without --locked and commit the lock",
                lock_path.display()
            ),
        ));
    }

    let secrets = if args.secrets_from_env {
        Secrets::Values(read_secrets(&model.secret_vars())?)
    } else {
        Secrets::Placeholders
    };
    let spec_name = args
        .spec
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ctx = EmitContext::new(model, graph, &spec_name, &source, &secrets);
    let artifacts = emit::emit_all(&ctx);

    if args.check {
        return check(&args.out, &artifacts);
    }
    output_dir::ensure_replaceable(&args.out).map_err(usage)?;
    output_dir::write_atomically(&args.out, &artifacts).map_err(|e| {
        usage(format!(
            "cannot write {}: {e}; it was left as it was",
            args.out.display()
        ))
    })?;
    if new_lock != old_lock {
        write_lock(&lock_path, &new_lock).map_err(usage)?;
    }
    eprintln!(
        "infragen build: wrote {} files to {}",
        artifacts.len(),
        args.out.display()
    );
    Ok(EXIT_OK)
}

fn read_secrets(vars: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for v in vars {
        match std::env::var(v) {
            Ok(val) if !val.is_empty() => {
                values.insert(v.clone(), val);
            }
            _ => missing.push(v.as_str()),
        }
    }
    if missing.is_empty() {
        Ok(values)
    } else {
        Err((
            EXIT_FAILED,
            format!("--secrets-from-env: not set: {}", missing.join(", ")),
        ))
    }
}

fn write_lock(path: &Path, lock: &AddressLock) -> Result<(), String> {
    let tmp = path.with_extension("lock.tmp");
    std::fs::write(&tmp, lock.render())
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn check(dir: &Path, artifacts: &[emit::Artifact]) -> Result<i32, Failure> {
    let drift = output_dir::compare(dir, artifacts)
        .map_err(|e| usage(format!("cannot read {}: {e}", dir.display())))?;
    if drift.is_clean() {
        eprintln!(
            "infragen build --check: {} is up to date ({} files)",
            dir.display(),
            artifacts.len()
        );
        return Ok(EXIT_OK);
    }
    for (_, diff) in &drift.changed {
        print!("{diff}");
    }
    for p in &drift.added {
        println!("added: {p}");
    }
    for p in &drift.removed {
        println!("removed: {p}");
    }
    for (p, have, want) in &drift.modes {
        println!("mode: {p} is {have:o}, a build writes {want:o}");
    }
    eprintln!(
        "infragen build --check: {} is stale: {} changed, {} added, {} removed, {} with another mode",
        dir.display(),
        drift.changed.len(),
        drift.added.len(),
        drift.removed.len(),
        drift.modes.len()
    );
    Ok(EXIT_FAILED)
}
