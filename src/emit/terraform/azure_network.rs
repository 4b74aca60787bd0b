//! Azure VNets and their subnets, in the estate's resource groups.

use super::azure::{location, rg_attr};
use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::*;

pub fn vnet(tf: &Tf, f: &mut TfFile, n: NetworkId) {
    let m = tf.m;
    let net = m.network(n);
    let name = names::network(m, n);
    f.source(format!("vnet {}", net.name), net.span);
    f.add(
        opt(
            resource("azurerm_virtual_network", &name)
                .add_attribute(("name", s(names::cloud_name(m, &net.name))))
                .add_attribute(location(m, n))
                .add_attribute(rg_attr(m, n))
                .add_attribute(("address_space", strings([net.cidr.value.to_string()]))),
            tf.azure_tags(),
        )
        .build(),
    );
    for sid in &net.subnets {
        let sub = m.subnet(*sid);
        f.add(
            resource("azurerm_subnet", &names::subnet(m, *sid))
                .add_attribute(checkov_skip(
                    "CKV2_AZURE_31",
                    "NSGs attach to each NIC, as the spec's security groups are per host; a subnet NSG would impose one host's rules on its neighbours",
                ))
                .add_attribute(("name", s(&sub.name)))
                .add_attribute(rg_attr(m, n))
                .add_attribute((
                    "virtual_network_name",
                    r(&format!("azurerm_virtual_network.{name}.name")),
                ))
                .add_attribute(("address_prefixes", strings([sub.cidr.value.to_string()])))
                .build(),
        );
    }
}
