//! A small YAML writer for files read by PyYAML (cloud-init, Patroni): it
//! quotes every string YAML 1.1 would read as something else (`yes`, `on`,
//! `0644`, `1:30`), writes multi-line strings as literal blocks, and keeps
//! keys in the order given, so output is deterministic and reviewable.

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
        out.push_str(&quote(k));
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
                    out.push_str(&quote(k));
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
        Yaml::Str(s) => quote(s),
        Yaml::Int(i) => i.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Seq(_) => "[]".into(),
        Yaml::Map(_) => "{}".into(),
    }
}

const YAML11_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

/// Quotes a plain string when any YAML 1.1 or 1.2 reader could take it for
/// something else.
pub fn quote(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let needs = s.is_empty()
        || YAML11_WORDS.contains(&lower.as_str())
        || looks_numeric(s)
        || s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` \t".contains(c))
        || s.ends_with([' ', '\t', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || s.contains('\t')
        || s.chars().any(|c| c.is_control());
    if needs {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// Numbers in any YAML 1.1 form: 10, 0644, 0x1f, 1.5, 1e3, 1:30, 1_000.
fn looks_numeric(s: &str) -> bool {
    let body = s.trim_start_matches(['+', '-']);
    !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "._:xXoO+-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml11_would_misread() {
        assert_eq!(quote("yes"), "'yes'");
        assert_eq!(quote("On"), "'On'");
        assert_eq!(quote("0644"), "'0644'");
        assert_eq!(quote("1:30"), "'1:30'");
        assert_eq!(quote("10.0.0.1:2379"), "'10.0.0.1:2379'");
        assert_eq!(quote("ALL=(ALL) NOPASSWD:ALL"), "ALL=(ALL) NOPASSWD:ALL");
        assert_eq!(quote("it's"), "it's");
        assert_eq!(quote("#cloud"), "'#cloud'");
        assert_eq!(quote("/var/log"), "/var/log");
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
            "users:\n  - name: alice\n    groups:\n      - sudo\nwrite_files:\n  - path: /etc/x\n    content: |\n      a = 1\n      b = 2\nempty: []\n'n': 3\n"
        );
    }
}
