//! `manifest.json`: every file written, its sha256, and the spec entities it
//! came from, so a reviewer can trace any output back to the spec.

use super::{Artifact, EmitContext, SourceRef};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Serialize)]
struct Manifest<'a> {
    generator: &'static str,
    spec: &'a str,
    files: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    sha256: String,
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
                sha256: sha256_hex(a.contents.as_bytes()),
                mode: format!("{:o}", a.mode()),
                sources,
            }
        })
        .collect();
    let m = Manifest {
        generator: concat!("infragen ", env!("CARGO_PKG_VERSION")),
        spec: ctx.spec_name,
        files,
    };
    let mut text = serde_json::to_string_pretty(&m).unwrap_or_default();
    text.push('\n');
    Artifact::new("manifest.json", text)
}
