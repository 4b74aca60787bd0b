//! What a spec may be before the KDL parser sees it (docs/language.md,
//! "Limits"). The `kdl` crate recurses once per `{`, per nested `/*` and per
//! stray `}` (its error recovery restarts the document), and its recovery
//! after a slashdashed child block (`/-{ … }`) re-parses the block's content
//! once per enclosing such block, so time doubles per level. Its recovery
//! also re-reads broken strings as structure, so no lexical view of the text
//! can say how deep it will recurse. Hence two kinds of checks:
//!
//! - counts that need no interpretation of the text (bytes, line length,
//!   braces anywhere, slashdashed blocks anywhere): they bound the parser's
//!   recursion and time whatever it makes of the text, and
//! - a lexical nesting scan that understands every KDL v1 and v2 string
//!   form, for a clear message on a deeply nested but well-formed document.
//!   It is a courtesy: the depth of the parsed tree is checked exactly after
//!   parsing (`kdl::parse`), and the parser runs on a stack sized from the
//!   counts, so a scan fooled by odd text costs nothing.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// Largest spec accepted, in bytes (a 1 000 000-host spec is ~20 KB).
pub const MAX_SOURCE_BYTES: usize = 1 << 20;
/// Longest line, in bytes.
pub const MAX_LINE_BYTES: usize = 16 << 10;
/// Most `{`, `}` and `/*` in one spec, counted everywhere (inside strings and
/// comments too): each may cost the parser a stack frame.
pub const MAX_BRACES: usize = 20_000;
/// Most slashdashed child blocks (`/-` followed by `{`) in one spec, counted
/// everywhere: the parser's time doubles with each one that nests.
pub const MAX_SLASHDASHED_BLOCKS: usize = 2;
/// Deepest `{…}` block (or nested `/* */` comment) accepted. The tree
/// walkers recurse once per level; real specs nest about 4 levels.
pub const MAX_NESTING: usize = 64;

/// Stack for the parser thread: a base, plus a frame budget per brace.
/// Measured in a debug build (dependencies at opt-level 1): about 7 KB per
/// `{` level and 0.5 KB per stray `}`; the budget is twice that or more.
const STACK_BASE: usize = 8 << 20;
const STACK_PER_OPEN: usize = 16 << 10;
const STACK_PER_OTHER: usize = 2 << 10;

/// What the counting pass found; sizes the parser's stack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub opens: usize,
    pub closes: usize,
    pub comments: usize,
}

impl Counts {
    /// Bytes of stack the parser needs at most for this text.
    pub fn parser_stack(&self) -> usize {
        STACK_BASE + self.opens * STACK_PER_OPEN + (self.closes + self.comments) * STACK_PER_OTHER
    }
}

fn limit_error(message: String, span: Span, label: &str, help: &str) -> Diagnostic {
    Diagnostic::error(Code::KdlSyntax, message)
        .label(span, label)
        .help(format!("{help} (see \"Limits\" in docs/language.md)"))
}

/// The byte-level caps, in one pass. Err names the first cap exceeded, with
/// a span at the place it was exceeded.
pub fn check(src: &str) -> Result<Counts, Diagnostic> {
    if src.len() > MAX_SOURCE_BYTES {
        return Err(limit_error(
            format!(
                "the spec is {} bytes; at most {MAX_SOURCE_BYTES} are accepted",
                src.len()
            ),
            Span::new(MAX_SOURCE_BYTES, 0),
            "the limit is reached here",
            "a spec describes groups with `count=`, not every host; split generated input",
        ));
    }
    let b = src.as_bytes();
    let mut counts = Counts::default();
    let mut slashdashed = 0usize;
    let mut line_start = 0usize;
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        let newline = match c {
            b'\n' | b'\r' | 0x0b | 0x0c => 1,
            // NEL, LS, PS (KDL v2 newlines) in UTF-8.
            0xc2 if b.get(i + 1) == Some(&0x85) => 2,
            0xe2 if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)) => 3,
            _ => 0,
        };
        if newline > 0 {
            i += newline;
            line_start = i;
            continue;
        }
        if i - line_start >= MAX_LINE_BYTES {
            return Err(limit_error(
                format!("a line is longer than {MAX_LINE_BYTES} bytes"),
                Span::new(floor_char(src, i), 0),
                "the line goes on past the limit here",
                "break long values over several lines or nodes",
            ));
        }
        match c {
            b'{' => counts.opens += 1,
            b'}' => counts.closes += 1,
            b'/' if b.get(i + 1) == Some(&b'*') => counts.comments += 1,
            b'/' if b.get(i + 1) == Some(&b'-') && slashdashes_a_block(b, i + 2) => {
                slashdashed += 1;
                if slashdashed > MAX_SLASHDASHED_BLOCKS {
                    return Err(limit_error(
                        format!(
                            "more than {MAX_SLASHDASHED_BLOCKS} slashdashed child blocks (`/-{{`)"
                        ),
                        Span::new(i, 2),
                        "one too many",
                        "delete commented-out blocks instead of nesting `/-` comments",
                    ));
                }
            }
            _ => {}
        }
        if counts.opens + counts.closes + counts.comments > MAX_BRACES {
            return Err(limit_error(
                format!("more than {MAX_BRACES} braces and block comments (`{{`, `}}`, `/*`)"),
                Span::new(i, 1),
                "the limit is reached here",
                "a spec describes groups with `count=`, not every host",
            ));
        }
        i += 1;
    }
    Ok(counts)
}

/// After `/-`: does a `{` follow, past whitespace, newlines, line
/// continuations and block comments? (Pessimistic: an unterminated comment
/// counts as a block.)
fn slashdashes_a_block(b: &[u8], mut i: usize) -> bool {
    loop {
        match b.get(i) {
            Some(b'{') => return true,
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\\' | 0x0b | 0x0c) => i += 1,
            Some(b'/') if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                Some(end) => i = end + 2,
                None => return true,
            },
            // Other Unicode spaces are at least 2 bytes, none starts with '{'.
            Some(&c) if c >= 0x80 => i += 1,
            _ => return false,
        }
    }
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_ident_byte(c: u8) -> bool {
    // Bytes that may precede `r` inside a KDL identifier (non-ASCII: part of
    // a Unicode identifier character).
    !matches!(
        c,
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'{' | b'}' | b'(' | b')' | b';' | b'='
    ) && c != b'"'
}

/// The first `{` or `/*` that opens a level beyond `MAX_NESTING`, outside
/// strings and comments, reading every string form of KDL v2 (`"…"` with
/// escapes, `"""…"""`, `#"…"#`, `#"""…"""#` with any number of `#`) and
/// KDL v1 (`"…"`, which may span lines, `r"…"`, `r#"…"#`), `//` and nested
/// `/* */` comments. Slashdash (`/-`) comments out nodes that are still
/// parsed, so their braces count.
pub fn too_deep(src: &str) -> Option<Span> {
    let b = src.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(Span::new(i, 1));
                }
                i += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut comments = 0usize;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        comments += 1;
                        if comments > MAX_NESTING {
                            return Some(Span::new(i, 2));
                        }
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        comments -= 1;
                        i += 2;
                        if comments == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => i = skip_quoted(b, i),
            // v1 raw string: `r"…"`, `r#"…"#` (only where an identifier
            // cannot go on: `bar"` is not a raw string).
            b'r' if (i == 0 || !is_ident_byte(b[i - 1])) && raw_open(b, i + 1).is_some() => {
                let (hashes, body) = raw_open(b, i + 1).unwrap_or((0, i + 1));
                i = skip_raw(b, body, hashes, false);
            }
            // v2 raw string: `#"…"#`, `##"…"##`, `#"""…"""#`.
            b'#' => match raw_open(b, i) {
                Some((hashes, body)) if hashes > 0 => {
                    let multi = b[body - 1..].starts_with(b"\"\"\"");
                    i = skip_raw(b, if multi { body + 2 } else { body }, hashes, multi);
                }
                _ => i += 1,
            },
            _ => i += 1,
        }
    }
    None
}

/// At `i`: `#`* then `"`? Returns (number of `#`, offset after the `"`).
fn raw_open(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let hashes = b.get(i..)?.iter().take_while(|&&c| c == b'#').count();
    (b.get(i + hashes) == Some(&b'"')).then_some((hashes, i + hashes + 1))
}

/// A raw string body from `i` to its closing quote(s) and `hashes` `#`;
/// returns the offset after it (or the end of the text).
fn skip_raw(b: &[u8], mut i: usize, hashes: usize, multi: bool) -> usize {
    let quotes = if multi { 3 } else { 1 };
    while i < b.len() {
        if b[i..].starts_with(&b"\"\"\""[..quotes])
            && b[i + quotes..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
            && b.len() >= i + quotes + hashes
        {
            return i + quotes + hashes;
        }
        i += 1;
    }
    b.len()
}

/// A `"…"` or `"""…"""` string with backslash escapes from its opening
/// quote at `i`; returns the offset after it (or the end of the text).
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let close: &[u8] = if b[i..].starts_with(b"\"\"\"") {
        b"\"\"\""
    } else {
        b"\""
    };
    let mut i = i + close.len();
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
        } else if b[i..].starts_with(close) {
            return i + close.len();
        } else {
            i += 1;
        }
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(open: &str) -> String {
        format!("{open}\n{}", "a {".repeat(MAX_NESTING + 1))
    }

    #[test]
    fn every_string_form_is_skipped() {
        let braces = "{".repeat(MAX_NESTING + 1);
        for s in [
            format!("a \"{braces}\""),
            format!("a \"\\\"{braces}\""),
            format!("a \"\"\"\n{braces}\n\"\"\""),
            format!("a \"\"\"\n\\\"\"\"{braces}\n\"\"\""),
            format!("a #\"{braces}\"#"),
            format!("a #\"\\\"{braces}\"#"),
            format!("a ##\"\"#{braces}\"##"),
            format!("a #\"\"\"\n{braces}\n\"\"\"#"),
            format!("a r\"{braces}\""),
            format!("a r#\"\"{braces}\"#"),
            format!("a \"multi\nline {braces}\""),
            format!("a // {braces}\nb"),
            format!("a /* /* {braces} */ {braces} */ b"),
        ] {
            assert_eq!(too_deep(&s), None, "{s}");
        }
    }

    #[test]
    fn nesting_after_every_string_form_counts() {
        for open in [
            "a \"x\"",
            "a \"\\\\\"",
            "a r\"\\\"",
            "a r#\"\\\"#",
            "a #\"\\\"#",
            "a ##\"\"#\"##",
            "a \"\"\"\n\\\"\"\"\n\"\"\"",
            "a #\"\"\"\n\"\"\n\"\"\"#",
            "a // \"",
            "a /* \" /* \" */ \" */",
            "a /-\"x\"",
            "bar\"\"",
        ] {
            let src = deep(open);
            assert!(too_deep(&src).is_some(), "not caught after {open:?}");
        }
    }

    #[test]
    fn caps_have_spans() {
        let long = format!("a \"{}\"", "x".repeat(MAX_LINE_BYTES));
        let d = check(&long).unwrap_err();
        assert_eq!(d.labels[0].span.start, MAX_LINE_BYTES);
        let sd = "a /-{".repeat(MAX_SLASHDASHED_BLOCKS + 1);
        let d = check(&sd).unwrap_err();
        assert!(d.message.contains("slashdashed"), "{}", d.message);
        assert_eq!(d.labels[0].span.start, 5 * MAX_SLASHDASHED_BLOCKS + 2);
        let spaced = "a /- /* c */\n {".repeat(MAX_SLASHDASHED_BLOCKS + 1);
        assert!(check(&spaced).is_err());
        assert!(check("url \"https://x/-/y\" { }").is_ok());
        let braces = "}\n".repeat(MAX_BRACES + 1);
        assert!(check(&braces).unwrap_err().message.contains("braces"));
        let big = " ".repeat(MAX_SOURCE_BYTES + 1);
        assert!(check(&big).is_err());
        assert_eq!(
            check("a { /* } */ }").unwrap(),
            Counts {
                opens: 1,
                closes: 2,
                comments: 1
            }
        );
    }
}
