//! The spec as a plain tree of nodes with spans. Only `syntax::kdl` knows the
//! `kdl` crate; everything after this module works on these types.

pub mod kdl;
pub mod limits;

use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    Null,
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "#null",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    pub name: String,
    pub name_span: Span,
    pub value: Value,
    /// Span of the whole `name=value` entry.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub name_span: Span,
    /// Span of the whole node, children included.
    pub span: Span,
    pub args: Vec<Arg>,
    /// Every property in source order; duplicates are kept so they can be reported.
    pub props: Vec<Prop>,
    pub children: Vec<Node>,
}

impl Node {
    /// The last value written for a property (KDL semantics).
    pub fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().rev().find(|p| p.name == name)
    }

    pub fn prop_str(&self, name: &str) -> Option<&str> {
        self.prop(name).and_then(|p| p.value.as_str())
    }

    pub fn prop_int(&self, name: &str) -> Option<i128> {
        self.prop(name).and_then(|p| p.value.as_int())
    }

    pub fn prop_bool(&self, name: &str) -> Option<bool> {
        self.prop(name).and_then(|p| p.value.as_bool())
    }

    pub fn arg(&self, i: usize) -> Option<&Arg> {
        self.args.get(i)
    }

    pub fn arg_str(&self, i: usize) -> Option<&str> {
        self.args.get(i).and_then(|a| a.value.as_str())
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The span to point at for "this node": its name.
    pub fn head_span(&self) -> Span {
        self.name_span
    }
}

/// A parsed document: its top-level nodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub nodes: Vec<Node>,
}
