//! AWS VPCs: subnets, the internet gateway and public route table, one NAT
//! gateway per VPC for the private subnets, flow logs, and the default
//! security group locked down.

use super::dsl::*;
use super::{Tf, TfFile, flow_logs, names, opt};
use crate::model::*;

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut f = TfFile::new("network");
    for (i, n) in m.networks.iter().enumerate() {
        if n.cloud == Cloud::Aws {
            vpc(tf, &mut f, NetworkId::from_index(i));
        }
    }
    if !f.body.is_empty() {
        flow_logs::shared(tf, &mut f);
    }
    files.push(f);
}

/// Route tables of a VPC: (terraform name, subnets served). Public subnets
/// share `<vpc>_public`, private ones `<vpc>_private`.
pub fn route_tables(m: &Model, n: NetworkId) -> Vec<(String, Vec<SubnetId>)> {
    let net = m.network(n);
    let vpc = names::network(m, n);
    let (public, private): (Vec<SubnetId>, Vec<SubnetId>) =
        net.subnets.iter().partition(|s| m.subnet(**s).public);
    let mut out = Vec::new();
    if !public.is_empty() {
        out.push((format!("{vpc}_public"), public));
    }
    if !private.is_empty() {
        out.push((format!("{vpc}_private"), private));
    }
    out
}

fn vpc(tf: &Tf, f: &mut TfFile, n: NetworkId) {
    let m = tf.m;
    let net = m.network(n);
    let vpc = names::network(m, n);
    let provider = || tf.provider(tf.region(n));
    let vpc_id = r(&format!("aws_vpc.{vpc}.id"));
    f.source(format!("vpc {}", net.name), net.span);

    f.add(
        opt(resource("aws_vpc", &vpc), provider())
            .add_attribute(("cidr_block", s(net.cidr.value.to_string())))
            .add_attribute(("enable_dns_support", true))
            .add_attribute(("enable_dns_hostnames", true))
            .add_attribute(tf.name_tag(&net.name))
            .build(),
    );

    f.comment("No rules: nothing may use the VPC's default security group.");
    f.add(
        opt(resource("aws_default_security_group", &vpc), provider())
            .add_attribute(("vpc_id", vpc_id.clone()))
            .add_attribute(tf.name_tag(&format!("{}-default", net.name)))
            .build(),
    );

    for sid in &net.subnets {
        let sub = m.subnet(*sid);
        let mut b = opt(resource("aws_subnet", &names::subnet(m, *sid)), provider())
            .add_attribute(("vpc_id", vpc_id.clone()))
            .add_attribute(("cidr_block", s(sub.cidr.value.to_string())));
        if let Some(z) = &sub.zone {
            b = b.add_attribute(("availability_zone", s(&z.value)));
        }
        f.add(
            b.add_attribute(tf.name_tag(&format!("{}-{}", net.name, sub.name)))
                .build(),
        );
    }

    let tables = route_tables(m, n);
    let first_public = net.subnets.iter().find(|s| m.subnet(**s).public).copied();
    if first_public.is_some() {
        f.add(
            opt(resource("aws_internet_gateway", &vpc), provider())
                .add_attribute(("vpc_id", vpc_id.clone()))
                .add_attribute(tf.name_tag(&net.name))
                .build(),
        );
    }
    let has_private = net.subnets.iter().any(|s| !m.subnet(*s).public);
    if let (Some(public), true) = (first_public, has_private) {
        let nat = format!("{vpc}_nat");
        f.comment("One NAT gateway per VPC, in its first public subnet: private hosts reach package mirrors and AWS APIs through it.");
        f.add(
            opt(resource("aws_eip", &nat), provider())
                .add_attribute(("domain", s("vpc")))
                .add_attribute(tf.name_tag(&format!("{}-nat", net.name)))
                .build(),
        );
        f.add(
            opt(resource("aws_nat_gateway", &vpc), provider())
                .add_attribute(("allocation_id", r(&format!("aws_eip.{nat}.id"))))
                .add_attribute((
                    "subnet_id",
                    r(&format!("aws_subnet.{}.id", names::subnet(m, public))),
                ))
                .add_attribute(tf.name_tag(&net.name))
                .add_attribute((
                    "depends_on",
                    list(vec![r(&format!("aws_internet_gateway.{vpc}"))]),
                ))
                .build(),
        );
    }

    for (rt, subnets) in &tables {
        let public = subnets.first().is_some_and(|s| m.subnet(*s).public);
        let suffix = if public { "public" } else { "private" };
        f.add(
            opt(resource("aws_route_table", rt), provider())
                .add_attribute(("vpc_id", vpc_id.clone()))
                .add_attribute(tf.name_tag(&format!("{}-{suffix}", net.name)))
                .build(),
        );
        let default_route = if public {
            Some(("gateway_id", format!("aws_internet_gateway.{vpc}.id")))
        } else if first_public.is_some() {
            Some(("nat_gateway_id", format!("aws_nat_gateway.{vpc}.id")))
        } else {
            None
        };
        if let Some((key, target)) = default_route {
            f.add(
                opt(resource("aws_route", &format!("{rt}_default")), provider())
                    .add_attribute(("route_table_id", r(&format!("aws_route_table.{rt}.id"))))
                    .add_attribute(("destination_cidr_block", s("0.0.0.0/0")))
                    .add_attribute((key, r(&target)))
                    .build(),
            );
        }
        for sid in subnets {
            let sub = names::subnet(m, *sid);
            f.add(
                opt(resource("aws_route_table_association", &sub), provider())
                    .add_attribute(("subnet_id", r(&format!("aws_subnet.{sub}.id"))))
                    .add_attribute(("route_table_id", r(&format!("aws_route_table.{rt}.id"))))
                    .build(),
            );
        }
    }

    flow_logs::vpc(tf, f, n);
}
