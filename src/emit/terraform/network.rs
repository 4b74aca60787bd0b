//! AWS VPCs: subnets, the internet gateway and public route table, one NAT
//! gateway per VPC for the private subnets (or one per zone with
//! `nat-gateways="per-zone"`), flow logs, and the default
//! security group locked down.

use super::dsl::*;
use super::{Tf, TfFile, flow_logs, names, opt};
use crate::model::network::nat_subnet;
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
    if !public.is_empty() && net.nat_per_zone {
        // One private table per NAT gateway (`nat-gateways="per-zone"`).
        let mut by_nat: Vec<(SubnetId, Vec<SubnetId>)> = Vec::new();
        for p in &private {
            let Some(nat) = nat_subnet(m, *p, true) else {
                continue;
            };
            match by_nat.iter_mut().find(|(k, _)| *k == nat) {
                Some((_, v)) => v.push(*p),
                None => by_nat.push((nat, vec![*p])),
            }
        }
        out.push((format!("{vpc}_public"), public));
        for (nat, subs) in by_nat {
            out.push((
                format!("{vpc}_private_{}", names::id(&m.subnet(nat).name)),
                subs,
            ));
        }
        return out;
    }
    if !public.is_empty() {
        out.push((format!("{vpc}_public"), public));
    }
    if !private.is_empty() {
        out.push((format!("{vpc}_private"), private));
    }
    out
}

/// The NAT gateway resource a private subnet routes out through: `<vpc>`
/// for the VPC's one NAT, `<vpc>_<public subnet>` with one per zone.
fn nat_name(m: &Model, n: NetworkId, public: SubnetId) -> String {
    let vpc = names::network(m, n);
    if m.network(n).nat_per_zone {
        format!("{vpc}_{}", names::id(&m.subnet(public).name))
    } else {
        vpc
    }
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
    // The public subnets that hold a NAT gateway: the first one, or the
    // first of each zone with `nat-gateways="per-zone"`.
    let mut nat_publics: Vec<SubnetId> = Vec::new();
    if has_private {
        for p in net.subnets.iter().filter(|s| !m.subnet(**s).public) {
            if let Some(x) = nat_subnet(m, *p, net.nat_per_zone)
                && !nat_publics.contains(&x)
            {
                nat_publics.push(x);
            }
        }
    }
    if !nat_publics.is_empty() {
        if net.nat_per_zone {
            f.comment("One NAT gateway per zone (nat-gateways=\"per-zone\"): each zone's private subnets route out through their own, so losing a zone cuts no other zone's egress.");
        } else {
            f.comment("One NAT gateway per VPC, in its first public subnet: private hosts reach package mirrors and AWS APIs through it.");
        }
    }
    for public in nat_publics {
        let gw = nat_name(m, n, public);
        let nat = format!("{gw}_nat");
        let tag = if net.nat_per_zone {
            format!("{}-nat-{}", net.name, m.subnet(public).name)
        } else {
            format!("{}-nat", net.name)
        };
        f.add(
            opt(resource("aws_eip", &nat), provider())
                .add_attribute(("domain", s("vpc")))
                .add_attribute(tf.name_tag(&tag))
                .build(),
        );
        let gw_tag = if net.nat_per_zone {
            tag.clone()
        } else {
            net.name.clone()
        };
        f.add(
            opt(resource("aws_nat_gateway", &gw), provider())
                .add_attribute(("allocation_id", r(&format!("aws_eip.{nat}.id"))))
                .add_attribute((
                    "subnet_id",
                    r(&format!("aws_subnet.{}.id", names::subnet(m, public))),
                ))
                .add_attribute(tf.name_tag(&gw_tag))
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
        } else {
            subnets
                .first()
                .and_then(|p| nat_subnet(m, *p, net.nat_per_zone))
                .map(|nat| {
                    (
                        "nat_gateway_id",
                        format!("aws_nat_gateway.{}.id", nat_name(m, n, nat)),
                    )
                })
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
