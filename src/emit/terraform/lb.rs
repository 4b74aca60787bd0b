//! lb.tf: AWS load balancers, for every `Model::load_balancers` entry on
//! AWS whatever its origin (a `load-balancer` node, or the internal network
//! balancer in front of `haproxy group=`): `aws_lb`, one target group,
//! listener and `for_each` attachment over the target group's instances per
//! listener, the balancer's own security group when an application balancer
//! names none, and an `output` with each balancer's DNS name.

use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::*;
use hcl::Block;

/// TLS 1.3 and 1.2 with forward-secret AEAD ciphers only (AWS's
/// recommended policy for new listeners).
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// AWS caps a balancer's `name` at 32 characters.
const MAX_LB_NAME: usize = 32;

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut f = TfFile::new("lb");
    for lb in &m.load_balancers {
        if let Some(net) = aws_network(m, lb) {
            balancer(tf, &mut f, lb, net);
        }
    }
    files.push(f);
}

/// The AWS VPC of a balancer: its first subnet's; None off AWS or with no
/// subnet.
pub fn aws_network(m: &Model, lb: &LoadBalancer) -> Option<NetworkId> {
    let n = m.subnet(*lb.subnets.first()?).network;
    (m.network(n).cloud == Cloud::Aws).then_some(n)
}

/// The Terraform name of a balancer's `aws_lb`.
pub fn lb_name(lb: &LoadBalancer) -> String {
    crate::model::tf_names::lb(&lb.name)
}

fn balancer(tf: &Tf, f: &mut TfFile, lb: &LoadBalancer, net: NetworkId) {
    let m = tf.m;
    let region = tf.region(net).to_string();
    let name = lb_name(lb);
    let vpc = names::network(m, net);
    f.source(format!("load-balancer {}", lb.name), lb.span);
    let what = match lb.origin {
        LbOrigin::Spec => format!("Load balancer {}", lb.name),
        LbOrigin::Haproxy(pg) => format!(
            "Load balancer {}: in front of the HAProxy group of postgres-cluster {} (clients connect here)",
            lb.name,
            m.postgres[pg.index()].name
        ),
    };
    f.comment(&what);
    let application = lb.kind == LbKind::Application;
    let own_sg = application && lb.security_groups.is_empty();
    let mut b = opt(resource("aws_lb", &name), tf.provider(&region)).add_attribute(checkov_skip(
        "CKV_AWS_91",
        "access logs need an S3 bucket the spec does not declare",
    ));
    if application {
        b = b.add_attribute(checkov_skip(
            "CKV2_AWS_28",
            "a WAF web ACL is a policy decision the spec does not declare",
        ));
    }
    if application
        && lb.scheme == LbScheme::Internal
        && lb.listeners.iter().any(|l| l.protocol == LbProtocol::Http)
    {
        b = b.add_attribute(checkov_skip(
            "CKV2_AWS_20",
            "an internal balancer: its plain HTTP listener serves inside the VPC, with no public HTTP to redirect to HTTPS",
        ));
    }
    let cloud_name = names::cloud_name(m, &lb.name);
    if cloud_name.len() <= MAX_LB_NAME {
        b = b.add_attribute(("name", s(&cloud_name)));
    }
    b = b
        .add_attribute(("internal", lb.scheme == LbScheme::Internal))
        .add_attribute(("load_balancer_type", s(lb.kind.keyword())))
        .add_attribute((
            "subnets",
            list(
                lb.subnets
                    .iter()
                    .map(|sid| r(&format!("aws_subnet.{}.id", names::subnet(m, *sid))))
                    .collect(),
            ),
        ));
    if own_sg {
        b = b.add_attribute((
            "security_groups",
            list(vec![r(&format!("aws_security_group.{name}.id"))]),
        ));
    } else if !lb.security_groups.is_empty() {
        b = b.add_attribute((
            "security_groups",
            list(
                lb.security_groups
                    .iter()
                    .map(|g| r(&format!("aws_security_group.{}.id", names::sg(m, *g))))
                    .collect(),
            ),
        ));
    }
    if application {
        b = b.add_attribute(("drop_invalid_header_fields", true));
    } else {
        // A client in one zone reaches the targets of every zone: losing a
        // zone's targets leaves the balancer's node there useful.
        b = b.add_attribute(("enable_cross_zone_load_balancing", true));
    }
    f.add(
        b.add_attribute(("enable_deletion_protection", true))
            .add_attribute(tf.name_tag(&lb.name))
            .build(),
    );
    if own_sg {
        security_group(tf, f, lb, net, &name);
    }
    for l in &lb.listeners {
        listener(tf, f, lb, l, &name, &vpc, &region);
    }
    f.add(
        block("output")
            .add_label(format!("{name}_dns_name"))
            .add_attribute((
                "description",
                s(format!("DNS name of load balancer {}", lb.name)),
            ))
            .add_attribute(("value", r(&format!("aws_lb.{name}.dns_name"))))
            .build(),
    );
}

fn listener(
    tf: &Tf,
    f: &mut TfFile,
    lb: &LoadBalancer,
    l: &Listener,
    name: &str,
    vpc: &str,
    region: &str,
) {
    let m = tf.m;
    let tg = format!("{name}_{}", l.port.value);
    let application = lb.kind == LbKind::Application;
    let (tg_proto, check_proto) = if application {
        ("HTTP", "HTTP")
    } else {
        ("TCP", "TCP")
    };
    let mut hc = block("health_check")
        .add_attribute(("enabled", true))
        .add_attribute(("protocol", s(check_proto)))
        .add_attribute(("port", s("traffic-port")))
        .add_attribute(("interval", 10))
        .add_attribute(("healthy_threshold", 2))
        .add_attribute(("unhealthy_threshold", 2));
    if application {
        let path = l.health_path.as_deref().unwrap_or("/");
        hc = hc
            .add_attribute(("path", s(path)))
            .add_attribute(("matcher", s("200-399")));
    }
    let mut t = opt(resource("aws_lb_target_group", &tg), tf.provider(region));
    if application {
        t = t.add_attribute(checkov_skip(
            "CKV_AWS_378",
            "TLS ends at the balancer; targets are reached inside the VPC",
        ));
    }
    f.add(
        t.add_attribute(("port", i64::from(l.target_port)))
            .add_attribute(("protocol", s(tg_proto)))
            .add_attribute(("target_type", s("instance")))
            .add_attribute(("vpc_id", r(&format!("aws_vpc.{vpc}.id"))))
            .add_block(hc.build())
            .add_attribute(tf.name_tag(&format!("{}-{}", lb.name, l.port.value)))
            .build(),
    );
    let mut b = opt(resource("aws_lb_listener", &tg), tf.provider(region))
        .add_attribute(("load_balancer_arn", r(&format!("aws_lb.{name}.arn"))))
        .add_attribute(("port", i64::from(l.port.value)))
        .add_attribute(("protocol", s(l.protocol.keyword())));
    if matches!(l.protocol, LbProtocol::Https | LbProtocol::Tls) {
        b = b.add_attribute(("ssl_policy", s(SSL_POLICY)));
        if let Some(c) = &l.certificate_arn {
            b = b.add_attribute(("certificate_arn", s(&c.value)));
        }
    }
    if l.protocol == LbProtocol::Http {
        b = b.add_attribute(checkov_skip(
            "CKV_AWS_2",
            "the spec declares a plain HTTP listener",
        ));
        b = b.add_attribute(checkov_skip(
            "CKV_AWS_103",
            "the spec declares a plain HTTP listener (no TLS to configure)",
        ));
    }
    f.add(
        b.add_block(
            block("default_action")
                .add_attribute(("type", s("forward")))
                .add_attribute((
                    "target_group_arn",
                    r(&format!("aws_lb_target_group.{tg}.arn")),
                ))
                .build(),
        )
        .build(),
    );
    // Every host of the target group, keyed by host name like the group's
    // `aws_instance` (compute.rs).
    let group = names::id(&m.group(l.target).name);
    f.add(attachment(tf, region, &tg, &group, l.target_port));
}

fn attachment(tf: &Tf, region: &str, tg: &str, group: &str, port: u16) -> Block {
    opt(
        resource("aws_lb_target_group_attachment", tg),
        tf.provider(region),
    )
    .add_attribute(("for_each", r(&format!("local.hosts.{group}"))))
    .add_attribute((
        "target_group_arn",
        r(&format!("aws_lb_target_group.{tg}.arn")),
    ))
    .add_attribute((
        "target_id",
        r_idx(&format!("aws_instance.{group}"), r("each.key"), "id"),
    ))
    .add_attribute(("port", i64::from(port)))
    .build()
}

/// An application balancer's own security group: its listener ports from
/// the world (internet-facing) or the VPC (internal), and out to the VPC on
/// the target ports (forwarding and health checks).
fn security_group(tf: &Tf, f: &mut TfFile, lb: &LoadBalancer, net: NetworkId, name: &str) {
    let m = tf.m;
    let region = tf.region(net).to_string();
    let vpc_cidr = m.network(net).cidr.value.to_string();
    let from = match lb.scheme {
        LbScheme::InternetFacing => "0.0.0.0/0".to_string(),
        LbScheme::Internal => vpc_cidr.clone(),
    };
    let mut b = opt(resource("aws_security_group", name), tf.provider(&region));
    if lb.scheme == LbScheme::InternetFacing {
        b = b.add_attribute(checkov_skip(
            "CKV_AWS_260",
            "an internet-facing balancer takes its listener ports from anywhere",
        ));
    }
    f.add(
        b.add_attribute(("name", s(names::cloud_name(m, &format!("lb-{}", lb.name)))))
            .add_attribute(("description", s(format!("Load balancer {}", lb.name))))
            .add_attribute((
                "vpc_id",
                r(&format!("aws_vpc.{}.id", names::network(m, net))),
            ))
            .add_attribute(tf.name_tag(&format!("lb-{}", lb.name)))
            .build(),
    );
    for l in &lb.listeners {
        f.add(
            opt(
                resource(
                    "aws_vpc_security_group_ingress_rule",
                    &format!("{name}_in_{}", l.port.value),
                ),
                tf.provider(&region),
            )
            .add_attribute((
                "security_group_id",
                r(&format!("aws_security_group.{name}.id")),
            ))
            .add_attribute(("description", s(format!("Listener {}", l.port.value))))
            .add_attribute(("ip_protocol", s("tcp")))
            .add_attribute(("from_port", i64::from(l.port.value)))
            .add_attribute(("to_port", i64::from(l.port.value)))
            .add_attribute(("cidr_ipv4", s(&from)))
            .build(),
        );
        f.add(
            opt(
                resource(
                    "aws_vpc_security_group_egress_rule",
                    &format!("{name}_out_{}", l.target_port),
                ),
                tf.provider(&region),
            )
            .add_attribute((
                "security_group_id",
                r(&format!("aws_security_group.{name}.id")),
            ))
            .add_attribute((
                "description",
                s(format!("To the targets on {}", l.target_port)),
            ))
            .add_attribute(("ip_protocol", s("tcp")))
            .add_attribute(("from_port", i64::from(l.target_port)))
            .add_attribute(("to_port", i64::from(l.target_port)))
            .add_attribute(("cidr_ipv4", s(&vpc_cidr)))
            .build(),
        );
    }
}
