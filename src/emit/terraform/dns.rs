//! dns.tf: with `baseline domain`, a Route 53 private hosted zone for the
//! domain associated with every AWS VPC, and an alias record `NAME.DOMAIN`
//! for each AWS load balancer. A balancer's AWS DNS name is known only
//! after apply, so configs (the HAProxy group's clients, issue 17's gateway
//! routes) name it through this compile-time name.

use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::*;

/// `orders-pg.prod.acme.internal`: the private DNS name of a balancer, when
/// the baseline names a domain.
pub fn lb_dns_name(m: &Model, lb: &LoadBalancer) -> Option<String> {
    let d = m.baseline.as_ref()?.domain.as_ref()?;
    Some(format!("{}.{d}", lb.name))
}

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut f = TfFile::new("dns");
    let Some(domain) = m.baseline.as_ref().and_then(|b| b.domain.as_ref()) else {
        files.push(f);
        return;
    };
    let lbs: Vec<&LoadBalancer> = m
        .load_balancers
        .iter()
        .filter(|lb| super::lb::aws_network(m, lb).is_some())
        .collect();
    let vpcs: Vec<NetworkId> = (0..m.networks.len())
        .map(NetworkId::from_index)
        .filter(|n| m.network(*n).cloud == Cloud::Aws)
        .collect();
    if lbs.is_empty() || vpcs.is_empty() {
        files.push(f);
        return;
    }
    f.comment(&format!(
        "Private hosted zone {domain}: load balancers get a compile-time name NAME.{domain}."
    ));
    let mut b = resource("aws_route53_zone", "private")
        .add_attribute(checkov_skip(
            "CKV2_AWS_39",
            "query logging needs a log group the spec does not declare",
        ))
        .add_attribute(checkov_skip(
            "CKV2_AWS_38",
            "DNSSEC signing applies to public zones; this zone is private to the VPCs",
        ))
        .add_attribute(("name", s(domain)))
        .add_attribute(("comment", s("Private names of the estate (infragen)")));
    for n in &vpcs {
        b = b.add_block(
            block("vpc")
                .add_attribute((
                    "vpc_id",
                    r(&format!("aws_vpc.{}.id", names::network(m, *n))),
                ))
                .add_attribute(("vpc_region", s(tf.region(*n))))
                .build(),
        );
    }
    f.add(b.build());
    for lb in lbs {
        let Some(fqdn) = lb_dns_name(m, lb) else {
            continue;
        };
        let name = super::lb::lb_name(lb);
        f.source(format!("load-balancer {}", lb.name), lb.span);
        f.add(
            opt(resource("aws_route53_record", &name), None)
                .add_attribute(("zone_id", r("aws_route53_zone.private.zone_id")))
                .add_attribute(("name", s(&fqdn)))
                .add_attribute(("type", s("A")))
                .add_block(
                    block("alias")
                        .add_attribute(("name", r(&format!("aws_lb.{name}.dns_name"))))
                        .add_attribute(("zone_id", r(&format!("aws_lb.{name}.zone_id"))))
                        .add_attribute(("evaluate_target_health", true))
                        .build(),
                )
                .build(),
        );
    }
    files.push(f);
}
