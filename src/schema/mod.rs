//! The spec language's grammar as data. The shape validator (`validate`) and
//! the JSON Schema export (`emit::json_schema`) both read these tables, so the
//! schema in `schema/` cannot drift from what the parser accepts.

pub mod defaults;
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
    /// Free text whose target cannot hold arbitrary text: checked against
    /// the syntax of the place it lands in (see `units::check_text`).
    Text(Text),
}

/// The syntaxes of free-form values live with their checker in `units`.
pub use crate::units::Text;

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
            Ty::Text(t) => t.describe().into(),
        }
    }
}

impl Text {
    pub fn describe(&self) -> &'static str {
        match self {
            Text::Version => "a version such as \"1.8.2\" (letters, digits and `.+~-`)",
            Text::Proposal => "a proposal such as \"aes256-sha256-modp2048\"",
            Text::AbsPath => "an absolute path such as \"/var/log/commands.log\"",
            Text::Package => "a Debian package name such as \"htop\"",
            Text::LabelName => "a Prometheus label name such as \"role\"",
            Text::PgParam => "a PostgreSQL parameter name such as \"max_connections\"",
            Text::Domain => "a DNS domain such as \"example.internal\"",
            Text::SshKey => "an OpenSSH public key line such as \"ssh-ed25519 AAAA… alice@laptop\"",
            Text::Word => "a word of letters, digits and `._-`",
            Text::Emails => {
                "email addresses such as \"oncall@acme.example\", separated by `,` or `;`"
            }
            Text::PromQl => "a PromQL expression such as \"up == 0\"",
        }
    }

    /// The `$defs` key in the JSON Schema.
    pub fn key(&self) -> &'static str {
        match self {
            Text::Version => "version",
            Text::Proposal => "proposal",
            Text::AbsPath => "abs-path",
            Text::Package => "package",
            Text::LabelName => "label-name",
            Text::PgParam => "pg-parameter",
            Text::Domain => "domain",
            Text::SshKey => "ssh-key",
            Text::Word => "word",
            Text::Emails => "emails",
            Text::PromQl => "promql",
        }
    }

    /// A JSON Schema `pattern` equivalent to `units::check_text` as far as a
    /// regular expression can say it.
    pub fn pattern(&self) -> &'static str {
        match self {
            Text::Version => r"^[0-9A-Za-z][0-9A-Za-z.+~-]*$",
            Text::Proposal => r"^[a-z0-9]+(-[a-z0-9]+)*!?(,[a-z0-9]+(-[a-z0-9]+)*!?)*$",
            Text::AbsPath => r"^/[A-Za-z0-9._/+@-]*$",
            Text::Package => r"^[a-z0-9][a-z0-9+.-]+$",
            Text::LabelName => r"^[a-zA-Z_][a-zA-Z0-9_]*$",
            Text::PgParam => r"^[a-z_][a-z0-9_.]*$",
            Text::Domain => r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$",
            Text::SshKey => {
                r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?)?$"
            }
            Text::Word => r"^[A-Za-z0-9._-]+$",
            Text::Emails => {
                r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+( *[,;] *[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)*$"
            }
            Text::PromQl => r"^[^$\\]+$",
        }
    }

    pub const ALL: &'static [Text] = &[
        Text::Version,
        Text::Proposal,
        Text::AbsPath,
        Text::Package,
        Text::LabelName,
        Text::PgParam,
        Text::Domain,
        Text::SshKey,
        Text::Word,
        Text::Emails,
        Text::PromQl,
    ];
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
    /// What the property means when the spec leaves it out (lowering reads
    /// the same constant, `schema::defaults`).
    pub default: Option<defaults::Default>,
}

impl PropSpec {
    pub const fn default(mut self, d: defaults::Default) -> PropSpec {
        self.default = Some(d);
        self
    }

    /// The documentation with the default: `listen port (default 9100)`,
    /// or `default 15s` alone.
    pub fn describe(&self) -> String {
        match (self.default, self.doc) {
            (None, doc) => doc.to_string(),
            (Some(d), "") => format!("default {}", d.render()),
            (Some(d), doc) => format!("{doc} (default {})", d.render()),
        }
    }
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
