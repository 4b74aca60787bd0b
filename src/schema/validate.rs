//! Shape validation: every node, argument and property against the grammar.
//! Reports unknown names (with "did you mean"), wrong types, missing and
//! duplicate values, and literal secrets, all in one pass.

use super::grammar::{ALLOW, ROOT};
use super::{NodeSpec, Ty};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, closest, did_you_mean};
use crate::span::Span;
use crate::syntax::{Document, Node, Value};
use crate::units;

/// Names that mean "a secret written in the spec" when they are not part of
/// the language at that place.
const SECRET_WORDS: &[&str] = &[
    "psk",
    "password",
    "passwd",
    "secret",
    "token",
    "api-key",
    "private-key",
    "webhook",
    "webhook-url",
];

pub fn validate(doc: &Document, out: &mut Diagnostics) {
    check_children(&ROOT, "the document", &doc.nodes, out);
}

fn check_children(spec: &'static NodeSpec, parent: &str, children: &[Node], out: &mut Diagnostics) {
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for child in children {
        if child.name == ALLOW.name {
            check_node(&ALLOW, child, out);
            continue;
        }
        let Some(child_spec) = spec.child(&child.name) else {
            out.push(unknown_node(spec, parent, child));
            continue;
        };
        if !child_spec.repeat {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == child.name) {
                out.push(
                    Diagnostic::error(
                        Code::DuplicateProperty,
                        format!("`{}` may appear only once in {parent}", child.name),
                    )
                    .label(child.name_span, "given again here")
                    .label(*first, "first given here")
                    .help("merge the two into one node"),
                );
            } else {
                seen.push((&child.name, child.name_span));
            }
        }
        check_node(child_spec, child, out);
    }
}

fn unknown_node(spec: &NodeSpec, parent: &str, node: &Node) -> Diagnostic {
    if is_secret_word(&node.name, spec) {
        // Every value of the node is (part of) the secret.
        let mut d = secret_literal(&node.name, node.span, spec);
        d.redact.extend(node.args.iter().map(|a| a.span));
        d.redact.extend(node.props.iter().map(value_span));
        return d;
    }
    let names = spec.children.iter().map(|c| c.name);
    let help = did_you_mean(&node.name, names.clone()).unwrap_or_else(|| {
        let list: Vec<_> = names.map(|n| format!("`{n}`")).collect();
        if list.is_empty() {
            format!("{parent} takes no child nodes")
        } else {
            format!("{parent} accepts {}", list.join(", "))
        }
    });
    Diagnostic::error(
        Code::UnknownNode,
        format!("unknown node `{}` in {parent}", node.name),
    )
    .label(node.name_span, "not part of the spec language here")
    .help(help)
}

fn is_secret_word(name: &str, spec: &NodeSpec) -> bool {
    let env_form = format!("{name}-env");
    SECRET_WORDS.contains(&name)
        || spec.prop(&env_form).is_some()
        || spec.child(&env_form).is_some()
}

/// The `=value` part of a `name=value` property.
pub fn value_span(prop: &crate::syntax::Prop) -> Span {
    let start = prop.name_span.end();
    Span::new(start, prop.span.end().saturating_sub(start))
}

fn secret_literal(name: &str, span: Span, spec: &NodeSpec) -> Diagnostic {
    let env_form = format!("{name}-env");
    let help = if spec.prop(&env_form).is_some() {
        format!(
            "name an environment variable instead: `{env_form}=\"VAR\"`; build fills it in with --secrets-from-env"
        )
    } else if spec.child(&env_form).is_some() {
        format!(
            "name an environment variable instead: `{env_form} \"VAR\"`; build fills it in with --secrets-from-env"
        )
    } else {
        "secrets never appear in the spec: name an environment variable with the `-env` form of this setting"
            .to_string()
    };
    Diagnostic::error(
        Code::SecretLiteral,
        format!("`{name}` writes a secret into the spec"),
    )
    .label(span, "a literal secret ends up in git history")
    .help(help)
}

fn node_label(spec: &NodeSpec, node: &Node) -> String {
    // An environment variable slot may hold the secret itself by mistake.
    let secretish = spec.args.types.first() == Some(&Ty::EnvVar);
    match node.arg_str(0).filter(|_| !secretish) {
        // Only a name-like argument: the value may be the invalid text
        // (with line breaks, or long) the diagnostic is about.
        Some(name)
            if !name.is_empty()
                && name.len() <= 63
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/:".contains(c)) =>
        {
            format!("`{} \"{name}\"`", node.name)
        }
        _ => format!("`{}`", node.name),
    }
}

fn check_node(spec: &'static NodeSpec, node: &Node, out: &mut Diagnostics) {
    let label = node_label(spec, node);
    check_args(spec, node, &label, out);
    check_props(spec, node, &label, out);
    check_children(spec, &label, &node.children, out);
}

fn check_args(spec: &NodeSpec, node: &Node, label: &str, out: &mut Diagnostics) {
    let args = &spec.args;
    if node.args.len() < args.min {
        let missing = args
            .types
            .get(node.args.len())
            .map(Ty::describe)
            .unwrap_or_default();
        out.push(
            Diagnostic::error(Code::MissingValue, format!("{label} needs {}", args.what))
                .label(
                    node.name_span,
                    format!("expected {missing} after `{}`", node.name),
                )
                .help(format!("write `{} …` with {}", node.name, args.what)),
        );
    }
    for (i, arg) in node.args.iter().enumerate() {
        let ty = match args.types.get(i) {
            Some(ty) => *ty,
            None if args.variadic && !args.types.is_empty() => args.types[args.types.len() - 1],
            None => {
                let help = if args.types.is_empty() {
                    format!(
                        "`{}` takes no arguments; did you mean a property (`name=value`)?",
                        node.name
                    )
                } else {
                    format!("`{}` takes {}", node.name, args.what)
                };
                out.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("too many arguments for {label}"),
                    )
                    .label(arg.span, "unexpected argument")
                    .help(help),
                );
                continue;
            }
        };
        check_value(
            ty,
            &arg.value,
            arg.span,
            &format!("argument {} of {label}", i + 1),
            out,
        );
    }
}

fn check_props(spec: &NodeSpec, node: &Node, label: &str, out: &mut Diagnostics) {
    // Required properties a misspelt one stands for: `zones=` already says
    // "did you mean `zone`?", so a second error for missing `zone=` is noise.
    let mut suggested: Vec<&str> = Vec::new();
    for (i, prop) in node.props.iter().enumerate() {
        if let Some(first) = node.props[..i].iter().find(|p| p.name == prop.name) {
            out.push(
                Diagnostic::error(
                    Code::DuplicateProperty,
                    format!("property `{}` given twice on {label}", prop.name),
                )
                .label(prop.span, "given again here")
                .label(first.span, "first given here")
                .help("KDL keeps only the last value silently; remove one of them"),
            );
        }
        match spec.prop(&prop.name) {
            Some(p) => check_value(
                p.ty,
                &prop.value,
                prop.span,
                &format!("`{}` on {label}", prop.name),
                out,
            ),
            None if is_secret_word(&prop.name, spec) => {
                out.push(secret_literal(&prop.name, prop.span, spec).redact(value_span(prop)))
            }
            None => {
                let names = spec.props.iter().map(|p| p.name);
                let close = closest(&prop.name, names.clone());
                suggested.extend(close);
                let help = close
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| {
                        let list: Vec<_> = names.map(|n| format!("`{n}`")).collect();
                        if list.is_empty() {
                            format!("`{}` takes no properties", node.name)
                        } else {
                            format!("`{}` accepts {}", node.name, list.join(", "))
                        }
                    });
                out.push(
                    Diagnostic::error(
                        Code::UnknownProperty,
                        format!("unknown property `{}` on {label}", prop.name),
                    )
                    .label(prop.name_span, "not a property of this node")
                    .help(help),
                );
            }
        }
    }
    for p in spec.props.iter().filter(|p| p.required) {
        // `password="…"` for `password-env=` is already a secret-literal.
        let literal = p.name.strip_suffix("-env").and_then(|n| node.prop(n));
        if node.prop(p.name).is_none() && !suggested.contains(&p.name) && literal.is_none() {
            out.push(
                Diagnostic::error(
                    Code::MissingValue,
                    format!("{label} needs property `{}`", p.name),
                )
                .label(node.name_span, format!("missing `{}=`", p.name))
                .help(format!(
                    "add `{}=` ({}): {}",
                    p.name,
                    p.ty.describe(),
                    p.describe()
                )),
            );
        }
    }
}

fn check_value(ty: Ty, value: &Value, span: Span, what: &str, out: &mut Diagnostics) {
    let type_error = |out: &mut Diagnostics| {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "{what} must be {}, found {}",
                    ty.describe(),
                    value.type_name()
                ),
            )
            .label(span, format!("expected {}", ty.describe()))
            .help(type_help(ty)),
        );
    };
    let invalid = |out: &mut Diagnostics, msg: String, help: String| {
        out.push(
            Diagnostic::error(Code::InvalidValue, format!("{what}: {msg}"))
                .label(span, "invalid value")
                .help(help),
        );
    };
    match (ty, value) {
        (Ty::Str, Value::Str(_)) => {}
        (Ty::Text(kind), Value::Str(s)) => {
            if let Err((msg, help)) = units::check_text(kind, s) {
                out.push(
                    Diagnostic::error(Code::InvalidValue, format!("{what} {msg}"))
                        .label(span, format!("expected {}", kind.describe()))
                        .help(help),
                );
            }
        }
        // A version may be written as a number: `version=8`.
        (Ty::Text(super::Text::Version), Value::Int(_) | Value::Float(_)) => {}
        (Ty::Scalar, Value::Str(_) | Value::Int(_) | Value::Float(_)) => {}
        (Ty::Int, Value::Int(i)) => {
            if *i < 0 || *i > i64::MAX as i128 {
                invalid(
                    out,
                    format!("{i} is out of range"),
                    "use a non-negative integer".into(),
                );
            }
        }
        (Ty::Port | Ty::PortOrRange, Value::Int(i)) => {
            if !(1..=65535).contains(i) {
                invalid(
                    out,
                    format!("port {i} is out of range"),
                    "ports are 1 to 65535".into(),
                );
            }
        }
        (Ty::PortOrRange, Value::Str(s)) => {
            if units::parse_port_range(s).is_none() {
                invalid(
                    out,
                    format!("`{s}` is not a port range"),
                    "write a range as \"8000-8100\" (low-high, both 1 to 65535)".into(),
                );
            }
        }
        (Ty::Bool, Value::Bool(_)) => {}
        (Ty::Threshold, Value::Int(_) | Value::Float(_)) => {}
        (Ty::Threshold, Value::Str(s)) => {
            if let Err(e) = units::parse_duration(s) {
                invalid(
                    out,
                    e,
                    "write a percentage (90) or a duration (\"60s\")".into(),
                );
            }
        }
        (Ty::Name, Value::Str(s)) => {
            if !units::is_valid_name(s) {
                invalid(
                    out,
                    format!("`{s}` is not a valid name"),
                    "names are lowercase letters, digits and `-`, start with a letter, at most 63 characters".into(),
                );
            }
        }
        (Ty::EnvVar, Value::Str(s)) => {
            // Often the secret itself, pasted where its variable's name
            // belongs: never repeated, and masked in every report.
            if !units::is_valid_env_var(s) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("{what} is not an environment variable name"),
                    )
                    .label(span, "expected a variable name (the value is not shown)")
                    .help(
                        "name the environment variable that holds the secret, in upper case letters, digits and `_`, e.g. \"PG_PASSWORD\"",
                    )
                    .redact(span),
                );
            }
        }
        (Ty::Size, Value::Str(s)) => {
            if let Err(e) = units::parse_size(s) {
                invalid(out, e, "sizes are written like \"31g\" or \"512m\"".into());
            }
        }
        (Ty::Duration, Value::Str(s)) => {
            if let Err(e) = units::parse_duration(s) {
                invalid(
                    out,
                    e,
                    "durations are written like \"15s\", \"5m\", \"2h\" or \"30d\"".into(),
                );
            }
        }
        (Ty::Ip, Value::Str(s)) => {
            if units::parse_ip(s).is_none() {
                invalid(
                    out,
                    format!("`{s}` is not an IP address"),
                    "write an address such as \"10.0.1.10\"".into(),
                );
            }
        }
        (Ty::Cidr, Value::Str(s)) => match units::parse_cidr(s) {
            Ok(_) => {}
            Err(units::CidrError::Syntax) => out.push(
                Diagnostic::error(Code::InvalidCidr, format!("{what}: `{s}` is not a CIDR"))
                    .label(span, "not a CIDR")
                    .help("write an address and a prefix length, e.g. \"10.0.0.0/16\""),
            ),
            Err(units::CidrError::NotNetwork(net)) => out.push(
                Diagnostic::error(
                    Code::InvalidCidr,
                    format!("{what}: `{s}` is not a network address"),
                )
                .label(span, "host bits are set")
                .help(format!("did you mean `{net}`?")),
            ),
        },
        (Ty::Enum(values), Value::Str(s)) => {
            if !values.contains(&s.as_str()) {
                let help = did_you_mean(s, values.iter().copied())
                    .unwrap_or_else(|| format!("use {}", ty.describe()));
                invalid(out, format!("`{s}` is not allowed"), help);
            }
        }
        _ => type_error(out),
    }
}

fn type_help(ty: Ty) -> String {
    match ty {
        Ty::Bool => "KDL v2 writes booleans as #true and #false".into(),
        Ty::Int | Ty::Port => "write the number without quotes".into(),
        _ => format!("write {}", ty.describe()),
    }
}
