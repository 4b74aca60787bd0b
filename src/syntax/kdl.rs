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
    if let Some(span) = too_deep(src) {
        return Err(vec![
            Diagnostic::error(
                "kdl-syntax",
                format!("invalid KDL: nested deeper than {MAX_NESTING} levels"),
            )
            .label(span, "too deep here")
            .help("a spec nests a few levels; check for unbalanced braces or comments"),
        ]);
    }
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

/// Deepest `{…}` block (or nested `/* */` comment) accepted. The KDL parser and
/// the tree walkers recurse once per level, so a document nested thousands of
/// levels deep would overflow the stack; real specs nest about 4 levels.
pub const MAX_NESTING: usize = 64;

/// The first `{` or `/*` that opens a level beyond `MAX_NESTING`, skipping
/// strings and comments. A cheap lexical scan run before the parser.
fn too_deep(src: &str) -> Option<Span> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(Span::new(i, 1));
                }
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut comments = 0usize;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        comments += 1;
                        if comments > MAX_NESTING {
                            return Some(Span::new(i, 2));
                        }
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        comments -= 1;
                        i += 2;
                        if comments == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                let close: &[u8] = if b[i..].starts_with(b"\"\"\"") {
                    b"\"\"\""
                } else {
                    b"\""
                };
                i += close.len();
                while i < b.len() && !b[i..].starts_with(close) {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += close.len();
            }
            b'#' => {
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                i += hashes;
                if b.get(i) == Some(&b'"') {
                    i += 1;
                    while i < b.len()
                        && !(b[i] == b'"'
                            && b[i + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&c| c == b'#')
                                .count()
                                == hashes)
                    {
                        i += 1;
                    }
                    i += 1 + hashes;
                }
            }
            _ => i += 1,
        }
    }
    None
}
