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

#[cfg(test)]
mod tests {
    use super::*;

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
}
