//! `monitoring`: Node Exporter, Prometheus, Grafana, alerts.

use super::Lowerer;
use super::refs::Namespace;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::span::Spanned;
use crate::syntax::{Node, Value};

impl Lowerer<'_> {
    pub(super) fn monitoring(&mut self, n: &Node) {
        let ne = n.child("node-exporter");
        let node_exporter = NodeExporter {
            version: ne
                .and_then(|c| c.prop_str("version"))
                .unwrap_or("1.8.1")
                .to_string(),
            port: ne.and_then(|c| Self::port_prop(c, "port")).unwrap_or(9100),
        };
        let prometheus = n.child("prometheus").and_then(|p| self.prometheus(p));
        let (grafana, contacts) = match n.child("grafana").and_then(|g| self.grafana(g)) {
            Some((g, contacts)) => (Some(g), contacts),
            None => (None, Namespace::new("contact point")),
        };
        let alerts = n
            .children_named("alert")
            .filter_map(|a| self.alert(a, &contacts, grafana.is_some()))
            .collect();
        self.model.monitoring = Some(Monitoring {
            node_exporter,
            prometheus,
            grafana,
            alerts,
            span: n.span,
        });
    }

    fn prometheus(&mut self, p: &Node) -> Option<Prometheus> {
        let host_prop = Self::str_prop(p, "host")?;
        let host = self
            .hosts
            .resolve(&host_prop.value, host_prop.span, self.diags)?;
        let ec2 = p
            .children_named("ec2-discovery")
            .filter_map(|d| {
                Some(Ec2Discovery {
                    region: d.prop_str("region")?.to_string(),
                    filters: d
                        .children_named("filter")
                        .filter_map(|f| {
                            // `filter` with no arguments is a missing-value already.
                            let values = f
                                .args
                                .get(1..)
                                .unwrap_or_default()
                                .iter()
                                .filter_map(|a| a.value.as_str().map(str::to_string));
                            Some((f.arg_str(0)?.to_string(), values.collect()))
                        })
                        .collect(),
                    relabels: d
                        .children_named("relabel")
                        .filter_map(|r| {
                            Some((r.arg_str(0)?.to_string(), r.prop_str("from")?.to_string()))
                        })
                        .collect(),
                    span: d.span,
                })
            })
            .collect();
        Some(Prometheus {
            host,
            host_span: host_prop.span,
            port: Self::port_prop(p, "port").unwrap_or(9090),
            scrape_interval_ms: Self::duration_prop(p, "scrape-interval").unwrap_or(15_000),
            evaluation_interval_ms: Self::duration_prop(p, "evaluation-interval").unwrap_or(15_000),
            retention_ms: Self::duration_prop(p, "retention").unwrap_or(15 * 86_400_000),
            ec2,
            span: p.span,
        })
    }

    /// Grafana, and the namespace of its contact points (alerts resolve
    /// `notify=` in it).
    fn grafana(&mut self, g: &Node) -> Option<(Grafana, Namespace<usize>)> {
        let host_prop = Self::str_prop(g, "host")?;
        let host = self
            .hosts
            .resolve(&host_prop.value, host_prop.span, self.diags)?;
        let mut contacts: Namespace<usize> = Namespace::new("contact point");
        let mut contact_points = Vec::new();
        for c in g.children_named("contact-point") {
            let Some(name) = Self::name_of(c) else {
                continue;
            };
            let kind = match c.prop_str("type") {
                Some("email") => ContactKind::Email,
                Some("googlechat") => ContactKind::GoogleChat,
                Some("slack") => ContactKind::Slack,
                _ => continue,
            };
            let to = c.prop_str("to").map(str::to_string);
            let url_env = c.prop_str("url-env").map(str::to_string);
            let missing = match kind {
                ContactKind::Email if to.is_none() => Some(("to", "to=\"oncall@example.com\"")),
                // A literal `url=` is reported as secret-literal already.
                ContactKind::GoogleChat | ContactKind::Slack
                    if url_env.is_none() && c.prop("url").is_none() =>
                {
                    Some(("url-env", "url-env=\"WEBHOOK_URL\""))
                }
                _ => None,
            };
            if let Some((key, example)) = missing {
                self.push(
                    Diagnostic::error(
                        "missing-value",
                        format!("contact point `{}` needs `{key}=`", name.value),
                    )
                    .label(name.span, format!("no `{key}=`"))
                    .help(format!("add {example}")),
                );
                continue;
            }
            if !contacts.declare(&name.value, contact_points.len(), name.span, self.diags) {
                continue;
            }
            contact_points.push(ContactPoint {
                name: name.value,
                kind,
                to,
                url_env,
                span: c.span,
            });
        }
        let default_contact_point = g.child("default-contact-point").and_then(|d| {
            let a = d.arg(0)?;
            contacts.resolve(a.value.as_str()?, a.span, self.diags)
        });
        let mut dashboards: Vec<String> = g
            .children_named("dashboard")
            .filter_map(|d| d.arg_str(0).map(str::to_string))
            .collect();
        dashboards.dedup();
        let grafana = Grafana {
            host,
            host_span: host_prop.span,
            port: Self::port_prop(g, "port").unwrap_or(3000),
            dashboards,
            contact_points,
            default_contact_point,
            span: g.span,
        };
        Some((grafana, contacts))
    }

    fn alert(&mut self, a: &Node, contacts: &Namespace<usize>, has_grafana: bool) -> Option<Alert> {
        let name = Self::name_of(a)?;
        let above = a.prop("above");
        let percent = |l: &mut Self| -> Option<f64> {
            let Some(p) = above else {
                l.push(
                    Diagnostic::error(
                        "missing-value",
                        format!("alert `{}` needs `above=`", name.value),
                    )
                    .label(name.span, "no threshold")
                    .help("add above=PERCENT, e.g. above=90"),
                );
                return None;
            };
            let v = match p.value {
                Value::Int(i) => i as f64,
                Value::Float(f) => f,
                _ => f64::NAN,
            };
            if !(v > 0.0 && v <= 100.0) {
                l.push(
                    Diagnostic::error(
                        "invalid-value",
                        format!("alert `{}`: above= must be a percentage", name.value),
                    )
                    .label(p.span, "expected a number from 1 to 100")
                    .help("write e.g. above=90"),
                );
                return None;
            }
            Some(v)
        };
        let kind = match name.value.as_str() {
            "disk-usage" => AlertKind::DiskUsage {
                above: percent(self)?,
            },
            "cpu-usage" => AlertKind::CpuUsage {
                above: percent(self)?,
            },
            "memory-usage" => AlertKind::MemoryUsage {
                above: percent(self)?,
            },
            "instance-down" => AlertKind::InstanceDown,
            "replication-lag" => {
                let Some(c) = Self::str_prop(a, "cluster") else {
                    self.push(
                        Diagnostic::error(
                            "missing-value",
                            "alert `replication-lag` needs `cluster=`",
                        )
                        .label(name.span, "which cluster?")
                        .help("add cluster=\"NAME\" of a postgres-cluster"),
                    );
                    return None;
                };
                let cluster = self.pg_clusters.resolve(&c.value, c.span, self.diags)?;
                let above_ms =
                    above.and_then(|p| crate::units::parse_duration(p.value.as_str()?).ok());
                let Some(above_ms) = above_ms else {
                    self.push(
                        Diagnostic::error(
                            "missing-value",
                            "alert `replication-lag` needs `above=` as a duration",
                        )
                        .label(
                            above.map(|p| p.span).unwrap_or(name.span),
                            "expected e.g. above=\"60s\"",
                        )
                        .help("write above=\"60s\""),
                    );
                    return None;
                };
                AlertKind::ReplicationLag { cluster, above_ms }
            }
            _ => match a.prop_str("expr") {
                Some(expr) => AlertKind::Custom {
                    expr: expr.to_string(),
                },
                None => {
                    self.push(
                        Diagnostic::error("missing-value", format!("alert `{}` needs `expr=`", name.value))
                            .label(name.span, "not a built-in alert")
                            .help(
                                "built-ins: disk-usage, cpu-usage, memory-usage, instance-down, replication-lag; \
                                 other alerts need expr=\"PromQL\"",
                            ),
                    );
                    return None;
                }
            },
        };
        let notify = match Self::str_prop(a, "notify") {
            Some(n) if has_grafana => Some(contacts.resolve(&n.value, n.span, self.diags)?),
            Some(n) => {
                self.push(
                    Diagnostic::error(
                        "unresolved-reference",
                        format!("no contact point named `{}`", n.value),
                    )
                    .label(n.span, "referenced here")
                    .help("declare contact points under `grafana`"),
                );
                None
            }
            None => None,
        };
        let for_ms = a.prop("for").and_then(|p| {
            Some(Spanned::new(
                crate::units::parse_duration(p.value.as_str()?).ok()?,
                p.span,
            ))
        });
        Some(Alert {
            name: name.value,
            kind,
            for_ms,
            severity: a.prop_str("severity").unwrap_or("warning").to_string(),
            notify,
            span: a.span,
            name_span: name.span,
        })
    }
}
