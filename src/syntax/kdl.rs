//! KDL text → `syntax::Document`. The only module that sees `kdl` types.
//! KDL v2 is tried first; v1 documents are accepted through the crate's
//! `v1-fallback`, which keeps spans.

use super::limits;
pub use super::limits::MAX_NESTING;
use super::{Arg, Document, Node, Prop, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use kdl::{KdlDocument, KdlNode, KdlValue};

/// Most KDL syntax errors reported for one spec; the rest are counted.
const MAX_SYNTAX_ERRORS: usize = 20;

/// Parses a spec. On a syntax error, every error the KDL parser found (up to
/// `MAX_SYNTAX_ERRORS`) is returned as a `kdl-syntax` diagnostic.
///
/// The text first passes the caps of `limits` (size, line length, braces,
/// slashdashed blocks), which bound the parser's recursion and time; the
/// parser then runs on a thread whose stack is sized from those counts, and
/// the parsed tree's depth is checked before anything walks it.
pub fn parse(src: &str) -> Result<Document, Vec<Diagnostic>> {
    let counts = limits::check(src).map_err(|d| vec![d])?;
    if let Some(span) = limits::too_deep(src) {
        return Err(vec![too_deep_error(span)]);
    }
    let parsed = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("kdl-parse".into())
            .stack_size(counts.parser_stack())
            .spawn_scoped(scope, || parse_here(src))
            .map(|handle| handle.join())
    });
    match parsed {
        Ok(Ok(result)) => result,
        Ok(Err(_panic)) => Err(vec![
            Diagnostic::error(
                Code::KdlSyntax,
                "invalid KDL: the KDL parser failed on this text",
            )
            .label(Span::new(0, 0), "somewhere in this file")
            .help("check quoting and braces; infragen reads KDL v2 (and v1)"),
        ]),
        Err(e) => Err(vec![
            Diagnostic::error(Code::KdlSyntax, format!("cannot start the KDL parser: {e}"))
                .label(Span::new(0, 0), "not parsed")
                .help("the machine is out of threads or memory; try again"),
        ]),
    }
}

fn too_deep_error(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::KdlSyntax,
        format!("invalid KDL: nested deeper than {MAX_NESTING} levels"),
    )
    .label(span, "too deep here")
    .help("a spec nests a few levels; check for unbalanced braces or comments")
}

/// Parses and converts on the calling thread (the parser thread).
fn parse_here(src: &str) -> Result<Document, Vec<Diagnostic>> {
    match KdlDocument::parse(src) {
        Ok(doc) => {
            if let Some(span) = deeper_than(doc.nodes(), 1) {
                return Err(vec![too_deep_error(clamp(span, src.len()))]);
            }
            Ok(Document {
                nodes: doc
                    .nodes()
                    .iter()
                    .map(|n| convert_node(n, src.len()))
                    .collect(),
            })
        }
        Err(err) => {
            let mut out: Vec<Diagnostic> = err
                .diagnostics
                .iter()
                .take(MAX_SYNTAX_ERRORS)
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
                    Diagnostic::error(Code::KdlSyntax, format!("invalid KDL: {message}"))
                        .label(span, label)
                        .help(help)
                })
                .collect();
            if let Some(first_unshown) = err.diagnostics.get(MAX_SYNTAX_ERRORS) {
                out.push(
                    Diagnostic::error(
                        Code::KdlSyntax,
                        format!(
                            "invalid KDL: {} more syntax errors not shown",
                            err.diagnostics.len() - MAX_SYNTAX_ERRORS
                        ),
                    )
                    .label(clamp(first_unshown.span.into(), src.len()), "the next one")
                    .help("fix the errors above first"),
                );
            }
            if out.is_empty() {
                out.push(
                    Diagnostic::error(Code::KdlSyntax, "invalid KDL document")
                        .label(Span::new(0, 0), "the parser gave no position")
                        .help("check quoting and braces; infragen reads KDL v2 (and v1)"),
                );
            }
            Err(out)
        }
    }
}

/// The name of the first node inside more than `MAX_NESTING` child blocks
/// (`level` = blocks around `nodes`, plus one).
fn deeper_than(nodes: &[KdlNode], level: usize) -> Option<Span> {
    for n in nodes {
        if let Some(children) = n.children() {
            if level > MAX_NESTING {
                return Some(n.name().span().into());
            }
            if let Some(span) = deeper_than(children.nodes(), level + 1) {
                return Some(span);
            }
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parsed_tree_depth_is_checked_whatever_the_scan_saw() {
        // Bypasses the lexical scan: the tree itself is measured.
        let n = MAX_NESTING;
        let ok = format!("{}{}", "a {".repeat(n), "}".repeat(n));
        assert!(parse_here(&ok).is_ok());
        let deep = format!("{}{}", "a {".repeat(n + 1), "}".repeat(n + 1));
        let err = parse_here(&deep).unwrap_err();
        assert!(err[0].message.contains("nested deeper"), "{err:?}");
        assert_eq!(err[0].labels[0].span, Span::new(3 * n, 1));
    }

    #[test]
    fn a_v1_raw_string_does_not_hide_nesting() {
        let src = format!("a r\"\\\" {}{}", "b {\n".repeat(5_000), "}\n".repeat(5_000));
        let err = parse(&src).unwrap_err();
        assert!(err[0].message.contains("nested deeper"), "{err:?}");
    }

    #[test]
    fn broken_strings_before_deep_braces_cannot_overflow_the_stack() {
        // The parser's recovery reads the braces as structure; the lexical
        // scan sees them inside a string. The sized stack holds.
        for src in [
            format!("a \"\\q{}", "{".repeat(limits::MAX_BRACES - 10)),
            format!("a x\"{}", "{".repeat(limits::MAX_BRACES - 10)),
            "}\n".repeat(limits::MAX_BRACES - 10),
        ] {
            assert!(parse(&src).is_err());
        }
    }

    #[test]
    fn syntax_errors_are_capped() {
        let src = "a =\n".repeat(100);
        let err = parse(&src).unwrap_err();
        assert!(err.len() <= MAX_SYNTAX_ERRORS + 1, "{}", err.len());
    }
}
