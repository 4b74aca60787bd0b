//! `terraform-name-collision`: Two spec entities that would get one Terraform resource name.

use super::super::prelude::*;
use crate::model::tf_names::{Claim, claims};
use std::collections::BTreeMap;

pub static RULE: Rule = Rule {
    code: Code::TerraformNameCollision,
    family: Family::Other,
    severity: Severity::Error,
    summary: "Two spec entities that would get one Terraform resource name.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports two different entities that the Terraform output would declare
under one resource address. Terraform names replace `-` (and `.` in bucket
names) with `_`, and names built from several spec names join them with
`_`: a subnet is `<network>_<subnet>`, an S3 migration's access-log bucket
`<migration>_access_logs`, a VPC's flow-log key `<vpc>_flow_logs`, an Azure
NSG for several security groups their names joined, a load balancer
`lb_<name>` (and an application balancer's own security group too), an
ElastiCache `redis_<name>` (its key and own security group; the alarms'
key is `redis_alarms`). So VPC `tools-x` with
subnet `priv` and VPC `tools` with subnet `x-priv` are both
`aws_subnet.tools_x_priv`; buckets `logs.acme` and `logs-acme` are both
`aws_s3_bucket.logs_acme`.

Two migrations into one destination bucket are a `duplicate-name` error of
their own (one bucket cannot be created twice).

## Why is this bad
Terraform refuses a configuration that declares one resource address twice
(`Duplicate resource "aws_subnet" configuration`), so `terraform plan` fails
after lint said all is well. Renaming resources in the output instead would
make Terraform destroy and recreate them: names are derived from spec names
only, so that adding an entity never renames another.

## Example
```kdl
vpc "tools-x" region="us-east-1" cidr="10.1.0.0/16" {
    subnet "priv" zone="us-east-1a" cidr="10.1.0.0/24"
}
vpc "tools" region="us-east-1" cidr="10.2.0.0/16" {
    subnet "x-priv" zone="us-east-1a" cidr="10.2.0.0/24"
}
```
Rename one of them, e.g. subnet `x-private`.

## Source
- Terraform, "Resource blocks" (a resource's type and name must be unique in a module): https://developer.hashicorp.com/terraform/language/resources/syntax
- Terraform, "Refactoring" (renaming a resource address destroys and recreates it unless a `moved` block says otherwise): https://developer.hashicorp.com/terraform/language/modules/develop/refactoring
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let all = claims(ctx.model);
    let mut by_name: BTreeMap<(&str, &str), Vec<&Claim>> = BTreeMap::new();
    for c in &all {
        by_name
            .entry((c.kind, c.name.as_str()))
            .or_default()
            .push(c);
    }
    for ((kind, name), mut cs) in by_name {
        // The same entity may claim a name twice (a destination bucket in
        // two namespaces' lists); a bucket named twice is duplicate-name.
        cs.sort_by_key(|c| (c.span.start, c.entity.clone()));
        cs.dedup_by(|a, b| a.entity == b.entity);
        let [first, second, ..] = cs.as_slice() else {
            continue;
        };
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "{} and {} would both be Terraform `{kind}.{name}`",
                    first.entity, second.entity
                ),
            )
            .label(second.span, format!("becomes `{name}`"))
            .label(first.span, format!("also becomes `{name}`"))
            .help("rename one of them: Terraform names turn `-` and `.` into `_` and join names with `_`, so these two cannot be told apart"),
        );
    }
    duplicate_destinations(ctx.model, out);
}

/// Two buckets migrated into one destination: a spec error of its own.
fn duplicate_destinations(m: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, (&S3Migration, &Bucket)> = BTreeMap::new();
    for mig in &m.s3_migrations {
        for b in &mig.buckets {
            match seen.get(b.dest.value.as_str()) {
                None => {
                    seen.insert(&b.dest.value, (mig, b));
                }
                Some((first_mig, first)) => out.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!(
                            "bucket `{}` is the destination of both `{}` ({}) and `{}` ({})",
                            b.dest.value,
                            first.source.value,
                            first_mig.name,
                            b.source.value,
                            mig.name
                        ),
                    )
                    .label(b.dest.span, "second migration into this bucket")
                    .label(first.dest.span, "first migration into it")
                    .help("give each source bucket its own destination (`to=\"…\"`): one bucket cannot be created twice, and two copies into it would overwrite each other's keys"),
                ),
            }
        }
    }
}
