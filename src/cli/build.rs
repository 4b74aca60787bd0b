//! `infragen build SPEC --out DIR [--check] [--locked] [--secrets-from-env]`
//! (output ownership, carrying and atomicity: output_dir.rs).

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
    refuse_out_on_inputs(args, &lock_path)?;
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
        let file = FileReport::new(&path_str, &source, &checked.diagnostics);
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
    if let Some(path) = colliding_path(&artifacts) {
        return Err((
            EXIT_FAILED,
            format!(
                "two outputs of the build want the same path {path} (an infragen bug: please report it); nothing was written"
            ),
        ));
    }

    if args.check {
        return check(&args.out, &artifacts);
    }
    let recovered = output_dir::recover(&args.out).map_err(|e| {
        usage(format!(
            "cannot clean up after an interrupted build beside {}: {e}",
            args.out.display()
        ))
    })?;
    if recovered.restored {
        eprintln!(
            "infragen build: {} was missing after an interrupted build; restored the previous tree",
            args.out.display()
        );
    }
    let carry = match output_dir::inspect(&args.out).map_err(usage)? {
        output_dir::Target::Fresh => output_dir::Carry::default(),
        output_dir::Target::Previous(owned) => {
            refuse_inputs_at_owned_paths(args, &lock_path, &owned, &artifacts)?;
            output_dir::plan_carry(&args.out, &owned, &artifacts).map_err(usage)?
        }
    };
    warn_rewritten_lock_entries(&lock_path, &old_lock, &new_lock);
    let summary = output_dir::write_atomically(&args.out, &artifacts, &carry).map_err(|e| {
        usage(format!(
            "cannot write {}: {e}; it was left as it was",
            args.out.display()
        ))
    })?;
    let lock_note = if new_lock == old_lock {
        "unchanged".to_string()
    } else if old_lock.entries.is_empty() && !lock_path.exists() {
        format!("created ({} hosts)", new_lock.entries.len())
    } else {
        let added = new_lock
            .entries
            .keys()
            .filter(|h| !old_lock.entries.contains_key(*h))
            .count();
        let removed = old_lock
            .entries
            .keys()
            .filter(|h| !new_lock.entries.contains_key(*h))
            .count();
        let moved = new_lock
            .entries
            .iter()
            .filter(|(h, v)| old_lock.entries.get(*h).is_some_and(|o| o != *v))
            .count();
        format!("updated ({added} hosts added, {removed} removed, {moved} moved)")
    };
    if new_lock != old_lock {
        write_lock(&lock_path, &new_lock).map_err(usage)?;
    }
    eprintln!(
        "infragen build: {}: {} written, {} unchanged, {} carried over, {} removed; {} {}",
        args.out.display(),
        summary.written,
        summary.unchanged,
        summary.carried,
        summary.removed,
        lock_path.display(),
        lock_note
    );
    let vars = model.secret_vars();
    if !args.secrets_from_env && !vars.is_empty() {
        let list: Vec<String> = vars.iter().map(|v| format!("${{{v}}}")).collect();
        eprintln!(
            "infragen build: placeholders to fill at deploy time (also in manifest.json `secret_vars`): {}",
            list.join(" ")
        );
    }
    Ok(EXIT_OK)
}

/// A path two artifacts both write, or one writes as a file and another
/// needs as a directory: named, so the failure never just says "DIR: File
/// exists".
fn colliding_path(artifacts: &[emit::Artifact]) -> Option<String> {
    let mut files = std::collections::HashSet::new();
    for a in artifacts {
        if !files.insert(a.path.as_str()) {
            return Some(a.path.clone());
        }
    }
    artifacts.iter().find_map(|a| {
        let mut dir = a.path.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            if files.contains(parent) {
                return Some(format!(
                    "{parent} (a file, and the directory of {})",
                    a.path
                ));
            }
            dir = parent;
        }
        None
    })
}

/// Where two paths name the same file (or would, once created).
fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => match (std::path::absolute(a), std::path::absolute(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
    }
}

/// `--out` must not be the spec or its lock: the build would replace the
/// one file it reads, or leave a temporary lock that breaks later builds.
fn refuse_out_on_inputs(args: &BuildArgs, lock_path: &Path) -> Result<(), Failure> {
    for (what, path) in [("the spec", args.spec.as_path()), ("its lock", lock_path)] {
        if same_path(&args.out, path) {
            return Err(usage(format!(
                "--out {} is {what}; choose another output directory",
                args.out.display()
            )));
        }
    }
    Ok(())
}

/// A spec or lock inside DIR is carried like any file infragen did not
/// write, but one at a path the build owns would be replaced: refuse.
fn refuse_inputs_at_owned_paths(
    args: &BuildArgs,
    lock_path: &Path,
    owned: &output_dir::Owned,
    artifacts: &[emit::Artifact],
) -> Result<(), Failure> {
    let Ok(out) = args.out.canonicalize() else {
        return Ok(());
    };
    for input in [args.spec.as_path(), lock_path] {
        let (Some(parent), Some(name)) = (input.parent(), input.file_name()) else {
            continue;
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let Ok(abs) = parent.canonicalize().map(|p| p.join(name)) else {
            continue;
        };
        let Ok(rel) = abs.strip_prefix(&out) else {
            continue;
        };
        let rel = rel.to_string_lossy();
        if owned.files.contains(rel.as_ref()) || artifacts.iter().any(|a| a.path == rel) {
            return Err(usage(format!(
                "{} is inside {} at a path the build writes ({rel}); move it out of the output directory",
                input.display(),
                args.out.display()
            )));
        }
    }
    Ok(())
}

/// A lock entry the build could not keep (its address is outside the
/// subnet, taken, the host moved subnet, or `address=` overrides it) is
/// rewritten; say which, so a reviewer sees why the lock diff is there.
fn warn_rewritten_lock_entries(lock_path: &Path, old: &AddressLock, new: &AddressLock) {
    for (host, (subnet, addr)) in &old.entries {
        let Some((new_subnet, new_addr)) = new.entries.get(host) else {
            continue;
        };
        if new_subnet != subnet || new_addr != addr {
            eprintln!(
                "infragen build: warning: {}: `{host} {subnet} {addr}` cannot be kept (address outside the subnet or taken, host moved, or overridden by address=); rewritten to `{host} {new_subnet} {new_addr}`",
                lock_path.display()
            );
        }
    }
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
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.infragen-{}", std::process::id()));
    output_dir::remove_stale_files(
        path.parent().unwrap_or(Path::new(".")),
        &format!(".{name}.infragen-"),
    );
    let result = (|| {
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        f.write_all(lock.render().as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn check(dir: &Path, artifacts: &[emit::Artifact]) -> Result<i32, Failure> {
    use output_dir::Change;
    let drift = output_dir::compare(dir, artifacts).map_err(usage)?;
    let ignored = if drift.foreign > 0 {
        format!(
            "; {} files infragen did not write were ignored",
            drift.foreign
        )
    } else {
        String::new()
    };
    if drift.is_clean() {
        eprintln!(
            "infragen build --check: {} is up to date ({} files{ignored})",
            dir.display(),
            artifacts.len()
        );
        return Ok(EXIT_OK);
    }
    for (path, change) in &drift.changed {
        match change {
            Change::Diff(diff) => print!("{diff}"),
            Change::Secret => println!("changed: {path} (holds secrets: contents not shown)"),
            Change::Large => println!("changed: {path} (too large to show a diff)"),
            Change::NotAFile(what) => {
                println!("changed: {path} is {what}, a build writes a regular file (not followed)")
            }
        }
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
        "infragen build --check: {} is stale: {} changed, {} added, {} removed, {} with another mode{ignored}",
        dir.display(),
        drift.changed.len(),
        drift.added.len(),
        drift.removed.len(),
        drift.modes.len()
    );
    Ok(EXIT_FAILED)
}

#[cfg(test)]
mod tests {
    use super::colliding_path;
    use crate::emit::Artifact;

    #[test]
    fn a_path_collision_names_the_file() {
        let a = |p: &str| Artifact::new(p, "");
        assert_eq!(colliding_path(&[a("ipsec/gw/ipsec.conf"), a("x")]), None);
        assert_eq!(
            colliding_path(&[a("ipsec/gw/ipsec.conf"), a("ipsec/gw/ipsec.conf")]).as_deref(),
            Some("ipsec/gw/ipsec.conf")
        );
        assert_eq!(
            colliding_path(&[a("ipsec/gw"), a("ipsec/gw/ipsec.conf")]).as_deref(),
            Some("ipsec/gw (a file, and the directory of ipsec/gw/ipsec.conf)")
        );
    }
}
