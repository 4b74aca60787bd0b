//! The spec language's grammar as data. The shape validator (`validate`) and
//! the JSON Schema export (`emit::json_schema`) both read these tables, so the
//! schema in `schema/` cannot drift from what the parser accepts.

pub mod grammar;
pub mod validate;

/// The type of one argument or property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Any string.
    Str,
    /// An entity name: `[a-z][a-z0-9-]*`, at most 63 characters.
    Name,
    /// An integer.
    Int,
    /// An integer 1..=65535.
    Port,
    Bool,
    /// `"31g"`, `"512m"`.
    Size,
    /// `"15s"`, `"5m"`, `"2h"`, `"30d"`, `"500ms"`.
    Duration,
    /// A CIDR that must be a network address.
    Cidr,
    /// An IPv4/IPv6 address.
    Ip,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// An integer port or a `"A-B"` range string.
    PortOrRange,
    /// An integer, a number or a duration string (alert thresholds).
    Threshold,
    /// A string or an integer (free-form parameter values).
    Scalar,
    /// An environment variable name: `[A-Z_][A-Z0-9_]*`.
    EnvVar,
}

impl Ty {
    pub fn describe(&self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Name => "a name (lowercase letters, digits and `-`)".into(),
            Ty::Int => "an integer".into(),
            Ty::Port => "a port number (1-65535)".into(),
            Ty::Bool => "a boolean (#true or #false)".into(),
            Ty::Size => "a size such as \"31g\" or \"512m\"".into(),
            Ty::Duration => "a duration such as \"15s\", \"5m\", \"2h\" or \"30d\"".into(),
            Ty::Cidr => "a CIDR such as \"10.0.0.0/16\"".into(),
            Ty::Ip => "an IP address".into(),
            Ty::Enum(vals) => format!(
                "one of {}",
                vals.iter()
                    .map(|v| format!("\"{v}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::PortOrRange => "a port (22) or a range (\"8000-8100\")".into(),
            Ty::Threshold => "a number or a duration".into(),
            Ty::Scalar => "a string or a number".into(),
            Ty::EnvVar => "an environment variable name such as \"PG_PASSWORD\"".into(),
        }
    }
}

/// Positional arguments of a node.
#[derive(Debug, Clone, Copy)]
pub struct Args {
    /// Types of the arguments in order; the last one repeats when `variadic`.
    pub types: &'static [Ty],
    /// How many are required.
    pub min: usize,
    /// The last type may repeat without limit.
    pub variadic: bool,
    /// What the arguments mean, for error messages ("the group name").
    pub what: &'static str,
}

impl Args {
    pub const NONE: Args = Args {
        types: &[],
        min: 0,
        variadic: false,
        what: "",
    };
}

#[derive(Debug, Clone, Copy)]
pub struct PropSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct NodeSpec {
    pub name: &'static str,
    pub args: Args,
    pub props: &'static [PropSpec],
    pub children: &'static [&'static NodeSpec],
    /// May appear more than once under the same parent.
    pub repeat: bool,
    /// Must appear under its parent.
    pub required: bool,
    pub doc: &'static str,
}

impl NodeSpec {
    pub fn prop(&self, name: &str) -> Option<&PropSpec> {
        self.props.iter().find(|p| p.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&'static NodeSpec> {
        self.children.iter().copied().find(|c| c.name == name)
    }
}
