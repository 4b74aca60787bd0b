//! Reading the spec and its lock: regular files only, and never more than a
//! cap. A FIFO as the spec used to block forever, and a spec or lock
//! symlinked to `/dev/zero` read about 1 GB before failing.
//!
//! The file is opened with `O_NONBLOCK` (opening a FIFO for reading does not
//! wait for a writer), the opened descriptor's metadata is checked (no race
//! with a path swapped between a `stat` and the `open`), and at most
//! `cap + 1` bytes are read, so a file that grows while being read cannot
//! make the read unbounded either.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Largest address lock read, in bytes: one line per host, about 50 bytes
/// each, for up to `lower::MAX_HOSTS` hosts, with room to spare.
pub const MAX_LOCK_BYTES: usize = 256 << 20;

#[derive(Debug)]
pub enum ReadError {
    /// The path does not exist (a missing lock is not an error).
    NotFound,
    /// Everything else, as a message that names the path.
    Other(String),
}

impl ReadError {
    pub fn message(self, path: &Path) -> String {
        match self {
            ReadError::NotFound => {
                format!("cannot read {}: no such file or directory", path.display())
            }
            ReadError::Other(m) => m,
        }
    }
}

/// What a non-regular file is, for the message.
fn kind(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// The bytes of the regular file at `path` (symlinks followed), at most
/// `cap` of them.
pub fn read_regular(path: &Path, cap: usize) -> Result<Vec<u8>, ReadError> {
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Other(format!("cannot read {}: {e}", path.display())),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Other(format!("cannot read {}: {e}", path.display())))?;
    if !meta.file_type().is_file() {
        return Err(ReadError::Other(format!(
            "cannot read {}: it is {}, not a regular file",
            path.display(),
            kind(meta.file_type())
        )));
    }
    let too_big = || {
        ReadError::Other(format!(
            "cannot read {}: larger than {cap} bytes, the most infragen reads",
            path.display()
        ))
    };
    if meta.len() > cap as u64 {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Other(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("spec.kdl");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let link = dir.path().join("zero.kdl");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        for (path, what) in [
            (fifo.as_path(), "a FIFO"),
            (link.as_path(), "a character device"),
            (dir.path(), "a directory"),
        ] {
            match read_regular(path, 1024) {
                Err(ReadError::Other(m)) => assert!(m.contains(what), "{m}"),
                other => panic!("{}: {other:?}", path.display()),
            }
        }
        assert!(matches!(
            read_regular(&dir.path().join("missing"), 10),
            Err(ReadError::NotFound)
        ));
    }

    #[test]
    fn reads_at_most_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.kdl");
        std::fs::write(&f, "x".repeat(11)).unwrap();
        assert_eq!(read_regular(&f, 11).unwrap().len(), 11);
        match read_regular(&f, 10) {
            Err(ReadError::Other(m)) => assert!(m.contains("larger than 10 bytes"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
