//! Routing into the site-to-site tunnels. Each end's gateway is a plain
//! host running strongSwan, so the clouds must send the remote side's
//! traffic to it: on AWS a route to each remote CIDR, via the gateway's
//! network interface, in every route table of a subnet the tunnel covers;
//! on Azure a route table with a `VirtualAppliance` next hop (the gateway's
//! private address), associated with the covered subnets.

use super::dsl::*;
use super::{Tf, TfFile, names, network, opt};
use crate::model::*;
use ipnet::IpNet;

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut f = TfFile::new("vpn");
    // An Azure subnet takes one route table, so every tunnel ending in a
    // VNet (hub and spoke: one gateway, several tunnels) shares one table.
    let mut vnets: Vec<(NetworkId, Vec<AzureTunnel>)> = Vec::new();
    for v in &m.vpns {
        f.source(format!("vpn {}", v.name), v.span);
        for (here, there) in [(&v.left, &v.right), (&v.right, &v.left)] {
            let remote: Vec<IpNet> = there
                .subnets
                .iter()
                .flat_map(|p| m.peer_cidrs(p, None))
                .collect();
            match m.host_cloud(here.host) {
                Cloud::Aws => aws(tf, &mut f, v, here, &remote),
                Cloud::Azure => {
                    let n = m.host_network(here.host);
                    let t = (v, here, remote);
                    match vnets.iter_mut().find(|(id, _)| *id == n) {
                        Some((_, ts)) => ts.push(t),
                        None => vnets.push((n, vec![t])),
                    }
                }
            }
        }
    }
    for (n, tunnels) in &vnets {
        azure(tf, &mut f, *n, tunnels);
    }
    files.push(f);
}

/// A tunnel end in an Azure VNet and the remote CIDRs it routes to.
type AzureTunnel<'m> = (&'m Vpn, &'m VpnEnd, Vec<IpNet>);

/// Subnets of the gateway's network that this end of the tunnel covers.
fn covered(m: &Model, end: &VpnEnd) -> Vec<SubnetId> {
    let local: Vec<IpNet> = end
        .subnets
        .iter()
        .flat_map(|p| m.peer_cidrs(p, None))
        .collect();
    let net = m.network(m.host_network(end.host));
    net.subnets
        .iter()
        .copied()
        .filter(|s| {
            let c = m.subnet(*s).cidr.value;
            local.iter().any(|l| l.contains(&c) || c.contains(l))
        })
        .collect()
}

fn cidr_name(c: &IpNet) -> String {
    c.to_string().replace(['.', '/', ':'], "_")
}

fn gateway_ref(m: &Model, h: HostId, kind: &str, attr: &str) -> hcl::Expression {
    let (res, key) = names::host_resource(m, h);
    match key {
        Some(k) => r_key(&format!("{kind}.{res}"), &k, attr),
        None => r(&format!("{kind}.{res}.{attr}")),
    }
}

fn aws(tf: &Tf, f: &mut TfFile, v: &Vpn, end: &VpnEnd, remote: &[IpNet]) {
    let m = tf.m;
    let n = m.host_network(end.host);
    let subnets = covered(m, end);
    let eni = gateway_ref(m, end.host, "aws_instance", "primary_network_interface_id");
    for (rt, served) in network::route_tables(m, n) {
        if !served.iter().any(|s| subnets.contains(s)) {
            continue;
        }
        for c in remote {
            let name = format!("{rt}_{}_{}", names::id(&v.name), cidr_name(c));
            f.add(
                opt(resource("aws_route", &name), tf.provider(tf.region(n)))
                    .add_attribute(("route_table_id", r(&format!("aws_route_table.{rt}.id"))))
                    .add_attribute(("destination_cidr_block", s(c.to_string())))
                    .add_attribute(("network_interface_id", eni.clone()))
                    .build(),
            );
        }
    }
}

/// One route table per VNet, named after its first tunnel (adding a tunnel
/// later keeps the table), with a route to every remote CIDR via the
/// gateway of its tunnel, associated with every subnet a tunnel covers.
fn azure(tf: &Tf, f: &mut TfFile, n: NetworkId, tunnels: &[AzureTunnel]) {
    let m = tf.m;
    let net = m.network(n);
    let Some((first, _, _)) = tunnels.first() else {
        return;
    };
    let name = format!("{}_{}", names::network(m, n), names::id(&first.name));
    let rg = match &net.resource_group {
        Some(rg) => r(&format!(
            "data.azurerm_resource_group.{}.name",
            names::id(rg)
        )),
        None => s(names::cloud_name(m, &net.name)),
    };
    let mut b = resource("azurerm_route_table", &name)
        .add_attribute((
            "name",
            s(names::cloud_name(
                m,
                &format!("{}-{}", net.name, first.name),
            )),
        ))
        .add_attribute(("location", s(&net.region.value)))
        .add_attribute(("resource_group_name", rg));
    b = opt(b, tf.azure_tags());
    let mut routed: Vec<IpNet> = Vec::new();
    let mut subnets: Vec<SubnetId> = Vec::new();
    for (_, end, remote) in tunnels {
        let next_hop = gateway_ref(
            m,
            end.host,
            "azurerm_network_interface",
            "private_ip_address",
        );
        for c in remote {
            // Route names must be unique in a table; two tunnels to one
            // CIDR overlap, which `cidr-overlap` reports.
            if routed.contains(c) {
                continue;
            }
            routed.push(*c);
            b = b.add_block(
                block("route")
                    .add_attribute(("name", s(format!("to-{}", cidr_name(c).replace('_', "-")))))
                    .add_attribute(("address_prefix", s(c.to_string())))
                    .add_attribute(("next_hop_type", s("VirtualAppliance")))
                    .add_attribute(("next_hop_in_ip_address", next_hop.clone()))
                    .build(),
            );
        }
        for sid in covered(m, end) {
            if !subnets.contains(&sid) {
                subnets.push(sid);
            }
        }
    }
    f.add(b.build());
    for sid in subnets {
        let sub = names::subnet(m, sid);
        f.add(
            resource(
                "azurerm_subnet_route_table_association",
                &format!("{sub}_{}", names::id(&first.name)),
            )
            .add_attribute(("subnet_id", r(&format!("azurerm_subnet.{sub}.id"))))
            .add_attribute((
                "route_table_id",
                r(&format!("azurerm_route_table.{name}.id")),
            ))
            .build(),
        );
    }
}
