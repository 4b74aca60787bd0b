//! `pki NAME { ca-file; cert-dir }` and `tls pki=NAME`: where the operator's
//! CA certificate and each host's certificate and key live on the hosts.
//! infragen never makes keys or certificates; it writes the requests
//! (`emit::pki`) whose SANs are the addresses the configs dial.

use super::{Model, PkiId, PostgresCluster};
use crate::span::{Span, Spanned};

#[derive(Debug, Clone)]
pub struct Pki {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    /// Absolute path of the CA certificate (PEM) on every host.
    pub ca_file: Spanned<String>,
    /// Absolute directory holding `HOST.crt` and `HOST.key`.
    pub cert_dir: Spanned<String>,
}

impl Pki {
    /// The certificate of `host` on the hosts.
    pub fn cert(&self, host: &str) -> String {
        format!("{}/{host}.crt", self.cert_dir.value.trim_end_matches('/'))
    }

    /// The private key of `host` on the hosts.
    pub fn key(&self, host: &str) -> String {
        format!("{}/{host}.key", self.cert_dir.value.trim_end_matches('/'))
    }
}

/// `tls pki=NAME` inside a cluster.
#[derive(Debug, Clone, Copy)]
pub struct Tls {
    /// None when `pki=` names no pki (reported): TLS was asked for all the same.
    pub pki: Option<PkiId>,
    pub span: Span,
}

/// `patroni rest-user=U rest-password-env=V`: basic auth on Patroni's unsafe
/// REST endpoints.
#[derive(Debug, Clone)]
pub struct RestAuth {
    pub user: String,
    pub password_env: String,
}

impl Model {
    pub fn pki(&self, id: PkiId) -> &Pki {
        &self.pkis[id.index()]
    }

    /// The pki of a cluster's `tls`, when it has one that resolved.
    pub fn tls_pki(&self, tls: Option<&Tls>) -> Option<&Pki> {
        tls.and_then(|t| t.pki).map(|id| self.pki(id))
    }

    /// The pki of the etcd a postgres-cluster uses: clusters listing the same
    /// etcd hosts share one etcd, set up by the first of them (emit::etcd).
    pub fn etcd_pki(&self, pg: &PostgresCluster) -> Option<&Pki> {
        let owner = self
            .postgres
            .iter()
            .find(|p| p.etcd.hosts == pg.etcd.hosts)
            .unwrap_or(pg);
        self.tls_pki(owner.tls.as_ref())
    }
}

/// Why `path` cannot be written bare into YAML, postgresql.conf, haproxy.cfg
/// and an OpenSSL config: `None` when it is an absolute path of letters,
/// digits and `/ . _ - +` with no `..` component.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("not an absolute path");
    }
    if path.len() > 4096 {
        return Some("longer than PATH_MAX");
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+')))
    {
        return Some(match c {
            ' ' | '\t' => "contains a space",
            '"' | '\'' | '`' => "contains a quote",
            c if c.is_control() => "contains a control character",
            _ => "contains a character other than letters, digits and / . _ - +",
        });
    }
    if path.split('/').any(|seg| seg == "..") {
        return Some("contains a `..` component");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::path_problem;

    #[test]
    fn paths_are_absolute_and_plain() {
        for ok in ["/etc/ssl/ca.pem", "/etc/infragen/pki/", "/a_b-c+d.e"] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("etc/ca.pem", "absolute"),
            ("/etc/my ca.pem", "space"),
            ("/etc/\"ca.pem", "quote"),
            ("/etc/ca\n.pem", "control"),
            ("/etc/ca$x", "character"),
            ("/etc/../ca", ".."),
            ("", "absolute"),
        ] {
            let p = path_problem(bad).unwrap_or_default();
            assert!(p.contains(why), "{bad:?}: {p}");
        }
    }
}
