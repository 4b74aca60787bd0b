//! The JSON Schema export (`src/emit/json_schema.rs`):
//! - the committed `schema/infragen.schema.json` is what the grammar generates
//!   (refresh with `INFRAGEN_BLESS=1 cargo test --test schema`), and
//!   `infragen schema` prints the same;
//! - every node kind and property of the grammar is in it, reached the way a
//!   document reaches it (through the parents' `children`);
//! - every node and property of `examples/reference.kdl` is in it, and the
//!   reference spec, converted to the document tree, validates against it
//!   (with the jsonschema of `tests/scripts/install-test-tools.sh`).

#[path = "support/tools.rs"]
mod tools;

use infragen::emit::json_schema::{self, document_to_json};
use infragen::schema::grammar::{ALLOW, ROOT};
use infragen::schema::{NodeSpec, Ty};
use infragen::syntax::{Node, kdl};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn committed_path() -> PathBuf {
    tools::repo_root().join("schema/infragen.schema.json")
}

fn reference() -> infragen::syntax::Document {
    let path = tools::repo_root().join("examples/reference.kdl");
    let src = std::fs::read_to_string(&path).expect("read examples/reference.kdl");
    kdl::parse(&src).expect("reference.kdl is valid KDL")
}

#[test]
fn committed_schema_is_current() {
    let generated = json_schema::render();
    let path = committed_path();
    if std::env::var_os("INFRAGEN_BLESS").is_some_and(|v| !v.is_empty()) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/infragen.schema.json is out of date with the grammar; \
         refresh it with `INFRAGEN_BLESS=1 cargo test --test schema`"
    );
}

#[test]
fn cli_prints_the_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .arg("schema")
        .output()
        .expect("run infragen schema");
    assert!(out.status.success(), "{}", tools::describe(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), json_schema::render());
    // Hidden from the help.
    let help = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .arg("--help")
        .output()
        .expect("run infragen --help");
    assert!(!String::from_utf8_lossy(&help.stdout).contains("schema"));
}

#[test]
fn schema_is_draft_2020_12_and_self_consistent() {
    let s = json_schema::schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let text = json_schema::render();
    let defs = s["$defs"].as_object().unwrap();
    for part in text.split("\"#/$defs/").skip(1) {
        let key = part.split('"').next().unwrap();
        assert!(defs.contains_key(key), "dangling $ref to {key}");
    }
}

/// Follows a `$ref` (only local `#/$defs/…` ones are used).
fn resolve<'a>(schema: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => {
            let key = r.strip_prefix("#/$defs/").expect("local $ref");
            &schema["$defs"][key]
        }
        None => v,
    }
}

/// The node definitions a `children` (or `nodes`) array schema accepts.
fn child_defs<'a>(schema: &'a Value, children: &'a Value) -> Vec<&'a Value> {
    children["items"]["oneOf"]
        .as_array()
        .expect("children are a oneOf of node kinds")
        .iter()
        .map(|r| resolve(schema, r))
        .collect()
}

fn find_child<'a>(schema: &'a Value, children: &'a Value, name: &str) -> Option<&'a Value> {
    child_defs(schema, children)
        .into_iter()
        .find(|d| d["properties"]["name"]["const"] == name)
}

fn check_kind(
    schema: &Value,
    spec: &'static NodeSpec,
    def: &Value,
    path: &str,
    seen: &mut Vec<String>,
) {
    assert_eq!(def["description"], spec.doc, "{path}: description");
    let props = &def["properties"]["props"];
    let required: Vec<&str> = props["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for p in spec.props {
        let ps = &props["properties"][p.name];
        assert!(ps.is_object(), "{path}: property `{}` missing", p.name);
        assert_eq!(
            ps["description"],
            p.describe(),
            "{path}.{}: description",
            p.name
        );
        assert_eq!(
            required.contains(&p.name),
            p.required,
            "{path}.{}: required",
            p.name
        );
        if let Ty::Enum(values) = p.ty {
            assert_eq!(ps["enum"], serde_json::json!(values), "{path}.{}", p.name);
        }
    }
    assert_eq!(
        props["properties"].as_object().map_or(0, |m| m.len()),
        spec.props.len(),
        "{path}: extra properties in the schema"
    );
    let args = &def["properties"]["args"];
    assert_eq!(
        args["prefixItems"].as_array().map_or(0, |a| a.len()),
        spec.args.types.len(),
        "{path}: argument count"
    );
    assert_eq!(
        args["minItems"].as_u64().unwrap_or(0) as usize,
        spec.args.min,
        "{path}: minItems"
    );
    assert_eq!(
        args["items"] != Value::Bool(false),
        spec.args.variadic || spec.args.types.is_empty(),
        "{path}: variadic"
    );
    if seen.contains(&path.to_string()) {
        return;
    }
    seen.push(path.to_string());
    let children = &def["properties"]["children"];
    assert!(
        find_child(schema, children, ALLOW.name).is_some(),
        "{path}: `allow` is accepted under every node"
    );
    for child in spec.children {
        let cpath = format!("{path}.{}", child.name);
        let cdef = find_child(schema, children, child.name)
            .unwrap_or_else(|| panic!("{cpath}: child kind missing from the schema"));
        check_kind(schema, child, cdef, &cpath, seen);
    }
    // One alternative per grammar child, plus `allow`.
    assert_eq!(
        child_defs(schema, children).len(),
        spec.children.len() + 1,
        "{path}: children"
    );
}

#[test]
fn every_grammar_node_and_property_is_in_the_schema() {
    let schema = json_schema::schema();
    let nodes = &schema["properties"]["nodes"];
    let mut seen = Vec::new();
    for spec in ROOT.children {
        let def = find_child(&schema, nodes, spec.name)
            .unwrap_or_else(|| panic!("top-level `{}` missing", spec.name));
        check_kind(&schema, spec, def, spec.name, &mut seen);
    }
    let allow = find_child(&schema, nodes, ALLOW.name).expect("allow at the top level");
    check_kind(&schema, &ALLOW, allow, "allow", &mut seen);
    assert!(seen.len() > 30, "walked only {} node kinds", seen.len());
}

fn check_reference_node(schema: &Value, children: &Value, node: &Node, path: &str) {
    let path = format!("{path}/{}", node.name);
    let def = find_child(schema, children, &node.name)
        .unwrap_or_else(|| panic!("reference.kdl node {path} is not in the schema"));
    for p in &node.props {
        assert!(
            def["properties"]["props"]["properties"][&p.name].is_object(),
            "reference.kdl property {path} {}= is not in the schema",
            p.name
        );
    }
    for c in &node.children {
        check_reference_node(schema, &def["properties"]["children"], c, &path);
    }
}

#[test]
fn reference_spec_nodes_are_in_the_schema() {
    let schema = json_schema::schema();
    let doc = reference();
    assert!(!doc.nodes.is_empty());
    for node in &doc.nodes {
        check_reference_node(&schema, &schema["properties"]["nodes"], node, "");
    }
}

/// Validates each instance against the committed schema in one run of the
/// jsonschema venv's python; `None` when it is not installed (see `tools`).
/// Gives, per instance, `Ok` or the validation errors.
fn validate(instances: &[(&str, Value)], dir: &Path) -> Option<Vec<Result<(), String>>> {
    let python = tools::require_sarif_validator()?;
    let mut paths = Vec::new();
    for (name, instance) in instances {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(instance).unwrap()).unwrap();
        paths.push(path);
    }
    const SCRIPT: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
v = cls(schema, format_checker=cls.FORMAT_CHECKER)
for path in sys.argv[2:]:
    errors = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(json.load(open(path)))]
    print(json.dumps(errors))
"#;
    let out = tools::run_ok(
        Command::new(python)
            .args(["-c", SCRIPT])
            .arg(committed_path())
            .args(&paths),
    );
    let results: Vec<Result<(), String>> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let errors: Vec<String> = serde_json::from_str(line).expect("validator output");
            if errors.is_empty() {
                Ok(())
            } else {
                Err(errors.join("\n"))
            }
        })
        .collect();
    assert_eq!(results.len(), instances.len(), "{}", tools::describe(&out));
    Some(results)
}

#[test]
#[ignore = "needs python jsonschema: tests/scripts/test.sh runs it"]
fn reference_spec_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    // The schema does reject things: an unknown node, a missing required
    // property, a bad enum value, a repeated once-only child, a bad name.
    let doc = |src: &str| document_to_json(&kdl::parse(src).expect("KDL"));
    let cases = [
        ("reference", document_to_json(&reference())),
        ("unknown-node", doc("frobnicate \"x\"\n")),
        ("missing-prop", doc("vpc \"core\" region=\"us-east-1\"\n")),
        (
            "bad-enum",
            doc(
                "security-group \"sg\" vpc=\"core\" {\n ingress \"smtp\" 25 from=\"0.0.0.0/0\"\n}\n",
            ),
        ),
        ("twice", doc("baseline\nbaseline\n")),
        (
            "bad-name",
            doc("vpc \"Core\" region=\"us-east-1\" cidr=\"10.0.0.0/16\"\n"),
        ),
        ("too-many-args", doc("address-set \"a\" \"b\"\n")),
    ];
    let Some(results) = validate(&cases, dir.path()) else {
        return;
    };
    if let Err(e) = &results[0] {
        panic!("examples/reference.kdl as a document tree does not validate:\n{e}");
    }
    for ((name, instance), result) in cases.iter().zip(&results).skip(1) {
        assert!(
            result.is_err(),
            "{name}: the schema accepted an invalid document: {instance}"
        );
    }
}
