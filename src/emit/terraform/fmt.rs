//! Canonical formatting: hcl-rs prints the body, this pass makes the text
//! byte-identical to `terraform fmt` (Terraform 1.0.3's hclwrite), which
//! hcl-rs does not do by itself:
//!
//! - `=` is aligned within runs of consecutive one-line assignments, the way
//!   hclwrite does it: a line takes part when its first `=` is followed by a
//!   bracket-balanced expression; any other line (a block opener, a closing
//!   brace, a comment, a blank line, a multi-line value) ends the run;
//! - empty blocks print as `name {}` (hcl-rs writes `name {  }`);
//! - comment lines, which `hcl::Body` cannot hold, come from marker
//!   attributes (see [`comment`] and [`checkov_skip`]).

use hcl::format::{Format, Formatter};
use hcl::{Attribute, Body, Expression};

const COMMENT_KEY: &str = "__infragen_comment";

/// A marker attribute that [`render`] turns into a `# text` comment line.
pub fn comment(text: impl Into<String>) -> Attribute {
    Attribute::new(COMMENT_KEY, Expression::String(text.into()))
}

/// An inline checkov suppression; checkov reads it inside the resource block.
pub fn checkov_skip(check: &str, reason: &str) -> Attribute {
    Attribute::new(
        COMMENT_KEY,
        Expression::String(format!("checkov:skip={check}:{reason}")),
    )
}

/// Moves a block's `#checkov:skip` markers to the top of its body, where a
/// reviewer looks for them (builders add `provider` first).
pub fn hoist_skips(block: &mut hcl::Block) {
    let is_skip = |s: &hcl::Structure| {
        matches!(s, hcl::Structure::Attribute(a)
            if a.key.as_str() == COMMENT_KEY
                && matches!(&a.expr, Expression::String(t) if t.starts_with("checkov:skip=")))
    };
    let items: Vec<hcl::Structure> = std::mem::take(&mut block.body).into_inner();
    let (mut skips, rest): (Vec<_>, Vec<_>) = items.into_iter().partition(is_skip);
    skips.extend(rest);
    block.body = Body::from(skips);
}

/// `expr` on one line (`{ a = 1, b = { c = 2 } }`): hcl-rs makes objects
/// compact only for a whole document, so callers put the text back in as a
/// verbatim expression (an unchecked variable name, printed as is).
pub fn one_line_text(expr: &Expression) -> String {
    let mut f = Formatter::builder()
        .compact_arrays(true)
        .compact_objects(true)
        .build_vec();
    expr.format_string(&mut f).unwrap_or_default()
}

/// A string literal as hcl-rs prints `Expression::String`: as is between
/// quotes when nothing in it needs an escape, else by hcl-rs.
pub fn push_quoted(out: &mut String, text: &str) {
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.:/ @+=,".contains(&b));
    if plain {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&one_line_text(&Expression::String(text.to_string())));
    }
}

/// The canonical text of `body`, after `header` (the provenance comment).
pub fn render(header: &str, body: &Body) -> String {
    let mut f = Formatter::builder().compact_arrays(true).build_vec();
    let raw = body.format_string(&mut f).unwrap_or_default();
    let lines = comments(raw.lines().map(empty_block).collect());
    let mut out = String::from(header);
    out.push('\n');
    for line in align(lines) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `name {  }` → `name {}`.
fn empty_block(line: &str) -> String {
    let t = line.trim_end();
    match t.strip_suffix('}').map(str::trim_end) {
        Some(open) if open.ends_with('{') && open.len() + 1 < t.len() => format!("{open}}}"),
        _ => t.to_string(),
    }
}

/// Marker attributes → comment lines. hcl-rs separates an attribute from a
/// following block by a blank line; a comment belongs to what follows it,
/// so that blank line goes.
fn comments(lines: Vec<String>) -> Vec<String> {
    let prefix = format!("{COMMENT_KEY} = ");
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut after_comment = false;
    for line in lines {
        let trimmed = line.trim_start();
        if let Some(value) = trimmed.strip_prefix(&prefix) {
            let indent = &line[..line.len() - trimmed.len()];
            out.push(format!("{indent}#{}", unquote(value)));
            after_comment = true;
            continue;
        }
        if after_comment && line.is_empty() {
            after_comment = false;
            continue;
        }
        after_comment = false;
        out.push(line);
    }
    out
}

/// The text of a quoted HCL string as hcl-rs escapes it (comments hold
/// plain prose: quotes and backslashes are the only escapes to undo).
fn unquote(quoted: &str) -> String {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    let text = inner.replace("\\\"", "\"").replace("\\\\", "\\");
    if text.starts_with("checkov:") {
        text
    } else {
        format!(" {text}")
    }
}

/// Aligns `=` in runs of one-line assignments.
fn align(lines: Vec<String>) -> Vec<String> {
    let split: Vec<Option<(String, String)>> = lines.iter().map(|l| assignment(l)).collect();
    let mut out = lines.clone();
    let mut i = 0;
    while i < lines.len() {
        if split[i].is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && split[i].is_some() {
            i += 1;
        }
        let width = split[start..i]
            .iter()
            .flatten()
            .map(|(lead, _)| lead.chars().count())
            .max()
            .unwrap_or(0);
        for (j, parts) in split.iter().enumerate().take(i).skip(start) {
            if let Some((lead, rest)) = parts {
                let pad = width - lead.chars().count();
                out[j] = format!("{lead}{} = {rest}", " ".repeat(pad));
            }
        }
    }
    out
}

/// Splits `lead = rest` when the line is a one-line assignment: its first
/// bare `=` (not part of `==`, `!=`, `<=`, `>=`, `=>`) is followed by an
/// expression whose brackets balance.
fn assignment(line: &str) -> Option<(String, String)> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with("//") {
        return None;
    }
    let bytes = line.as_bytes();
    let mut lexer = Lexer::default();
    let mut eq = None;
    for (i, &b) in bytes.iter().enumerate() {
        if lexer.step(bytes, i) && b == b'=' {
            let prev = i.checked_sub(1).map(|p| bytes[p]);
            let next = bytes.get(i + 1).copied();
            let compound = matches!(prev, Some(b'=' | b'!' | b'<' | b'>'))
                || matches!(next, Some(b'=' | b'>'));
            if !compound {
                eq = Some(i);
                break;
            }
        }
    }
    let eq = eq?;
    let lead = line[..eq].trim_end();
    if lead.trim().is_empty() {
        return None;
    }
    let rest = line[eq + 1..].trim_start();
    let mut depth = 0i32;
    let mut lexer = Lexer::default();
    let rb = rest.as_bytes();
    for (i, &b) in rb.iter().enumerate() {
        if lexer.step(rb, i) {
            match b {
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth -= 1,
                _ => {}
            }
        }
    }
    (depth == 0 && !lexer.in_string()).then(|| (lead.to_string(), rest.to_string()))
}

/// Tracks whether a byte is code or inside a string literal, including
/// `${ … }` interpolations (code again, possibly with nested strings).
#[derive(Default)]
struct Lexer {
    /// One entry per open string: 0 in the string's text, n > 0 inside an
    /// interpolation with n - 1 braces open in it.
    stack: Vec<u32>,
    escaped: bool,
    /// Saw the `$` of `${`; the next byte opens the interpolation.
    interp_next: bool,
}

impl Lexer {
    fn in_string(&self) -> bool {
        self.stack.last().is_some_and(|d| *d == 0)
    }

    /// Consumes byte `i`; true when it is code (outside string text and
    /// not an interpolation's own `${` / `}`).
    fn step(&mut self, bytes: &[u8], i: usize) -> bool {
        let b = bytes[i];
        if self.interp_next {
            self.interp_next = false;
            if let Some(d) = self.stack.last_mut() {
                *d = 1;
            }
            return false;
        }
        if self.in_string() {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.stack.pop();
            } else if matches!(b, b'$' | b'%') && bytes.get(i + 1) == Some(&b) {
                // `$${` and `%%{` are literal text: skip the second marker.
                self.escaped = true;
            } else if b == b'$' && bytes.get(i + 1) == Some(&b'{') {
                self.interp_next = true;
            }
            return false;
        }
        match (b, self.stack.last_mut()) {
            (b'"', _) => {
                self.stack.push(0);
                false
            }
            (b'{', Some(d)) => {
                *d += 1;
                true
            }
            (b'}', Some(d)) if *d == 1 => {
                *d = 0;
                false
            }
            (b'}', Some(d)) => {
                *d -= 1;
                true
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_quoted_is_what_hcl_rs_prints() {
        for t in [
            "app-01",
            "10.0.0.1",
            "a b",
            "a=b,c+d@e:f/g",
            "eu-west-1a",
            "x\"y",
            "back\\slash",
            "${var.x}",
            "%{ if }",
            "$5",
            "100%",
            "tab\t",
            "nl\n",
            "\u{7}",
            "é",
            "",
        ] {
            let want = super::one_line_text(&hcl::Expression::String(t.to_string()));
            let mut got = String::new();
            super::push_quoted(&mut got, t);
            assert_eq!(got, want, "{t:?}");
        }
    }

    use super::*;

    #[test]
    fn aligns_runs_and_stops_at_multiline_values() {
        let lines = vec![
            "  ami = 1".to_string(),
            "  for_each = local.x".to_string(),
            "  tags = {".to_string(),
            "    Name = \"a = b\"".to_string(),
            "    Monitored = \"true\"".to_string(),
            "  }".to_string(),
            "  a = x == 1 ? \"${y}\" : \"}\"".to_string(),
            "  bb = 2".to_string(),
            "  c = \"$${x\"".to_string(),
        ];
        let out = align(lines);
        assert_eq!(out[0], "  ami      = 1");
        assert_eq!(out[2], "  tags = {");
        assert_eq!(out[3], "    Name      = \"a = b\"");
        assert_eq!(out[6], "  a  = x == 1 ? \"${y}\" : \"}\"");
        assert_eq!(out[7], "  bb = 2");
        assert_eq!(out[8], "  c  = \"$${x\"");
    }

    #[test]
    fn empty_blocks_and_comments() {
        assert_eq!(empty_block("  features {  }"), "  features {}");
        assert_eq!(empty_block("data \"x\" \"y\" {}"), "data \"x\" \"y\" {}");
        let lines = comments(vec![
            "  __infragen_comment = \"checkov:skip=CKV_X:why \\\"not\\\"\"".to_string(),
            String::new(),
            "  block {".to_string(),
        ]);
        assert_eq!(
            lines,
            vec!["  #checkov:skip=CKV_X:why \"not\"", "  block {"]
        );
    }
}
