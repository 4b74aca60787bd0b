//! The grammar tables (`grammar::ROOT`, recursively) as a JSON Schema (draft
//! 2020-12) of the spec's *document tree*. `infragen schema` prints it; the
//! committed copy is `schema/infragen.schema.json` (a test keeps the two
//! equal).
//!
//! # Representation
//!
//! A spec is the object `{"nodes": [NODE, …]}`; a KDL node is
//!
//! ```json
//! {"name": "vpc", "args": ["core"], "props": {"region": "us-east-1", "cidr": "10.10.0.0/16"},
//!  "children": [{"name": "subnet", "args": ["public-a"], "props": {…}, "children": []}]}
//! ```
//!
//! - `name` is the node name; `args` the positional arguments in order;
//!   `props` the properties (the last one wins, as in KDL); `children` the
//!   child nodes in order. Only `name` is always required; `args`, `props`
//!   and `children` are required when the node needs arguments, required
//!   properties or required children, and mean "none" when absent.
//! - KDL strings, integers, numbers, booleans and `#null` are the JSON ones.
//! - Each node kind is one entry of `$defs`, keyed `node:PATH` where PATH is
//!   the dotted path of its first appearance (`node:vpc.subnet`,
//!   `node:vnet.subnet`); a kind that appears under several parents (`tag`)
//!   has one entry. `node:allow` (suppressions) is accepted under every node.
//! - Value types that carry a rule (names, ports, CIDRs, durations, …) are
//!   `$defs` entries keyed `type:NAME`; plain strings, integers, booleans and
//!   enumerations are inline.
//! - A child kind that must appear is a `contains`; one that may appear at
//!   most once is a `contains` with `maxContains: 1`.
//!
//! The schema checks shape (names, counts, types, patterns). Whether a CIDR is
//! a network address, references resolve, and every other rule stays with
//! `infragen lint`.
//!
//! [`document_to_json`] converts a parsed spec to this representation.

use crate::schema::grammar::{ALLOW, ROOT};
use crate::schema::{Args, NodeSpec, PropSpec, Text, Ty};
use crate::syntax::{Document, Node, Value as KdlValue};
use serde_json::{Map, Value, json};

pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema, pretty-printed with a final newline (what `infragen schema`
/// prints and `schema/infragen.schema.json` holds).
pub fn render() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The `$defs` key of a node kind (`node:vpc.subnet`).
pub fn node_key(path: &str) -> String {
    format!("node:{path}")
}

/// Every node kind of the grammar with the dotted path it is keyed by, in
/// grammar order (depth first), `allow` first.
pub fn node_kinds() -> Vec<(String, &'static NodeSpec)> {
    let mut out: Vec<(String, &'static NodeSpec)> = vec![(ALLOW.name.to_string(), &ALLOW)];
    collect(&ROOT, "", &mut out);
    out
}

fn collect(spec: &'static NodeSpec, prefix: &str, out: &mut Vec<(String, &'static NodeSpec)>) {
    for child in spec.children {
        if out.iter().any(|(_, s)| std::ptr::eq(*s, *child)) {
            continue;
        }
        let path = if prefix.is_empty() {
            child.name.to_string()
        } else {
            format!("{prefix}.{}", child.name)
        };
        out.push((path.clone(), child));
        collect(child, &path, out);
    }
}

/// The JSON Schema of the document tree.
pub fn schema() -> Value {
    let kinds = node_kinds();
    let mut defs = Map::new();
    for (path, spec) in &kinds {
        defs.insert(node_key(path), node_schema(spec, &kinds));
    }
    for (name, def) in type_defs() {
        defs.insert(format!("type:{name}"), def);
    }
    json!({
        "$schema": DRAFT,
        "title": "infragen spec",
        "description": "The document tree of an infragen KDL spec: {\"nodes\": [NODE, …]}, a node \
             being {\"name\", \"args\": [...], \"props\": {...}, \"children\": [NODE, …]} \
             (schema/README.md). Generated from the grammar tables by `infragen schema`.",
        "type": "object",
        "properties": {
            "nodes": children_schema(&ROOT, &kinds),
        },
        "required": ["nodes"],
        "additionalProperties": false,
        "$defs": defs,
    })
}

fn reference(key: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{key}") })
}

fn key_of(spec: &NodeSpec, kinds: &[(String, &'static NodeSpec)]) -> String {
    kinds
        .iter()
        .find(|(_, s)| std::ptr::eq(*s, spec))
        .map(|(p, _)| node_key(p))
        .unwrap_or_else(|| node_key(spec.name))
}

fn node_schema(spec: &NodeSpec, kinds: &[(String, &'static NodeSpec)]) -> Value {
    let mut required = vec!["name"];
    if spec.args.min > 0 {
        required.push("args");
    }
    if spec.props.iter().any(|p| p.required) {
        required.push("props");
    }
    if spec.children.iter().any(|c| c.required) {
        required.push("children");
    }
    json!({
        "description": spec.doc,
        "type": "object",
        "properties": {
            "name": { "const": spec.name },
            "args": args_schema(&spec.args),
            "props": props_schema(spec.props),
            "children": children_schema(spec, kinds),
        },
        "required": required,
        "additionalProperties": false,
    })
}

fn args_schema(args: &Args) -> Value {
    let mut s = Map::new();
    s.insert("type".into(), json!("array"));
    if !args.what.is_empty() {
        s.insert("description".into(), json!(args.what));
    }
    if args.types.is_empty() {
        s.insert("maxItems".into(), json!(0));
        return Value::Object(s);
    }
    s.insert(
        "prefixItems".into(),
        Value::Array(args.types.iter().map(ty_schema).collect()),
    );
    if args.min > 0 {
        s.insert("minItems".into(), json!(args.min));
    }
    match args.types.last() {
        Some(last) if args.variadic => {
            s.insert("items".into(), ty_schema(last));
        }
        _ => {
            s.insert("items".into(), json!(false));
        }
    }
    Value::Object(s)
}

fn props_schema(props: &[PropSpec]) -> Value {
    let mut properties = Map::new();
    for p in props {
        let mut s = ty_schema(&p.ty);
        if let Value::Object(m) = &mut s {
            m.insert("description".into(), json!(p.describe()));
        }
        properties.insert(p.name.to_string(), s);
    }
    let required: Vec<&str> = props
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name)
        .collect();
    let mut s = json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        s["required"] = json!(required);
    }
    s
}

fn named(name: &str) -> Value {
    json!({
        "type": "object",
        "properties": { "name": { "const": name } },
        "required": ["name"],
    })
}

fn children_schema(spec: &NodeSpec, kinds: &[(String, &'static NodeSpec)]) -> Value {
    let mut one_of: Vec<Value> = spec
        .children
        .iter()
        .map(|c| reference(&key_of(c, kinds)))
        .collect();
    one_of.push(reference(&node_key(ALLOW.name)));
    let mut s = json!({
        "type": "array",
        "items": { "oneOf": one_of },
    });
    let mut counts = Vec::new();
    for c in spec.children {
        match (c.required, c.repeat) {
            (true, true) => counts.push(json!({ "contains": named(c.name) })),
            (true, false) => counts.push(json!({ "contains": named(c.name), "maxContains": 1 })),
            (false, false) => counts.push(json!({
                "contains": named(c.name),
                "minContains": 0,
                "maxContains": 1,
            })),
            (false, true) => {}
        }
    }
    if !counts.is_empty() {
        s["allOf"] = Value::Array(counts);
    }
    s
}

/// The `$defs` key of a value type that has one.
fn ty_key(ty: &Ty) -> Option<&'static str> {
    Some(match ty {
        Ty::Name => "name",
        Ty::Port => "port",
        Ty::Size => "size",
        Ty::Duration => "duration",
        Ty::Cidr => "cidr",
        Ty::Ip => "ip",
        Ty::PortOrRange => "port-or-range",
        Ty::Threshold => "threshold",
        Ty::EnvVar => "env-var",
        Ty::Text(t) => t.key(),
        Ty::Str | Ty::Int | Ty::Bool | Ty::Enum(_) | Ty::Scalar => return None,
    })
}

fn ty_schema(ty: &Ty) -> Value {
    if let Some(key) = ty_key(ty) {
        return reference(&format!("type:{key}"));
    }
    match ty {
        Ty::Int => json!({ "type": "integer", "minimum": 0 }),
        Ty::Bool => json!({ "type": "boolean" }),
        Ty::Enum(values) => json!({ "type": "string", "enum": values }),
        Ty::Scalar => json!({ "type": ["string", "number"] }),
        _ => json!({ "type": "string" }),
    }
}

const DURATION_PATTERN: &str = r"^\s*[0-9]+(ms|s|m|h|d|w)\s*$";

/// The value types with a rule, each with its description.
fn type_defs() -> Vec<(&'static str, Value)> {
    let d = |ty: Ty| ty.describe();
    let texts = Text::ALL.iter().map(|t| {
        let string = json!({ "type": "string", "pattern": t.pattern() });
        let def = if *t == Text::Version {
            json!({ "description": t.describe(), "oneOf": [{ "type": "number" }, string] })
        } else {
            let mut def = string;
            def["description"] = json!(t.describe());
            def
        };
        (t.key(), def)
    });
    let mut defs = vec![
        (
            "name",
            json!({
                "description": d(Ty::Name),
                "type": "string",
                "pattern": "^[a-z][a-z0-9-]*$",
                "maxLength": 63,
            }),
        ),
        (
            "port",
            json!({
                "description": d(Ty::Port),
                "type": "integer",
                "minimum": 1,
                "maximum": 65535,
            }),
        ),
        (
            "size",
            json!({
                "description": d(Ty::Size),
                "type": "string",
                "pattern": r"^\s*[0-9]+([kKmMgGtT]?[iI]?[bB]?)\s*$",
            }),
        ),
        (
            "duration",
            json!({
                "description": d(Ty::Duration),
                "type": "string",
                "pattern": DURATION_PATTERN,
            }),
        ),
        (
            "cidr",
            json!({
                "description": format!("{} (a network address: no host bits set)", d(Ty::Cidr)),
                "type": "string",
                "pattern": r"^[0-9A-Fa-f:.]+/[0-9]{1,3}$",
            }),
        ),
        (
            "ip",
            json!({
                "description": d(Ty::Ip),
                "type": "string",
                "anyOf": [{ "format": "ipv4" }, { "format": "ipv6" }],
            }),
        ),
        (
            "port-or-range",
            json!({
                "description": d(Ty::PortOrRange),
                "oneOf": [
                    { "$ref": "#/$defs/type:port" },
                    { "type": "string", "pattern": r"^\s*[0-9]{1,5}\s*-\s*[0-9]{1,5}\s*$" },
                ],
            }),
        ),
        (
            "threshold",
            json!({
                "description": d(Ty::Threshold),
                "oneOf": [
                    { "type": "number" },
                    { "type": "string", "pattern": DURATION_PATTERN },
                ],
            }),
        ),
        (
            "env-var",
            json!({
                "description": d(Ty::EnvVar),
                "type": "string",
                "pattern": "^[A-Z_][A-Z0-9_]*$",
            }),
        ),
    ];
    defs.extend(texts);
    defs
}

/// A parsed spec in the representation the schema describes.
pub fn document_to_json(doc: &Document) -> Value {
    json!({ "nodes": doc.nodes.iter().map(node_to_json).collect::<Vec<_>>() })
}

fn node_to_json(node: &Node) -> Value {
    let mut props = Map::new();
    for p in &node.props {
        props.insert(p.name.clone(), value_to_json(&p.value));
    }
    json!({
        "name": node.name,
        "args": node.args.iter().map(|a| value_to_json(&a.value)).collect::<Vec<_>>(),
        "props": props,
        "children": node.children.iter().map(node_to_json).collect::<Vec<_>>(),
    })
}

fn value_to_json(v: &KdlValue) -> Value {
    match v {
        KdlValue::Str(s) => json!(s),
        KdlValue::Int(i) => match i64::try_from(*i) {
            Ok(i) => json!(i),
            Err(_) => json!(*i as f64),
        },
        KdlValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        KdlValue::Bool(b) => json!(b),
        KdlValue::Null => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_kinds_have_one_entry_and_same_names_two() {
        let kinds = node_kinds();
        let tags = kinds.iter().filter(|(_, s)| s.name == "tag").count();
        assert_eq!(tags, 1, "`tag` is one static shared by several parents");
        let keys: Vec<&str> = kinds.iter().map(|(p, _)| p.as_str()).collect();
        assert!(keys.contains(&"vpc.subnet") && keys.contains(&"vnet.subnet"));
    }

    #[test]
    fn every_ref_resolves() {
        let s = render();
        let v = schema();
        let defs = v["$defs"].as_object().unwrap();
        for part in s.split("\"#/$defs/").skip(1) {
            let key = part.split('"').next().unwrap();
            assert!(defs.contains_key(key), "dangling $ref {key}");
        }
    }
}
