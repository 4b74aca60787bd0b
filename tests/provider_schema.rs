//! Every `.tf` infragen writes, checked against the real provider schemas
//! (hashicorp/aws 6.25.0, hashicorp/azurerm 4.55.0) without provider
//! binaries: `tests/scripts/install-test-tools.sh` extracts them from CDK for
//! Terraform's prebuilt provider packages (and the deprecation notes from the
//! Pulumi packages bridged from the same providers) into
//! `$INFRAGEN_TOOLS/provider-schemas/{aws,azurerm}.json` with
//! `tests/scripts/provider-schema.py`.
//!
//! The check parses the output with hcl-rs and reports, for every resource,
//! data source and provider block: unknown types, unknown attributes and
//! nested blocks, attributes written as blocks and blocks as attributes,
//! missing required attributes and blocks, a block repeated where the schema
//! allows one, and deprecated arguments. Each kind is proven by a mutation
//! the check must flag.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use hcl::{Block, Body, Structure};
use infragen::emit::Artifact;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// (provider, version the output is checked against, resource prefix).
const PROVIDERS: &[(&str, &str, &str)] =
    &[("aws", "6.25.0", "aws_"), ("azurerm", "4.55.0", "azurerm_")];

/// Meta-arguments Terraform itself takes on every resource and data source.
const META_ATTRS: &[&str] = &["count", "for_each", "provider", "depends_on"];
const LIFECYCLE_ATTRS: &[&str] = &[
    "create_before_destroy",
    "prevent_destroy",
    "ignore_changes",
    "replace_triggered_by",
];

struct Schemas {
    by_name: BTreeMap<&'static str, (&'static str, Value)>,
}

impl Schemas {
    /// Loads the cached schemas; `None` (after a skip line, or a panic in
    /// CI) when the installer has not made them.
    fn load() -> Option<Schemas> {
        let dir = tools::tools_dir().join("provider-schemas");
        let mut by_name = BTreeMap::new();
        for (name, version, prefix) in PROVIDERS {
            let path = dir.join(format!("{name}.json"));
            let Ok(text) = std::fs::read_to_string(&path) else {
                tools::missing(&format!("provider schema {}", path.display()));
                return None;
            };
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(
                v["version"].as_str(),
                Some(*version),
                "{}: a schema for another provider version; rerun {}",
                path.display(),
                tools::INSTALLER
            );
            by_name.insert(*prefix, (*name, v));
        }
        Some(Schemas { by_name })
    }

    /// The provider schema a resource type belongs to, by its prefix.
    fn for_type(&self, ty: &str) -> Option<&Value> {
        self.by_name
            .iter()
            .find(|(prefix, _)| ty.starts_with(**prefix))
            .map(|(_, (_, v))| v)
    }

    fn provider(&self, name: &str) -> Option<&Value> {
        self.by_name
            .values()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    /// `resource.aws_instance.web.root_block_device`
    at: String,
    kind: &'static str,
    what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}: {}", self.at, self.kind, self.what)
    }
}

/// Checks one parsed `.tf` file.
fn check_body(schemas: &Schemas, body: &Body) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let (kind, ty, at) = match (b.identifier.as_str(), labels.as_slice()) {
            ("resource", [ty, n]) => ("resource", *ty, format!("resource.{ty}.{n}")),
            ("data", [ty, n]) => ("data", *ty, format!("data.{ty}.{n}")),
            ("provider", [name]) => {
                let at = format!("provider.{name}");
                match schemas.provider(name) {
                    Some(p) => check_block(&p["provider_config"], &b.body, &at, &[], &mut out),
                    None => out.push(Finding {
                        at,
                        kind: "unknown provider",
                        what: name.to_string(),
                    }),
                }
                continue;
            }
            _ => continue,
        };
        let Some(schema) = schemas.for_type(ty) else {
            out.push(Finding {
                at,
                kind: "unknown provider",
                what: ty.to_string(),
            });
            continue;
        };
        let Some(block_schema) = schema[kind].get(ty) else {
            out.push(Finding {
                at,
                kind: if kind == "resource" {
                    "unknown resource type"
                } else {
                    "unknown data source"
                },
                what: ty.to_string(),
            });
            continue;
        };
        check_block(block_schema, &b.body, &at, META_ATTRS, &mut out);
        // Deprecations: the arguments this block sets, by schema path.
        let deprecated = &schema["deprecated"];
        let mut paths = Vec::new();
        used_paths(&b.body, "", &mut paths);
        for p in paths {
            if let Some(msg) = deprecated.get(format!("{kind}.{ty}.{p}")) {
                out.push(Finding {
                    at: format!("{at}.{p}"),
                    kind: "deprecated argument",
                    what: msg.as_str().unwrap_or("").to_string(),
                });
            }
        }
    }
    out
}

/// The argument paths a body sets (`root_block_device.encrypted`).
fn used_paths(body: &Body, prefix: &str, out: &mut Vec<String>) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => out.push(format!("{prefix}{}", a.key.as_str())),
            Structure::Block(b) if b.identifier.as_str() == "lifecycle" && prefix.is_empty() => {}
            Structure::Block(b) => {
                let name = b.identifier.as_str();
                out.push(format!("{prefix}{name}"));
                used_paths(&b.body, &format!("{prefix}{name}."), out);
            }
        }
    }
}

fn check_block(schema: &Value, body: &Body, at: &str, meta: &[&str], out: &mut Vec<Finding>) {
    let attrs = &schema["a"];
    let blocks = &schema["b"];
    let mut find = |kind: &'static str, what: String| {
        out.push(Finding {
            at: at.to_string(),
            kind,
            what,
        })
    };
    let mut seen_attrs = Vec::new();
    let mut seen_blocks: BTreeMap<&str, usize> = BTreeMap::new();
    let mut nested: Vec<(&Block, &Value)> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                seen_attrs.push(key);
                if attrs.get(key).is_some() || meta.contains(&key) {
                    continue;
                }
                if blocks.get(key).is_some() {
                    find("block written as an attribute", key.to_string());
                } else {
                    find("unknown attribute", key.to_string());
                }
            }
            Structure::Block(b) => {
                let id = b.identifier.as_str();
                if !meta.is_empty() && id == "lifecycle" {
                    check_lifecycle(b, &mut find);
                    continue;
                }
                if let Some(bs) = blocks.get(id) {
                    *seen_blocks.entry(id).or_default() += 1;
                    nested.push((b, bs));
                } else if attrs.get(id).is_some() {
                    find("attribute written as a block", id.to_string());
                } else {
                    find("unknown nested block", id.to_string());
                }
            }
        }
    }
    if let Some(map) = attrs.as_object() {
        for (k, req) in map {
            if req.as_u64() == Some(1) && !seen_attrs.contains(&k.as_str()) {
                find("missing required attribute", k.clone());
            }
        }
    }
    if let Some(map) = blocks.as_object() {
        for (k, bs) in map {
            let n = seen_blocks.get(k.as_str()).copied().unwrap_or(0);
            if n < bs["min"].as_u64().unwrap_or(0) as usize {
                find("missing required block", k.clone());
            }
            if bs["max"].as_u64() == Some(1) && n > 1 {
                find(
                    "block repeated where the schema allows one",
                    format!("{k} ({n}×)"),
                );
            }
        }
    }
    for (b, bs) in nested {
        check_block(
            &bs["s"],
            &b.body,
            &format!("{at}.{}", b.identifier.as_str()),
            &[],
            out,
        );
    }
}

fn check_lifecycle(b: &Block, find: &mut dyn FnMut(&'static str, String)) {
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) if LIFECYCLE_ATTRS.contains(&a.key.as_str()) => {}
            Structure::Attribute(a) => {
                find("unknown lifecycle argument", a.key.as_str().to_string())
            }
            Structure::Block(c)
                if matches!(c.identifier.as_str(), "precondition" | "postcondition") => {}
            Structure::Block(c) => find(
                "unknown lifecycle argument",
                c.identifier.as_str().to_string(),
            ),
        }
    }
}

fn check_text(schemas: &Schemas, path: &str, text: &str) -> Vec<Finding> {
    let body: Body = hcl::parse(text).unwrap_or_else(|e| panic!("{path}: {e}"));
    check_body(schemas, &body)
}

fn check_artifacts(schemas: &Schemas, name: &str, artifacts: &[Artifact]) -> Vec<String> {
    let mut findings = Vec::new();
    for a in artifacts
        .iter()
        .filter(|a| a.path.starts_with("terraform/") && a.path.ends_with(".tf"))
    {
        for f in check_text(schemas, &a.path, &a.contents) {
            findings.push(format!("{name} {}: {f}", a.path));
        }
    }
    findings
}

/// Counts the resource and data blocks of the artifacts, to show the check saw them.
fn blocks_checked(artifacts: &[Artifact]) -> usize {
    artifacts
        .iter()
        .filter(|a| a.path.starts_with("terraform/") && a.path.ends_with(".tf"))
        .filter_map(|a| hcl::parse(&a.contents).ok())
        .map(|b: Body| {
            b.blocks()
                .filter(|b| matches!(b.identifier.as_str(), "resource" | "data" | "provider"))
                .count()
        })
        .sum()
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn every_example_plans_against_the_provider_schemas() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut findings = Vec::new();
    let mut checked = 0;
    let mut renders: Vec<(String, Vec<Artifact>)> = build::example_names()
        .into_iter()
        .map(|n| {
            let a = build::render_example(&n);
            (n, a)
        })
        .collect();
    // The replication variant of the reference's S3 migration, which no
    // example spells.
    let (source, lock) = build::example_source("reference");
    let replication = source.replace(r#"method="sync""#, r#"method="replication""#);
    assert_ne!(
        replication, source,
        "reference no longer has a sync migration"
    );
    renders.push((
        "reference (replication)".into(),
        build::render("reference", &replication, &lock),
    ));
    // ElastiCache variants no example spells (tests/oracle_redis.rs).
    let redis = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/redis-elasticache.kdl"),
    )
    .expect("tests/fixtures/redis-elasticache.kdl");
    renders.push((
        "redis-elasticache (fixture)".into(),
        build::render("redis-elasticache", &redis, &Default::default()),
    ));
    // The HA HAProxy pair on Azure (azure_lb.rs), which no example has.
    let azure_ha = tools::repo_root().join("tests/fixtures/azure-ha.kdl");
    let azure_ha = std::fs::read_to_string(&azure_ha).expect("azure-ha.kdl");
    renders.push((
        "azure-ha".into(),
        build::render("azure-ha", &azure_ha, &Default::default()),
    ));
    for (name, artifacts) in &renders {
        checked += blocks_checked(artifacts);
        findings.extend(check_artifacts(&schemas, name, artifacts));
    }
    eprintln!(
        "provider schemas: {checked} resource/data/provider blocks in {} builds, {} findings",
        renders.len(),
        findings.len()
    );
    assert!(checked > 50, "only {checked} blocks checked");
    assert!(
        findings.is_empty(),
        "{} provider-schema findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
}

/// The committed golden trees too (what reviewers read and users copy).
#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn golden_trees_plan_against_the_provider_schemas() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let golden = tools::repo_root().join("golden");
    let mut findings = Vec::new();
    let mut files = 0;
    for name in build::example_names() {
        let dir = golden.join(&name).join("terraform");
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p).expect("read");
            files += 1;
            for f in check_text(&schemas, &p.display().to_string(), &text) {
                findings.push(format!("{}: {f}", p.display()));
            }
        }
    }
    eprintln!(
        "provider schemas: {files} golden .tf files, {} findings",
        findings.len()
    );
    assert!(files > 10, "only {files} golden .tf files");
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

// ---- mutations: the check must flag each of these -------------------------------

fn reference_body(file: &str) -> Body {
    let artifacts = build::render_example("reference");
    let a = artifacts
        .iter()
        .find(|a| a.path == format!("terraform/{file}"))
        .unwrap_or_else(|| panic!("reference has no terraform/{file}"));
    hcl::parse(&a.contents).expect("parse")
}

/// Applies `f` to the first `resource`/`data` block of type `ty`.
fn mutate(body: &mut Body, kind: &str, ty: &str, f: impl FnOnce(&mut Body)) {
    let b = body
        .iter_mut()
        .find_map(|s| match s {
            Structure::Block(b)
                if b.identifier.as_str() == kind
                    && b.labels.first().map(|l| l.as_str()) == Some(ty) =>
            {
                Some(b)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {kind} {ty} in the reference"));
    f(&mut b.body);
}

fn rename_attr(body: &mut Body, from: &str, to: &str) {
    for s in body.iter_mut() {
        if let Structure::Attribute(a) = s
            && a.key.as_str() == from
        {
            a.key = hcl::Identifier::new(to).expect("identifier");
            return;
        }
    }
    panic!("no attribute {from}");
}

fn remove(body: &mut Body, name: &str) {
    let before = body.0.len();
    let kept: Vec<Structure> = std::mem::take(body)
        .into_iter()
        .filter(|s| match s {
            Structure::Attribute(a) => a.key.as_str() != name,
            Structure::Block(b) => b.identifier.as_str() != name,
        })
        .collect();
    *body = Body::from(kept);
    assert!(body.0.len() < before, "nothing called {name} to remove");
}

fn expect_finding(schemas: &Schemas, body: &Body, kind: &str, at: &str, what: &str) {
    let findings = check_body(schemas, body);
    assert!(
        findings
            .iter()
            .any(|f| f.kind == kind && f.at.contains(at) && f.what.contains(what)),
        "expected `{kind}` for {what} at *{at}*, got:\n{}",
        findings
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn the_unmutated_reference_files_are_clean() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    for file in ["compute.tf", "azure.tf"] {
        let f = check_body(&schemas, &reference_body(file));
        assert!(f.is_empty(), "{file}: {f:?}");
    }
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_misspelt_attribute_is_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("compute.tf");
    mutate(&mut body, "resource", "aws_instance", |b| {
        rename_attr(b, "instance_type", "instance_tpye")
    });
    expect_finding(
        &schemas,
        &body,
        "unknown attribute",
        "resource.aws_instance.",
        "instance_tpye",
    );
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_missing_required_block_is_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("azure.tf");
    mutate(
        &mut body,
        "resource",
        "azurerm_linux_virtual_machine",
        |b| remove(b, "os_disk"),
    );
    expect_finding(
        &schemas,
        &body,
        "missing required block",
        "resource.azurerm_linux_virtual_machine.",
        "os_disk",
    );
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_missing_required_attribute_is_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("azure.tf");
    mutate(
        &mut body,
        "resource",
        "azurerm_linux_virtual_machine",
        |b| remove(b, "size"),
    );
    expect_finding(
        &schemas,
        &body,
        "missing required attribute",
        "resource.azurerm_linux_virtual_machine.",
        "size",
    );
}

/// `enable_ip_forwarding` was deprecated in azurerm 3.x and removed in 4.0.
#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_removed_attribute_is_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("azure.tf");
    mutate(&mut body, "resource", "azurerm_network_interface", |b| {
        b.0.push(Structure::Attribute(hcl::Attribute::new(
            "enable_ip_forwarding",
            true,
        )))
    });
    expect_finding(
        &schemas,
        &body,
        "unknown attribute",
        "resource.azurerm_network_interface.",
        "enable_ip_forwarding",
    );
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_block_as_attribute_and_attribute_as_block_are_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("compute.tf");
    mutate(&mut body, "resource", "aws_instance", |b| {
        b.0.push(Structure::Attribute(hcl::Attribute::new(
            "root_block_device",
            hcl::Expression::Object(Default::default()),
        )));
        b.0.push(Structure::Block(Block::builder("instance_type").build()));
    });
    expect_finding(
        &schemas,
        &body,
        "block written as an attribute",
        "resource.aws_instance.",
        "root_block_device",
    );
    expect_finding(
        &schemas,
        &body,
        "attribute written as a block",
        "resource.aws_instance.",
        "instance_type",
    );
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_repeated_single_block_is_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("compute.tf");
    mutate(&mut body, "resource", "aws_instance", |b| {
        b.0.push(Structure::Block(
            Block::builder("metadata_options")
                .add_attribute(("http_tokens", "required"))
                .build(),
        ));
    });
    expect_finding(
        &schemas,
        &body,
        "block repeated where the schema allows one",
        "resource.aws_instance.",
        "metadata_options",
    );
}

#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_unknown_types_nested_blocks_and_deprecations_are_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("compute.tf");
    mutate(&mut body, "resource", "aws_instance", |b| {
        b.0.push(Structure::Block(Block::builder("root_disk").build()));
        // Deprecated in aws 6 (use vpc_security_group_ids).
        b.0.push(Structure::Attribute(hcl::Attribute::new(
            "security_groups",
            hcl::Expression::Array(vec![]),
        )));
    });
    body.0.push(Structure::Block(
        Block::builder("resource")
            .add_label("aws_instanse")
            .add_label("x")
            .build(),
    ));
    body.0.push(Structure::Block(
        Block::builder("data")
            .add_label("aws_amis")
            .add_label("x")
            .build(),
    ));
    expect_finding(
        &schemas,
        &body,
        "unknown nested block",
        "resource.aws_instance.",
        "root_disk",
    );
    expect_finding(
        &schemas,
        &body,
        "deprecated argument",
        "resource.aws_instance.",
        "vpcSecurityGroupIds",
    );
    expect_finding(
        &schemas,
        &body,
        "unknown resource type",
        "resource.aws_instanse.x",
        "aws_instanse",
    );
    expect_finding(
        &schemas,
        &body,
        "unknown data source",
        "data.aws_amis.x",
        "aws_amis",
    );
}

/// A nested block's own arguments are checked too.
#[test]
#[ignore = "needs the provider schemas: tests/scripts/test.sh installs and runs it"]
fn mutation_in_a_nested_block_is_flagged() {
    let Some(schemas) = Schemas::load() else {
        return;
    };
    let mut body = reference_body("compute.tf");
    mutate(&mut body, "resource", "aws_instance", |b| {
        for s in b.iter_mut() {
            if let Structure::Block(blk) = s
                && blk.identifier.as_str() == "root_block_device"
            {
                rename_attr(&mut blk.body, "encrypted", "encrypt");
            }
        }
    });
    expect_finding(
        &schemas,
        &body,
        "unknown attribute",
        ".root_block_device",
        "encrypt",
    );
}
