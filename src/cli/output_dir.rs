//! Writing an output tree atomically, and comparing one with what a build
//! would write. DIR is always either the old tree or the new one: the new
//! tree is written to a temporary directory beside it and swapped in with
//! one `renameat2(RENAME_EXCHANGE)` (two renames where that is missing).

use crate::emit::Artifact;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Every regular file under `dir` with its permission bits, by relative
/// path with `/` separators.
pub fn read_tree(dir: &Path) -> io::Result<BTreeMap<String, (Vec<u8>, u32)>> {
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, "", &mut out)?;
    }
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, (Vec<u8>, u32)>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            let mode = entry.metadata()?.permissions().mode() & 0o777;
            out.insert(rel, (fs::read(entry.path())?, mode));
        }
    }
    Ok(())
}

/// Refuses to replace a directory that infragen did not write, so a typo in
/// `--out` cannot wipe a home directory.
pub fn ensure_replaceable(dir: &Path) -> Result<(), String> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(format!("{} exists and is not a directory", dir.display()));
    }
    let empty = fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if empty || dir.join("manifest.json").is_file() {
        Ok(())
    } else {
        Err(format!(
            "refusing to replace {}: it is not empty and has no manifest.json, so infragen did not write it",
            dir.display()
        ))
    }
}

fn temp_sibling(dir: &Path, tag: &str) -> io::Result<PathBuf> {
    let name = dir.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "output path has no final component",
        )
    })?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(parent.join(format!(
        ".{}.infragen-{tag}-{}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

fn write_file(root: &Path, a: &Artifact) -> io::Result<()> {
    let path = root.join(&a.path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    // The mode is set at creation so a secret is never readable by others,
    // not even for a moment.
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(a.mode())
        .open(&path)?;
    f.write_all(a.contents.as_bytes())?;
    f.sync_all()?;
    // create_new applies the umask; set the exact mode afterwards.
    fs::set_permissions(&path, fs::Permissions::from_mode(a.mode()))
}

pub fn write_atomically(dir: &Path, artifacts: &[Artifact]) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let tmp = temp_sibling(dir, "new")?;
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    let result = (|| {
        fs::create_dir(&tmp)?;
        let fail_after = fault_injection();
        for (i, a) in artifacts.iter().enumerate() {
            if fail_after == Some(i) {
                return Err(io::Error::other(
                    "injected failure (INFRAGEN_TEST_FAIL_WRITE_AFTER)",
                ));
            }
            write_file(&tmp, a)?;
        }
        swap_in(&tmp, dir)
    })();
    if tmp.exists() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

/// Tests set `INFRAGEN_TEST_FAIL_WRITE_AFTER=N` to make the write fail after
/// N files, the way a full disk would: root ignores read-only directories,
/// so permissions alone cannot simulate it in CI.
fn fault_injection() -> Option<usize> {
    std::env::var("INFRAGEN_TEST_FAIL_WRITE_AFTER")
        .ok()?
        .parse()
        .ok()
}

/// Moves `new` to `dir`; the old tree, if any, ends up at `new` and is
/// removed by the caller.
fn swap_in(new: &Path, dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        return fs::rename(new, dir);
    }
    match exchange(new, dir) {
        Ok(()) => Ok(()),
        Err(_) => {
            let old = temp_sibling(dir, "old")?;
            fs::rename(dir, &old)?;
            if let Err(e) = fs::rename(new, dir) {
                let _ = fs::rename(&old, dir);
                return Err(e);
            }
            fs::remove_dir_all(&old)
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

/// What `--check` found.
#[derive(Debug, Default)]
pub struct Drift {
    /// (path, unified diff)
    pub changed: Vec<(String, String)>,
    /// (path, mode on disk, mode a build writes) where the executable bit
    /// differs. Only that bit is compared: it is all git keeps, so a golden
    /// tree checked out from git has its 0600 secrets at 0644.
    pub modes: Vec<(String, u32, u32)>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.modes.is_empty()
    }
}

fn exec_differs(a: u32, b: u32) -> bool {
    (a & 0o100 != 0) != (b & 0o100 != 0)
}

pub fn compare(dir: &Path, artifacts: &[Artifact]) -> io::Result<Drift> {
    let mut existing = read_tree(dir)?;
    let mut drift = Drift::default();
    for a in artifacts {
        match existing.remove(&a.path) {
            None => drift.added.push(a.path.clone()),
            Some((old, mode)) if old != a.contents.as_bytes() => {
                let old = String::from_utf8_lossy(&old);
                let diff = similar::TextDiff::from_lines(old.as_ref(), a.contents.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", a.path), &format!("b/{}", a.path))
                    .to_string();
                drift.changed.push((a.path.clone(), diff));
                if exec_differs(mode, a.mode()) {
                    drift.modes.push((a.path.clone(), mode, a.mode()));
                }
            }
            Some((_, mode)) if exec_differs(mode, a.mode()) => {
                drift.modes.push((a.path.clone(), mode, a.mode()))
            }
            Some(_) => {}
        }
    }
    drift.removed = existing.into_keys().collect();
    Ok(drift)
}
