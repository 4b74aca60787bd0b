//! Rendering: one module per target format, each implementing `Emitter`.
//! Emitters return artifacts in memory; the CLI writes them atomically.
//! Everything here is deterministic: sorted maps, no timestamps, no
//! absolute paths, nothing from the machine the build runs on.

pub mod artifact;
pub mod context;
mod manifest;
pub mod terraform;

pub use artifact::{Artifact, SourceRef};
pub use context::{EmitContext, Secrets};

/// One output target (Terraform, Prometheus, …).
pub trait Emitter {
    /// Short name, e.g. `terraform`.
    fn name(&self) -> &'static str;
    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>);
}

/// Every emitter, in a fixed order.
pub fn emitters() -> Vec<Box<dyn Emitter>> {
    vec![Box::new(terraform::Terraform)]
}

/// Renders every artifact plus `manifest.json`, sorted by path.
pub fn emit_all(ctx: &EmitContext) -> Vec<Artifact> {
    let mut out = Vec::new();
    for e in emitters() {
        e.emit(ctx, &mut out);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.push(manifest::manifest(ctx, &out));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
