//! The diagnostic every stage reports: a rule name, a severity, a message,
//! labelled spans and a help text. Rendering lives in `report`.

mod code;

pub use code::Code;

use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule, e.g. [`Code::CidrOverlap`]; `rule.as_str()` is its stable
    /// kebab-case name (`cidr-overlap`).
    pub rule: Code,
    pub severity: Severity,
    pub message: String,
    /// The first label is the primary location.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Spans of secret values: every report shows them masked
    /// ([`redact_source`]), so no snippet or fingerprint carries them.
    pub redact: Vec<Span>,
}

impl Diagnostic {
    pub fn error(rule: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            redact: Vec::new(),
        }
    }

    pub fn warning(rule: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(rule, message)
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Marks a span of the source as a secret value, masked in reports.
    pub fn redact(mut self, span: Span) -> Self {
        self.redact.push(span);
        self
    }

    /// The primary location, used for sorting, JSON/SARIF and suppression.
    pub fn primary_span(&self) -> Span {
        self.labels.first().map(|l| l.span).unwrap_or_default()
    }

    /// The order diagnostics are reported in: by position, then rule name.
    pub fn sort_key(&self) -> (usize, &'static str, &str) {
        (self.primary_span().start, self.rule.as_str(), &self.message)
    }
}

/// The source with every redacted span (see [`Diagnostic::redact`]) masked
/// byte for byte with `*`, so positions stay valid; a leading `=` (of a
/// `name=value` property) is kept. Reports render this, never the source.
pub fn redact_source(source: &str, diagnostics: &[Diagnostic]) -> String {
    let mut bytes = source.as_bytes().to_vec();
    for span in diagnostics.iter().flat_map(|d| &d.redact) {
        let start = span.start.min(bytes.len());
        let end = span.end().min(bytes.len());
        for (i, b) in bytes[start..end].iter_mut().enumerate() {
            if !(i == 0 && *b == b'=') && *b != b'\n' {
                *b = b'*';
            }
        }
    }
    // Masking whole spans can cut a multi-byte character at a span's edge;
    // lossy conversion turns such a remnant into U+FFFD, never a panic.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Collects diagnostics across a stage; stages never stop at the first error.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// "did you mean `x`?" for the closest candidate, if one is close enough.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(input, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The candidate closest to `input`, if one is close enough to suggest.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(input, c);
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}
