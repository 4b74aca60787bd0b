//! Escaping for the output syntaxes that are not YAML (`yaml.rs`, which
//! also writes Terraform templates) or HCL (the `hcl` crate in
//! `terraform/`): shell words, and values of line-oriented configs
//! (rsyslog, logrotate, JVM options, elasticsearch.yml comments, INI-like
//! files), which have no quoting every reader agrees on; and nginx.conf
//! strings (`nginx_str`). Those emitters only
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

/// A double-quoted string for an nginx.conf directive that does not
/// interpolate variables (`location`, `server_name`): `\` and `"` escaped,
/// tab, CR and LF written as `\t`, `\r`, `\n` (nginx's tokenizer turns those
/// back into the characters). Inside the quotes `;`, `{`, `}`, `#`, `'` and
/// spaces are plain characters, so the value stays one argument of one
/// directive whatever it holds. A `$` is literal here; for directives that
/// do interpolate, use [`nginx_script_str`].
pub fn nginx_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str(r#"\""#),
            '\t' => out.push_str(r"\t"),
            '\r' => out.push_str(r"\r"),
            '\n' => out.push_str(r"\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A double-quoted string for an nginx.conf directive that interpolates
/// variables (`set`, `proxy_pass`, `return`): as [`nginx_str`], but nginx
/// has no escape for `$` there (`$x` and `${x}` are always variables), so a
/// value holding one is refused with `None`. The values infragen puts there
/// (names, domains) cannot hold one.
pub fn nginx_script_str(s: &str) -> Option<String> {
    (!s.contains('$')).then(|| nginx_str(s))
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
    fn nginx_strings_stay_one_argument() {
        assert_eq!(nginx_str("/booking/"), r#""/booking/""#);
        // A directive end, a block, a comment: plain characters in quotes.
        assert_eq!(nginx_str("/a;b{c}#d"), r#""/a;b{c}#d""#);
        assert_eq!(nginx_str("/a; } deny all;"), r#""/a; } deny all;""#);
        // Quotes and backslashes cannot end the string early.
        assert_eq!(nginx_str(r#"/a"b'c\d"#), r#""/a\"b'c\\d""#);
        assert_eq!(nginx_str(r"\"), r#""\\""#);
        // Line breaks and tabs as nginx's own escapes.
        assert_eq!(nginx_str("/a\nb\r\tc"), r#""/a\nb\r\tc""#);
        assert_eq!(nginx_str(""), r#""""#);
        // `$` is literal where nginx does not interpolate…
        assert_eq!(nginx_str("/$host"), r#""/$host""#);
        // …and refused where it does: there is no escape for it.
        assert_eq!(nginx_script_str("/$host"), None);
        assert_eq!(nginx_script_str("${x}"), None);
        assert_eq!(
            nginx_script_str("booking.prod.acme.internal").as_deref(),
            Some(r#""booking.prod.acme.internal""#)
        );
        assert_eq!(nginx_script_str("a;\n}").as_deref(), Some(r#""a;\n}""#));
    }

    #[test]
    fn quoted_words() {
        assert_eq!(sh_quote("us-east-1"), "'us-east-1'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
