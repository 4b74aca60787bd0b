//! Rendering: one module per target format, each implementing `Emitter`.
//! Emitters return artifacts in memory; the CLI writes them atomically.
//! Everything here is deterministic: sorted maps, no timestamps, no
//! absolute paths, nothing from the machine the build runs on.

pub mod alertmanager;
pub mod artifact;
pub mod cloud_init;
pub mod context;
pub mod elasticsearch;
pub mod escape;
pub mod etcd;
pub mod grafana;
pub mod haproxy;
pub mod ipsec;
pub mod json_schema;
mod manifest;
pub mod nginx;
pub mod node_exporter;
pub mod patroni;
pub mod pki;
pub mod prometheus;
pub mod redis;
pub mod s3;
pub mod terraform;
pub mod text;
pub mod yaml;

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
    vec![
        Box::new(cloud_init::CloudInit),
        Box::new(node_exporter::NodeExporter),
        Box::new(s3::S3Scripts),
        Box::new(patroni::Patroni),
        Box::new(etcd::Etcd),
        Box::new(haproxy::Haproxy),
        Box::new(nginx::Nginx),
        Box::new(ipsec::Ipsec),
        Box::new(elasticsearch::Elasticsearch),
        Box::new(redis::RedisEmitter),
        Box::new(pki::PkiRequests),
        Box::new(prometheus::PrometheusEmitter),
        Box::new(grafana::GrafanaEmitter),
        Box::new(alertmanager::AlertmanagerEmitter),
        Box::new(terraform::Terraform),
    ]
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
