//! Builds example specs in-process into temporary directories, for tests
//! that hand the output to the real consumers (promtool, haproxy, …).
//! Include with `#[path = "support/build.rs"] mod build;`.
#![allow(dead_code)]

use infragen::emit::{self, Artifact, EmitContext, Secrets};
use infragen::lock::AddressLock;
use std::path::{Path, PathBuf};

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every example spec name (`reference`, `small`, …), sorted.
pub fn example_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples/")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Renders a spec text; panics with the diagnostics when it has errors.
pub fn render(name: &str, source: &str, lock: &AddressLock) -> Vec<Artifact> {
    render_with(name, source, lock, &Secrets::Placeholders)
}

/// Like [`render`], with the given secrets (`Secrets::Values` fills them, as
/// `infragen build --secrets-from-env` does).
pub fn render_with(
    name: &str,
    source: &str,
    lock: &AddressLock,
    secrets: &Secrets,
) -> Vec<Artifact> {
    let checked = infragen::pipeline::check(source, lock);
    assert_eq!(
        checked.errors(),
        0,
        "{name} has errors: {:#?}",
        checked.diagnostics
    );
    let model = checked.model.as_ref().expect("model");
    let graph = checked.graph.as_ref().expect("graph");
    let spec_name = format!("{name}.kdl");
    let ctx = EmitContext::new(model, graph, &spec_name, source, secrets);
    emit::emit_all(&ctx)
}

/// Renders `examples/<name>.kdl` with its lock.
pub fn render_example(name: &str) -> Vec<Artifact> {
    render_example_with(name, &Secrets::Placeholders)
}

/// The text of `examples/<name>.kdl` and its lock (empty when there is none).
pub fn example_source(name: &str) -> (String, AddressLock) {
    let source =
        std::fs::read_to_string(examples_dir().join(format!("{name}.kdl"))).expect("example spec");
    let lock = std::fs::read_to_string(examples_dir().join(format!("{name}.lock")))
        .ok()
        .and_then(|t| AddressLock::parse(&t).ok())
        .unwrap_or_default();
    (source, lock)
}

/// Renders `examples/<name>.kdl` with its lock and the given secrets.
pub fn render_example_with(name: &str, secrets: &Secrets) -> Vec<Artifact> {
    let (source, lock) = example_source(name);
    render_with(name, &source, &lock, secrets)
}

/// Writes artifacts under a fresh temporary directory.
pub fn write(artifacts: &[Artifact]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for a in artifacts {
        let path = dir.path().join(&a.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, &a.contents).expect("write artifact");
    }
    dir
}

/// Builds `examples/<name>.kdl` into a temporary directory.
pub fn build_example(name: &str) -> tempfile::TempDir {
    write(&render_example(name))
}
