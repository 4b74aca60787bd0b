//! Terraform names for spec entities. Spec names are `[a-z][a-z0-9-]*`;
//! Terraform style uses underscores, so `-` becomes `_` (the functions the
//! `terraform-name-collision` rule checks are in `model::tf_names`). Names are derived
//! from spec names (never from positions), so adding an entity never
//! renames, and so never replaces, another one.

use crate::model::*;

pub use crate::model::tf_names::{access_logs, flow_logs, id};

pub fn network(m: &Model, n: NetworkId) -> String {
    id(&m.network(n).name)
}

/// `core/private-a` → `core_private_a`.
pub fn subnet(m: &Model, s: SubnetId) -> String {
    let sub = m.subnet(s);
    crate::model::tf_names::subnet(&m.network(sub.network).name, &sub.name)
}

pub fn sg(m: &Model, g: SgId) -> String {
    id(&m.sg(g).name)
}

/// The resource that holds a host: its group's (a `for_each` resource,
/// keyed by host name) or its own.
pub fn host_resource(m: &Model, h: HostId) -> (String, Option<String>) {
    let host = m.host(h);
    match host.group {
        Some(g) => (id(&m.group(g).name), Some(host.name.clone())),
        None => (id(&host.name), None),
    }
}

/// `ap-south-1` → `ap_south_1`, the provider alias of a region.
pub fn region_alias(region: &str) -> String {
    id(region)
}

/// Cloud resource names (the `Name` tag, Azure names): project-prefixed.
pub fn cloud_name(m: &Model, name: &str) -> String {
    m.project.cloud_name(name)
}
