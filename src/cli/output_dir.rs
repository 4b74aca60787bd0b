//! Writing an output tree atomically, and comparing one with what a build
//! would write.
//!
//! - **Ownership.** infragen replaces a directory only when it is missing,
//!   empty, or holds a `manifest.json` whose `generator` is infragen. It owns
//!   exactly the files that manifest lists (plus the manifest); everything
//!   else in the tree (Terraform's `.terraform/`, `.terraform.lock.hcl`,
//!   `terraform.tfstate*`, `*.tfvars`, notes, …) is *carried*: hard-linked (or
//!   copied) into the new tree before the swap, so it survives byte for byte.
//! - **Atomicity.** The new tree is written to `.DIR.infragen-new-PID` beside
//!   DIR and swapped in with one `renameat2(RENAME_EXCHANGE)`. Where that is
//!   missing, two renames: DIR → `.DIR.infragen-old-PID`, new → DIR. A kill
//!   between them leaves DIR missing for a moment; the next build (or
//!   `--check`) renames the old tree back before doing anything else.
//! - **Stale temporaries** of a killed build (`.DIR.infragen-*-PID` whose
//!   process is gone) are removed by the next build.
//! - **No symlink is followed**, neither when carrying nor when comparing:
//!   a symlink where infragen writes a file is drift, reported as such.

use crate::emit::Artifact;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What sits at a path of a tree, from `lstat` (never following a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File {
        mode: u32,
        len: u64,
    },
    Dir {
        mode: u32,
        empty: bool,
    },
    Symlink,
    /// FIFO, socket, device.
    Other,
}

/// Every entry under `dir` by relative path with `/` separators; descends
/// only into real directories.
pub fn scan(dir: &Path) -> io::Result<BTreeMap<String, Kind>> {
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Kind>) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        // DirEntry::metadata does not follow symlinks.
        let meta = entry.metadata()?;
        let ty = meta.file_type();
        let mode = meta.permissions().mode() & 0o7777;
        if ty.is_dir() {
            let empty = fs::read_dir(entry.path())?.next().is_none();
            out.insert(rel.clone(), Kind::Dir { mode, empty });
            walk(&entry.path(), &rel, out)?;
        } else if ty.is_symlink() {
            out.insert(rel, Kind::Symlink);
        } else if ty.is_file() {
            out.insert(
                rel,
                Kind::File {
                    mode,
                    len: meta.len(),
                },
            );
        } else {
            out.insert(rel, Kind::Other);
        }
    }
    Ok(())
}

/// Reads a regular file without following a symlink at its last component,
/// at most `cap` bytes (`None` when it is longer).
fn read_regular(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut buf = Vec::new();
    f.take(cap + 1).read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= cap).then_some(buf))
}

/// The files a previous build wrote, from its `manifest.json`.
#[derive(Debug, Default)]
pub struct Owned {
    pub files: BTreeSet<String>,
}

/// Reads `DIR/manifest.json`: `Ok(Some)` when infragen wrote it, `Ok(None)`
/// when there is none, `Err` (why) when it is not infragen's.
pub fn read_manifest(dir: &Path) -> Result<Option<Owned>, String> {
    let path = dir.join("manifest.json");
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        Ok(m) if !m.is_file() => {
            return Err(format!("{} is not a regular file", path.display()));
        }
        Ok(_) => {}
    }
    let bytes = read_regular(&path, 256 << 20)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .ok_or_else(|| format!("{} is too large to be infragen's", path.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| format!("{} is not JSON written by infragen", path.display()))?;
    let generator = v.get("generator").and_then(|g| g.as_str()).unwrap_or("");
    if generator != "infragen" && !generator.starts_with("infragen ") {
        return Err(format!(
            "{} was not written by infragen (its `generator` is {})",
            path.display(),
            if generator.is_empty() {
                "missing".to_string()
            } else {
                format!("`{generator}`")
            }
        ));
    }
    let mut files = BTreeSet::new();
    files.insert("manifest.json".to_string());
    if let Some(list) = v.get("files").and_then(|f| f.as_array()) {
        for f in list {
            if let Some(p) = f.get("path").and_then(|p| p.as_str()) {
                files.insert(p.to_string());
            }
        }
    }
    Ok(Some(Owned { files }))
}

/// What a build may do with DIR.
pub enum Target {
    /// DIR does not exist or is empty.
    Fresh,
    /// DIR holds a previous build.
    Previous(Owned),
}

/// Refuses a directory infragen did not write (so a typo in `--out` cannot
/// wipe a home directory or a web app), a symlink, or a file.
pub fn inspect(dir: &Path) -> Result<Target, String> {
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Target::Fresh),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{} is a symlink; infragen does not follow it: give the real directory",
            dir.display()
        ));
    }
    if !meta.is_dir() {
        return Err(format!("{} exists and is not a directory", dir.display()));
    }
    let empty = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .next()
        .is_none();
    if empty {
        return Ok(Target::Fresh);
    }
    match read_manifest(dir) {
        Ok(Some(owned)) => Ok(Target::Previous(owned)),
        Ok(None) => Err(format!(
            "refusing to replace {}: it is not empty and has no manifest.json, so infragen did not write it",
            dir.display()
        )),
        Err(why) => Err(format!(
            "refusing to replace {}: {why}; nothing was changed",
            dir.display()
        )),
    }
}

fn parent_of(dir: &Path) -> &Path {
    dir.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn temp_prefix(dir: &Path) -> io::Result<String> {
    let name = dir.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "output path has no final component",
        )
    })?;
    Ok(format!(".{}.infragen-", name.to_string_lossy()))
}

fn temp_sibling(dir: &Path, tag: &str) -> io::Result<PathBuf> {
    Ok(parent_of(dir).join(format!("{}{tag}-{}", temp_prefix(dir)?, std::process::id())))
}

fn pid_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Removes the regular files `DIR/PREFIX<pid>` whose process is gone (the
/// temporary lock of a killed build).
pub fn remove_stale_files(dir: &Path, prefix: &str) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(prefix)
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if !pid_alive(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What [`recover`] did.
#[derive(Debug, Default)]
pub struct Recovery {
    /// DIR was missing after a kill between the two renames of the
    /// fallback swap; the old tree was renamed back.
    pub restored: bool,
    /// Stale temporary directories removed.
    pub removed: usize,
}

/// Repairs what a killed build left beside DIR: renames the old tree back
/// when DIR is missing, and removes temporaries whose process is gone.
pub fn recover(dir: &Path) -> io::Result<Recovery> {
    let mut done = Recovery::default();
    let prefix = temp_prefix(dir)?;
    let parent = parent_of(dir);
    let entries = match fs::read_dir(parent) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(done),
        Err(e) => return Err(e),
    };
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some((tag, pid)) = rest.split_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<i32>() else {
            continue;
        };
        if !matches!(tag, "new" | "old") || pid_alive(pid) {
            continue;
        }
        if !entry.file_type()?.is_dir() {
            continue;
        }
        stale.push((tag.to_string(), entry.path()));
    }
    if fs::symlink_metadata(dir).is_err() {
        // Only the fallback swap moves DIR away; its `old` is a whole tree.
        if let Some((_, old)) = stale.iter().find(|(tag, _)| tag == "old") {
            fs::rename(old, dir)?;
            done.restored = true;
        }
    }
    for (_, path) in stale {
        if path.exists() {
            fs::remove_dir_all(&path)?;
            done.removed += 1;
        }
    }
    Ok(done)
}

/// Creates `path` and its missing parents below `root` with mode 0755
/// (whatever the umask).
fn make_dirs(root: &Path, rel: &Path, modes: &dyn Fn(&Path) -> u32) -> io::Result<()> {
    let mut cur = root.to_path_buf();
    let mut rel_cur = PathBuf::new();
    for comp in rel.components() {
        cur.push(comp);
        rel_cur.push(comp);
        match fs::DirBuilder::new().mode(0o700).create(&cur) {
            Ok(()) => fs::set_permissions(&cur, fs::Permissions::from_mode(modes(&rel_cur)))?,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn write_file(root: &Path, a: &Artifact) -> io::Result<()> {
    if let Some(parent) = Path::new(&a.path).parent() {
        make_dirs(root, parent, &|_| 0o755)?;
    }
    let path = root.join(&a.path);
    // Created 0600 so a secret is never readable by others, not even for a
    // moment; the exact mode is set afterwards (create applies the umask).
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    f.write_all(a.contents.as_bytes())?;
    f.sync_all()?;
    fs::set_permissions(&path, fs::Permissions::from_mode(a.mode()))
}

/// The files of the old tree a build keeps, and why it cannot when it
/// cannot.
#[derive(Debug, Default)]
pub struct Carry {
    /// Relative paths of entries (files, symlinks, empty directories) to carry.
    pub entries: Vec<(String, Kind)>,
    /// Every directory of the old tree, with its mode, so a carried file's
    /// parents keep theirs.
    dir_modes: BTreeMap<String, u32>,
}

/// Decides what a build carries from the old tree: every entry that the
/// previous manifest does not list. `Err` lists the entries that cannot be
/// carried (a file where the build writes one, a FIFO, …).
pub fn plan_carry(dir: &Path, owned: &Owned, artifacts: &[Artifact]) -> Result<Carry, String> {
    let tree = scan(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let written: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    let written_dirs: BTreeSet<&str> = artifacts
        .iter()
        .flat_map(|a| a.path.match_indices('/').map(move |(i, _)| &a.path[..i]))
        .collect();
    let mut carry = Carry::default();
    let mut problems = Vec::new();
    for (rel, kind) in &tree {
        if let Kind::Dir { mode, empty } = *kind {
            carry.dir_modes.insert(rel.clone(), mode);
            if empty && written.contains(rel.as_str()) {
                problems.push(format!(
                    "{rel}/ (an empty directory where the build writes a file)"
                ));
            } else if empty && !written_dirs.contains(rel.as_str()) {
                carry.entries.push((rel.clone(), *kind));
            }
            continue;
        }
        if owned.files.contains(rel) {
            continue;
        }
        if written.contains(rel.as_str()) {
            problems.push(format!(
                "{rel} (not written by infragen, and the build now writes this path)"
            ));
        } else if written_dirs.contains(rel.as_str()) {
            problems.push(format!("{rel} (the build needs a directory here)"));
        } else if *kind == Kind::Other {
            problems.push(format!("{rel} (not a regular file, directory or symlink)"));
        } else {
            carry.entries.push((rel.clone(), *kind));
        }
    }
    // A carried entry below a path where the build now writes a file.
    for (rel, _) in &carry.entries {
        if let Some(file) = rel
            .match_indices('/')
            .map(|(i, _)| &rel[..i])
            .find(|dir| written.contains(dir))
        {
            problems.push(format!(
                "{rel} (inside {file}/, where the build now writes a file)"
            ));
        }
    }
    if problems.is_empty() {
        Ok(carry)
    } else {
        Err(format!(
            "refusing to replace {}: these files were not written by infragen and cannot be carried into the new tree; move them away (nothing was changed):\n  {}",
            dir.display(),
            problems.join("\n  ")
        ))
    }
}

fn carry_into(old: &Path, new: &Path, carry: &Carry) -> io::Result<()> {
    let modes = |rel: &Path| {
        carry
            .dir_modes
            .get(rel.to_string_lossy().as_ref())
            .copied()
            .unwrap_or(0o755)
    };
    for (rel, kind) in &carry.entries {
        let rel_path = Path::new(rel);
        if let Some(parent) = rel_path.parent() {
            make_dirs(new, parent, &modes)?;
        }
        let (from, to) = (old.join(rel), new.join(rel));
        match kind {
            Kind::Dir { .. } => make_dirs(new, rel_path, &modes)?,
            Kind::Symlink => std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?,
            Kind::File { mode, .. } => {
                // A hard link keeps the bytes without copying them, and the
                // old tree keeps its own name for them until the swap.
                if fs::hard_link(&from, &to).is_err() {
                    let bytes = read_regular(&from, u64::MAX - 1)?.unwrap_or_default();
                    let mut f = fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .open(&to)?;
                    f.write_all(&bytes)?;
                    f.sync_all()?;
                    fs::set_permissions(&to, fs::Permissions::from_mode(*mode))?;
                }
            }
            Kind::Other => return Err(io::Error::other(format!("cannot carry {rel}"))),
        }
    }
    Ok(())
}

/// What a build changed.
#[derive(Debug, Default)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub carried: usize,
    pub removed: usize,
}

pub fn write_atomically(dir: &Path, artifacts: &[Artifact], carry: &Carry) -> io::Result<Summary> {
    let parent = parent_of(dir);
    fs::create_dir_all(parent)?;
    let old_tree = if fs::symlink_metadata(dir).is_ok() {
        scan(dir)?
    } else {
        BTreeMap::new()
    };
    let mut summary = Summary {
        carried: carry
            .entries
            .iter()
            .filter(|(_, k)| !matches!(k, Kind::Dir { .. }))
            .count(),
        ..Summary::default()
    };
    for a in artifacts {
        let same = match old_tree.get(&a.path) {
            Some(Kind::File { mode, len }) if *len == a.contents.len() as u64 => {
                *mode & 0o777 == a.mode()
                    && read_regular(&dir.join(&a.path), *len)
                        .ok()
                        .flatten()
                        .is_some_and(|b| b == a.contents.as_bytes())
            }
            _ => false,
        };
        if same {
            summary.unchanged += 1;
        } else {
            summary.written += 1;
        }
    }
    let written: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    let carried: BTreeSet<&str> = carry.entries.iter().map(|(p, _)| p.as_str()).collect();
    summary.removed = old_tree
        .iter()
        .filter(|(p, k)| {
            !matches!(k, Kind::Dir { .. })
                && !written.contains(p.as_str())
                && !carried.contains(p.as_str())
        })
        .count();

    let tmp = temp_sibling(dir, "new")?;
    if fs::symlink_metadata(&tmp).is_ok() {
        fs::remove_dir_all(&tmp)?;
    }
    let result = (|| {
        fs::DirBuilder::new().mode(0o700).create(&tmp)?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
        let fail_after = fault_injection();
        for (i, a) in artifacts.iter().enumerate() {
            if fail_after == Some(i) {
                return Err(io::Error::other(
                    "injected failure (INFRAGEN_TEST_FAIL_WRITE_AFTER)",
                ));
            }
            write_file(&tmp, a)?;
        }
        carry_into(dir, &tmp, carry)?;
        swap_in(&tmp, dir)
    })();
    if fs::symlink_metadata(&tmp).is_ok() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result.map(|()| summary)
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

/// Tests set `INFRAGEN_TEST_SWAP=renames` to use the two-rename fallback
/// (as on systems without `RENAME_EXCHANGE`), and `=abort-between-renames`
/// to also die between its two renames, as a kill -9 there would.
fn swap_mode() -> String {
    std::env::var("INFRAGEN_TEST_SWAP").unwrap_or_default()
}

/// Moves `new` to `dir`; the old tree, if any, ends up at `new` and is
/// removed by the caller.
fn swap_in(new: &Path, dir: &Path) -> io::Result<()> {
    if fs::symlink_metadata(dir).is_err() {
        return fs::rename(new, dir);
    }
    let mode = swap_mode();
    let exchanged = if mode.is_empty() {
        exchange(new, dir)
    } else {
        Err(io::Error::other("test: fallback forced"))
    };
    match exchanged {
        Ok(()) => Ok(()),
        Err(_) => {
            let old = temp_sibling(dir, "old")?;
            fs::rename(dir, &old)?;
            if mode == "abort-between-renames" {
                std::process::abort();
            }
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

/// How an owned file differs.
#[derive(Debug)]
pub enum Change {
    /// A unified diff (a file without secrets).
    Diff(String),
    /// A secret-bearing file: its contents are never shown.
    Secret,
    /// Too large to show.
    Large,
    /// A symlink (not followed), directory or special file where the build
    /// writes a regular file.
    NotAFile(&'static str),
}

/// What `--check` found.
#[derive(Debug, Default)]
pub struct Drift {
    pub changed: Vec<(String, Change)>,
    /// (path, mode on disk, mode a build writes) where the executable bit
    /// differs. Only that bit is compared: it is all git keeps, so a golden
    /// tree checked out from git has its 0600 secrets at 0644.
    pub modes: Vec<(String, u32, u32)>,
    /// Files the build writes that are missing.
    pub added: Vec<String>,
    /// Files the tree's manifest lists that the build no longer writes.
    pub removed: Vec<String>,
    /// Files infragen did not write (ignored).
    pub foreign: usize,
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

/// Compares DIR with a build, reading only the files the build writes and
/// never following a symlink. Files infragen does not own are ignored.
pub fn compare(dir: &Path, artifacts: &[Artifact]) -> Result<Drift, String> {
    let tree = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
        Ok(m) if m.file_type().is_symlink() => {
            return Err(format!(
                "{} is a symlink; --check does not follow it: give the real directory",
                dir.display()
            ));
        }
        Ok(m) if !m.is_dir() => {
            return Err(format!("{} exists and is not a directory", dir.display()));
        }
        Ok(_) => scan(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?,
    };
    let owned = read_manifest(dir).ok().flatten().unwrap_or_default();
    let mut drift = Drift::default();
    for a in artifacts {
        let secret = a.secret;
        match tree.get(&a.path) {
            None => drift.added.push(a.path.clone()),
            Some(Kind::Symlink) => drift
                .changed
                .push((a.path.clone(), Change::NotAFile("a symlink"))),
            Some(Kind::Dir { .. }) => drift
                .changed
                .push((a.path.clone(), Change::NotAFile("a directory"))),
            Some(Kind::Other) => drift
                .changed
                .push((a.path.clone(), Change::NotAFile("a special file"))),
            Some(Kind::File { mode, .. }) => {
                let secret = secret || mode & 0o077 == 0;
                let cap = a.contents.len() as u64 + (1 << 20);
                let old = read_regular(&dir.join(&a.path), cap)
                    .map_err(|e| format!("cannot read {}/{}: {e}", dir.display(), a.path))?;
                match old {
                    Some(old) if old == a.contents.as_bytes() => {}
                    _ if secret => drift.changed.push((a.path.clone(), Change::Secret)),
                    None => drift.changed.push((a.path.clone(), Change::Large)),
                    Some(old) => {
                        let old = String::from_utf8_lossy(&old);
                        let diff = similar::TextDiff::from_lines(old.as_ref(), a.contents.as_str())
                            .unified_diff()
                            .context_radius(3)
                            .header(&format!("a/{}", a.path), &format!("b/{}", a.path))
                            .to_string();
                        drift.changed.push((a.path.clone(), Change::Diff(diff)));
                    }
                }
                if exec_differs(*mode, a.mode()) {
                    drift.modes.push((a.path.clone(), *mode & 0o777, a.mode()));
                }
            }
        }
    }
    let written: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for (rel, kind) in &tree {
        if matches!(kind, Kind::Dir { .. }) || written.contains(rel.as_str()) {
            continue;
        }
        if owned.files.contains(rel) {
            drift.removed.push(rel.clone());
        } else {
            drift.foreign += 1;
        }
    }
    Ok(drift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(paths: &[&str]) -> Owned {
        Owned {
            files: paths.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        dir
    }

    fn paths(carry: &Carry) -> Vec<&str> {
        carry.entries.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn carries_what_the_manifest_does_not_list() {
        let dir = tree(&["manifest.json", "a/b.tf", "a/.terraform.lock.hcl", "notes"]);
        fs::create_dir(dir.path().join("empty")).unwrap();
        let artifacts = [
            Artifact::new("a/b.tf", "y"),
            Artifact::new("manifest.json", "{}"),
        ];
        let carry =
            plan_carry(dir.path(), &owned(&["manifest.json", "a/b.tf"]), &artifacts).unwrap();
        assert_eq!(paths(&carry), ["a/.terraform.lock.hcl", "empty", "notes"]);
    }

    #[test]
    fn an_owned_directory_may_become_a_file() {
        let dir = tree(&["manifest.json", "x/old.yml"]);
        let artifacts = [Artifact::new("x", "now a file")];
        let carry = plan_carry(
            dir.path(),
            &owned(&["manifest.json", "x/old.yml"]),
            &artifacts,
        )
        .unwrap();
        assert!(carry.entries.is_empty());
    }

    #[test]
    fn collisions_are_listed() {
        let dir = tree(&["manifest.json", "x/mine", "y", "z.tf"]);
        let artifacts = [
            Artifact::new("x", "file where a user file sits below"),
            Artifact::new("y/inner", "directory where a user file is"),
            Artifact::new("z.tf", "a user file where the build writes"),
        ];
        let err = plan_carry(dir.path(), &owned(&["manifest.json"]), &artifacts).unwrap_err();
        for p in ["x/mine", "y (", "z.tf ("] {
            assert!(err.contains(p), "{p}: {err}");
        }
    }
}
