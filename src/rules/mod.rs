//! The rule registry. One file per rule, each with its metadata, its
//! documentation (What it does / Why is this bad / Example / Source) and,
//! for rules that inspect the model, a check function. Rules of the `spec`
//! family (and `invalid-cidr`, `secret-literal`) are reported by the front
//! end; they are registered here for their docs and for `infragen rules`.

pub mod apply;

pub use security::flow_text::suggestion as flow_fix;
mod ha;
mod network;
mod other;
mod security;
mod spec;

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::graph::Graph;
use crate::model::Model;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Spec,
    Network,
    Security,
    Ha,
    Other,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Spec => "spec",
            Family::Network => "network",
            Family::Security => "security",
            Family::Ha => "HA and capacity",
            Family::Other => "other",
        }
    }
}

/// What a check sees.
pub struct Context<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    /// False when the front end reported errors: the model may then lack
    /// entities, so whole-estate checks (flows) stay quiet to avoid noise.
    pub frontend_clean: bool,
}

pub type CheckFn = fn(&Context, &mut Vec<Diagnostic>);

pub struct Rule {
    /// The rule's entry in the code table ([`Code`]); one rule per code.
    pub code: Code,
    pub family: Family,
    /// The usual severity; some rules raise or lower it per finding, as
    /// their docs say.
    pub severity: Severity,
    pub summary: &'static str,
    /// Markdown: What it does / Why is this bad / Example / Source.
    pub docs: &'static str,
    pub check: Option<CheckFn>,
}

impl Rule {
    /// The stable kebab-case name, e.g. `cidr-overlap`.
    pub fn name(&self) -> &'static str {
        self.code.as_str()
    }
}

/// Every rule, grouped by family, in a stable order.
pub static REGISTRY: &[&Rule] = &[
    &spec::kdl_syntax::RULE,
    &spec::unknown_node::RULE,
    &spec::unknown_property::RULE,
    &spec::invalid_value::RULE,
    &spec::missing_value::RULE,
    &spec::duplicate_property::RULE,
    &spec::duplicate_name::RULE,
    &spec::unresolved_reference::RULE,
    &network::invalid_cidr::RULE,
    &network::subnet_outside_network::RULE,
    &network::subnet_overlap::RULE,
    &network::cidr_overlap::RULE,
    &network::non_private_cidr::RULE,
    &network::vpc_prefix_length::RULE,
    &network::zone_region_mismatch::RULE,
    &network::subnet_capacity::RULE,
    &network::port_conflict::RULE,
    &network::gateway_upstream_static_dns::RULE,
    &security::open_to_world::RULE,
    &security::secret_literal::RULE,
    &security::secret_in_text::RULE,
    &security::required_flow_blocked::RULE,
    &security::host_peer_without_address::RULE,
    &security::weak_ike_proposal::RULE,
    &security::ikev1::RULE,
    &security::plaintext_dcs::RULE,
    &security::patroni_rest_unauthenticated::RULE,
    &security::es_security_disabled::RULE,
    &ha::etcd_quorum::RULE,
    &ha::etcd_cluster_overlap::RULE,
    &ha::patroni_timing::RULE,
    &ha::cluster_too_small::RULE,
    &ha::es_minimum_master_nodes::RULE,
    &ha::zone_failure_loses_quorum::RULE,
    &ha::single_point_of_failure::RULE,
    &ha::jvm_heap_over_32g::RULE,
    &ha::jvm_heap_compressed_oops::RULE,
    &ha::jvm_heap_over_half_ram::RULE,
    &ha::redis_noeviction_cache::RULE,
    &ha::redis_reserved_memory_low::RULE,
    &ha::redis_maxmemory_over_ram::RULE,
    &ha::lb_single_zone::RULE,
    &other::invalid_bucket_name::RULE,
    &other::same_region_migration::RULE,
    &other::eol_os::RULE,
    &other::alert_for_too_short::RULE,
    &other::terraform_name_collision::RULE,
    &other::azure_admin_key_missing::RULE,
    &other::nsg_priority_exhausted::RULE,
    &other::slo_objective_invalid::RULE,
    &other::alertmanager_receiver_unsupported::RULE,
    &other::alert_without_receiver::RULE,
];

/// Front-end checks a rule file holds: they read the spec tree, before the
/// model exists.
pub fn check_document(doc: &crate::syntax::Document, out: &mut crate::diagnostic::Diagnostics) {
    security::secret_in_text::scan(doc, out);
}

/// The rule named `name` (`allow "NAME"`, `infragen rule NAME`).
pub fn lookup(name: &str) -> Option<&'static Rule> {
    Code::from_name(name).and_then(rule)
}

/// The registry entry of `code` (every code has one: `tests/codes.rs`).
pub fn rule(code: Code) -> Option<&'static Rule> {
    REGISTRY.iter().copied().find(|r| r.code == code)
}

/// Runs every model check.
pub fn run(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in REGISTRY {
        if let Some(check) = rule.check {
            check(ctx, &mut out);
        }
    }
    out
}

/// Imports every rule file needs.
mod prelude {
    pub use super::{Context, Family, Rule};
    pub use crate::diagnostic::{Code, Diagnostic, Severity};
    #[allow(unused_imports)]
    pub use crate::model::*;
}
