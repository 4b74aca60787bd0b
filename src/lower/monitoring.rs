//! `monitoring`: Node Exporter, Prometheus, Grafana, alerts.

use super::Lowerer;
use super::refs::Namespace;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::schema::defaults;
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
            port: ne
                .and_then(|c| Self::port_prop(c, "port"))
                .unwrap_or(defaults::NODE_EXPORTER_PORT),
            span: ne.map_or(n.name_span, |c| c.span),
        };
        // The version lands in a download URL and a path of cloud-init.
        // (A value that is not even a version's syntax is reported by the
        // validator: one mistake, one error.)
        if let Some(v) = ne.and_then(|c| Self::str_prop(c, "version"))
            && crate::units::check_text(crate::units::Text::Version, &v.value).is_ok()
            && !is_release(&v.value)
        {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a Node Exporter release", v.value),
                )
                .label(v.span, "expected MAJOR.MINOR.PATCH")
                .help("write the release number without `v`, e.g. version=\"1.8.1\""),
            );
        }
        let prometheus_node = n.child("prometheus");
        let prometheus = prometheus_node.and_then(|p| self.prometheus(p));
        let scrape_interval_poisoned = match prometheus_node {
            Some(p) => {
                prometheus.is_none()
                    || (p.prop("scrape-interval").is_some()
                        && Self::duration_prop(p, "scrape-interval").is_none())
            }
            None => super::spec_of("monitoring").is_some_and(|spec| {
                super::misspelt(&n.children, spec, "prometheus")
                    .next()
                    .is_some()
            }),
        };
        let grafana_node = n.child("grafana");
        let grafana_misspelt = super::spec_of("monitoring").is_some_and(|spec| {
            super::misspelt(&n.children, spec, "grafana")
                .next()
                .is_some()
        });
        let (grafana, contacts) = match grafana_node.map(|g| self.grafana(g)) {
            Some(Some((g, contacts))) => (Some(g), contacts),
            // Its error is reported: references to its contact points are quiet.
            Some(None) => (None, Namespace::opaque("contact point")),
            None if grafana_misspelt => (None, Namespace::opaque("contact point")),
            None => (None, Namespace::new("contact point")),
        };
        let has_grafana = grafana_node.is_some() || grafana_misspelt;
        let alerts = n
            .children_named("alert")
            .filter_map(|a| self.alert(a, &contacts, has_grafana))
            .collect();
        let mut slo_names: Namespace<()> = Namespace::new("slo");
        let slos = n
            .children_named("slo")
            .filter_map(|s| self.slo(s, &contacts, has_grafana, &mut slo_names))
            .collect();
        let alertmanager = n.child("alertmanager").and_then(|a| {
            let host_prop = Self::str_prop(a, "host")?;
            let host = self
                .hosts
                .resolve(&host_prop.value, host_prop.span, self.diags)?;
            Some(Alertmanager {
                host,
                host_span: host_prop.span,
                port: Self::port_prop(a, "port").unwrap_or(defaults::ALERTMANAGER_PORT),
                span: a.span,
            })
        });
        self.model.monitoring = Some(Monitoring {
            node_exporter,
            prometheus,
            grafana,
            alerts,
            slos,
            alertmanager,
            span: n.span,
            scrape_interval_poisoned,
            contacts_poisoned: contacts.any_poisoned(),
        });
    }

    /// A contact point named by `key=` (`notify`, `page`, `ticket`).
    fn contact_ref(
        &mut self,
        node: &Node,
        key: &str,
        contacts: &Namespace<usize>,
        has_grafana: bool,
    ) -> Result<Option<usize>, ()> {
        match Self::str_prop(node, key) {
            Some(n) if has_grafana => contacts
                .resolve(&n.value, n.span, self.diags)
                .map(Some)
                .ok_or(()),
            Some(n) => {
                self.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!("no contact point named `{}`", n.value),
                    )
                    .label(n.span, "referenced here")
                    .help("declare contact points under `grafana`"),
                );
                Err(())
            }
            None => Ok(None),
        }
    }

    fn slo(
        &mut self,
        s: &Node,
        contacts: &Namespace<usize>,
        has_grafana: bool,
        names: &mut Namespace<()>,
    ) -> Option<Slo> {
        let name = Self::name_of(s)?;
        if !names.declare(&name.value, (), name.span, self.diags) {
            return None;
        }
        let objective = s.prop("objective").and_then(|p| {
            let v = match p.value {
                Value::Int(i) => i as f64,
                Value::Float(f) => f,
                _ => {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("slo `{}`: objective= must be a number", name.value),
                        )
                        .label(p.span, "expected a percentage")
                        .help("write e.g. objective=99.9"),
                    );
                    return None;
                }
            };
            Some(Spanned::new(v, p.span))
        });
        let window_ms = match s.prop("window") {
            Some(p) => {
                let ms = p
                    .value
                    .as_str()
                    .and_then(|w| crate::units::parse_duration(w).ok());
                match ms {
                    Some(ms) if ms >= 3 * 86_400_000 => Some(Spanned::new(ms, p.span)),
                    // A bad duration is reported by the shape validator.
                    None => None,
                    Some(_) => {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                format!("slo `{}`: the window is shorter than 3 days", name.value),
                            )
                            .label(p.span, "too short")
                            .help(
                                "the slowest ticket alert looks back 3 days;                                  write e.g. window=\"30d\" or \"28d\"",
                            ),
                        );
                        None
                    }
                }
            }
            None => Some(Spanned::new(defaults::SLO_WINDOW_MS, name.span)),
        };
        let errors = self.slo_query(s, "errors", &name.value);
        let total = self.slo_query(s, "total", &name.value);
        let page = self.contact_ref(s, "page", contacts, has_grafana);
        let ticket = self.contact_ref(s, "ticket", contacts, has_grafana);
        Some(Slo {
            name: name.value,
            name_span: name.span,
            span: s.span,
            objective: objective?,
            window_ms: window_ms?,
            errors: errors?,
            total: total?,
            page: page.ok()?,
            ticket: ticket.ok()?,
        })
    }

    /// `errors=` / `total=`: PromQL with `{{window}}` where the range goes.
    /// Checked only as far as infragen relies on it; promtool parses the rest.
    fn slo_query(&mut self, s: &Node, key: &str, slo: &str) -> Option<String> {
        let q = Self::str_prop(s, key)?;
        let problem = if q.value.trim().is_empty() {
            Some(("empty query", "write the PromQL of the events".to_string()))
        } else if q.value.chars().any(|c| c.is_control()) {
            Some((
                "line break or control character",
                "write the query on one line".to_string(),
            ))
        } else if !q.value.contains("{{window}}") {
            Some((
                "no `{{window}}`",
                format!(
                    "put {{{{window}}}} where the range goes, e.g. \
                     {key}=\"sum(rate(http_requests_total[{{{{window}}}}]))\""
                ),
            ))
        } else {
            None
        };
        if let Some((label, help)) = problem {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("slo `{slo}`: {key}= is not a usable query"),
                )
                .label(q.span, label)
                .help(help),
            );
            return None;
        }
        Some(q.value)
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
            port: Self::port_prop(p, "port").unwrap_or(defaults::PROMETHEUS_PORT),
            scrape_interval_ms: Self::duration_prop(p, "scrape-interval")
                .unwrap_or(defaults::SCRAPE_INTERVAL_MS),
            evaluation_interval_ms: Self::duration_prop(p, "evaluation-interval")
                .unwrap_or(defaults::EVALUATION_INTERVAL_MS),
            retention_ms: Self::duration_prop(p, "retention").unwrap_or(defaults::RETENTION_MS),
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
                // Reported by the shape validator.
                _ => {
                    contacts.declare_poisoned(&name.value, name.span);
                    continue;
                }
            };
            let to = c.prop_str("to").map(str::to_string);
            let url_env = c.prop_str("url-env").map(str::to_string);
            let (key, example) = match kind {
                ContactKind::Email => ("to", "to=\"oncall@example.com\""),
                ContactKind::GoogleChat | ContactKind::Slack => {
                    ("url-env", "url-env=\"WEBHOOK_URL\"")
                }
            };
            let given = if key == "to" { &to } else { &url_env };
            if given.is_none() {
                // A literal `url=` is reported as secret-literal already.
                if Self::absent(c, key) && (key == "to" || c.prop("url").is_none()) {
                    self.push(
                        Diagnostic::error(
                            Code::MissingValue,
                            format!("contact point `{}` needs `{key}=`", name.value),
                        )
                        .label(name.span, format!("no `{key}=`"))
                        .help(format!("add {example}")),
                    );
                }
                contacts.declare_poisoned(&name.value, name.span);
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
        let grafana_spec = super::spec_of("monitoring").and_then(|m| m.child("grafana"));
        for c in grafana_spec
            .into_iter()
            .flat_map(|spec| super::misspelt(&g.children, spec, "contact-point"))
        {
            if let Some(name) = Self::name_of(c) {
                contacts.declare_poisoned(&name.value, name.span);
            }
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
            port: Self::port_prop(g, "port").unwrap_or(defaults::GRAFANA_PORT),
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
                if !Self::absent(a, "above") {
                    return None;
                }
                l.push(
                    Diagnostic::error(
                        Code::MissingValue,
                        format!("alert `{}` needs `above=`", name.value),
                    )
                    .label(name.span, "no threshold")
                    .help("add above=PERCENT, e.g. above=90"),
                );
                return None;
            };
            let v = match &p.value {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                // Not a duration either: the validator reported it.
                Value::Str(s) if crate::units::parse_duration(s).is_err() => return None,
                _ => f64::NAN,
            };
            if !(v > 0.0 && v <= 100.0) {
                l.push(
                    Diagnostic::error(
                        Code::InvalidValue,
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
                    if !Self::absent(a, "cluster") {
                        return None;
                    }
                    self.push(
                        Diagnostic::error(
                            Code::MissingValue,
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
                    // A string that is no duration: the validator reported it.
                    let reported = above.is_some_and(|p| p.value.as_str().is_some());
                    if reported || (above.is_none() && !Self::absent(a, "above")) {
                        return None;
                    }
                    self.push(
                        Diagnostic::error(
                            Code::MissingValue,
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
                None if !Self::absent(a, "expr") => return None,
                None => {
                    self.push(
                        Diagnostic::error(Code::MissingValue, format!("alert `{}` needs `expr=`", name.value))
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
        // A property the alert ignores is an error, not a silent no-op:
        // `instance-down above=5` reads like a threshold nobody applies.
        let takes: &[&str] = match &kind {
            AlertKind::DiskUsage { .. }
            | AlertKind::CpuUsage { .. }
            | AlertKind::MemoryUsage { .. } => &["above"],
            AlertKind::InstanceDown => &[],
            AlertKind::ReplicationLag { .. } => &["above", "cluster"],
            AlertKind::Custom { .. } => &["expr"],
        };
        let mut ignored = false;
        for key in ["above", "cluster", "expr"] {
            if let Some(p) = a.prop(key)
                && !takes.contains(&key)
            {
                let uses = if takes.is_empty() {
                    "takes only for=, severity= and notify=".to_string()
                } else {
                    let list: Vec<String> = takes.iter().map(|k| format!("{k}=")).collect();
                    format!("takes {}, for=, severity= and notify=", list.join(", "))
                };
                self.push(
                    Diagnostic::error(
                        Code::UnknownProperty,
                        format!("alert `{}` ignores `{key}=`", name.value),
                    )
                    .label(p.span, "has no effect on this alert")
                    .help(format!("remove it: alert `{}` {uses}", name.value)),
                );
                ignored = true;
            }
        }
        if ignored {
            return None;
        }
        let notify = match Self::str_prop(a, "notify") {
            Some(n) if has_grafana => Some(contacts.resolve(&n.value, n.span, self.diags)?),
            Some(n) => {
                self.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
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

/// `1.8.1` or `1.9.0-rc.0`: a release number as the download URLs spell it.
fn is_release(v: &str) -> bool {
    let (core, pre) = match v.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (v, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(|p| {
            !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        })
}

#[cfg(test)]
mod tests {
    use super::is_release;

    #[test]
    fn release_numbers() {
        for ok in ["1.8.1", "0.18.0", "1.9.0-rc.0"] {
            assert!(is_release(ok), "{ok}");
        }
        for bad in [
            "latest",
            "v1.8.1",
            "1.8",
            "1.8.1/../x",
            "1.8.1-",
            "1..1",
            "",
        ] {
            assert!(!is_release(bad), "{bad}");
        }
    }
}
