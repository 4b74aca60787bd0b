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
                Cloud::Azure => azure(tf, &mut f, v, here, &remote),
            }
        }
    }
    files.push(f);
}

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

fn azure(tf: &Tf, f: &mut TfFile, v: &Vpn, end: &VpnEnd, remote: &[IpNet]) {
    let m = tf.m;
    let n = m.host_network(end.host);
    let net = m.network(n);
    let name = format!("{}_{}", names::network(m, n), names::id(&v.name));
    let rg = match &net.resource_group {
        Some(rg) => r(&format!(
            "data.azurerm_resource_group.{}.name",
            names::id(rg)
        )),
        None => s(names::cloud_name(m, &net.name)),
    };
    let next_hop = gateway_ref(
        m,
        end.host,
        "azurerm_network_interface",
        "private_ip_address",
    );
    let mut b = resource("azurerm_route_table", &name)
        .add_attribute((
            "name",
            s(names::cloud_name(m, &format!("{}-{}", net.name, v.name))),
        ))
        .add_attribute(("location", s(&net.region.value)))
        .add_attribute(("resource_group_name", rg));
    b = opt(b, tf.azure_tags());
    for c in remote {
        b = b.add_block(
            block("route")
                .add_attribute(("name", s(format!("to-{}", cidr_name(c).replace('_', "-")))))
                .add_attribute(("address_prefix", s(c.to_string())))
                .add_attribute(("next_hop_type", s("VirtualAppliance")))
                .add_attribute(("next_hop_in_ip_address", next_hop.clone()))
                .build(),
        );
    }
    f.add(b.build());
    for sid in covered(m, end) {
        let sub = names::subnet(m, sid);
        f.add(
            resource(
                "azurerm_subnet_route_table_association",
                &format!("{sub}_{}", names::id(&v.name)),
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
