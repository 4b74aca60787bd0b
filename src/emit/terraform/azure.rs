//! Azure: the VNet and its subnets in an existing resource group, NSGs with
//! one `azurerm_network_security_rule` per rule, and the Linux VMs with
//! NICs at their compile-time static addresses.

use super::compute::cloud_init;
use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::*;
use crate::units::format_port_range;
use hcl::{Attribute, Expression};
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
        vnet(tf, &mut f, *n);
    }
    let nsgs = nsg_sets(m, &azure_units);
    for set in &nsgs {
        nsg(tf, &mut f, set);
    }
    for u in &azure_units {
        vm(tf, &mut f, u);
    }
    files.push(f);
}

fn rg_of(m: &Model, n: NetworkId) -> Option<&str> {
    m.network(n).resource_group.as_deref()
}

/// `resource_group_name = data.azurerm_resource_group.<rg>.name`
fn rg_attr(m: &Model, n: NetworkId) -> Attribute {
    let value = match rg_of(m, n) {
        Some(rg) => r(&format!(
            "data.azurerm_resource_group.{}.name",
            names::id(rg)
        )),
        None => s(names::cloud_name(m, &m.network(n).name)),
    };
    Attribute::new("resource_group_name", value)
}

fn location(m: &Model, n: NetworkId) -> Attribute {
    Attribute::new("location", s(&m.network(n).region.value))
}

fn vnet(tf: &Tf, f: &mut TfFile, n: NetworkId) {
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

/// An NIC takes one NSG: hosts with several security groups get one NSG
/// holding the rules of all of them (named after them all).
struct NsgSet {
    groups: Vec<SgId>,
    network: NetworkId,
}

fn nsg_sets(m: &Model, units: &[Unit]) -> Vec<NsgSet> {
    let mut out: Vec<NsgSet> = Vec::new();
    let push = |groups: Vec<SgId>, network: NetworkId, out: &mut Vec<NsgSet>| {
        if !groups.is_empty() && !out.iter().any(|s| s.groups == groups) {
            out.push(NsgSet { groups, network });
        }
    };
    for u in units {
        let h = m.host(u.hosts[0]);
        push(
            h.settings.security_groups.clone(),
            m.host_network(u.hosts[0]),
            &mut out,
        );
    }
    // Groups no host uses still exist, on their own.
    for (i, g) in m.security_groups.iter().enumerate() {
        let id = SgId::from_index(i);
        let network = g.network.filter(|n| m.network(*n).cloud == Cloud::Azure);
        if let Some(n) = network
            && !out.iter().any(|s| s.groups.contains(&id))
        {
            push(vec![id], n, &mut out);
        }
    }
    out
}

fn nsg_name(m: &Model, groups: &[SgId]) -> String {
    crate::model::tf_names::nsg(groups.iter().map(|g| m.sg(*g).name.as_str()))
}

fn nsg(tf: &Tf, f: &mut TfFile, set: &NsgSet) {
    let m = tf.m;
    let n = set.network;
    let name = nsg_name(m, &set.groups);
    let spec_name = set
        .groups
        .iter()
        .map(|g| m.sg(*g).name.as_str())
        .collect::<Vec<_>>()
        .join("+");
    for g in &set.groups {
        f.source(format!("security-group {}", m.sg(*g).name), m.sg(*g).span);
    }
    f.add(
        opt(
            resource("azurerm_network_security_group", &name)
                .add_attribute((
                    "name",
                    s(names::cloud_name(m, &spec_name.replace('+', "-"))),
                ))
                .add_attribute(location(m, n))
                .add_attribute(rg_attr(m, n)),
            tf.azure_tags(),
        )
        .build(),
    );
    let rules: Vec<&SgRule> = set
        .groups
        .iter()
        .flat_map(|g| m.sg(*g).ingress.iter().chain(&m.sg(*g).egress))
        .collect();
    let mut taken = BTreeSet::new();
    let mut priority = 100;
    for rule in &rules {
        nsg_rule(tf, f, &name, n, rule, priority, &mut taken);
        priority += 10;
    }
    // Security-group semantics: nothing enters unless a rule says so. Azure's
    // default AllowVnetInBound would admit the VNet and every prefix of a
    // user-defined route (the other side of the tunnel), which lint treats
    // as blocked; this rule makes the NSG behave as lint checks it.
    deny_rest(
        tf,
        f,
        &name,
        n,
        "Inbound",
        4010,
        "Ingress not declared in the spec",
    );
    // Once egress is declared, nothing else may leave (Azure's defaults
    // would let it).
    if set.groups.iter().any(|g| m.sg(*g).egress_declared) {
        deny_rest(
            tf,
            f,
            &name,
            n,
            "Outbound",
            4000,
            "Egress not declared in the spec",
        );
    }
}

/// A lowest-precedence rule that denies what the allow rules above do not
/// admit, in one direction.
fn deny_rest(
    tf: &Tf,
    f: &mut TfFile,
    nsg: &str,
    n: NetworkId,
    direction: &str,
    priority: u32,
    why: &str,
) {
    let m = tf.m;
    let short = if direction == "Inbound" {
        "ingress"
    } else {
        "egress"
    };
    f.add(
        resource(
            "azurerm_network_security_rule",
            &format!("{nsg}_deny_other_{short}"),
        )
        .add_attribute(("name", s(format!("deny-other-{short}"))))
        .add_attribute(rg_attr(m, n))
        .add_attribute((
            "network_security_group_name",
            r(&format!("azurerm_network_security_group.{nsg}.name")),
        ))
        .add_attribute(("priority", priority))
        .add_attribute(("direction", s(direction)))
        .add_attribute(("access", s("Deny")))
        .add_attribute(("protocol", s("*")))
        .add_attribute(("source_port_range", s("*")))
        .add_attribute(("destination_port_range", s("*")))
        .add_attribute(("source_address_prefix", s("*")))
        .add_attribute(("destination_address_prefix", s("*")))
        .add_attribute(("description", s(why)))
        .build(),
    );
}

fn nsg_rule(
    tf: &Tf,
    f: &mut TfFile,
    nsg: &str,
    n: NetworkId,
    rule: &SgRule,
    priority: u32,
    taken: &mut BTreeSet<String>,
) {
    let m = tf.m;
    let inbound = rule.direction == Direction::Ingress;
    let (dir, way) = if inbound {
        ("in", "from")
    } else {
        ("out", "to")
    };
    let ports = rule
        .ports
        .map(|p| format_port_range(p, "-"))
        .unwrap_or_else(|| "*".to_string());
    let protocol = match rule.proto {
        Proto::Tcp => "Tcp",
        Proto::Udp => "Udp",
        Proto::Icmp => "Icmp",
        Proto::Esp => "Esp",
        Proto::All => "*",
    };
    let peer_name = m.peer_name(&rule.peer);
    let port_part = if ports == "*" {
        String::new()
    } else {
        format!("-{}", ports)
    };
    let rule_name = format!(
        "{dir}-{}{port_part}-{}",
        rule.proto.as_str(),
        peer_name.replace([':', '/', '.'], "-")
    );
    let res = super::security::unique(taken, format!("{nsg}_{}", names::id(&rule_name)));
    let description = rule
        .description
        .clone()
        .unwrap_or_else(|| format!("{} {ports} {way} {peer_name}", rule.proto.as_str()));
    let prefixes: Vec<String> = match &rule.peer {
        // Members of a group, by private address (Azure has no group
        // references across NICs without application security groups).
        Peer::Sg(g) => m
            .hosts
            .iter()
            .filter(|h| h.settings.security_groups.contains(g))
            .filter_map(|h| h.address.map(|a| ipnet::IpNet::from(a).to_string()))
            .collect(),
        peer => m
            .peer_cidrs(peer, Some(n))
            .iter()
            .map(|c| c.to_string())
            .collect(),
    };
    let (remote, local) = if inbound {
        ("source", "destination")
    } else {
        ("destination", "source")
    };
    let mut b = resource("azurerm_network_security_rule", &res);
    let world = prefixes.iter().any(|p| p.ends_with("/0"));
    if let (true, true, Some(reason)) = (inbound, world, super::security::allowed_world(m, rule)) {
        for (check, port, protos) in [
            ("CKV_AZURE_10", Some(22), &[Proto::Tcp, Proto::All][..]),
            ("CKV_AZURE_9", Some(3389), &[Proto::Tcp, Proto::All][..]),
            ("CKV_AZURE_160", Some(80), &[Proto::Tcp, Proto::All][..]),
            ("CKV_AZURE_77", None, &[Proto::Udp][..]),
        ] {
            let in_range = match (port, rule.ports) {
                (Some(p), Some((lo, hi))) => lo <= p && p <= hi,
                _ => true,
            };
            if protos.contains(&rule.proto) && in_range {
                b = b.add_attribute(checkov_skip(check, &reason));
            }
        }
    }
    let mut b = b
        .add_attribute(("name", s(&rule_name)))
        .add_attribute(rg_attr(m, n))
        .add_attribute((
            "network_security_group_name",
            r(&format!("azurerm_network_security_group.{nsg}.name")),
        ))
        .add_attribute(("priority", priority))
        .add_attribute(("direction", s(if inbound { "Inbound" } else { "Outbound" })))
        .add_attribute(("access", s("Allow")))
        .add_attribute(("protocol", s(protocol)))
        .add_attribute(("source_port_range", s("*")))
        .add_attribute(("destination_port_range", s(&ports)));
    b = if prefixes.len() == 1 {
        b.add_attribute((format!("{remote}_address_prefix"), s(&prefixes[0])))
    } else {
        b.add_attribute((format!("{remote}_address_prefixes"), strings(prefixes)))
    };
    f.add(
        b.add_attribute((format!("{local}_address_prefix"), s("*")))
            .add_attribute(("description", s(description)))
            .build(),
    );
}

fn vm(tf: &Tf, f: &mut TfFile, u: &Unit) {
    let m = tf.m;
    let first_id = u.hosts[0];
    let first = m.host(first_id);
    let st = &first.settings;
    let n = m.host_network(first_id);
    let name = names::id(&u.name);
    let grouped = u.group.is_some();
    let gateway = u.is_gateway(m);
    let for_each = || Attribute::new("for_each", r(&format!("local.hosts.{name}")));
    let host_name = if grouped { r("each.key") } else { s(&u.name) };
    match u.group {
        Some(g) => f.source(format!("group {}", u.name), m.group(g).span),
        None => f.source(format!("host {}", u.name), first.span),
    }

    // A fresh public IP when the spec asks for one.
    if st.public_ip && first.public_address.is_none() {
        let mut b = resource("azurerm_public_ip", &name);
        if grouped {
            b = b.add_attribute(for_each());
        }
        f.add(
            opt(
                b.add_attribute(("name", host_name.clone()))
                    .add_attribute(location(m, n))
                    .add_attribute(rg_attr(m, n))
                    .add_attribute(("allocation_method", s("Static")))
                    .add_attribute(("sku", s("Standard"))),
                tf.azure_tags(),
            )
            .build(),
        );
    }

    let mut nic = resource("azurerm_network_interface", &name);
    if gateway {
        nic = nic.add_attribute(checkov_skip(
            "CKV_AZURE_118",
            "VPN gateway: it forwards the tunnel's traffic",
        ));
    }
    let public_ip: Option<Expression> = match (&first.public_address, st.public_ip) {
        (Some(ip), _) if !grouped => rg_of(m, n).map(|rg| {
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
        (_, true) if grouped => Some(r_idx(
            &format!("azurerm_public_ip.{name}"),
            r("each.key"),
            "id",
        )),
        (_, true) => Some(r(&format!("azurerm_public_ip.{name}.id"))),
        _ => None,
    };
    if public_ip.is_some() {
        nic = nic.add_attribute(checkov_skip(
            "CKV_AZURE_119",
            "the spec gives this host a public address (VPN gateways need one)",
        ));
    }
    if grouped {
        nic = nic.add_attribute(for_each());
    }
    nic = nic
        .add_attribute((
            "name",
            if grouped {
                tmpl(format!("{}-${{each.key}}", m.project.name))
            } else {
                s(names::cloud_name(m, &u.name))
            },
        ))
        .add_attribute(location(m, n))
        .add_attribute(rg_attr(m, n));
    if gateway {
        nic = nic.add_attribute(("ip_forwarding_enabled", true));
    }
    nic = opt(nic, tf.azure_tags());
    let (subnet, ip) = if grouped {
        (r("each.value.subnet_id"), Some(r("each.value.private_ip")))
    } else {
        (
            r(&format!(
                "azurerm_subnet.{}.id",
                names::subnet(m, first.subnet)
            )),
            first.address.map(|a| s(a.to_string())),
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
    f.add(nic.add_block(ipc.build()).build());

    let nic_id = if grouped {
        r_idx(
            &format!("azurerm_network_interface.{name}"),
            r("each.key"),
            "id",
        )
    } else {
        r(&format!("azurerm_network_interface.{name}.id"))
    };
    if !st.security_groups.is_empty() {
        let nsg = nsg_name(m, &st.security_groups);
        let mut b = resource(
            "azurerm_network_interface_security_group_association",
            &name,
        );
        if grouped {
            b = b.add_attribute(for_each());
        }
        f.add(
            b.add_attribute(("network_interface_id", nic_id.clone()))
                .add_attribute((
                    "network_security_group_id",
                    r(&format!("azurerm_network_security_group.{nsg}.id")),
                ))
                .build(),
        );
    }

    let admins = m
        .baseline
        .as_ref()
        .map(|b| b.admins.as_slice())
        .unwrap_or(&[]);
    let admin = admins
        .first()
        .map(|a| a.name.as_str())
        .unwrap_or("azureuser");
    let mut vm = resource("azurerm_linux_virtual_machine", &name);
    if grouped {
        vm = vm.add_attribute(for_each());
    }
    vm = vm
        .add_attribute(("name", host_name))
        .add_attribute(location(m, n))
        .add_attribute(rg_attr(m, n));
    if let Some(t) = &st.instance_type {
        vm = vm.add_attribute(("size", s(&t.value)));
    }
    vm = vm
        .add_attribute(("admin_username", s(admin)))
        .add_attribute(("disable_password_authentication", true))
        .add_attribute(("network_interface_ids", list(vec![nic_id])))
        .add_attribute(("allow_extension_operations", false))
        .add_attribute(("custom_data", call("base64encode", vec![cloud_init(u)])))
        .add_attribute(vm_tags(tf, u));
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
    let (offer, sku) = image(first.os(), arm);
    vm = vm.add_block(
        block("source_image_reference")
            .add_attribute(("publisher", s("Canonical")))
            .add_attribute(("offer", s(offer)))
            .add_attribute(("sku", s(sku)))
            .add_attribute(("version", s("latest")))
            .build(),
    );
    f.add(vm.build());
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
