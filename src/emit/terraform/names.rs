//! Terraform names for spec entities. Spec names are `[a-z][a-z0-9-]*`;
//! Terraform style uses underscores, so `-` becomes `_`. Names are derived
//! from spec names (never from positions), so adding an entity never
//! renames, and so never replaces, another one.

use crate::model::*;

/// `private-a` → `private_a`.
pub fn id(name: &str) -> String {
    name.replace(['-', '.', '/', ':'], "_")
}

pub fn network(m: &Model, n: NetworkId) -> String {
    id(&m.network(n).name)
}

/// `core/private-a` → `core_private_a`.
pub fn subnet(m: &Model, s: SubnetId) -> String {
    let sub = m.subnet(s);
    format!("{}_{}", network(m, sub.network), id(&sub.name))
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
    format!("{}-{name}", m.project.name)
}
