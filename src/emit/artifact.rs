//! One generated file, and where in the spec it came from.

use serde::Serialize;

/// A spec entity an artifact was generated from, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SourceRef {
    /// e.g. `host app-01`, `postgres-cluster orders`.
    pub entity: String,
    /// 1-based line of the entity's declaration in the spec.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative path with forward slashes, e.g. `patroni/db-1/patroni.yml`.
    pub path: String,
    pub contents: String,
    /// Holds (or will hold, once filled) a secret: written 0600.
    pub secret: bool,
    /// A script: written 0755.
    pub executable: bool,
    pub sources: Vec<SourceRef>,
}

impl Artifact {
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        Artifact {
            path: path.into(),
            contents: contents.into(),
            secret: false,
            executable: false,
            sources: Vec::new(),
        }
    }

    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    pub fn executable(mut self) -> Self {
        self.executable = true;
        self
    }

    pub fn source(mut self, entity: impl Into<String>, line: usize) -> Self {
        self.sources.push(SourceRef {
            entity: entity.into(),
            line,
        });
        self
    }

    /// Unix permissions the file is written with.
    pub fn mode(&self) -> u32 {
        if self.secret {
            0o600
        } else if self.executable {
            0o755
        } else {
            0o644
        }
    }
}
