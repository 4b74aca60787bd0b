//! redis.conf and sentinel.conf syntax. Redis splits every line into
//! arguments with `sdssplitargs`: words separated by spaces, or a
//! double-quoted string in which `\\`, `\"`, `\n`, `\r`, `\t`, `\b`, `\a`
//! and `\xHH` are escapes. A value is written as a bare word only when it
//! holds nothing that splitting treats specially; otherwise quoted, with
//! every control character as `\xHH`, so no value can end the argument,
//! the line, or add a directive.

/// One argument of a redis.conf directive.
pub fn arg(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@+,=".contains(c));
    if bare {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            // `$` stays: a `${VAR}` placeholder is filled before Redis reads it.
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            // Other control characters (C1) as their UTF-8 bytes.
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::arg;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(arg("allkeys-lru"), "allkeys-lru");
        assert_eq!(arg("10.0.1.4"), "10.0.1.4");
    }

    #[test]
    fn everything_else_is_one_quoted_argument() {
        assert_eq!(arg(""), "\"\"");
        assert_eq!(arg("${REDIS_X_PASSWORD}"), "\"${REDIS_X_PASSWORD}\"");
        assert_eq!(arg("a b"), "\"a b\"");
        assert_eq!(arg("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(arg("x\nrequirepass y"), "\"x\\x0arequirepass y\"");
        assert_eq!(arg("\u{85}"), "\"\\xc2\\x85\"");
        assert!(!arg("a\r\n\t#").contains(['\n', '\r', '\t']));
    }
}
