//! `vpn` and `s3-migration`.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::schema::defaults;
use crate::span::Spanned;
use crate::syntax::Node;

impl Lowerer<'_> {
    pub(super) fn vpn(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let ike_version = match Self::int_prop(n, "ike-version") {
            Some(v) if v.value == 1 || v.value == 2 => Spanned::new(v.value as u8, v.span),
            Some(v) => {
                self.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("ike-version {} does not exist", v.value),
                    )
                    .label(v.span, "expected 1 or 2")
                    .help("use ike-version=2 (IKEv2)"),
                );
                return;
            }
            None => Spanned::new(defaults::IKE_VERSION, name.span),
        };
        let left = self.vpn_end(n, "left");
        let right = self.vpn_end(n, "right");
        let psk_env = n
            .child("psk-env")
            .and_then(|c| c.arg_str(0))
            .map(str::to_string);
        // A literal `psk "…"` is reported as secret-literal already.
        if psk_env.is_none() && Self::absent(n, "psk-env") && n.child("psk").is_none() {
            self.push(
                Diagnostic::error(Code::MissingValue, format!("vpn `{}` needs `psk-env`", name.value))
                    .label(name.span, "no pre-shared key source")
                    .help("add `psk-env \"IPSEC_PSK\"`: the environment variable build reads the key from"),
            );
        }
        let (Some(left), Some(right)) = (left, right) else {
            return;
        };
        if left.host == right.host {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    "both ends of the tunnel are the same host",
                )
                .label(right.host_span, "same as left")
                .help("a site-to-site tunnel joins two gateway hosts"),
            );
            return;
        }
        let proposal = |key: &str| {
            let c = n.child(key)?;
            let a = c.arg(0)?;
            Some(Spanned::new(a.value.as_str()?.to_string(), a.span))
        };
        let dpd = n.child("dpd");
        let dpd_ms = |key: &str, default: u64| {
            dpd.and_then(|d| Self::duration_prop(d, key))
                .unwrap_or(default)
        };
        self.model.vpns.push(Vpn {
            name: name.value,
            name_span: name.span,
            span: n.span,
            ike_version,
            left,
            right,
            ike: proposal("ike"),
            esp: proposal("esp"),
            psk_env,
            dpd: Dpd {
                delay_ms: dpd_ms("delay", 30_000),
                timeout_ms: dpd_ms("timeout", 150_000),
                action: dpd
                    .and_then(|d| d.prop_str("action"))
                    .unwrap_or("restart")
                    .to_string(),
            },
        });
    }

    fn vpn_end(&mut self, vpn: &Node, side: &str) -> Option<VpnEnd> {
        let Some(c) = vpn.child(side) else {
            if !Self::absent(vpn, side) {
                return None;
            }
            self.push(
                Diagnostic::error(
                    Code::MissingValue,
                    format!("vpn `{}` needs `{side}`", vpn.arg_str(0).unwrap_or("")),
                )
                .label(vpn.name_span, format!("no {side} gateway"))
                .help(format!(
                    "add `{side} host=\"GATEWAY\" subnets=\"vpc:NAME\"`"
                )),
            );
            return None;
        };
        let host_prop = Self::str_prop(c, "host")?;
        let host = self
            .hosts
            .resolve(&host_prop.value, host_prop.span, self.diags);
        let subnets_prop = Self::str_prop(c, "subnets")?;
        let mut subnets = Vec::new();
        for part in subnets_prop
            .value
            .split([',', ' '])
            .filter(|p| !p.is_empty())
        {
            match self.peer(part, subnets_prop.span, None) {
                Some(p @ (Peer::Network(_) | Peer::Subnet(_) | Peer::Cidr(_))) => subnets.push(p),
                Some(_) => self.push(
                    Diagnostic::error(Code::InvalidValue, format!("`{part}` is not a network"))
                        .label(subnets_prop.span, "expected vpc:, vnet:, subnet: or cidr:")
                        .help("the tunnel's subnets are networks, e.g. subnets=\"vpc:core\""),
                ),
                None => {}
            }
        }
        if subnets.is_empty() {
            return None;
        }
        Some(VpnEnd {
            host: host?,
            host_span: host_prop.span,
            subnets,
            subnets_span: subnets_prop.span,
            span: c.span,
        })
    }

    pub(super) fn s3_migration(&mut self, n: &Node) {
        let (Some(name), Some(from), Some(to)) = (
            Self::name_of(n),
            Self::str_prop(n, "from-region"),
            Self::str_prop(n, "to-region"),
        ) else {
            return;
        };
        let method = match n.prop_str("method").unwrap_or(defaults::MIGRATION_METHOD) {
            "replication" => MigrationMethod::Replication,
            _ => MigrationMethod::Sync,
        };
        let buckets = n
            .children_named("bucket")
            .filter_map(|b| {
                let a = b.arg(0)?;
                Some(Bucket {
                    source: Spanned::new(a.value.as_str()?.to_string(), a.span),
                    dest: Self::str_prop(b, "to")?,
                    storage_class: b.prop_str("storage-class").map(str::to_string),
                    span: b.span,
                })
            })
            .collect();
        self.model.s3_migrations.push(S3Migration {
            name: name.value,
            name_span: name.span,
            span: n.span,
            from_region: from,
            to_region: to,
            method,
            buckets,
        });
    }
}
