//! YAML for files read by PyYAML (cloud-init, Patroni, etcd, Elasticsearch):
//! `scalar` writes a string plain only when no YAML 1.1 or 1.2 reader can
//! take it for something else (`yes`, `on`, `0644`, `1:30`), else quoted; the
//! `Yaml` writer uses it, writes multi-line strings as literal blocks, and
//! keeps keys in the order given, so output is deterministic and reviewable.
//!
//! Quoted strings use YAML's own double-quoted escapes for everything PyYAML
//! would not read back as written (control characters, a lone `\r`, NEL,
//! U+2028/2029, BOM). `render_template` writes a document that Terraform's
//! `templatefile()` renders to itself: no spec text can form `${` or `%{`.

#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Str(String),
    Int(i64),
    Bool(bool),
    Seq(Vec<Yaml>),
    /// Keys in output order.
    Map(Vec<(String, Yaml)>),
    /// Text written as is. Only for what the emitter builds itself (a
    /// template interpolation such as `"${hostname}"`), never spec text.
    Raw(String),
}

/// Where the document goes: a plain YAML file, or a Terraform template
/// (`templatefile()`), in which `${` and `%{` of a value must not appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Template,
}

impl Yaml {
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    pub fn map() -> Yaml {
        Yaml::Map(Vec::new())
    }

    /// Appends a key (builder style).
    pub fn with(mut self, key: &str, value: Yaml) -> Yaml {
        if let Yaml::Map(entries) = &mut self {
            entries.push((key.to_string(), value));
        }
        self
    }

    pub fn strs<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Yaml {
        Yaml::Seq(items.into_iter().map(|s| Yaml::Str(s.into())).collect())
    }

    /// The document, ending with a newline.
    pub fn render(&self) -> String {
        self.render_in(Mode::Plain)
    }

    /// The document as a Terraform template: `templatefile()` renders it
    /// to exactly `render()`'s text, except for the `Raw` parts, which it
    /// evaluates.
    pub fn render_template(&self) -> String {
        self.render_in(Mode::Template)
    }

    fn render_in(&self, m: Mode) -> String {
        let mut out = String::new();
        match self {
            Yaml::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0, m),
            Yaml::Seq(items) if !items.is_empty() => write_seq(&mut out, items, 0, m),
            scalar => write_scalar_line(&mut out, scalar, 2, m),
        }
        out
    }
}

/// A multi-line string that a literal block (`|`) holds exactly: printable
/// characters only (a `\r` would end the line), a first line that does not
/// start with white space (it sets the indentation), at most one trailing
/// newline, and in a template no `${` / `%{`. Anything else is quoted.
fn is_block(s: &str, m: Mode) -> bool {
    // Printable ASCII, newlines and tabs need no look at each char.
    let printable = |s: &str| {
        s.bytes()
            .all(|b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t')
            || s.chars()
                .all(|c| c == '\n' || c == '\t' || !needs_escape(c))
    };
    s.contains('\n')
        && !s.ends_with("\n\n")
        && !s.starts_with([' ', '\t', '\n'])
        && printable(s)
        && !(m == Mode::Template && (s.contains("${") || s.contains("%{")))
}

fn indent_to(out: &mut String, indent: usize) {
    const SPACES: &str = "                                ";
    match SPACES.get(..indent) {
        Some(spaces) => out.push_str(spaces),
        None => out.extend(std::iter::repeat_n(' ', indent)),
    }
}

fn is_nested(v: &Yaml) -> bool {
    matches!(v, Yaml::Map(e) if !e.is_empty()) || matches!(v, Yaml::Seq(i) if !i.is_empty())
}

fn write_map(out: &mut String, entries: &[(String, Yaml)], indent: usize, m: Mode) {
    for (k, v) in entries {
        indent_to(out, indent);
        out.push_str(&scalar_in(k, m));
        out.push(':');
        write_value_after_key(out, v, indent, m);
    }
}

fn write_value_after_key(out: &mut String, v: &Yaml, indent: usize, m: Mode) {
    match v {
        Yaml::Map(e) if !e.is_empty() => {
            out.push('\n');
            write_map(out, e, indent + 2, m);
        }
        Yaml::Seq(i) if !i.is_empty() => {
            out.push('\n');
            write_seq(out, i, indent + 2, m);
        }
        _ => {
            out.push(' ');
            write_scalar_line(out, v, indent + 2, m);
        }
    }
}

fn write_seq(out: &mut String, items: &[Yaml], indent: usize, m: Mode) {
    for item in items {
        indent_to(out, indent);
        out.push('-');
        match item {
            Yaml::Map(e) if !e.is_empty() => {
                // The first key shares the dash's line.
                let mut first = true;
                for (k, v) in e {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent_to(out, indent + 2);
                    }
                    out.push_str(&scalar_in(k, m));
                    out.push(':');
                    write_value_after_key(out, v, indent + 2, m);
                }
            }
            _ if is_nested(item) => {
                out.push('\n');
                if let Yaml::Seq(i) = item {
                    write_seq(out, i, indent + 2, m);
                }
            }
            _ => {
                out.push(' ');
                write_scalar_line(out, item, indent + 2, m);
            }
        }
    }
}

/// A scalar and its newline; a multi-line string becomes a `|` block
/// indented by `block_indent` (its lines end with their own newlines).
fn write_scalar_line(out: &mut String, v: &Yaml, block_indent: usize, m: Mode) {
    match v {
        Yaml::Str(s) if is_block(s, m) => {
            out.push('|');
            if !s.ends_with('\n') {
                out.push('-');
            }
            out.push('\n');
            for line in s.trim_end_matches('\n').split('\n') {
                if !line.is_empty() {
                    indent_to(out, block_indent);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Yaml::Str(s) => {
            out.push_str(&scalar_in(s, m));
            out.push('\n');
        }
        Yaml::Raw(r) => {
            out.push_str(r);
            out.push('\n');
        }
        Yaml::Int(i) => {
            out.push_str(&i.to_string());
            out.push('\n');
        }
        Yaml::Bool(b) => out.push_str(if *b { "true\n" } else { "false\n" }),
        Yaml::Seq(_) => out.push_str("[]\n"),
        Yaml::Map(_) => out.push_str("{}\n"),
    }
}

/// Words YAML 1.1 readers (PyYAML, used by Patroni) turn into booleans or null.
const YAML11_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

/// A YAML scalar for `s`: plain when that cannot be misread, else a
/// double-quoted string.
pub fn scalar(s: &str) -> String {
    scalar_in(s, Mode::Plain)
}

fn scalar_in(s: &str, m: Mode) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quoted(s, m)
    }
}

/// A scalar for a file whose `$` are substituted after it is written
/// (`${VAR}` secret placeholders filled by envsubst or a similar tool):
/// every `$` of the value is written as the escape `\x24`, which YAML reads
/// as `$` but no substitution matches.
pub fn scalar_no_subst(s: &str) -> String {
    if s.contains('$') {
        let mut out = quoted(s, Mode::Plain);
        out = out.replace('$', "\\x24");
        out
    } else {
        scalar(s)
    }
}

/// A double-quoted template string: the interpolation `${var}` followed by
/// `suffix` as literal text (escaped like any value in a template).
pub fn template_var(var: &str, suffix: &str) -> String {
    let rest = quoted(suffix, Mode::Template);
    format!("\"${{{var}}}{}", &rest[1..])
}

/// Characters PyYAML's reader refuses raw, or reads as a line break, or
/// strips: they are written as escapes.
fn needs_escape(c: char) -> bool {
    let n = c as u32;
    n < 0x20 || (0x7f..0xa0).contains(&n) || matches!(n, 0x2028 | 0x2029 | 0xfeff | 0xfffe | 0xffff)
}

/// A double-quoted YAML string for `s`. In a template, `$` before `{` and
/// `%` before `{` are escaped (`\x24`, `\x25`), so `templatefile()` sees no
/// interpolation or directive in them.
fn quoted(s: &str, m: Mode) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if m == Mode::Template && chars.peek() == Some(&'{') => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if needs_escape(c) => {
                let n = c as u32;
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let chars_ok = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._/:@=,+- ".contains(c));
    // Something that is not a number in any YAML version: a letter, a path,
    // or a dotted quad.
    let not_numeric =
        s.chars().any(|c| c.is_ascii_alphabetic() || c == '/') || s.matches('.').count() >= 2;
    let lower = s.to_ascii_lowercase();
    chars_ok
        && not_numeric
        && (first.is_ascii_alphanumeric() || first == '/')
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.ends_with(':')
        && !YAML11_WORDS.contains(&lower.as_str())
        // Numbers such as 1e5 or 0x1f contain letters too.
        && !looks_numeric(&lower)
}

/// Could a YAML 1.1 or 1.2 reader resolve this (lower-cased) plain scalar
/// to a number or a timestamp? Over-approximates: a string that starts
/// with a digit and holds only characters of numbers (`0b101`, `1e3`,
/// `0x1f`, `1_000`), sexagesimals (`1:30`) and timestamps
/// (`2024-01-01t00:00:00z`) is quoted. Two or more dots never form one
/// (`10.0.0.1:8008` stays plain).
fn looks_numeric(lower: &str) -> bool {
    let unsigned = lower.trim_start_matches(['+', '-']);
    lower.parse::<f64>().is_ok()
        || matches!(unsigned, ".inf" | ".nan")
        || (unsigned.starts_with(|c: char| c.is_ascii_digit())
            && lower.matches('.').count() < 2
            && unsigned
                .chars()
                .all(|c| c.is_ascii_hexdigit() || "xob_.:+-tz ".contains(c)))
}

/// A `parameter` value for a YAML map: a bare integer when it is one (so
/// `max_connections: 500` reads as written), else a safe scalar.
pub fn param_value(v: &str) -> String {
    match v.parse::<u64>() {
        Ok(n) if v.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => scalar_no_subst(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml11_would_misread() {
        for s in ["yes", "On", "0644", "1:30", "#cloud", "${hostname}"] {
            assert!(scalar(s).starts_with('"'), "{s} should be quoted");
        }
        assert_eq!(scalar("/var/log"), "/var/log");
    }

    #[test]
    fn renders_nested_documents() {
        let doc = Yaml::map()
            .with(
                "users",
                Yaml::Seq(vec![
                    Yaml::map()
                        .with("name", Yaml::str("alice"))
                        .with("groups", Yaml::strs(["sudo"])),
                ]),
            )
            .with(
                "write_files",
                Yaml::Seq(vec![
                    Yaml::map()
                        .with("path", Yaml::str("/etc/x"))
                        .with("content", Yaml::str("a = 1\nb = 2\n")),
                ]),
            )
            .with("empty", Yaml::Seq(vec![]))
            .with("n", Yaml::Int(3));
        assert_eq!(
            doc.render(),
            "users:\n  - name: alice\n    groups:\n      - sudo\nwrite_files:\n  - path: /etc/x\n    content: |\n      a = 1\n      b = 2\nempty: []\n\"n\": 3\n"
        );
    }

    #[test]
    fn ambiguous_scalars_are_quoted() {
        for s in [
            "on",
            "Off",
            "yes",
            "500",
            "1.5",
            "1e5",
            "0x1f",
            "",
            "${PG_PASSWORD}",
            "a: b",
            "#x",
        ] {
            assert!(scalar(s).starts_with('"'), "{s} should be quoted");
        }
        for s in [
            "16GB",
            "10.10.16.38:8008",
            "/var/lib/postgresql/15/main",
            "host replication replicator 10.0.0.1/32 scram-sha-256",
            "etcd-1=http://10.0.0.1:2380,etcd-2=http://10.0.0.2:2380",
        ] {
            assert_eq!(scalar(s), s);
        }
    }

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for s in ["on", "x\"y", "a\\b", "${X}", "16GB", "é", "line\nbreak"] {
            let doc = format!("k: {}\n", scalar(s));
            let v: serde_yaml::Value = serde_yaml::from_str(&doc).unwrap();
            assert_eq!(v["k"].as_str(), Some(s), "{doc}");
        }
    }

    #[test]
    fn secrets_pyyaml_would_misread_are_quoted() {
        for s in [
            "0b101",
            "2024-01-01T00:00:00Z",
            "2024-01-01 00:00:00",
            "2024-01-01",
            "yes",
            "~",
            "1e3",
            "1_000",
            "0o17",
            "+12",
            "-.inf",
            "\r",
            "a\rb",
            "a\u{85}b",
            "a\u{2028}b",
            "\u{feff}x",
            "x\u{7f}",
            "---",
            "...",
            "a #b",
        ] {
            assert!(scalar(s).starts_with('"'), "{s:?} should be quoted");
        }
    }

    #[test]
    fn odd_multiline_strings_are_quoted_not_blocks() {
        for s in [" lead\nx", "a\r\nb", "a\n\n", "\nx", "a\u{2028}\nb"] {
            let doc = Yaml::map().with("k", Yaml::str(s)).render();
            assert!(doc.starts_with("k: \""), "{s:?}: {doc}");
            let v: serde_yaml::Value = serde_yaml::from_str(&doc).unwrap();
            assert_eq!(v["k"].as_str(), Some(s), "{doc}");
        }
    }

    #[test]
    fn templates_hold_no_interpolation_of_a_value() {
        let doc = Yaml::map()
            .with(
                "hostname",
                Yaml::Raw(template_var("hostname", ".a${b}%{c}")),
            )
            .with("x", Yaml::str("${x} %{if y} $${z}"))
            .with("block", Yaml::str("a ${x}\nb\n"))
            .render_template();
        let rest = doc.split_once('\n').unwrap().1;
        assert!(!rest.contains("${") && !rest.contains("%{"), "{doc}");
        assert!(
            doc.starts_with("hostname: \"${hostname}.a\\x24{b}\\x25{c}\"\n"),
            "{doc}"
        );
        let v: serde_yaml::Value = serde_yaml::from_str(rest).unwrap();
        assert_eq!(v["x"].as_str(), Some("${x} %{if y} $${z}"));
        assert_eq!(v["block"].as_str(), Some("a ${x}\nb\n"));
    }

    #[test]
    fn no_subst_escapes_every_dollar() {
        assert_eq!(scalar_no_subst("$libdir/x"), "\"\\x24libdir/x\"");
        assert_eq!(scalar_no_subst("on"), "\"on\"");
    }

    #[test]
    fn integer_parameters_stay_integers() {
        assert_eq!(param_value("500"), "500");
        assert_eq!(param_value("007"), "7");
        assert_eq!(param_value("0"), "0");
        assert_eq!(param_value("16GB"), "16GB");
        assert_eq!(param_value("on"), "\"on\"");
    }
}
