//! KDL text → `syntax::Document`. The only module that sees `kdl` types.
//! KDL v2 is tried first; v1 documents are accepted through the crate's
//! `v1-fallback`, which keeps spans.

use super::{Arg, Document, Node, Prop, Value};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use kdl::{KdlDocument, KdlNode, KdlValue};

/// Parses a spec. On a syntax error, every error the KDL parser found is
/// returned as a `kdl-syntax` diagnostic.
pub fn parse(src: &str) -> Result<Document, Vec<Diagnostic>> {
    match KdlDocument::parse(src) {
        Ok(doc) => Ok(Document {
            nodes: doc
                .nodes()
                .iter()
                .map(|n| convert_node(n, src.len()))
                .collect(),
        }),
        Err(err) => {
            let mut out: Vec<Diagnostic> = err
                .diagnostics
                .iter()
                .map(|d| {
                    let span = clamp(d.span.into(), src.len());
                    let message = d
                        .message
                        .clone()
                        .unwrap_or_else(|| "invalid KDL".to_string());
                    let label = d.label.clone().unwrap_or_else(|| "here".to_string());
                    let help = d.help.clone().unwrap_or_else(|| {
                        "check quoting and braces; infragen reads KDL v2 (and v1)".to_string()
                    });
                    Diagnostic::error("kdl-syntax", format!("invalid KDL: {message}"))
                        .label(span, label)
                        .help(help)
                })
                .collect();
            if out.is_empty() {
                out.push(
                    Diagnostic::error("kdl-syntax", "invalid KDL document")
                        .label(Span::new(0, 0), "the parser gave no position")
                        .help("check quoting and braces; infragen reads KDL v2 (and v1)"),
                );
            }
            Err(out)
        }
    }
}

fn clamp(span: Span, len: usize) -> Span {
    let start = span.start.min(len);
    Span::new(start, span.len.min(len - start))
}

fn convert_node(node: &KdlNode, len: usize) -> Node {
    let mut args = Vec::new();
    let mut props = Vec::new();
    for entry in node.entries() {
        let value = convert_value(entry.value());
        let span = clamp(entry.span().into(), len);
        match entry.name() {
            Some(name) => props.push(Prop {
                name: name.value().to_string(),
                name_span: clamp(name.span().into(), len),
                value,
                span,
            }),
            None => args.push(Arg { value, span }),
        }
    }
    let children = node
        .children()
        .map(|d| d.nodes().iter().map(|n| convert_node(n, len)).collect())
        .unwrap_or_default();
    Node {
        name: node.name().value().to_string(),
        name_span: clamp(node.name().span().into(), len),
        span: clamp(node.span().into(), len),
        args,
        props,
        children,
    }
}

fn convert_value(v: &KdlValue) -> Value {
    match v {
        KdlValue::String(s) => Value::Str(s.clone()),
        KdlValue::Integer(i) => Value::Int(*i),
        KdlValue::Float(f) => Value::Float(*f),
        KdlValue::Bool(b) => Value::Bool(*b),
        KdlValue::Null => Value::Null,
    }
}
