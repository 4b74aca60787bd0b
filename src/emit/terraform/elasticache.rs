//! ElastiCache (`redis … engine="elasticache"`): a replication group
//! (Multi-AZ with automatic failover once it has a replica, encrypted in
//! transit and at rest with a customer-managed key, AUTH from a sensitive
//! variable), its parameter group (`maxmemory-policy`,
//! `reserved-memory-percent`), subnet group and — when the spec names no
//! `security-groups` — a security group admitting the clients on the port;
//! and a CloudWatch alarm per node on `DatabaseMemoryUsagePercentage` > 80 %
//! for 5 minutes, notifying an SNS topic of the estate's contact point.
//! See docs/redis.md.
//!
//! The auth token never lands in a file: it is `var.<name>_password`
//! (sensitive), set at apply time from the same environment variable a
//! self-hosted Redis uses (`TF_VAR_<name>_password="$REDIS_<NAME>_PASSWORD"`).

use super::dsl::*;
use super::fmt::checkov_skip;
use super::{Tf, TfFile, names, opt};
use crate::model::*;

/// The alarm: above this share of the memory Redis may use…
pub const MEMORY_ALARM_PERCENT: u32 = 80;
/// …for this many one-minute periods.
pub const MEMORY_ALARM_MINUTES: u32 = 5;

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let caches: Vec<&Redis> = m
        .redis
        .iter()
        .filter(|r| r.engine == RedisEngine::Elasticache && !r.subnets.is_empty())
        .collect();
    if caches.is_empty() {
        return;
    }
    let mut f = TfFile::new("elasticache");
    let region = m.subnet(caches[0].subnets[0]).network;
    alarm_topic(tf, &mut f, tf.region(region));
    for r in caches {
        cache(tf, &mut f, r);
    }
    files.push(f);
}

/// `cache.r7g.large`'s parameter group family for an engine version:
/// `redis7` for 7.x, `redis6.x` for 6.x, `redis5.0`, `redis4.0`, …
pub fn family(version: &str) -> String {
    let major = version.split('.').next().unwrap_or(version);
    match major {
        "6" => "redis6.x".to_string(),
        "5" | "4" | "3" | "2" => format!("redis{major}.0"),
        _ => format!("redis{major}"),
    }
}

/// The node IDs ElastiCache gives the members of a replication group with
/// cluster mode off: `<group id>-001`, `-002`, …
pub fn member_ids(group_id: &str, nodes: u32) -> Vec<String> {
    (1..=nodes).map(|i| format!("{group_id}-{i:03}")).collect()
}

/// The email addresses of the contact point the estate's alerts go to
/// (Grafana's root), if it is an email one.
fn contact_emails(m: &Model) -> Option<(String, Vec<String>)> {
    let mon = m.monitoring.as_ref()?;
    let c = &mon.grafana.as_ref()?.contact_points[mon.root_contact()?];
    if c.kind != ContactKind::Email {
        return None;
    }
    // Grafana's `addresses` separates with `;` (and accepts `,` and lines).
    let mut to: Vec<String> =
        c.to.as_deref()?
            .split([';', ',', '\n'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
    to.sort();
    to.dedup();
    (!to.is_empty()).then(|| (c.name.clone(), to))
}

/// The SNS topic every ElastiCache alarm notifies, encrypted with a key
/// CloudWatch may use (an alarm publishing to an encrypted topic needs it),
/// and an email subscription when the root contact point is an email one.
fn alarm_topic(tf: &Tf, f: &mut TfFile, region: &str) {
    let m = tf.m;
    let provider = || tf.provider(region);
    let emails = contact_emails(m);
    f.comment(match &emails {
        Some(_) => "The estate's contact point for the ElastiCache alarms (docs/redis.md).",
        None => {
            "The ElastiCache alarms' topic. No email contact point in the estate: subscribe the on-call receiver to it (docs/redis.md)."
        }
    });
    f.add(super::iam::kms_key_policy(
        "redis_alarms_key",
        Some(("cloudwatch.amazonaws.com", None)),
    ));
    f.add(super::iam::kms_key(
        crate::model::tf_names::ELASTICACHE_ALARMS,
        "SNS topic of the Redis alarms".into(),
        provider(),
    ));
    f.add(
        opt(resource("aws_sns_topic", "redis_alarms"), provider())
            .add_attribute(("name", s(names::cloud_name(m, "redis-alarms"))))
            .add_attribute(("kms_master_key_id", r("aws_kms_key.redis_alarms.arn")))
            .build(),
    );
    if let Some((name, to)) = emails {
        f.comment(&format!(
            "Contact point {name}: each address must confirm the subscription email AWS sends."
        ));
        f.add(
            opt(
                resource("aws_sns_topic_subscription", "redis_alarms_email"),
                provider(),
            )
            .add_attribute(("for_each", call("toset", vec![strings(to)])))
            .add_attribute(("topic_arn", r("aws_sns_topic.redis_alarms.arn")))
            .add_attribute(("protocol", s("email")))
            .add_attribute(("endpoint", r("each.value")))
            .build(),
        );
    }
}

fn cache(tf: &Tf, f: &mut TfFile, r: &Redis) {
    let m = tf.m;
    let id = names::id(&r.name);
    let res = crate::model::tf_names::elasticache(&r.name);
    let network = m.subnet(r.subnets[0]).network;
    let region = tf.region(network);
    let provider = || tf.provider(region);
    let group_id = names::cloud_name(m, &r.name);
    let nodes = r.replicas.value.saturating_add(1);
    let ha = r.replicas.value >= 1;
    f.source(format!("redis {}", r.name), r.span);

    f.add(password_variable(r, &id));

    f.add(
        opt(
            resource("aws_elasticache_parameter_group", &res),
            provider(),
        )
        .add_attribute(("name", s(&group_id)))
        .add_attribute(("family", s(family(&r.version.value))))
        .add_attribute(("description", s(format!("infragen redis {}", r.name))))
        .add_block(param("maxmemory-policy", &r.maxmemory_policy.value))
        .add_block(param(
            "reserved-memory-percent",
            &r.reserved_memory_percent.value.to_string(),
        ))
        .build(),
    );
    f.add(
        opt(resource("aws_elasticache_subnet_group", &res), provider())
            .add_attribute(("name", s(&group_id)))
            .add_attribute((
                "subnet_ids",
                list(
                    r.subnets
                        .iter()
                        .map(|&sn| r_path(&format!("aws_subnet.{}.id", names::subnet(m, sn))))
                        .collect(),
                ),
            ))
            .build(),
    );
    let sgs: Vec<hcl::Expression> = if r.security_groups.is_empty() {
        own_security_group(tf, f, r, &res, network);
        vec![r_path(&format!("aws_security_group.{res}.id"))]
    } else {
        r.security_groups
            .iter()
            .map(|&g| r_path(&format!("aws_security_group.{}.id", names::sg(m, g))))
            .collect()
    };

    f.add(key_policy_doc(&res));
    f.add(super::iam::kms_key(
        &res,
        format!("ElastiCache redis {} at rest", r.name),
        provider(),
    ));

    let mut b = opt(
        resource("aws_elasticache_replication_group", &res),
        provider(),
    );
    if r.role == RedisRole::Cache {
        b = b.add_attribute(checkov_skip(
            "CKV_AWS_134",
            "role=cache: nothing to restore, a snapshot only copies what the clients rebuild",
        ));
    }
    if !ha {
        b = b.add_attribute(checkov_skip(
            "CKV2_AWS_50",
            "replicas=0 in the spec: one node, no replica to fail over to",
        ));
    }
    b = b
        .add_attribute(("replication_group_id", s(&group_id)))
        .add_attribute((
            "description",
            s(format!(
                "infragen redis {} ({})",
                r.name,
                match r.role {
                    RedisRole::Cache => "cache",
                    RedisRole::Store => "store",
                }
            )),
        ))
        .add_attribute(("engine", s("redis")))
        .add_attribute(("engine_version", s(&r.version.value)));
    if let Some(t) = &r.node_type {
        b = b.add_attribute(("node_type", s(&t.value)));
    }
    b = b
        .add_attribute(("port", i64::from(r.port)))
        .add_attribute(("num_cache_clusters", i64::from(nodes)))
        .add_attribute(("automatic_failover_enabled", ha))
        .add_attribute(("multi_az_enabled", ha))
        .add_attribute((
            "parameter_group_name",
            r_path(&format!("aws_elasticache_parameter_group.{res}.name")),
        ))
        .add_attribute((
            "subnet_group_name",
            r_path(&format!("aws_elasticache_subnet_group.{res}.name")),
        ))
        .add_attribute(("security_group_ids", list(sgs)))
        .add_attribute(("at_rest_encryption_enabled", true))
        .add_attribute(("kms_key_id", r_path(&format!("aws_kms_key.{res}.arn"))))
        .add_attribute(("transit_encryption_enabled", true))
        .add_attribute(("auth_token", r_path(&format!("var.{id}_password"))))
        .add_attribute(("auto_minor_version_upgrade", true));
    if r.role == RedisRole::Store {
        b = b.add_attribute(("snapshot_retention_limit", 7));
    }
    f.add(b.add_attribute(tf.name_tag(&r.name)).build());

    f.add(
        opt(resource("aws_cloudwatch_metric_alarm", &format!("{res}_memory")), provider())
            .add_attribute((
                "for_each",
                call("toset", vec![strings(member_ids(&group_id, nodes))]),
            ))
            .add_attribute((
                "alarm_name",
                tmpl("${each.key}-memory"),
            ))
            .add_attribute((
                "alarm_description",
                s(format!(
                    "redis {}: over {MEMORY_ALARM_PERCENT} % of the memory Redis may use for {MEMORY_ALARM_MINUTES} minutes; with maxmemory-policy={} it {} once full",
                    r.name,
                    r.maxmemory_policy.value,
                    if r.maxmemory_policy.value == "noeviction" {
                        "refuses writes"
                    } else {
                        "evicts keys"
                    }
                )),
            ))
            .add_attribute(("namespace", s("AWS/ElastiCache")))
            .add_attribute(("metric_name", s("DatabaseMemoryUsagePercentage")))
            .add_attribute((
                "dimensions",
                obj(vec![("CacheClusterId", r_path("each.key"))]),
            ))
            .add_attribute(("statistic", s("Average")))
            .add_attribute(("period", 60))
            .add_attribute(("evaluation_periods", i64::from(MEMORY_ALARM_MINUTES)))
            .add_attribute(("threshold", i64::from(MEMORY_ALARM_PERCENT)))
            .add_attribute(("comparison_operator", s("GreaterThanThreshold")))
            .add_attribute(("treat_missing_data", s("missing")))
            .add_attribute(("alarm_actions", list(vec![r_path("aws_sns_topic.redis_alarms.arn")])))
            .add_attribute(("ok_actions", list(vec![r_path("aws_sns_topic.redis_alarms.arn")])))
            .build(),
    );
}

fn r_path(p: &str) -> hcl::Expression {
    r(p)
}

/// The at-rest key's policy: the account administers it; ElastiCache uses
/// it through grants made with the applying principal's permissions.
fn key_policy_doc(res: &str) -> hcl::Block {
    super::iam::kms_key_policy(&format!("{res}_key"), None)
}

fn param(name: &str, value: &str) -> hcl::Block {
    block("parameter")
        .add_attribute(("name", s(name)))
        .add_attribute(("value", s(value)))
        .build()
}

/// A security group admitting the clients (their private addresses) on the
/// port, in the VPC of the subnet group.
fn own_security_group(tf: &Tf, f: &mut TfFile, r: &Redis, res: &str, network: NetworkId) {
    let m = tf.m;
    let provider = || tf.provider(tf.region(network));
    f.add(
        opt(resource("aws_security_group", res), provider())
            .add_attribute((
                "name",
                s(names::cloud_name(m, &format!("redis-{}", r.name))),
            ))
            .add_attribute((
                "description",
                s(format!(
                    "infragen redis {}: its clients on {}",
                    r.name, r.port
                )),
            ))
            .add_attribute((
                "vpc_id",
                r_path(&format!("aws_vpc.{}.id", names::network(m, network))),
            ))
            .add_attribute(tf.name_tag(&format!("redis-{}", r.name)))
            .build(),
    );
    let mut cidrs: Vec<String> = r
        .clients
        .hosts
        .iter()
        .filter_map(|&h| m.host(h).address)
        .filter(|a| a.is_ipv4())
        .map(|a| format!("{a}/32"))
        .collect();
    cidrs.sort();
    cidrs.dedup();
    if cidrs.is_empty() {
        return;
    }
    f.add(
        opt(
            resource(
                "aws_vpc_security_group_ingress_rule",
                &format!("{res}_clients"),
            ),
            provider(),
        )
        .add_attribute(("for_each", call("toset", vec![strings(cidrs)])))
        .add_attribute((
            "security_group_id",
            r_path(&format!("aws_security_group.{res}.id")),
        ))
        .add_attribute((
            "description",
            s(format!(
                "tcp {} from the clients of redis {}",
                r.port, r.name
            )),
        ))
        .add_attribute(("ip_protocol", s("tcp")))
        .add_attribute(("from_port", i64::from(r.port)))
        .add_attribute(("to_port", i64::from(r.port)))
        .add_attribute(("cidr_ipv4", r_path("each.value")))
        .build(),
    );
}

/// `variable "NAME" { type = string, sensitive = true }`: the auth token,
/// given at apply time (never written to a file or the plan's output).
fn password_variable(r: &Redis, id: &str) -> hcl::Block {
    let env = r.password_env();
    hcl::Block::builder("variable")
        .add_label(format!("{id}_password"))
        .add_attribute((
            "description",
            s(format!(
                "AUTH token of redis {} (16 to 128 printable characters, no @, \" or /): set TF_VAR_{id}_password from ${env}",
                r.name
            )),
        ))
        .add_attribute(("type", r_path("string")))
        .add_attribute(("sensitive", true))
        .build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn families_follow_the_engine_version() {
        assert_eq!(super::family("7.1"), "redis7");
        assert_eq!(super::family("6.2"), "redis6.x");
        assert_eq!(super::family("5.0.6"), "redis5.0");
    }

    #[test]
    fn member_ids_are_numbered_from_one() {
        assert_eq!(super::member_ids("p-s", 2), vec!["p-s-001", "p-s-002"]);
    }
}
