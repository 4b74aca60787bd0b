//! Azure (`terraform/azure.tf`): the resource groups and public IPs the
//! estate already holds, looked up; then, by resource family like the AWS
//! side, the VNets (`azure_network`), the NSGs (`azure_nsg`) and the Linux
//! VMs with their NICs (`azure_vm`), and the internal load balancers in
//! front of HAProxy groups (`azure_lb`). The helpers here are what every family
//! shares: the resource group and location of a VNet.

use super::dsl::*;
use super::{Tf, TfFile, azure_lb, azure_network, azure_nsg, azure_vm, names};
use crate::model::*;
use hcl::Attribute;
use std::collections::BTreeSet;

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut f = TfFile::new("azure");
    let vnets: Vec<NetworkId> = (0..m.networks.len())
        .map(NetworkId::from_index)
        .filter(|n| m.network(*n).cloud == Cloud::Azure)
        .collect();
    if vnets.is_empty() {
        files.push(f);
        return;
    }
    // Resource groups hold more than this estate (the public IPs it already
    // has, for one): look them up, never create or destroy them.
    let groups: BTreeSet<&str> = vnets.iter().filter_map(|n| rg_of(m, *n)).collect();
    for rg in &groups {
        f.add(
            data("azurerm_resource_group", &names::id(rg))
                .add_attribute(("name", s(*rg)))
                .build(),
        );
    }
    let azure_units = m.units_in(Cloud::Azure);
    let mut public_rgs = BTreeSet::new();
    for u in &azure_units {
        for h in &u.hosts {
            if m.host(*h).public_address.is_some() {
                public_rgs.extend(rg_of(m, m.host_network(*h)));
            }
        }
    }
    for rg in &public_rgs {
        f.comment("The static public IPs the estate already holds, found by address below.");
        f.add(
            data("azurerm_public_ips", &names::id(rg))
                .add_attribute(("resource_group_name", s(*rg)))
                .add_attribute(("allocation_type", s("Static")))
                .build(),
        );
    }
    for n in &vnets {
        azure_network::vnet(tf, &mut f, *n);
    }
    let probes = azure_lb::probes(m);
    for set in &m.azure_nsgs() {
        azure_nsg::nsg(tf, &mut f, set, probes.get(&set.groups));
    }
    for u in &azure_units {
        azure_vm::vm(tf, &mut f, u);
    }
    for lb in azure_lb::azure_balancers(m) {
        azure_lb::balancer(tf, &mut f, lb);
    }
    azure_lb::private_dns(tf, &mut f);
    files.push(f);
}

pub(super) fn rg_of(m: &Model, n: NetworkId) -> Option<&str> {
    m.network(n).resource_group.as_deref()
}

/// `resource_group_name = data.azurerm_resource_group.<rg>.name`
pub(super) fn rg_attr(m: &Model, n: NetworkId) -> Attribute {
    let value = match rg_of(m, n) {
        Some(rg) => r(&format!(
            "data.azurerm_resource_group.{}.name",
            names::id(rg)
        )),
        None => s(names::cloud_name(m, &m.network(n).name)),
    };
    Attribute::new("resource_group_name", value)
}

pub(super) fn location(m: &Model, n: NetworkId) -> Attribute {
    Attribute::new("location", s(&m.network(n).region.value))
}
