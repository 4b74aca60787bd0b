//! Parsing of the spec's value syntaxes: sizes, durations, CIDRs, names.

use ipnet::IpNet;
use std::net::IpAddr;

/// `"31g"` → bytes. Suffixes k, m, g, t (binary, as the JVM reads them).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let (num, mult) = match lower.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => {
            let unit = lower[i..].trim_end_matches('b').trim_end_matches('i');
            let mult: u64 = match unit {
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                "" => 1,
                _ => {
                    return Err(format!(
                        "unknown size unit in `{s}`; use k, m, g or t, e.g. \"31g\""
                    ));
                }
            };
            (&lower[..i], mult)
        }
        None => (lower.as_str(), 1),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; write e.g. \"31g\" or \"512m\""))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// `"15s"` → milliseconds. Units ms, s, m, h, d, w.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let bad = || format!("`{s}` is not a duration; write e.g. \"15s\", \"5m\", \"2h\" or \"30d\"");
    let i = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    if i == 0 {
        return Err(bad());
    }
    let n: u64 = s[..i].parse().map_err(|_| bad())?;
    let mult: u64 = match &s[i..] {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(mult).ok_or_else(bad)
}

/// Formats milliseconds the way Prometheus and the spec write durations.
pub fn format_duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (7 * 86_400_000, "w"),
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    if ms == 0 {
        return "0s".into();
    }
    for (unit, suffix) in UNITS {
        if ms.is_multiple_of(unit) {
            return format!("{}{suffix}", ms / unit);
        }
    }
    format!("{ms}ms")
}

/// `"8000-8100"` → (8000, 8100).
pub fn parse_port_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-')?;
    let a: u16 = a.trim().parse().ok()?;
    let b: u16 = b.trim().parse().ok()?;
    (a >= 1 && a <= b).then_some((a, b))
}

/// An inclusive port range as text: `"443"` for one port, else
/// `"8000<sep>8100"` (`-` in prose and rule names, `_` in identifiers).
/// Every renderer of a port range goes through here.
pub fn format_port_range((lo, hi): (u16, u16), sep: &str) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}{sep}{hi}")
    }
}

/// Parses a CIDR that must be a network address. On a host address the
/// error carries the network to suggest.
pub fn parse_cidr(s: &str) -> Result<IpNet, CidrError> {
    let net: IpNet = s.trim().parse().map_err(|_| CidrError::Syntax)?;
    if net.addr() != net.network() {
        return Err(CidrError::NotNetwork(net.trunc()));
    }
    Ok(net)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrError {
    Syntax,
    NotNetwork(IpNet),
}

pub fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse().ok()
}

/// Entity names: `[a-z][a-z0-9-]*`, at most 63 characters.
pub fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= 63
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

/// Environment variable names: `[A-Z_][A-Z0-9_]*`.
pub fn is_valid_env_var(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('A'..='Z' | '_'))
        && chars.all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '_'))
}

/// SSH public key types cloud-init and OpenSSH accept in authorized_keys.
pub const SSH_KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// Longest value any of the text syntaxes accepts (an RSA 16384 key is
/// about 2.8 kB of base64).
const MAX_TEXT: usize = 4096;

/// Syntaxes of free-form values that end up in configs, scripts and
/// templates which cannot hold arbitrary text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// A release version: `[0-9A-Za-z.+~-]`, starting with a letter or digit
    /// (a string or a number).
    Version,
    /// An IKE/ESP proposal: `[a-z0-9]+` algorithms joined by `-`, an optional
    /// trailing `!`, several separated by `,`.
    Proposal,
    /// An absolute file path: `/` then `[A-Za-z0-9._/+@-]`, no `..`.
    AbsPath,
    /// A Debian package name: `[a-z0-9][a-z0-9+.-]+`.
    Package,
    /// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
    LabelName,
    /// A PostgreSQL parameter name: `[a-z_][a-z0-9_.]*`, at most 63 bytes.
    PgParam,
    /// A DNS domain: dot-separated labels of `[a-z0-9-]`, at most 253 bytes.
    Domain,
    /// One OpenSSH public key line: a known key type, base64, an optional
    /// comment of printable characters.
    SshKey,
    /// A word of `[A-Za-z0-9._-]` (regions, zones, instance types, drivers).
    Word,
    /// Email addresses (`local@domain`, local part `[A-Za-z0-9._%+-]`),
    /// separated by `,` or `;`: Grafana expands `$VAR` in its provisioning
    /// files, so no `$` or other punctuation.
    Emails,
    /// A PromQL expression, checked lexically: strings closed, brackets
    /// balanced, label matchers `name op "value"`, no `$`, `\\` or `{{`
    /// outside strings (promtool checks the rest).
    PromQl,
}

/// Checks a free-form value against the syntax of the place it lands in.
/// The error is (what is wrong, how to write it instead); it never repeats
/// the value, which may be long or hold control characters.
pub fn check_text(kind: Text, s: &str) -> Result<(), (String, String)> {
    let only = |allowed: &dyn Fn(char) -> bool| s.chars().all(allowed);
    // PromQL may span lines.
    let allowed = |c: char| kind == Text::PromQl && (c == '\n' || c == '\t');
    let bad_char = s.chars().find(|&c| c.is_control() && !allowed(c)).map(|c| {
        format!(
            "contains the control character U+{:04X}, which would start a new line or directive in the output",
            c as u32
        )
    });
    if let Some(msg) = bad_char {
        return Err((msg, format!("write {}", kind.describe())));
    }
    if s.len() > MAX_TEXT {
        return Err((
            format!("is {} bytes long (at most {MAX_TEXT})", s.len()),
            format!("write {}", kind.describe()),
        ));
    }
    let err = |msg: &str, help: &str| Err((msg.to_string(), help.to_string()));
    match kind {
        Text::Version => {
            let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
            if !first_ok
                || !only(&|c| c.is_ascii_alphanumeric() || ".+~-".contains(c))
                || s.len() > 64
            {
                return err(
                    "is not a version",
                    "a version is letters, digits and `.+~-`, starting with a letter or digit, e.g. \"1.8.2\"",
                );
            }
        }
        Text::Proposal => {
            let ok = s.split(',').all(|p| {
                let p = p.strip_suffix('!').unwrap_or(p);
                !p.is_empty()
                    && p.split('-').all(|alg| {
                        !alg.is_empty() && alg.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9'))
                    })
            });
            if !ok {
                return err(
                    "is not a proposal",
                    "a proposal is lowercase algorithm names joined by `-` (optionally ending in `!`), e.g. \"aes256-sha256-modp2048\"",
                );
            }
        }
        Text::AbsPath => {
            let ok = s.starts_with('/')
                && s.len() > 1
                && !s.ends_with('/')
                && only(&|c| c.is_ascii_alphanumeric() || "._/+@-".contains(c))
                && !s.split('/').any(|part| part == "..")
                && s.len() <= 1024;
            if !ok {
                return err(
                    "is not an absolute file path",
                    "write an absolute path of letters, digits and `._/+@-` (no spaces, quotes or `..`), e.g. \"/var/log/commands.log\"",
                );
            }
        }
        Text::Package => {
            let first_ok = s
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if s.len() < 2
                || !first_ok
                || !only(&|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+.-".contains(c))
            {
                return err(
                    "is not a Debian package name",
                    "package names are lowercase letters, digits and `+.-`, at least two characters, starting with a letter or digit",
                );
            }
        }
        Text::LabelName => {
            let first_ok = s
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if !first_ok || !only(&|c| c.is_ascii_alphanumeric() || c == '_') {
                return err(
                    "is not a Prometheus label name",
                    "label names are letters, digits and `_`, not starting with a digit, e.g. \"role\" (promtool rejects others)",
                );
            }
            if s.starts_with("__") {
                return err(
                    "starts with `__`, which Prometheus reserves for internal labels",
                    "drop the leading underscores",
                );
            }
        }
        Text::PgParam => {
            let first_ok = s
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
            if !first_ok
                || !only(&|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c))
                || s.len() > 63
            {
                return err(
                    "is not a PostgreSQL parameter name",
                    "parameter names are lowercase letters, digits, `_` and `.`, at most 63 bytes, e.g. \"max_connections\"",
                );
            }
        }
        Text::Domain => {
            let label_ok = |l: &str| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            };
            if s.len() > 253 || !s.split('.').all(label_ok) {
                return err(
                    "is not a DNS domain",
                    "a domain is dot-separated labels of lowercase letters, digits and `-`, e.g. \"example.internal\"",
                );
            }
        }
        Text::SshKey => {
            let mut parts = s.splitn(3, ' ');
            let ty = parts.next().unwrap_or("");
            let body = parts.next().unwrap_or("");
            let comment = parts.next().unwrap_or("");
            if !SSH_KEY_TYPES.contains(&ty) {
                return err(
                    "does not start with a known SSH key type",
                    "paste one line of the .pub file: `ssh-ed25519 AAAA… comment` (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521 or an sk- key)",
                );
            }
            let body_ok = body.len() >= 16
                && body
                    .trim_end_matches('=')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
                && body.len() - body.trim_end_matches('=').len() <= 2;
            if !body_ok {
                return err(
                    "has no base64 key after the key type",
                    "paste one line of the .pub file: `ssh-ed25519 AAAA… comment`",
                );
            }
            if comment.starts_with(' ')
                || comment.ends_with(' ')
                || !comment.chars().all(|c| c.is_ascii_graphic() || c == ' ')
            {
                return err(
                    "has a comment with characters other than printable ASCII",
                    "keep the comment to printable ASCII, e.g. `alice@laptop`",
                );
            }
        }
        Text::Emails => {
            let address_ok = |a: &str| {
                a.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && !domain.is_empty()
                        && local
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
                        && domain
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
                })
            };
            if !s.split([',', ';']).all(|a| address_ok(a.trim_matches(' '))) {
                return err(
                    "is not a list of email addresses",
                    "write addresses such as \"oncall@acme.example\" (letters, digits and `._%+-` before the `@`), separated by `,` or `;`",
                );
            }
        }
        Text::PromQl => {
            if let Err(msg) = promql_lexically_ok(s) {
                return Err((
                    msg,
                    "write a PromQL expression, e.g. \"up == 0\" or \"rate(http_requests_total{job=\\\"api\\\"}[5m]) > 10\"".to_string(),
                ));
            }
        }
        Text::Word => {
            if s.is_empty()
                || s.len() > 255
                || !only(&|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                return err("is not a plain word", "use letters, digits and `._-` only");
            }
        }
    }
    Ok(())
}

/// The lexical part of PromQL: strings (`"…"`, `'…'` with `\\` escapes,
/// `` `…` `` raw) are closed, `()`/`[]` balanced, every `{…}` holds label
/// matchers (`name op "value"`, comma-separated), and `$`, `\\` and `;`
/// never appear outside strings.
fn promql_lexically_ok(s: &str) -> Result<(), String> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let string_end = |i: usize| -> Result<usize, String> {
        let q = chars[i];
        let mut j = i + 1;
        while j < n {
            match chars[j] {
                '\\' if q != '`' => j += 2,
                c if c == q => return Ok(j + 1),
                '\n' if q != '`' => break,
                _ => j += 1,
            }
        }
        Err("has a string that is not closed".to_string())
    };
    let skip_ws = |mut i: usize| {
        while i < n && chars[i].is_whitespace() {
            i += 1;
        }
        i
    };
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut stack: Vec<char> = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => i = string_end(i)?,
            '#' => {
                // A comment, to the end of the line.
                while i < n && chars[i] != '\n' {
                    i += 1;
                }
            }
            '(' | '[' => {
                stack.push(c);
                i += 1;
            }
            ')' | ']' => {
                let open = if c == ')' { '(' } else { '[' };
                if stack.pop() != Some(open) {
                    return Err(format!("has a `{c}` without its opening bracket"));
                }
                i += 1;
            }
            '{' => {
                i = skip_ws(i + 1);
                loop {
                    if i < n && chars[i] == '}' {
                        i += 1;
                        break;
                    }
                    let start = i;
                    while i < n && is_ident(chars[i]) {
                        i += 1;
                    }
                    if i == start || chars[start].is_ascii_digit() {
                        return Err(
                            "has a `{…}` that does not hold label matchers (`name=\"value\"`)"
                                .to_string(),
                        );
                    }
                    i = skip_ws(i);
                    let op: String = chars[i..n.min(i + 2)].iter().collect();
                    i += if op == "!=" || op == "=~" || op == "!~" {
                        2
                    } else if op.starts_with('=') {
                        1
                    } else {
                        return Err(
                            "has a label matcher without `=`, `!=`, `=~` or `!~`".to_string()
                        );
                    };
                    i = skip_ws(i);
                    if i >= n || !matches!(chars[i], '"' | '\'' | '`') {
                        return Err(
                            "has a label matcher whose value is not a quoted string".to_string()
                        );
                    }
                    i = skip_ws(string_end(i)?);
                    match chars.get(i) {
                        Some(',') => i = skip_ws(i + 1),
                        Some('}') => {}
                        _ => return Err("has a `{…}` that is not closed".to_string()),
                    }
                }
            }
            '}' => return Err("has a `}` without its opening `{`".to_string()),
            '$' | '\\' | ';' => return Err(format!("has a `{c}` outside a string")),
            _ => i += 1,
        }
    }
    match stack.pop() {
        Some(open) => Err(format!("has a `{open}` that is not closed")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges_parse_and_format_alike() {
        assert_eq!(parse_port_range("8000-8100"), Some((8000, 8100)));
        assert_eq!(parse_port_range("0-10"), None);
        assert_eq!(parse_port_range("9-8"), None);
        assert_eq!(format_port_range((8000, 8100), "-"), "8000-8100");
        assert_eq!(format_port_range((8000, 8100), "_"), "8000_8100");
        assert_eq!(format_port_range((443, 443), "-"), "443");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("31g"), Ok(31 << 30));
        assert_eq!(parse_size("512m"), Ok(512 << 20));
        assert_eq!(parse_size("16GB"), Ok(16 << 30));
        assert!(parse_size("g").is_err());
        assert!(parse_size("12x").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15s"), Ok(15_000));
        assert_eq!(parse_duration("30d"), Ok(30 * 86_400_000));
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("5").is_err());
        assert_eq!(format_duration(120_000), "2m");
        assert_eq!(format_duration(1_500), "1500ms");
    }

    #[test]
    fn cidrs() {
        assert!(parse_cidr("10.0.0.0/16").is_ok());
        assert_eq!(
            parse_cidr("10.0.0.1/16"),
            Err(CidrError::NotNetwork("10.0.0.0/16".parse().unwrap()))
        );
        assert_eq!(parse_cidr("10.0.0.0/33"), Err(CidrError::Syntax));
    }

    #[test]
    fn names() {
        assert!(is_valid_name("app-01"));
        assert!(!is_valid_name("App"));
        assert!(!is_valid_name("1app"));
        assert!(is_valid_env_var("PG_PASSWORD"));
        assert!(!is_valid_env_var("pg"));
    }

    #[test]
    fn text_syntaxes() {
        use super::Text;
        let ok = |k, s| check_text(k, s).is_ok();
        assert!(ok(Text::Version, "1.8.2"));
        assert!(ok(Text::Version, "7.17.21"));
        assert!(!ok(Text::Version, "1.8.2$(id)"));
        assert!(!ok(Text::Version, "1.8.2\nx: y"));
        assert!(ok(Text::Proposal, "aes256-sha256-modp2048!"));
        assert!(ok(
            Text::Proposal,
            "aes256gcm16-prfsha384-ecp384,aes256-sha256"
        ));
        assert!(!ok(Text::Proposal, "aes256\n leftupdown=/tmp/x.sh"));
        assert!(!ok(Text::Proposal, "aes256--sha1"));
        assert!(ok(Text::AbsPath, "/var/log/commands.log"));
        assert!(!ok(Text::AbsPath, "var/log"));
        assert!(!ok(Text::AbsPath, "/var/log/x y"));
        assert!(!ok(Text::AbsPath, "/var/${x}"));
        assert!(ok(Text::Package, "htop"));
        assert!(ok(Text::Package, "libstdc++6"));
        assert!(!ok(Text::Package, "a; rm"));
        assert!(ok(Text::LabelName, "role"));
        assert!(!ok(Text::LabelName, "9x"));
        assert!(!ok(Text::LabelName, "a-b"));
        assert!(!ok(Text::LabelName, "__name__"));
        assert!(ok(Text::PgParam, "max_connections"));
        assert!(ok(Text::PgParam, "pg_stat_statements.track"));
        let long = "a".repeat(64);
        assert!(!ok(Text::PgParam, &long));
        assert!(ok(Text::Domain, "example.internal"));
        assert!(!ok(Text::Domain, "${x}.internal"));
        assert!(!ok(Text::Domain, "a..b"));
        assert!(ok(
            Text::SshKey,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"
        ));
        assert!(ok(
            Text::SshKey,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
        ));
        assert!(!ok(
            Text::SshKey,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a\rb"
        ));
        assert!(!ok(
            Text::SshKey,
            "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
        ));
        assert!(!ok(Text::SshKey, "ssh-ed25519 ${x}"));
        assert!(ok(Text::Word, "t3.micro"));
        assert!(ok(Text::Word, "Standard_D2s_v3"));
        assert!(!ok(Text::Word, "json-file\"}"));
        assert!(ok(Text::Emails, "oncall@acme.example"));
        assert!(ok(Text::Emails, "a@x.example; b+ops@y.example"));
        assert!(!ok(
            Text::Emails,
            "a${GF_SECURITY_ADMIN_PASSWORD}@x.example"
        ));
        assert!(!ok(Text::Emails, "oncall"));
        for e in [
            "up == 0",
            "rate(http_requests_total{job=\"api\", code=~\"5..\"}[5m]) > 10",
            "sum by (job) (up{}) # comment",
            "up{a='x\\'y'} == 1\nand on() vector(1)",
        ] {
            assert!(ok(Text::PromQl, e), "{e}");
        }
        for e in [
            "up == 0\"",
            "up == 0'",
            "up == 0$(id)",
            "up == 0${x}",
            "up == 0}}",
            "up{{ query \"x\" }}",
            "up == 0%{ if true }x%{ endif }",
            "up == 0\\",
            "(up",
            "up == 0\r",
        ] {
            assert!(!ok(Text::PromQl, e), "{e}");
        }
    }
}
