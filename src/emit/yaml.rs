//! YAML for files read by PyYAML (cloud-init, Patroni, etcd, Elasticsearch):
//! `scalar` writes a string plain only when no YAML 1.1 or 1.2 reader can
//! take it for something else (`yes`, `on`, `0644`, `1:30`), else quoted; the
//! `Yaml` writer uses it, writes multi-line strings as literal blocks, and
//! keeps keys in the order given, so output is deterministic and reviewable.

#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Str(String),
    Int(i64),
    Bool(bool),
    Seq(Vec<Yaml>),
    /// Keys in output order.
    Map(Vec<(String, Yaml)>),
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
        let mut out = String::new();
        match self {
            Yaml::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0),
            Yaml::Seq(items) if !items.is_empty() => write_seq(&mut out, items, 0),
            scalar => {
                out.push_str(&scalar_text(scalar, 0));
                out.push('\n');
            }
        }
        out
    }
}

fn is_block(v: &Yaml) -> bool {
    matches!(v, Yaml::Str(s) if s.contains('\n'))
}

fn is_nested(v: &Yaml) -> bool {
    matches!(v, Yaml::Map(e) if !e.is_empty()) || matches!(v, Yaml::Seq(i) if !i.is_empty())
}

fn write_map(out: &mut String, entries: &[(String, Yaml)], indent: usize) {
    for (k, v) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar(k));
        out.push(':');
        write_value_after_key(out, v, indent);
    }
}

fn write_value_after_key(out: &mut String, v: &Yaml, indent: usize) {
    match v {
        Yaml::Map(e) if !e.is_empty() => {
            out.push('\n');
            write_map(out, e, indent + 2);
        }
        Yaml::Seq(i) if !i.is_empty() => {
            out.push('\n');
            write_seq(out, i, indent + 2);
        }
        _ if is_block(v) => {
            out.push(' ');
            out.push_str(&scalar_text(v, indent + 2));
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar_text(v, indent));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Yaml], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
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
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&scalar(k));
                    out.push(':');
                    write_value_after_key(out, v, indent + 2);
                }
            }
            _ if is_nested(item) => {
                out.push('\n');
                if let Yaml::Seq(i) = item {
                    write_seq(out, i, indent + 2);
                }
            }
            _ if is_block(item) => {
                out.push(' ');
                out.push_str(&scalar_text(item, indent + 2));
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar_text(item, indent));
                out.push('\n');
            }
        }
    }
}

/// A scalar; multi-line strings become `|` blocks indented by `indent`
/// (and then include their own trailing newline).
fn scalar_text(v: &Yaml, indent: usize) -> String {
    match v {
        Yaml::Str(s) if s.contains('\n') => {
            let chomp = if s.ends_with('\n') { "" } else { "-" };
            let mut out = format!("|{chomp}\n");
            for line in s.trim_end_matches('\n').split('\n') {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent));
                    out.push_str(line);
                }
                out.push('\n');
            }
            out
        }
        Yaml::Str(s) => scalar(s),
        Yaml::Int(i) => i.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Seq(_) => "[]".into(),
        Yaml::Map(_) => "{}".into(),
    }
}

/// Words YAML 1.1 readers (PyYAML, used by Patroni) turn into booleans or null.
const YAML11_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

/// A YAML scalar for `s`: plain when that cannot be misread, else a
/// double-quoted string (JSON string syntax is valid YAML).
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
    }
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

fn looks_numeric(lower: &str) -> bool {
    lower.parse::<f64>().is_ok()
        || lower.starts_with("0x")
        || lower.starts_with("0o")
        || matches!(lower.trim_start_matches(['+', '-']), ".inf" | ".nan")
}

/// A `parameter` value for a YAML map: a bare integer when it is one (so
/// `max_connections: 500` reads as written), else a safe scalar.
pub fn param_value(v: &str) -> String {
    match v.parse::<u64>() {
        Ok(n) if v.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => scalar(v),
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
    fn integer_parameters_stay_integers() {
        assert_eq!(param_value("500"), "500");
        assert_eq!(param_value("007"), "7");
        assert_eq!(param_value("0"), "0");
        assert_eq!(param_value("16GB"), "16GB");
        assert_eq!(param_value("on"), "\"on\"");
    }
}
