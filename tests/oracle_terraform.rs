//! The Terraform output against the real consumers: `terraform fmt` (1.0.3)
//! and checkov on every example, and a reference check that
//! parses the output back with hcl-rs.

#[path = "support/build.rs"]
mod build;
#[path = "support/terraform.rs"]
mod terraform;
#[path = "support/tools.rs"]
mod tools;

use hcl::expr::{Expression, Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Body, Structure};
use infragen::emit::Artifact;
use infragen::lock::AddressLock;
use std::collections::BTreeSet;
use std::path::Path;

fn tf_files(artifacts: &[Artifact]) -> Vec<&Artifact> {
    artifacts
        .iter()
        .filter(|a| a.path.starts_with("terraform/") && a.path.ends_with(".tf"))
        .collect()
}

fn tf_lines(artifacts: &[Artifact]) -> usize {
    tf_files(artifacts)
        .iter()
        .map(|a| a.contents.lines().count())
        .sum()
}

fn reference_source() -> String {
    std::fs::read_to_string(build::examples_dir().join("reference.kdl")).expect("reference.kdl")
}

fn reference_lock() -> AddressLock {
    let text =
        std::fs::read_to_string(build::examples_dir().join("reference.lock")).unwrap_or_default();
    AddressLock::parse(&text).unwrap_or_default()
}

#[test]
#[ignore = "needs terraform: tests/scripts/test.sh runs it"]
fn every_example_is_terraform_fmt_canonical() {
    let Some(terraform) = tools::require("terraform") else {
        return;
    };
    for name in build::example_names() {
        let dir = build::build_example(&name);
        let tf = dir.path().join("terraform");
        assert!(tf.is_dir(), "{name}: no terraform/ written");
        terraform::fmt_check(&terraform, &tf);
    }
}

/// `(passed, failed, skipped)`; panics on parsing errors or failures.
fn checkov(checkov: &Path, dir: &Path) -> (u64, u64, u64) {
    let report = terraform::checkov(checkov, dir);
    report.assert_clean(&dir.display().to_string());
    (report.passed, report.failed, report.skipped)
}

#[test]
#[ignore = "needs checkov: tests/scripts/test.sh runs it"]
fn checkov_passes_every_example() {
    let Some(bin) = tools::require("checkov") else {
        return;
    };
    for name in build::example_names() {
        let dir = build::build_example(&name);
        let (passed, failed, skipped) = checkov(&bin, &dir.path().join("terraform"));
        eprintln!("checkov on {name}: passed {passed}, failed {failed}, skipped {skipped}");
        assert!(passed > 0, "{name}");
    }
}

/// Some example has an Azure `for_each` group, so fmt, checkov, the
/// provider-schema check and the golden trees see one (reference has
/// standalone Azure hosts only).
#[test]
fn an_example_has_an_azure_group() {
    let found = build::example_names().into_iter().any(|name| {
        build::render_example(&name).iter().any(|a| {
            a.path == "terraform/azure.tf"
                && a.contents
                    .contains("resource \"azurerm_linux_virtual_machine\"")
                && a.contents.contains("for_each")
        })
    });
    assert!(found, "no example renders an Azure group");
}

/// The same spec with `method="replication"`: the replication role and
/// rules must pass too, and stay canonical.
#[test]
#[ignore = "needs checkov and terraform: tests/scripts/test.sh runs it"]
fn checkov_passes_replication_migrations() {
    let source = reference_source().replace(r#"method="sync""#, r#"method="replication""#);
    assert!(
        source.contains("replication"),
        "reference no longer has a sync migration"
    );
    let artifacts = build::render("reference", &source, &reference_lock());
    assert!(artifacts.iter().any(|a| {
        a.contents
            .contains("aws_s3_bucket_replication_configuration")
    }));
    let dir = build::write(&artifacts);
    if let Some(terraform) = tools::require("terraform") {
        terraform::fmt_check(&terraform, &dir.path().join("terraform"));
    }
    let Some(bin) = tools::require("checkov") else {
        return;
    };
    checkov(&bin, &dir.path().join("terraform"));
}

/// `allow "open-to-world" reason="…"` on a rule: the exposure is
/// deliberate, so the checkov checks it trips (CKV_AWS_260 for port 80, and
/// the Azure ones) are skipped inline with the spec's reason, and checkov
/// passes; the same rules without the allow still fail it.
#[test]
#[ignore = "needs checkov: tests/scripts/test.sh runs it"]
fn checkov_accepts_deliberate_exposure_with_the_specs_reason() {
    let open = |allow: bool| {
        let allow_line = |why: &str| {
            if allow {
                format!(" {{\n        allow \"open-to-world\" reason=\"{why}\"\n    }}")
            } else {
                String::new()
            }
        };
        let source = reference_source()
            .replace(
                r#"security-group "app" vpc="core" {"#,
                &format!(
                    "security-group \"app\" vpc=\"core\" {{\n    ingress \"tcp\" 80 from=\"cidr:0.0.0.0/0\" description=\"HTTP redirect\"{}\n    ingress \"tcp\" 80 from=\"cidr:::/0\" description=\"HTTP redirect (IPv6)\"{}",
                    allow_line("public web tier:\\nport 80 only redirects"),
                    allow_line("public web tier (IPv6)")
                ),
            )
            .replace(
                r#"security-group "vpn-azure" vnet="dr" {"#,
                &format!(
                    "security-group \"vpn-azure\" vnet=\"dr\" {{\n    ingress \"tcp\" 80 from=\"cidr:0.0.0.0/0\" description=\"ACME challenge\"{}",
                    allow_line("certificate renewal")
                ),
            );
        assert!(
            source.contains("cidr:::/0") && source.contains("ACME challenge"),
            "reference changed"
        );
        build::render("reference", &source, &reference_lock())
    };
    let allowed = open(true);
    let text: String = tf_files(&allowed)
        .iter()
        .map(|a| a.contents.as_str())
        .collect();
    for skip in [
        "#checkov:skip=CKV_AWS_260:open-to-world allowed in the spec: public web tier: port 80 only redirects",
        "#checkov:skip=CKV_AWS_260:open-to-world allowed in the spec: public web tier (IPv6)",
        "#checkov:skip=CKV_AZURE_160:open-to-world allowed in the spec: certificate renewal",
    ] {
        assert!(text.contains(skip), "missing `{skip}`");
    }
    let dir = build::write(&allowed);
    if let Some(terraform) = tools::require("terraform") {
        terraform::fmt_check(&terraform, &dir.path().join("terraform"));
    }
    let Some(bin) = tools::require("checkov") else {
        return;
    };
    checkov(&bin, &dir.path().join("terraform"));
    // Without the allow, checkov still objects (and lint warns).
    let dir = build::write(&open(false));
    let result = std::panic::catch_unwind(|| checkov(&bin, &dir.path().join("terraform")));
    assert!(result.is_err(), "checkov passed an undeclared exposure");
}

#[test]
fn reference_stays_small_and_grows_with_groups_not_hosts() {
    let base = build::render_example("reference");
    let lines = tf_lines(&base);
    assert!(lines < 6000, "reference Terraform has {lines} lines");
    let source = reference_source();
    let bigger = source.replace(r#"group "app" count=52"#, r#"group "app" count=60"#);
    assert_ne!(source, bigger, "reference no longer declares app count=52");
    let grown = build::render("reference", &bigger, &reference_lock());
    assert_eq!(tf_lines(&grown), lines, "more hosts in a group added lines");
}

#[test]
fn output_is_deterministic() {
    for name in build::example_names() {
        assert_eq!(
            build::render_example(&name),
            build::render_example(&name),
            "{name}"
        );
    }
}

#[test]
fn only_what_the_spec_needs() {
    let small = build::render_example("small");
    let paths: BTreeSet<&str> = tf_files(&small).iter().map(|a| a.path.as_str()).collect();
    assert!(
        !paths.contains("terraform/azure.tf") && !paths.contains("terraform/s3.tf"),
        "{paths:?}"
    );
    assert!(
        tf_files(&small)
            .iter()
            .all(|a| !a.contents.contains("azurerm"))
    );
    for a in tf_files(&small) {
        assert!(
            a.contents
                .starts_with("# generated by infragen from small.kdl"),
            "{}",
            a.path
        );
        assert!(!a.sources.is_empty(), "{} has no manifest sources", a.path);
    }
}

/// Terraform rejects a module that declares one address twice; the
/// `terraform-name-collision` rule keeps specs from getting there.
#[test]
fn no_address_is_declared_twice() {
    for name in build::example_names() {
        let mut seen = BTreeSet::new();
        for a in tf_files(&build::render_example(&name)) {
            let body: Body = hcl::parse(&a.contents).expect("parse");
            for b in body.blocks() {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                if matches!(b.identifier.as_str(), "resource" | "data") {
                    let address = format!("{} {}", b.identifier.as_str(), labels.join("."));
                    assert!(seen.insert(address.clone()), "{name}: {address} twice");
                }
            }
        }
    }
}

/// Every `aws_*`, `azurerm_*`, `data.*` and `local.*` reference names
/// something the output defines.
#[test]
fn every_reference_resolves() {
    for name in build::example_names() {
        check_references(&name, &build::render_example(&name));
    }
    let source = reference_source().replace(r#"method="sync""#, r#"method="replication""#);
    check_references(
        "reference (replication)",
        &build::render("reference", &source, &reference_lock()),
    );
}

fn check_references(name: &str, artifacts: &[Artifact]) {
    let mut defined = BTreeSet::new();
    let mut refs = Vec::new();
    for a in tf_files(artifacts) {
        let body: Body =
            hcl::parse(&a.contents).unwrap_or_else(|e| panic!("{name} {}: {e}", a.path));
        for s in body.iter() {
            if let Structure::Block(b) = s {
                let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
                match (b.identifier.as_str(), labels.as_slice()) {
                    ("resource", [kind, n]) => {
                        defined.insert(format!("{kind}.{n}"));
                    }
                    ("data", [kind, n]) => {
                        defined.insert(format!("data.{kind}.{n}"));
                    }
                    ("locals", []) => {
                        for attr in b.body.attributes() {
                            defined.insert(format!("local.{}", attr.key.as_str()));
                        }
                    }
                    _ => {}
                }
            }
        }
        walk_body(&body, &mut |r| refs.push((a.path.clone(), r)));
    }
    assert!(!refs.is_empty(), "{name}: no references found");
    let missing: Vec<String> = refs
        .iter()
        .filter(|(_, r)| !defined.contains(r))
        .map(|(p, r)| format!("{p}: {r}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: undefined references:\n{}",
        missing.join("\n")
    );
}

fn walk_body(body: &Body, f: &mut dyn FnMut(String)) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => walk_expr(&a.expr, f),
            Structure::Block(b) => walk_body(&b.body, f),
        }
    }
}

fn walk_template(t: &Template, f: &mut dyn FnMut(String)) {
    for e in t.elements() {
        match e {
            Element::Interpolation(i) => walk_expr(&i.expr, f),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    walk_expr(&d.cond_expr, f);
                    walk_template(&d.true_template, f);
                    if let Some(t) = &d.false_template {
                        walk_template(t, f);
                    }
                }
                Directive::For(d) => {
                    walk_expr(&d.collection_expr, f);
                    walk_template(&d.template, f);
                }
            },
            Element::Literal(_) => {}
        }
    }
}

/// Reports `kind.name` (or `data.kind.name`, `local.name`) for every
/// traversal rooted at a resource type, `data` or `local`.
fn walk_expr(e: &Expression, f: &mut dyn FnMut(String)) {
    match e {
        Expression::Traversal(t) => {
            let attrs: Vec<&str> = t
                .operators
                .iter()
                .map_while(|op| match op {
                    TraversalOperator::GetAttr(id) => Some(id.as_str()),
                    _ => None,
                })
                .collect();
            if let Expression::Variable(v) = &t.expr {
                let root = v.as_str();
                let name = match (root, attrs.as_slice()) {
                    ("data", [kind, n, ..]) => Some(format!("data.{kind}.{n}")),
                    ("local", [n, ..]) => Some(format!("local.{n}")),
                    (kind, [n, ..]) if kind.starts_with("aws_") || kind.starts_with("azurerm_") => {
                        Some(format!("{kind}.{n}"))
                    }
                    _ => None,
                };
                if let Some(n) = name {
                    f(n);
                }
            }
            walk_expr(&t.expr, f);
            for op in &t.operators {
                if let TraversalOperator::Index(i) = op {
                    walk_expr(i, f);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|i| walk_expr(i, f)),
        Expression::Object(o) => o.iter().for_each(|(_, v)| walk_expr(v, f)),
        Expression::TemplateExpr(t) => {
            let t = Template::from_expr(t).expect("template");
            walk_template(&t, f);
        }
        Expression::FuncCall(c) => c.args.iter().for_each(|a| walk_expr(a, f)),
        Expression::Parenthesis(p) => walk_expr(p, f),
        Expression::Conditional(c) => {
            walk_expr(&c.cond_expr, f);
            walk_expr(&c.true_expr, f);
            walk_expr(&c.false_expr, f);
        }
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(u) => walk_expr(&u.expr, f),
            Operation::Binary(b) => {
                walk_expr(&b.lhs_expr, f);
                walk_expr(&b.rhs_expr, f);
            }
        },
        Expression::ForExpr(fe) => {
            walk_expr(&fe.collection_expr, f);
            if let Some(k) = &fe.key_expr {
                walk_expr(k, f);
            }
            walk_expr(&fe.value_expr, f);
            if let Some(c) = &fe.cond_expr {
                walk_expr(c, f);
            }
        }
        _ => {}
    }
}
