//! `elasticsearch/<node>/elasticsearch.yml` and
//! `elasticsearch/<node>/jvm.options.d/heap.options` for every node of an
//! `elasticsearch-cluster` (members and dedicated masters).
//!
//! Settings follow the version: 6.x zen discovery with
//! `minimum_master_nodes` (⌊n/2⌋ + 1 of the master-eligible nodes, against
//! split brain); 7+ `discovery.seed_hosts` and `cluster.initial_master_nodes`;
//! roles as `node.master`/`node.data`/`node.ingest` before 7.9 and
//! `node.roles` from 7.9; `transport.tcp.port` before 7.0, `transport.port`
//! after. The package's `path.data`/`path.logs` are repeated because this
//! file replaces the one the package ships.

// The version is checked at the front end (`Text::Version`); `line_value`
// keeps it on its comment line whatever it holds.
use super::escape::line_value;
use super::text::{Text, host_port};
use super::yaml::scalar;
use super::{Artifact, EmitContext, Emitter};
use crate::model::{EsCluster, HostId, ports};

pub struct Elasticsearch;

impl Emitter for Elasticsearch {
    fn name(&self) -> &'static str {
        "elasticsearch"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        for es in &ctx.model.elasticsearch {
            let version = Version::parse(&es.version.value, es.major);
            for &node in &es.members.hosts {
                let host = ctx.model.host(node);
                let src = |a: Artifact| {
                    a.source(
                        format!("elasticsearch-cluster {}", es.name),
                        ctx.line(es.span),
                    )
                    .source(format!("host {}", host.name), ctx.line(host.span))
                };
                let Some(yml) = render_yml(ctx, es, version, node) else {
                    continue;
                };
                out.push(src(Artifact::new(
                    format!("elasticsearch/{}/elasticsearch.yml", host.name),
                    yml,
                )));
                if let Some(heap) = &es.heap {
                    out.push(src(Artifact::new(
                        format!("elasticsearch/{}/jvm.options.d/heap.options", host.name),
                        render_heap(ctx, es, version, &host.name, heap.value),
                    )));
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    /// `6.8.23` → 6.8; a missing or odd minor counts as 0.
    pub fn parse(s: &str, major: u32) -> Version {
        let minor = s
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        Version { major, minor }
    }

    fn at_least(self, major: u32, minor: u32) -> bool {
        self >= Version { major, minor }
    }
}

/// The node's roles: (master-eligible, holds data).
pub fn roles(es: &EsCluster, node: HostId) -> (bool, bool) {
    (
        es.master_eligible.hosts.contains(&node),
        !es.dedicated_masters.contains(&node),
    )
}

fn render_yml(ctx: &EmitContext, es: &EsCluster, v: Version, node: HostId) -> Option<String> {
    let model = ctx.model;
    let host = model.host(node);
    let addr = host.address?;
    let (master, data) = roles(es, node);
    let masters: Vec<HostId> = es.master_eligible.hosts.clone();
    let role_text = match (master, data) {
        (true, true) => "master-eligible data node",
        (true, false) => "dedicated master",
        (false, _) => "data node",
    };

    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# Elasticsearch {} cluster \"{}\": {} ({}), {role_text}.",
            line_value(&es.version.value),
            es.name,
            host.name,
            addr
        ),
    );
    t.line(0, format!("cluster.name: {}", scalar(&es.name)));
    t.line(0, format!("node.name: {}", scalar(&host.name)));
    if v.at_least(7, 9) {
        let roles: &[&str] = match (master, data) {
            (true, true) => &["master", "data", "ingest"],
            (true, false) => &["master"],
            (false, _) => &["data", "ingest"],
        };
        t.line(0, format!("node.roles: [{}]", roles.join(", ")));
    } else {
        t.line(0, format!("node.master: {master}"));
        t.line(0, format!("node.data: {data}"));
        t.line(0, format!("node.ingest: {data}"));
    }
    t.line(0, "path.data: /var/lib/elasticsearch");
    t.line(0, "path.logs: /var/log/elasticsearch");
    t.blank();
    // Bound to the private address: production mode, so the bootstrap checks
    // (vm.max_map_count, file descriptors) apply; the baseline sets them.
    t.line(0, format!("network.host: {addr}"));
    t.line(0, format!("http.port: {}", ports::ES_HTTP));
    let transport_key = if v.major >= 7 {
        "transport.port"
    } else {
        "transport.tcp.port"
    };
    t.line(0, format!("{transport_key}: {}", ports::ES_TRANSPORT));
    t.blank();

    let seeds: Vec<String> = masters
        .iter()
        .filter_map(|&m| Some(host_port(model.host(m).address?, ports::ES_TRANSPORT)))
        .collect();
    if v.major >= 7 {
        t.line(0, "# Master-eligible nodes to contact when joining.");
        t.line(0, "discovery.seed_hosts:");
        for s in &seeds {
            t.line(2, format!("- {}", scalar(s)));
        }
        t.line(
            0,
            "# Only read when the cluster forms for the very first time; remove it once the cluster has formed.",
        );
        t.line(0, "cluster.initial_master_nodes:");
        for &m in &masters {
            t.line(2, format!("- {}", scalar(&model.host(m).name)));
        }
    } else {
        t.line(0, "# Zen discovery: ping the master-eligible nodes.");
        t.line(0, "discovery.zen.ping.unicast.hosts:");
        for s in &seeds {
            t.line(2, format!("- {}", scalar(s)));
        }
        let n = masters.len();
        let quorum = minimum_master_nodes(es);
        t.line(
            0,
            format!("# A majority of the {n} master-eligible nodes must agree on a master: no split brain."),
        );
        t.line(0, format!("discovery.zen.minimum_master_nodes: {quorum}"));
    }
    if let Some(pki) = model.tls_pki(es.tls.as_ref()) {
        write_tls(&mut t, pki, &host.name);
    }
    Some(t.finish())
}

/// `xpack.security` with TLS on the transport (node to node, certificates
/// verified against the CA and the node's address) and on HTTP.
fn write_tls(t: &mut Text, pki: &crate::model::Pki, node: &str) {
    t.blank();
    t.line(
        0,
        "# Security with TLS (issue the certificates from pki/). Elasticsearch reads TLS files only",
    );
    t.line(
        0,
        "# inside its config directory: keep cert-dir and ca-file under /etc/elasticsearch or link them there.",
    );
    t.line(0, "xpack.security.enabled: true");
    for layer in ["transport", "http"] {
        let k = |key: &str| format!("xpack.security.{layer}.ssl.{key}");
        t.line(0, format!("{}: true", k("enabled")));
        if layer == "transport" {
            t.line(0, format!("{}: full", k("verification_mode")));
        }
        t.line(0, format!("{}: {}", k("key"), scalar(&pki.key(node))));
        t.line(
            0,
            format!("{}: {}", k("certificate"), scalar(&pki.cert(node))),
        );
        t.line(0, format!("{}:", k("certificate_authorities")));
        t.line(2, format!("- {}", scalar(&pki.ca_file.value)));
    }
}

/// The spec's value when given (the `es-minimum-master-nodes` rule checks
/// it), else ⌊n/2⌋ + 1 of the master-eligible nodes.
pub fn minimum_master_nodes(es: &EsCluster) -> u32 {
    es.minimum_master_nodes
        .as_ref()
        .map_or_else(|| es.quorum(), |m| m.value)
}

/// A JVM size: whole gigabytes as `Ng`, else megabytes, else kilobytes.
fn jvm_size(bytes: u64) -> String {
    const K: u64 = 1 << 10;
    const M: u64 = 1 << 20;
    const G: u64 = 1 << 30;
    if bytes.is_multiple_of(G) {
        format!("{}g", bytes / G)
    } else if bytes.is_multiple_of(M) {
        format!("{}m", bytes / M)
    } else {
        format!("{}k", bytes.div_ceil(K))
    }
}

fn render_heap(ctx: &EmitContext, es: &EsCluster, v: Version, node: &str, bytes: u64) -> String {
    let size = jvm_size(bytes);
    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# JVM heap of {node} (cluster \"{}\"): -Xms = -Xmx, so the heap never resizes.",
            es.name
        ),
    );
    if !v.at_least(7, 7) {
        // jvm.options.d/ appeared in 7.7; older versions only read jvm.options.
        t.line(
            0,
            format!(
                "# Elasticsearch {} does not read jvm.options.d/ (added in 7.7): put these two lines in",
                line_value(&es.version.value)
            ),
        );
        t.line(
            0,
            "# /etc/elasticsearch/jvm.options in place of its -Xms/-Xmx lines.",
        );
    }
    t.line(0, format!("-Xms{size}"));
    t.line(0, format!("-Xmx{size}"));
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_then_minor() {
        let v = Version::parse("7.17.21", 7);
        assert!(v.at_least(7, 9));
        assert!(!Version::parse("7.8.1", 7).at_least(7, 9));
        assert!(!Version::parse("6.8.23", 6).at_least(7, 7));
        assert_eq!(Version::parse("8", 8), Version { major: 8, minor: 0 });
    }

    #[test]
    fn jvm_sizes_use_the_largest_whole_unit() {
        assert_eq!(jvm_size(31 << 30), "31g");
        assert_eq!(jvm_size(512 << 20), "512m");
        assert_eq!(jvm_size(1536 << 20), "1536m");
    }
}
