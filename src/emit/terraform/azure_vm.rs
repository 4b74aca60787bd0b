//! Azure Linux VMs: per group (`for_each` over `local.hosts.<group>`) or
//! standalone host, a public IP when the spec asks for a new one, the NIC
//! at the compile-time static address, its NSG association and the VM.

use super::azure::{location, rg_attr, rg_of};
use super::compute::cloud_init;
use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::*;
use hcl::{Attribute, Expression};

/// What every resource of one unit's VM needs.
struct Vm<'a> {
    tf: &'a Tf<'a>,
    u: &'a Unit,
    first: &'a Host,
    /// The VNet of the unit's hosts.
    n: NetworkId,
    /// The Terraform name of its resources.
    name: String,
    grouped: bool,
}

impl Vm<'_> {
    /// `for_each = local.hosts.<group>`, on a group's resources.
    fn each(&self, b: hcl::BlockBuilder) -> hcl::BlockBuilder {
        if self.grouped {
            b.add_attribute(("for_each", r(&format!("local.hosts.{}", self.name))))
        } else {
            b
        }
    }

    /// The host's name: `each.key` in a group's resource.
    fn host_name(&self) -> Expression {
        if self.grouped {
            r("each.key")
        } else {
            s(&self.u.name)
        }
    }

    /// `<kind>.<name>.id`, or `<kind>.<name>[each.key].id` in a group.
    fn id_of(&self, kind: &str) -> Expression {
        if self.grouped {
            r_idx(&format!("{kind}.{}", self.name), r("each.key"), "id")
        } else {
            r(&format!("{kind}.{}.id", self.name))
        }
    }
}

/// The resources of one group's or standalone host's VMs.
pub fn vm(tf: &Tf, f: &mut TfFile, u: &Unit) {
    let m = tf.m;
    let first = m.host(u.hosts[0]);
    let v = Vm {
        tf,
        u,
        first,
        n: m.host_network(u.hosts[0]),
        name: names::id(&u.name),
        grouped: u.is_group(),
    };
    f.source(format!("{} {}", u.kind(), u.name), u.span(m));
    if first.settings.public_ip && first.public_address.is_none() {
        f.add(public_ip(&v));
    }
    f.add(nic(&v));
    if !first.settings.security_groups.is_empty() {
        f.add(nsg_association(&v));
    }
    f.add(linux_vm(&v));
}

/// A fresh static public IP, when the spec asks for one.
fn public_ip(v: &Vm) -> hcl::Block {
    let m = v.tf.m;
    opt(
        v.each(resource("azurerm_public_ip", &v.name))
            .add_attribute(("name", v.host_name()))
            .add_attribute(location(m, v.n))
            .add_attribute(rg_attr(m, v.n))
            .add_attribute(("allocation_method", s("Static")))
            .add_attribute(("sku", s("Standard"))),
        v.tf.azure_tags(),
    )
    .build()
}

/// The public IP the NIC takes: one the estate holds (found by address in
/// the resource group), the fresh one, or none.
fn public_ip_id(v: &Vm) -> Option<Expression> {
    match (&v.first.public_address, v.first.settings.public_ip) {
        (Some(ip), _) if !v.grouped => rg_of(v.tf.m, v.n).map(|rg| {
            call(
                "one",
                vec![for_list(
                    "ip",
                    r(&format!(
                        "data.azurerm_public_ips.{}.public_ips",
                        names::id(rg)
                    )),
                    r("ip.id"),
                    Some(eq(r("ip.ip_address"), s(ip.value.to_string()))),
                )],
            )
        }),
        (_, true) => Some(v.id_of("azurerm_public_ip")),
        _ => None,
    }
}

/// The NIC at the compile-time static address; a VPN gateway's forwards.
fn nic(v: &Vm) -> hcl::Block {
    let m = v.tf.m;
    let gateway = v.u.is_gateway(m);
    let mut nic = resource("azurerm_network_interface", &v.name);
    if gateway {
        nic = nic.add_attribute(checkov_skip(
            "CKV_AZURE_118",
            "VPN gateway: it forwards the tunnel's traffic",
        ));
    }
    let public_ip = public_ip_id(v);
    if public_ip.is_some() {
        nic = nic.add_attribute(checkov_skip(
            "CKV_AZURE_119",
            "the spec gives this host a public address (VPN gateways need one)",
        ));
    }
    nic = v
        .each(nic)
        .add_attribute((
            "name",
            if v.grouped {
                tmpl(format!("{}-${{each.key}}", m.project.name))
            } else {
                s(names::cloud_name(m, &v.u.name))
            },
        ))
        .add_attribute(location(m, v.n))
        .add_attribute(rg_attr(m, v.n));
    if gateway {
        nic = nic.add_attribute(("ip_forwarding_enabled", true));
    }
    nic = opt(nic, v.tf.azure_tags());
    let (subnet, ip) = if v.grouped {
        (r("each.value.subnet_id"), Some(r("each.value.private_ip")))
    } else {
        (
            r(&format!(
                "azurerm_subnet.{}.id",
                names::subnet(m, v.first.subnet)
            )),
            v.first.address.map(|a| s(a.to_string())),
        )
    };
    let mut ipc = block("ip_configuration")
        .add_attribute(("name", s("primary")))
        .add_attribute(("subnet_id", subnet))
        .add_attribute(("private_ip_address_allocation", s("Static")));
    if let Some(ip) = ip {
        ipc = ipc.add_attribute(("private_ip_address", ip));
    }
    if let Some(p) = public_ip {
        ipc = ipc.add_attribute(("public_ip_address_id", p));
    }
    nic.add_block(ipc.build()).build()
}

/// The NIC's one NSG: the one holding all of the unit's security groups.
fn nsg_association(v: &Vm) -> hcl::Block {
    let nsg = super::azure_nsg::nsg_name(v.tf.m, &v.first.settings.security_groups);
    v.each(resource(
        "azurerm_network_interface_security_group_association",
        &v.name,
    ))
    .add_attribute(("network_interface_id", v.id_of("azurerm_network_interface")))
    .add_attribute((
        "network_security_group_id",
        r(&format!("azurerm_network_security_group.{nsg}.id")),
    ))
    .build()
}

/// The VM: key-only login for the first baseline admin, first boot from
/// the unit's cloud-init document, Canonical's Ubuntu image.
fn linux_vm(v: &Vm) -> hcl::Block {
    let m = v.tf.m;
    let st = &v.first.settings;
    let admins = m
        .baseline
        .as_ref()
        .map(|b| b.admins.as_slice())
        .unwrap_or(&[]);
    let admin = admins
        .first()
        .map(|a| a.name.as_str())
        .unwrap_or("azureuser");
    let mut vm = v
        .each(resource("azurerm_linux_virtual_machine", &v.name))
        .add_attribute(("name", v.host_name()))
        .add_attribute(location(m, v.n))
        .add_attribute(rg_attr(m, v.n));
    if let Some(t) = &st.instance_type {
        vm = vm.add_attribute(("size", s(&t.value)));
    }
    // The zone the model places the host in (`zone=`, a group's `zones`):
    // what the failure simulator and a zone-redundant balancer count on.
    if v.u.hosts.iter().all(|h| m.host(*h).zone.is_some()) {
        vm = vm.add_attribute((
            "zone",
            if v.grouped {
                r("each.value.zone")
            } else {
                s(v.first.zone.clone().unwrap_or_default())
            },
        ));
    }
    vm = vm
        .add_attribute(("admin_username", s(admin)))
        .add_attribute(("disable_password_authentication", true))
        .add_attribute((
            "network_interface_ids",
            list(vec![v.id_of("azurerm_network_interface")]),
        ))
        .add_attribute(("allow_extension_operations", false))
        .add_attribute(("custom_data", call("base64encode", vec![cloud_init(v.u)])))
        .add_attribute(vm_tags(v.tf, v.u));
    // Azure installs only the admin user's keys; the other admins come
    // from cloud-init.
    if let Some(a) = admins.first() {
        vm = vm.add_block(
            block("admin_ssh_key")
                .add_attribute(("username", s(&a.name)))
                .add_attribute(("public_key", s(&a.ssh_key)))
                .build(),
        );
    }
    let mut disk = block("os_disk")
        .add_attribute(("caching", s("ReadWrite")))
        .add_attribute(("storage_account_type", s("StandardSSD_LRS")));
    if let Some(size) = st.volume_size {
        disk = disk.add_attribute(("disk_size_gb", size));
    }
    vm = vm.add_block(disk.build());
    let arm = st.instance_type.as_ref().is_some_and(|t| {
        crate::model::instance_types::arch_of(Cloud::Azure, &t.value)
            == crate::model::instance_types::Arch::Arm64
    });
    let (offer, sku) = image(v.first.os(), arm);
    vm.add_block(
        block("source_image_reference")
            .add_attribute(("publisher", s("Canonical")))
            .add_attribute(("offer", s(offer)))
            .add_attribute(("sku", s(sku)))
            .add_attribute(("version", s("latest")))
            .build(),
    )
    .build()
}

/// Canonical's marketplace offer and SKU per Ubuntu release; Arm sizes
/// (`Standard_D4ps_v5`) need the arm64 SKU, which 18.04 and older lack.
fn image(os: &str, arm: bool) -> (&'static str, &'static str) {
    match (os, arm) {
        ("ubuntu-14.04", _) => ("UbuntuServer", "14.04.5-LTS"),
        ("ubuntu-16.04", _) => ("UbuntuServer", "16.04-LTS"),
        ("ubuntu-18.04", _) => ("UbuntuServer", "18_04-lts-gen2"),
        ("ubuntu-20.04", false) => ("0001-com-ubuntu-server-focal", "20_04-lts-gen2"),
        ("ubuntu-20.04", true) => ("0001-com-ubuntu-server-focal", "20_04-lts-arm64"),
        ("ubuntu-22.04", false) => ("0001-com-ubuntu-server-jammy", "22_04-lts-gen2"),
        ("ubuntu-22.04", true) => ("0001-com-ubuntu-server-jammy", "22_04-lts-arm64"),
        (_, false) => ("ubuntu-24_04-lts", "server"),
        (_, true) => ("ubuntu-24_04-lts", "server-arm64"),
    }
}

/// Project tags plus `Name`, `group`, `Monitored` and the group's tags.
fn vm_tags(tf: &Tf, u: &Unit) -> Attribute {
    let own = super::compute::instance_tags(tf.m, u).expr;
    let value = if tf.has_tags() {
        call("merge", vec![r("local.tags"), own])
    } else {
        own
    };
    Attribute::new("tags", value)
}
