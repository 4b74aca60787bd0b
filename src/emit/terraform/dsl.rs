//! Small helpers over hcl-rs builders, so the emitters read like the HCL
//! they produce.

use hcl::expr::{FuncCall, ObjectKey, TemplateExpr, Traversal, TraversalOperator, Variable};
use hcl::{Block, BlockBuilder, Expression, Identifier};

/// `resource "kind" "name" { … }`
pub fn resource(kind: &str, name: &str) -> BlockBuilder {
    Block::builder("resource").add_label(kind).add_label(name)
}

/// `data "kind" "name" { … }`
pub fn data(kind: &str, name: &str) -> BlockBuilder {
    Block::builder("data").add_label(kind).add_label(name)
}

/// A nested block without labels.
pub fn block(name: &str) -> BlockBuilder {
    Block::builder(name)
}

/// A reference such as `aws_vpc.core.id`: dot-separated identifiers.
pub fn r(path: &str) -> Expression {
    let mut parts = path.split('.');
    let root = Variable::sanitized(parts.next().unwrap_or("_"));
    let ops: Vec<TraversalOperator> = parts
        .map(|p| TraversalOperator::GetAttr(Identifier::sanitized(p)))
        .collect();
    if ops.is_empty() {
        Expression::Variable(root)
    } else {
        Traversal::new(root, ops).into()
    }
}

/// `base["key"].attr…`: an element of a `for_each` resource.
pub fn r_key(base: &str, key: &str, attrs: &str) -> Expression {
    let mut parts = base.split('.');
    let root = Variable::sanitized(parts.next().unwrap_or("_"));
    let mut ops: Vec<TraversalOperator> = parts
        .map(|p| TraversalOperator::GetAttr(Identifier::sanitized(p)))
        .collect();
    ops.push(TraversalOperator::Index(Expression::String(
        key.to_string(),
    )));
    ops.extend(
        attrs
            .split('.')
            .filter(|a| !a.is_empty())
            .map(|p| TraversalOperator::GetAttr(Identifier::sanitized(p))),
    );
    Traversal::new(root, ops).into()
}

/// A quoted template such as `"${path.module}/x"`, written as is.
pub fn tmpl(text: impl Into<String>) -> Expression {
    TemplateExpr::QuotedString(text.into()).into()
}

/// A plain string (no interpolation).
pub fn s(text: impl Into<String>) -> Expression {
    Expression::String(text.into())
}

pub fn call(name: &str, args: Vec<Expression>) -> Expression {
    let mut b = FuncCall::builder(name);
    for a in args {
        b = b.arg(a);
    }
    b.build().into()
}

pub fn list(items: Vec<Expression>) -> Expression {
    Expression::Array(items)
}

pub fn strings<I, S>(items: I) -> Expression
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Expression::Array(items.into_iter().map(|i| s(i)).collect())
}

/// An object with identifier keys (`Name = …`); keys that are not valid
/// identifiers are quoted by hcl-rs.
pub fn obj<K: AsRef<str>>(pairs: Vec<(K, Expression)>) -> Expression {
    Expression::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (ObjectKey::Identifier(Identifier::sanitized(k.as_ref())), v))
            .collect(),
    )
}

/// An object with quoted string keys (data keys such as host names).
#[cfg(test)]
pub fn map<K: Into<String>>(pairs: Vec<(K, Expression)>) -> Expression {
    Expression::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (ObjectKey::Expression(Expression::String(k.into())), v))
            .collect(),
    )
}

/// Tags as an object, keys as written in the spec.
pub fn tags(pairs: &[(String, String)]) -> Expression {
    Expression::Object(
        pairs
            .iter()
            .map(|(k, v)| (tag_key(k), s(v.as_str())))
            .collect(),
    )
}

/// A tag key: bare when it is a plain identifier, quoted otherwise.
pub fn tag_key(k: &str) -> ObjectKey {
    match Identifier::new(k) {
        Ok(id) if !k.contains('-') => ObjectKey::Identifier(id),
        _ => ObjectKey::Expression(Expression::String(k.to_string())),
    }
}

/// `base[index].attrs`, the index being an expression (`each.key`).
pub fn r_idx(base: &str, index: Expression, attrs: &str) -> Expression {
    let mut parts = base.split('.');
    let root = Variable::sanitized(parts.next().unwrap_or("_"));
    let mut ops: Vec<TraversalOperator> = parts
        .map(|p| TraversalOperator::GetAttr(Identifier::sanitized(p)))
        .collect();
    ops.push(TraversalOperator::Index(index));
    ops.extend(
        attrs
            .split('.')
            .filter(|a| !a.is_empty())
            .map(|p| TraversalOperator::GetAttr(Identifier::sanitized(p))),
    );
    Traversal::new(root, ops).into()
}

/// `[for v in coll : value]`, with `if cond` when given.
pub fn for_list(
    var: &str,
    coll: Expression,
    value: Expression,
    cond: Option<Expression>,
) -> Expression {
    let f = hcl::expr::ForExpr::new(Identifier::sanitized(var), coll, value);
    match cond {
        Some(c) => f.with_cond_expr(c).into(),
        None => f.into(),
    }
}

/// `a == b`
pub fn eq(a: Expression, b: Expression) -> Expression {
    hcl::expr::BinaryOp::new(a, hcl::expr::BinaryOperator::Eq, b).into()
}
