//! Terraform names are injective over a lint-clean spec: the
//! `terraform-name-collision` rule reports two entities that would share a
//! resource address, and the names it checks are the ones the emitter uses.

#[path = "support/build.rs"]
mod build;

use hcl::Body;
use infragen::lock::AddressLock;
use infragen::model::tf_names;
use std::collections::BTreeSet;

fn rules(src: &str) -> Vec<(String, String)> {
    infragen::pipeline::check(src, &AddressLock::default())
        .diagnostics
        .iter()
        .map(|d| (d.rule.to_string(), d.message.clone()))
        .collect()
}

fn collisions(src: &str) -> Vec<String> {
    rules(src)
        .into_iter()
        .filter(|(r, _)| r == "terraform-name-collision")
        .map(|(_, m)| m)
        .collect()
}

const PROJECT: &str = "project \"acme\" {\n    owner \"sre@acme.example\"\n}\n";

#[test]
fn subnets_of_two_networks_that_join_to_one_name() {
    let spec = format!(
        "{PROJECT}vpc \"tools-x\" region=\"us-east-1\" cidr=\"10.1.0.0/16\" {{\n    subnet \"priv\" zone=\"us-east-1a\" cidr=\"10.1.0.0/24\"\n}}\nvpc \"tools\" region=\"us-east-1\" cidr=\"10.2.0.0/16\" {{\n    subnet \"SUB\" zone=\"us-east-1a\" cidr=\"10.2.0.0/24\"\n}}\n"
    );
    let found = collisions(&spec.replace("SUB", "x-priv"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("aws_subnet.tools_x_priv"), "{found:?}");
    assert!(collisions(&spec.replace("SUB", "x-private")).is_empty());
}

#[test]
fn migration_log_bucket_and_destination_bucket() {
    let spec = format!(
        "{PROJECT}s3-migration \"m\" from-region=\"us-east-1\" to-region=\"ap-south-1\" method=\"sync\" {{\n    bucket \"src\" to=\"DEST\"\n}}\n"
    );
    let found = collisions(&spec.replace("DEST", "m-access-logs"));
    assert!(
        found
            .iter()
            .any(|m| m.contains("aws_s3_bucket.m_access_logs")),
        "{found:?}"
    );
    assert!(collisions(&spec.replace("DEST", "m-archive")).is_empty());
}

#[test]
fn flow_log_key_and_migration_key() {
    let spec = format!(
        "{PROJECT}vpc \"core\" region=\"us-east-1\" cidr=\"10.1.0.0/16\" {{\n    subnet \"a\" zone=\"us-east-1a\" cidr=\"10.1.0.0/24\"\n}}\ns3-migration \"MIG\" from-region=\"us-east-1\" to-region=\"ap-south-1\" method=\"sync\" {{\n    bucket \"src\" to=\"dest-bucket\"\n}}\n"
    );
    let found = collisions(&spec.replace("MIG", "core-flow-logs"));
    assert!(
        found
            .iter()
            .any(|m| m.contains("aws_kms_key.core_flow_logs")),
        "{found:?}"
    );
    assert!(collisions(&spec.replace("MIG", "to-mumbai")).is_empty());
}

#[test]
fn azure_nsg_of_two_groups_and_a_group_alone() {
    let spec = format!(
        "{PROJECT}vnet \"dr\" region=\"centralindia\" cidr=\"10.20.0.0/16\" {{\n    subnet \"w\" cidr=\"10.20.1.0/24\"\n}}\nfleet {{\n    host \"vm\" type=\"Standard_B2s\" os=\"ubuntu-24.04\" {{\n        subnets \"dr/w\"\n        security-groups \"a\" \"b\"\n    }}\n}}\nsecurity-group \"a\" vnet=\"dr\" {{\n}}\nsecurity-group \"b\" vnet=\"dr\" {{\n}}\nsecurity-group \"LONE\" vnet=\"dr\" {{\n}}\n"
    );
    let found = collisions(&spec.replace("LONE", "a-b"));
    assert!(
        found
            .iter()
            .any(|m| m.contains("azurerm_network_security_group.a_b")),
        "{found:?}"
    );
    assert!(collisions(&spec.replace("LONE", "c")).is_empty());
}

#[test]
fn two_migrations_into_one_bucket_are_a_duplicate_name() {
    let spec = format!(
        "{PROJECT}s3-migration \"one\" from-region=\"us-east-1\" to-region=\"ap-south-1\" method=\"sync\" {{\n    bucket \"a\" to=\"dest-bucket\"\n}}\ns3-migration \"two\" from-region=\"eu-west-1\" to-region=\"ap-south-1\" method=\"sync\" {{\n    bucket \"b\" to=\"dest-bucket\"\n}}\n"
    );
    let found = rules(&spec);
    assert!(
        found
            .iter()
            .any(|(r, m)| r == "duplicate-name" && m.contains("dest-bucket")),
        "{found:?}"
    );
    // One finding, not a second one as a name collision.
    assert!(collisions(&spec).is_empty(), "{found:?}");
}

/// The names the rule checks are the ones the emitter writes.
#[test]
fn the_checked_names_are_the_rendered_ones() {
    for name in build::example_names() {
        let (source, lock) = build::example_source(&name);
        let checked = infragen::pipeline::check(&source, &lock);
        let model = checked.model.as_ref().expect("model");
        let mut rendered = BTreeSet::new();
        for a in build::render_example(&name)
            .iter()
            .filter(|a| a.path.ends_with(".tf"))
        {
            let body: Body = hcl::parse(&a.contents).expect("parse");
            for b in body
                .blocks()
                .filter(|b| b.identifier.as_str() == "resource")
            {
                let l: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                rendered.insert(l.join("."));
            }
        }
        let claims = tf_names::claims(model);
        assert!(!claims.is_empty(), "{name}");
        for c in claims {
            let address = format!("{}.{}", c.kind, c.name);
            assert!(
                rendered.contains(&address),
                "{name}: {} claims {address}, which the output does not declare",
                c.entity
            );
        }
    }
}
