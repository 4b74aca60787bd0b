//! Terraform resource names of spec entities, shared by the Terraform
//! emitter (which names resources with them) and the
//! `terraform-name-collision` rule (which checks they stay distinct). Spec
//! names are `[a-z][a-z0-9-]*`; Terraform style uses underscores, so `-`
//! (and `.` in bucket names) becomes `_`, and a name built from several spec
//! names joins them with `_`. That is not injective: `tools-x` + `priv` and
//! `tools` + `x-priv` both give `tools_x_priv`, which the rule reports.

use super::*;
use crate::span::Span;
use std::collections::BTreeSet;

/// `private-a` → `private_a`.
pub fn id(name: &str) -> String {
    name.replace(['-', '.', '/', ':'], "_")
}

/// `core` + `private-a` → `core_private_a`, a subnet's name.
pub fn subnet(network: &str, subnet: &str) -> String {
    format!("{}_{}", id(network), id(subnet))
}

/// An S3 migration's access-log bucket.
pub fn access_logs(migration: &str) -> String {
    format!("{}_access_logs", id(migration))
}

/// A VPC's flow-log key, log group and role.
pub fn flow_logs(network: &str) -> String {
    format!("{}_flow_logs", id(network))
}

/// An Azure NSG holding the rules of one or more security groups.
pub fn nsg<'a>(groups: impl IntoIterator<Item = &'a str>) -> String {
    groups.into_iter().map(id).collect::<Vec<_>>().join("_")
}

/// A load balancer's `aws_lb`/`azurerm_lb` (and an application balancer's
/// own security group).
pub fn lb(name: &str) -> String {
    format!("lb_{}", id(name))
}

/// An ElastiCache's replication group, key and own security group.
pub fn elasticache(name: &str) -> String {
    format!("redis_{}", id(name))
}

/// The key of the ElastiCache alarms' SNS topic.
pub const ELASTICACHE_ALARMS: &str = "redis_alarms";

/// One Terraform name an entity takes.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The resource type (`aws_subnet`), the namespace Terraform names live in.
    pub kind: &'static str,
    pub name: String,
    /// What takes it, in spec terms (`subnet core/private-a`); two claims of
    /// the same entity are no collision.
    pub entity: String,
    pub span: Span,
}

/// The names built from several spec names, or from names with `.` (buckets),
/// which is where two entities can meet: subnets, S3 buckets (destinations
/// and access-log buckets), KMS keys (migrations and VPC flow logs) and
/// Azure NSGs (one per set of security groups a NIC carries).
pub fn claims(m: &Model) -> Vec<Claim> {
    let mut out = Vec::new();
    for s in &m.subnets {
        let net = m.network(s.network);
        let kind = match net.cloud {
            Cloud::Aws => "aws_subnet",
            Cloud::Azure => "azurerm_subnet",
        };
        out.push(Claim {
            kind,
            name: subnet(&net.name, &s.name),
            entity: format!("subnet `{}/{}`", net.name, s.name),
            span: s.name_span,
        });
    }
    for n in m.networks.iter().filter(|n| n.cloud == Cloud::Aws) {
        out.push(Claim {
            kind: "aws_kms_key",
            name: flow_logs(&n.name),
            entity: format!("the flow logs of vpc `{}`", n.name),
            span: n.name_span,
        });
    }
    for mig in &m.s3_migrations {
        out.push(Claim {
            kind: "aws_kms_key",
            name: id(&mig.name),
            entity: format!("the key of s3-migration `{}`", mig.name),
            span: mig.name_span,
        });
        out.push(Claim {
            kind: "aws_s3_bucket",
            name: access_logs(&mig.name),
            entity: format!("the access-log bucket of s3-migration `{}`", mig.name),
            span: mig.name_span,
        });
        for b in &mig.buckets {
            out.push(Claim {
                kind: "aws_s3_bucket",
                name: id(&b.dest.value),
                entity: format!("destination bucket `{}`", b.dest.value),
                span: b.dest.span,
            });
            if mig.method == MigrationMethod::Replication {
                // The source bucket's versioning, beside the destinations'.
                out.push(Claim {
                    kind: "aws_s3_bucket_versioning",
                    name: format!("{}_source", id(&b.dest.value)),
                    entity: format!("the source versioning of `{}`", b.source.value),
                    span: b.source.span,
                });
                out.push(Claim {
                    kind: "aws_s3_bucket_versioning",
                    name: id(&b.dest.value),
                    entity: format!("destination bucket `{}`", b.dest.value),
                    span: b.dest.span,
                });
            }
        }
    }
    // Azure NSGs: one per distinct list of security groups on a NIC, and one
    // per group no host uses.
    let mut sets: BTreeSet<Vec<SgId>> = BTreeSet::new();
    for h in &m.hosts {
        if m.network(m.subnet(h.subnet).network).cloud == Cloud::Azure
            && !h.settings.security_groups.is_empty()
        {
            sets.insert(h.settings.security_groups.clone());
        }
    }
    let used: BTreeSet<SgId> = sets.iter().flatten().copied().collect();
    for (i, g) in m.security_groups.iter().enumerate() {
        let id = SgId::from_index(i);
        if g.network
            .is_some_and(|n| m.network(n).cloud == Cloud::Azure)
            && !used.contains(&id)
        {
            sets.insert(vec![id]);
        }
    }
    let on_aws = |n: Option<NetworkId>| n.is_some_and(|n| m.network(n).cloud == Cloud::Aws);
    for g in &m.security_groups {
        if on_aws(g.network) {
            out.push(Claim {
                kind: "aws_security_group",
                name: id(&g.name),
                entity: format!("security-group `{}`", g.name),
                span: g.name_span,
            });
        }
    }
    for lb in &m.load_balancers {
        let net = lb.subnets.first().map(|s| m.subnet(*s).network);
        let aws = on_aws(net);
        let entity = format!("load-balancer `{}`", lb.name);
        out.push(Claim {
            kind: if aws { "aws_lb" } else { "azurerm_lb" },
            name: self::lb(&lb.name),
            entity: entity.clone(),
            span: lb.name_span,
        });
        if aws && lb.kind == LbKind::Application && lb.security_groups.is_empty() {
            out.push(Claim {
                kind: "aws_security_group",
                name: self::lb(&lb.name),
                entity: format!("the security group of {entity}"),
                span: lb.name_span,
            });
        }
    }
    for r in m
        .redis
        .iter()
        .filter(|r| r.engine == RedisEngine::Elasticache)
    {
        out.push(Claim {
            kind: "aws_kms_key",
            name: elasticache(&r.name),
            entity: format!("the key of redis `{}`", r.name),
            span: r.name_span,
        });
        if r.security_groups.is_empty() {
            out.push(Claim {
                kind: "aws_security_group",
                name: elasticache(&r.name),
                entity: format!("the security group of redis `{}`", r.name),
                span: r.name_span,
            });
        }
    }
    if let Some(first) = m
        .redis
        .iter()
        .find(|r| r.engine == RedisEngine::Elasticache)
    {
        out.push(Claim {
            kind: "aws_kms_key",
            name: ELASTICACHE_ALARMS.into(),
            entity: "the key of the ElastiCache alarms' topic".into(),
            span: first.name_span,
        });
    }
    for set in sets {
        let names: Vec<&str> = set.iter().map(|g| m.sg(*g).name.as_str()).collect();
        out.push(Claim {
            kind: "azurerm_network_security_group",
            name: nsg(names.iter().copied()),
            entity: format!("the NSG of security groups `{}`", names.join("` + `")),
            span: m.sg(set[0]).name_span,
        });
    }
    out
}
