//! Lowering: the validated syntax tree → the typed `Model`. Resolves names
//! and references, expands groups, places hosts and assigns addresses. Like
//! the shape validator, it reports every problem it finds and goes on with
//! what it could build.

mod addresses;
mod clusters;
mod fleet;
mod haproxy;
mod monitoring;
mod network;
mod pki;
mod refs;
mod security;
mod services;
mod traffic;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lock::AddressLock;
use crate::model::*;
use crate::schema::NodeSpec;
use crate::schema::grammar::ROOT;
use crate::span::{Span, Spanned};
use crate::syntax::{Document, Node, Value};
use refs::Namespace;

pub use addresses::lock_of;

pub struct Lowerer<'d> {
    pub model: Model,
    diags: &'d mut Diagnostics,
    networks: Namespace<NetworkId>,
    /// Keyed by `vpc/subnet`.
    subnets: Namespace<SubnetId>,
    address_sets: Namespace<AddressSetId>,
    sgs: Namespace<SgId>,
    hosts: Namespace<HostId>,
    groups: Namespace<GroupId>,
    /// Groups and standalone hosts share one namespace: both become
    /// Terraform resources named after them.
    fleet_entries: Namespace<()>,
    pg_clusters: Namespace<PgClusterId>,
    /// The address lock: placement keeps a locked host in its subnet.
    lock: &'d AddressLock,
    pkis: Namespace<PkiId>,
    lbs: Namespace<LbId>,
    gateway_names: Namespace<GatewayId>,
    redis_names: Namespace<RedisId>,
}

/// Lowers a document into a model. `lock` pins addresses (may be empty).
pub fn lower(doc: &Document, lock: &AddressLock, diags: &mut Diagnostics) -> Model {
    let mut l = Lowerer {
        model: Model::default(),
        diags,
        networks: Namespace::new("network"),
        subnets: Namespace::new("subnet"),
        address_sets: Namespace::new("address set"),
        sgs: Namespace::new("security group"),
        hosts: Namespace::new("host"),
        groups: Namespace::new("group"),
        fleet_entries: Namespace::new("group or host"),
        pg_clusters: Namespace::new("postgres cluster"),
        lock,
        pkis: Namespace::new("pki"),
        lbs: Namespace::new("load balancer"),
        gateway_names: Namespace::new("gateway"),
        redis_names: Namespace::new("redis"),
    };
    l.model.project.name = "infragen".into();
    collect_suppressions(
        &doc.nodes,
        Span::new(0, usize::MAX),
        &mut l.model.suppressions,
    );

    // References may point forward, so nodes are lowered in dependency order,
    // not source order.
    let nodes = |name: &'static str| doc.nodes.iter().filter(move |n| n.name == name);
    for n in nodes("project") {
        l.project(n);
    }
    for n in nodes("address-set") {
        l.address_set(n);
    }
    for n in misspelt(&doc.nodes, &ROOT, "address-set") {
        if let Some(name) = Lowerer::name_of(n) {
            l.address_sets.declare_poisoned(&name.value, name.span);
        }
    }
    for n in doc
        .nodes
        .iter()
        .filter(|n| n.name == "vpc" || n.name == "vnet")
    {
        l.network(n);
    }
    for n in misspelt(&doc.nodes, &ROOT, "vpc").chain(misspelt(&doc.nodes, &ROOT, "vnet")) {
        if let Some(name) = Lowerer::name_of(n) {
            l.poison_network(n, &name);
        }
    }
    for n in nodes("baseline") {
        l.baseline(n);
    }
    let sg_nodes: Vec<(SgId, &Node)> = nodes("security-group")
        .filter_map(|n| l.declare_sg(n).map(|id| (id, n)))
        .collect();
    for n in misspelt(&doc.nodes, &ROOT, "security-group") {
        if let Some(name) = Lowerer::name_of(n) {
            l.sgs.declare_poisoned(&name.value, name.span);
        }
    }
    for n in nodes("fleet") {
        l.fleet(n);
    }
    for n in misspelt(&doc.nodes, &ROOT, "fleet") {
        l.poison_fleet(n);
    }
    addresses::assign(&mut l.model, lock, l.diags);
    // Before the rules: `from="lb:NAME"` names a balancer's security group.
    for n in nodes("load-balancer") {
        l.load_balancer(n);
    }
    for n in misspelt(&doc.nodes, &ROOT, "load-balancer") {
        if let Some(name) = Lowerer::name_of(n) {
            l.lbs.declare_poisoned(&name.value, name.span);
        }
    }
    for (id, n) in sg_nodes {
        l.sg_rules(id, n);
    }
    for n in nodes("vpn") {
        l.vpn(n);
    }
    for n in nodes("s3-migration") {
        l.s3_migration(n);
    }
    for n in nodes("pki") {
        l.pki(n);
    }
    for n in misspelt(&doc.nodes, &ROOT, "pki") {
        if let Some(name) = Lowerer::name_of(n) {
            l.pkis.declare_poisoned(&name.value, name.span);
        }
    }
    for n in nodes("postgres-cluster") {
        l.postgres(n);
    }
    addresses::frontends(&mut l.model, l.diags);
    for n in misspelt(&doc.nodes, &ROOT, "postgres-cluster") {
        if let Some(name) = Lowerer::name_of(n) {
            l.pg_clusters.declare_poisoned(&name.value, name.span);
        }
    }
    for n in nodes("elasticsearch-cluster") {
        l.elasticsearch(n);
    }
    for n in nodes("gateway") {
        l.gateway(n);
    }
    for n in nodes("redis") {
        l.redis(n);
    }
    for n in nodes("monitoring") {
        l.monitoring(n);
    }
    l.model
}

/// The nodes among `nodes` (children of a `spec` node) that are not part of
/// the language but close to `kind`: the validator said "did you mean
/// `kind`?". The entities they meant are declared poisoned, so references
/// to them report nothing more.
fn misspelt<'a>(
    nodes: &'a [Node],
    spec: &'static NodeSpec,
    kind: &'a str,
) -> impl Iterator<Item = &'a Node> {
    nodes.iter().filter(move |n| {
        n.name != "allow"
            && spec.child(&n.name).is_none()
            && crate::diagnostic::closest(&n.name, spec.children.iter().map(|c| c.name))
                == Some(kind)
    })
}

/// The grammar of a node under the document root.
fn spec_of(name: &str) -> Option<&'static NodeSpec> {
    ROOT.child(name)
}

fn collect_suppressions(nodes: &[Node], scope: Span, out: &mut Vec<Suppression>) {
    for n in nodes {
        if n.name == "allow" {
            if let (Some(rule), Some(arg)) = (n.arg_str(0), n.arg(0)) {
                out.push(Suppression {
                    rule: rule.to_string(),
                    rule_span: arg.span,
                    reason: n.prop_str("reason").unwrap_or_default().to_string(),
                    scope,
                });
            }
        } else {
            collect_suppressions(&n.children, n.span, out);
        }
    }
}

impl Lowerer<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The entity name (first argument) with its span; None when missing
    /// (the shape validator has reported it).
    fn name_of(node: &Node) -> Option<Spanned<String>> {
        let arg = node.arg(0)?;
        Some(Spanned::new(arg.value.as_str()?.to_string(), arg.span))
    }

    /// Whether `key` is really absent from `node`: neither given (with a
    /// bad value, reported by the validator) nor misspelt (the validator
    /// said "did you mean `key`?"). Only then is it reported missing.
    fn absent(node: &Node, key: &str) -> bool {
        node.prop(key).is_none()
            && node.child(key).is_none()
            && !node
                .props
                .iter()
                .map(|p| p.name.as_str())
                .chain(node.children.iter().map(|c| c.name.as_str()))
                .any(|name| name != key && crate::diagnostic::closest(name, [key]).is_some())
    }

    fn str_prop(node: &Node, name: &str) -> Option<Spanned<String>> {
        let p = node.prop(name)?;
        Some(Spanned::new(p.value.as_str()?.to_string(), p.span))
    }

    fn int_prop(node: &Node, name: &str) -> Option<Spanned<i128>> {
        let p = node.prop(name)?;
        Some(Spanned::new(p.value.as_int()?, p.span))
    }

    fn duration_prop(node: &Node, name: &str) -> Option<u64> {
        node.prop_str(name)
            .and_then(|s| crate::units::parse_duration(s).ok())
    }

    fn port_prop(node: &Node, name: &str) -> Option<u16> {
        node.prop_int(name)
            .and_then(|i| u16::try_from(i).ok())
            .filter(|p| *p > 0)
    }

    /// A `u32` property, or None when it does not fit (negative or too
    /// large: the validator has reported it).
    fn u32_prop(node: &Node, name: &str) -> Option<u32> {
        node.prop_int(name).and_then(|i| u32::try_from(i).ok())
    }

    fn value_string(v: &Value) -> Option<String> {
        match v {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }

    fn project(&mut self, n: &Node) {
        self.model.project.span = n.span;
        if let Some(name) = Self::name_of(n) {
            self.model.project.name = name.value;
        }
        for c in &n.children {
            match c.name.as_str() {
                "owner" => self.model.project.owner = c.arg_str(0).map(str::to_string),
                "tag" => {
                    if let (Some(k), Some(v)) = (c.arg_str(0), c.arg_str(1)) {
                        self.model.project.tags.push((k.into(), v.into()));
                    }
                }
                "terraform-backend" => {
                    self.model.project.backend = Some(Backend {
                        bucket: c.prop_str("bucket").unwrap_or_default().into(),
                        key: c.prop_str("key").unwrap_or_default().into(),
                        region: c.prop_str("region").unwrap_or_default().into(),
                        lock_table: c.prop_str("lock-table").map(str::to_string),
                    })
                }
                _ => {}
            }
        }
    }

    fn baseline(&mut self, n: &Node) {
        let mut b = Baseline::default();
        for c in &n.children {
            match c.name.as_str() {
                "admin" => {
                    if let (Some(name), Some(key)) = (c.arg_str(0), c.prop_str("ssh-key")) {
                        b.admins.push(Admin {
                            name: name.into(),
                            ssh_key: key.into(),
                        });
                    }
                }
                "domain" => b.domain = c.arg_str(0).map(str::to_string),
                "packages" => b.packages.extend(
                    c.args
                        .iter()
                        .filter_map(|a| a.value.as_str().map(str::to_string)),
                ),
                "docker" => {
                    b.docker = Some(Docker {
                        log_driver: c.prop_str("log-driver").map(str::to_string),
                        log_max_size: c.prop_str("log-max-size").map(str::to_string),
                        log_max_file: Self::u32_prop(c, "log-max-file"),
                        storage_driver: c.prop_str("storage-driver").map(str::to_string),
                    })
                }
                "network-tuning" => b.network_tuning = c.prop_str("profile").map(str::to_string),
                "command-log" => b.command_log = c.prop_str("path").map(str::to_string),
                _ => {}
            }
        }
        self.model.baseline = Some(b);
    }
}

use crate::model::project::{Admin, Backend, Docker};
