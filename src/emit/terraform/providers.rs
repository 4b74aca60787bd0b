//! `versions.tf`, `providers.tf`, `backend.tf`.

use super::dsl::*;
use super::{Tf, TfFile, names};
use hcl::Attribute;

/// Terraform and provider versions: the current majors. The output is
/// checked against hashicorp/aws 6.25.0 and hashicorp/azurerm 4.55.0
/// (tests/provider_schema.rs); aws 6 keeps the one-rule-per-resource
/// security group rules (`aws_vpc_security_group_*_rule`), azurerm 4 spells
/// IP forwarding `ip_forwarding_enabled`.
const TERRAFORM: &str = ">= 1.0";
const AWS: &str = "~> 6.0";
const AZURERM: &str = "~> 4.0";

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut versions = TfFile::new("versions");
    let mut required = block("required_providers");
    if tf.uses_aws() {
        required = required.add_attribute((
            "aws",
            obj(vec![("source", s("hashicorp/aws")), ("version", s(AWS))]),
        ));
    }
    if tf.uses_azure() {
        required = required.add_attribute((
            "azurerm",
            obj(vec![
                ("source", s("hashicorp/azurerm")),
                ("version", s(AZURERM)),
            ]),
        ));
    }
    sources(tf, &mut versions);
    versions.add(
        block("terraform")
            .add_attribute(("required_version", s(TERRAFORM)))
            .add_block(required.build())
            .build(),
    );
    files.push(versions);

    let mut providers = TfFile::new("providers");
    if tf.has_tags() {
        providers.add(
            block("locals")
                .add_attribute(Attribute::new("tags", tags(&m.project.tags)))
                .build(),
        );
    }
    if let Some(region) = &tf.aws_region {
        providers.add(aws_provider(tf, region, None));
        for r in &tf.aws_aliases {
            providers.add(aws_provider(tf, r, Some(names::region_alias(r))));
        }
    }
    if tf.uses_aws() {
        // The account ID, for key policies.
        providers.add(data("aws_caller_identity", "current").build());
    }
    if tf.uses_azure() {
        providers.add(
            block("provider")
                .add_label("azurerm")
                .add_block(block("features").build())
                .build(),
        );
    }
    sources(tf, &mut providers);
    files.push(providers);

    if let Some(b) = &m.project.backend {
        let mut s3 = block("backend")
            .add_label("s3")
            .add_attribute(("bucket", s(&b.bucket)))
            .add_attribute(("key", s(&b.key)))
            .add_attribute(("region", s(&b.region)));
        if let Some(t) = &b.lock_table {
            s3 = s3.add_attribute(("dynamodb_table", s(t)));
        }
        let mut backend = TfFile::new("backend");
        backend.add(
            block("terraform")
                .add_block(s3.add_attribute(("encrypt", true)).build())
                .build(),
        );
        backend.source(format!("project {}", m.project.name), m.project.span);
        files.push(backend);
    }
}

fn aws_provider(tf: &Tf, region: &str, alias: Option<String>) -> hcl::Block {
    let mut p = block("provider").add_label("aws");
    if let Some(a) = alias {
        p = p.add_attribute(("alias", s(a)));
    }
    p = p.add_attribute(("region", s(region)));
    if tf.has_tags() {
        p = p.add_block(
            block("default_tags")
                .add_attribute(("tags", r("local.tags")))
                .build(),
        );
    }
    p.build()
}

/// Providers and regions follow from the project, the networks and the
/// migrations.
fn sources(tf: &Tf, f: &mut TfFile) {
    let m = tf.m;
    f.source(format!("project {}", m.project.name), m.project.span);
    for n in &m.networks {
        f.source(format!("{} {}", n.cloud.keyword(), n.name), n.span);
    }
    for mig in &m.s3_migrations {
        f.source(format!("s3-migration {}", mig.name), mig.span);
    }
}
