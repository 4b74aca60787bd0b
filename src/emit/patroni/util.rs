//! Small helpers shared by the service emitters (Patroni, etcd, HAProxy,
//! strongSwan, Elasticsearch): addresses as the configs spell them, and YAML
//! scalars that every YAML reader (PyYAML's 1.1 rules included) reads back
//! as the same string.

use crate::model::{HostId, Model};
use std::net::IpAddr;

/// `addr:port`, with brackets around IPv6 addresses.
pub fn host_port(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// A host's compile-time private address. `None` only when lint already
/// reported the host's subnet as full (build stops on errors).
pub fn address(model: &Model, id: HostId) -> Option<IpAddr> {
    model.host(id).address
}

/// A text file built line by line, with indentation in spaces.
#[derive(Default)]
pub struct Text(String);

impl Text {
    pub fn new(header: String) -> Self {
        Text(header)
    }

    pub fn line(&mut self, indent: usize, s: impl AsRef<str>) {
        self.0.extend(std::iter::repeat_n(' ', indent));
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }

    pub fn blank(&mut self) {
        self.0.push('\n');
    }

    pub fn finish(self) -> String {
        self.0
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
