//! `pki NAME { ca-file; cert-dir }`, `tls pki=NAME` and Patroni's
//! `rest-user=`/`rest-password-env=`.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::pki::path_problem;
use crate::model::*;
use crate::span::Spanned;
use crate::syntax::Node;

/// Longest `rest-user`.
const MAX_REST_USER: usize = 64;

impl Lowerer<'_> {
    pub(super) fn pki(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let id = PkiId::from_index(self.model.pkis.len());
        if !self.pkis.declare(&name.value, id, name.span, self.diags) {
            return;
        }
        let ca_file = self.pki_path(n, "ca-file");
        let cert_dir = self.pki_path(n, "cert-dir");
        self.model.pkis.push(Pki {
            name: name.value,
            name_span: name.span,
            span: n.span,
            ca_file,
            cert_dir,
        });
    }

    /// The path argument of `ca-file`/`cert-dir`, checked: it lands bare in
    /// YAML, postgresql.conf, haproxy.cfg and OpenSSL configs. A missing or
    /// bad one is reported and kept (empty when missing): the build stops
    /// on the error, and the clusters using the pki stay quiet.
    fn pki_path(&mut self, n: &Node, key: &str) -> Spanned<String> {
        let Some(c) = n.child(key) else {
            // A misspelt `cert-dri` already got "did you mean `cert-dir`?".
            let misspelt = n.children.iter().any(|c| {
                !["ca-file", "cert-dir"].contains(&c.name.as_str())
                    && crate::diagnostic::closest(&c.name, [key]).is_some()
            });
            if !misspelt {
                self.push(
                    Diagnostic::error(
                        Code::MissingValue,
                        format!("`pki \"{}\"` needs `{key}`", n.arg_str(0).unwrap_or("")),
                    )
                    .label(n.name_span, format!("no `{key}`"))
                    .help(match key {
                        "ca-file" => "add `ca-file \"/etc/infragen/pki/ca.crt\"`: the CA certificate on every host",
                        _ => "add `cert-dir \"/etc/infragen/pki\"`: the directory with each host's HOST.crt and HOST.key",
                    }),
                );
            }
            return Spanned::new(String::new(), n.name_span);
        };
        let Some(arg) = c.arg(0) else {
            return Spanned::new(String::new(), c.span);
        };
        let value = arg.value.as_str().unwrap_or_default().to_string();
        if arg.value.as_str().is_some()
            && let Some(problem) = path_problem(&value)
        {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{key}` must be an absolute path infragen can write bare"),
                )
                .label(arg.span, problem)
                .help("write an absolute path of letters, digits and / . _ - +, e.g. \"/etc/infragen/pki/ca.crt\""),
            );
        }
        Spanned::new(value, arg.span)
    }

    /// `tls pki=NAME` inside a cluster. `pki` is None when the reference
    /// failed (reported): the cluster asked for TLS all the same.
    pub(super) fn tls(&mut self, n: &Node) -> Option<Tls> {
        let c = n.child("tls")?;
        let pki =
            Self::str_prop(c, "pki").and_then(|p| self.pkis.resolve(&p.value, p.span, self.diags));
        Some(Tls { pki, span: c.span })
    }

    /// `rest-user=`/`rest-password-env=` on `patroni`: both or neither.
    pub(super) fn rest_auth(&mut self, p: &Node) -> Option<RestAuth> {
        let user = p.prop("rest-user");
        let env = p.prop("rest-password-env");
        match (user, env) {
            (None, None) => None,
            (Some(u), None) => {
                if !misspelt_prop(p, "rest-password-env") {
                    self.push(
                        Diagnostic::error(Code::MissingValue, "`rest-user` needs `rest-password-env`")
                            .label(u.span, "a user without a password")
                            .help("add `rest-password-env=\"VAR\"`: the environment variable with the REST API password"),
                    );
                }
                None
            }
            (None, Some(e)) => {
                if !misspelt_prop(p, "rest-user") {
                    self.push(
                        Diagnostic::error(
                            Code::MissingValue,
                            "`rest-password-env` needs `rest-user`",
                        )
                        .label(e.span, "a password without a user")
                        .help("add `rest-user=\"patroni\"`"),
                    );
                }
                None
            }
            (Some(u), Some(e)) => {
                let user = u.value.as_str()?;
                let env = e.value.as_str()?;
                let ok = !user.is_empty()
                    && user.len() <= MAX_REST_USER
                    && user
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !ok {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            "`rest-user` must be 1 to 64 letters, digits, `_`, `-` or `.`",
                        )
                        .label(u.span, "not a plain user name")
                        .help(
                            "HTTP basic auth cannot carry `:` in the user; write e.g. \"patroni\"",
                        ),
                    );
                    return None;
                }
                Some(RestAuth {
                    user: user.to_string(),
                    password_env: env.to_string(),
                })
            }
        }
    }
}

/// Whether a property of `n` that is not in the grammar of `patroni` is
/// close to `key`: the validator said "did you mean `key`?" already.
fn misspelt_prop(n: &Node, key: &str) -> bool {
    let known = crate::schema::grammar::ROOT
        .child("postgres-cluster")
        .and_then(|c| c.child("patroni"));
    n.props.iter().any(|p| {
        known.is_some_and(|k| k.prop(&p.name).is_none())
            && crate::diagnostic::closest(&p.name, [key]).is_some()
    })
}
