//! `manifest.json`: every file written, its sha256, and the spec entities it
//! came from, so a reviewer can trace any output back to the spec.
//!
//! It is also the tree's ownership record: `generator` says infragen wrote
//! the directory (a build replaces no other), and `files` lists exactly the
//! files it owns (everything else in the tree is carried over untouched).
//!
//! Secret-bearing files (written 0600) are listed with `"secret": true` and
//! **no hash**: the manifest is 0644 and committed, and an unsalted hash of
//! a filled `ipsec.secrets` lets anyone guess the PSK offline. A keyed hash
//! would need a key kept outside the tree and would make the manifest differ
//! between a placeholder build and a filled one; without a hash the manifest
//! is the same bytes either way, and `build --check` compares those files
//! themselves (without printing them).

use super::{Artifact, EmitContext, SourceRef};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Serialize)]
struct Manifest<'a> {
    generator: &'static str,
    spec: &'a str,
    /// The environment variables the secret files need (`${VAR}`
    /// placeholders, or filled by `--secrets-from-env`): the exact list to
    /// give `envsubst`.
    secret_vars: Vec<String>,
    files: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    secret: bool,
    mode: String,
    sources: Vec<SourceRef>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn manifest(ctx: &EmitContext, artifacts: &[Artifact]) -> Artifact {
    let files = artifacts
        .iter()
        .map(|a| {
            let mut sources = a.sources.clone();
            sources.sort();
            sources.dedup();
            Entry {
                path: &a.path,
                sha256: (!a.secret).then(|| sha256_hex(a.contents.as_bytes())),
                secret: a.secret,
                mode: format!("{:o}", a.mode()),
                sources,
            }
        })
        .collect();
    let m = Manifest {
        generator: concat!("infragen ", env!("CARGO_PKG_VERSION")),
        spec: ctx.spec_name,
        secret_vars: ctx.model.secret_vars(),
        files,
    };
    let mut text = serde_json::to_string_pretty(&m).unwrap_or_default();
    text.push('\n');
    Artifact::new("manifest.json", text)
}
