//! Escaping for the output syntaxes that are not YAML (`yaml.rs`, which
//! also writes Terraform templates) or HCL (the `hcl` crate in
//! `terraform/`): shell words, and values of line-oriented configs
//! (rsyslog, logrotate, JVM options, elasticsearch.yml comments, INI-like
//! files), which have no quoting every reader agrees on. Those emitters only
//! take values the front end validated (`units::check_text`); `line_value`
//! is their last line of defence and keeps a bad value from adding a line.

/// A word for the POSIX shell: as is when it holds only characters no
/// shell treats specially (not `~`: tilde expansion), else single-quoted
/// (`'` as `'\''`).
pub fn sh_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/:@%+=,-".contains(c));
    if plain { s.to_string() } else { sh_quote(s) }
}

/// Literal text inside a Go template (Prometheus and Grafana alert
/// annotations): `{{` and `}}` become actions that print them, so the text
/// cannot open an action (`{{ query "…" }}`) or break the template.
pub fn go_template_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("{{") {
            out.push_str(r#"{{ "{{" }}"#);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("}}") {
            out.push_str(r#"{{ "}}" }}"#);
            rest = r;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A value for one line of a line-oriented config: control characters
/// (a line break would start a new directive) become `_`.
pub fn line_value(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect()
}

/// A label value in Prometheus's text exposition format (between `"`):
/// `\`, `"` and a line break escaped, as the format defines.
pub fn prom_label_value(s: &str) -> String {
    s.replace('\\', r"\\")
        .replace('"', r#"\""#)
        .replace('\n', r"\n")
}

/// A word for the shell, always single-quoted (`'` as `'\''`).
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        assert_eq!(
            sh_word("node_exporter-1.8.1.linux-amd64"),
            "node_exporter-1.8.1.linux-amd64"
        );
        assert_eq!(
            sh_word("https://x/v1.8.1/a.tar.gz"),
            "https://x/v1.8.1/a.tar.gz"
        );
        assert_eq!(sh_word(" a.tar.gz$"), "' a.tar.gz$'");
        assert_eq!(sh_word("$(id)"), "'$(id)'");
        assert_eq!(sh_word("a'b"), r"'a'\''b'");
        assert_eq!(sh_word("~root"), "'~root'");
        assert_eq!(sh_word(""), "''");
    }

    #[test]
    fn prometheus_label_values() {
        assert_eq!(prom_label_value("/var/log/a.log"), "/var/log/a.log");
        assert_eq!(prom_label_value("a\\b\"c\nd"), r#"a\\b\"c\nd"#);
    }

    #[test]
    fn line_values_stay_on_one_line() {
        assert_eq!(line_value("a\nb\rc"), "a_b_c");
    }

    #[test]
    fn go_templates() {
        assert_eq!(go_template_literal("up == 0"), "up == 0");
        assert_eq!(
            go_template_literal("a{{ query \"x\" }}b}}}"),
            r#"a{{ "{{" }} query "x" {{ "}}" }}b{{ "}}" }}}"#
        );
    }

    #[test]
    fn quoted_words() {
        assert_eq!(sh_quote("us-east-1"), "'us-east-1'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
