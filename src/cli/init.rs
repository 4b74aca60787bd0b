//! `infragen init [DIR] [--template minimal|web-ha]`: writes a commented
//! starter spec, `DIR/infra.kdl`, and nothing else. It never overwrites.

use super::{EXIT_OK, EXIT_USAGE};
use clap::ValueEnum;
use std::io::Write;
use std::path::Path;

/// The starter estates (each lints clean and builds; tests/cli.rs checks).
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Template {
    /// One VPC, web hosts, a bastion, Prometheus and Grafana.
    Minimal,
    /// The minimal estate plus a Patroni PostgreSQL cluster behind HAProxy.
    WebHa,
}

/// The file `init` writes.
pub const FILE: &str = "infra.kdl";

pub fn text(template: Template) -> &'static str {
    match template {
        Template::Minimal => include_str!("templates/minimal.kdl"),
        Template::WebHa => include_str!("templates/web-ha.kdl"),
    }
}

pub fn run(dir: &Path, template: Template) -> i32 {
    let path = dir.join(FILE);
    let result = std::fs::create_dir_all(dir).and_then(|()| {
        // create_new: refuses an existing file (or symlink) atomically.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(text(template).as_bytes())?;
        f.sync_all()
    });
    match result {
        Ok(()) => {
            eprintln!(
                "infragen init: wrote {}; next: `infragen lint {0}` and `infragen build {0} --out out`",
                path.display()
            );
            EXIT_OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "infragen init: {} already exists; nothing was written",
                path.display()
            );
            EXIT_USAGE
        }
        Err(e) => {
            eprintln!("infragen init: cannot write {}: {e}", path.display());
            EXIT_USAGE
        }
    }
}
