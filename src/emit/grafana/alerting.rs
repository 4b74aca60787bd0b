//! `provisioning/alerting/`: contact points, the notification policy, and
//! the alert rules.
//!
//! Why Grafana has its own copy of the rules: Grafana's built-in
//! Alertmanager only handles Grafana-managed alerts, so Prometheus cannot
//! hand it its firing alerts. Grafana therefore evaluates the very same
//! PromQL (`prometheus::rules` writes both) and routes on `notify`. The
//! query → math → threshold chain is the one Grafana itself builds when it
//! imports Prometheus rules: any series returned means firing.

use super::{DATASOURCE_UID, uid};
use crate::emit::prometheus::{builtin, rules, slo, targets, yaml};
use crate::emit::{Artifact, EmitContext};
use crate::model::*;
use crate::units::format_duration;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleFile {
    api_version: u32,
    groups: Vec<RuleGroup>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleGroup {
    org_id: u32,
    name: String,
    folder: String,
    interval: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    uid: String,
    title: String,
    condition: &'static str,
    data: Vec<Value>,
    /// No series returned = the condition is false, as in Prometheus.
    no_data_state: &'static str,
    exec_err_state: &'static str,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_: Option<String>,
    annotations: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
}

pub fn rules(ctx: &EmitContext, mon: &Monitoring, prom: &Prometheus) -> Option<Artifact> {
    let model = ctx.model;
    let jobs = targets::plan(model, mon, prom);
    let alerts = rules::alert_rules(model, mon, prom, &jobs);
    let burns: Vec<(String, slo::BurnRule)> = mon
        .slos
        .iter()
        .flat_map(|s| {
            slo::burn_rules(mon, s)
                .into_iter()
                .map(|r| (format!("slo-{}-{}", s.name, r.key), r))
        })
        .collect();
    let builtins: Vec<(String, builtin::Builtin)> = builtin::groups(model, prom, &jobs)
        .into_iter()
        .flat_map(|(group, rules)| {
            rules
                .into_iter()
                .map(move |r| (format!("{group}-{}", r.alert), r))
        })
        .collect();
    if alerts.is_empty() && burns.is_empty() && builtins.is_empty() {
        return None;
    }
    let project = &model.project.name;
    let file = RuleFile {
        api_version: 1,
        groups: vec![RuleGroup {
            org_id: 1,
            name: project.clone(),
            folder: project.clone(),
            interval: format_duration(grafana_interval(prom.evaluation_interval_ms)),
            rules: alerts
                .iter()
                .map(|a| Rule {
                    uid: uid(project, &a.alert.name),
                    title: a.name.clone(),
                    condition: "threshold",
                    data: query_chain(&a.expr),
                    no_data_state: "OK",
                    exec_err_state: "Error",
                    for_: a.for_.clone(),
                    annotations: a.annotations.clone(),
                    labels: a.labels.clone(),
                })
                .chain(burns.into_iter().map(|(key, r)| Rule {
                    uid: uid(project, &key),
                    title: r.name,
                    condition: "threshold",
                    data: query_chain(&r.expr),
                    no_data_state: "OK",
                    exec_err_state: "Error",
                    for_: None,
                    annotations: r.annotations,
                    labels: r.labels,
                }))
                .chain(builtins.into_iter().map(|(key, r)| Rule {
                    uid: uid(project, &key),
                    title: r.alert,
                    condition: "threshold",
                    data: query_chain(&r.expr),
                    no_data_state: "OK",
                    exec_err_state: "Error",
                    for_: Some(r.for_),
                    annotations: r.annotations,
                    labels: r.labels,
                }))
                .collect(),
        }],
    };
    let mut text = ctx.header("#");
    text.push_str("# The same alerts as prometheus/rules/*.yml, evaluated by Grafana so that\n# its notification policy can route them (see docs/monitoring.md).\n");
    text.push_str(&yaml(&file));
    Some(Artifact::new(
        "grafana/provisioning/alerting/rules.yml",
        text,
    ))
}

/// Grafana evaluates rule groups on multiples of its 10 s scheduler tick:
/// the evaluation interval, rounded up to one.
fn grafana_interval(ms: u64) -> u64 {
    ms.div_ceil(10_000).max(1) * 10_000
}

fn query_chain(expr: &str) -> Vec<Value> {
    let expr_ds = json!({ "type": "__expr__", "uid": "__expr__" });
    vec![
        json!({
            "refId": "query",
            "relativeTimeRange": { "from": 600, "to": 0 },
            "datasourceUid": DATASOURCE_UID,
            "model": {
                "refId": "query",
                "datasource": { "type": "prometheus", "uid": DATASOURCE_UID },
                "expr": expr,
                "instant": true,
                "range": false,
                "intervalMs": 1000,
                "maxDataPoints": 43200
            }
        }),
        json!({
            "refId": "prometheus_math",
            "datasourceUid": "__expr__",
            "model": {
                "refId": "prometheus_math",
                "datasource": expr_ds,
                "type": "math",
                "expression": "is_number($query) || is_nan($query) || is_inf($query)"
            }
        }),
        json!({
            "refId": "threshold",
            "datasourceUid": "__expr__",
            "model": {
                "refId": "threshold",
                "datasource": expr_ds,
                "type": "threshold",
                "expression": "prometheus_math",
                "conditions": [{ "evaluator": { "type": "gt", "params": [0] } }]
            }
        }),
    ]
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContactPoints {
    api_version: u32,
    contact_points: Vec<ContactPointDef>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContactPointDef {
    org_id: u32,
    name: String,
    receivers: Vec<Receiver>,
}

#[derive(Serialize)]
struct Receiver {
    uid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    settings: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Policies {
    api_version: u32,
    policies: Vec<Policy>,
}

/// Policies keep Alertmanager's snake_case keys, except `orgId`.
#[derive(Serialize)]
struct Policy {
    #[serde(rename = "orgId")]
    org_id: u32,
    receiver: String,
    group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize)]
struct Route {
    receiver: String,
    object_matchers: Vec<[String; 3]>,
}

/// `contact-points.yml` and `policies.yml`, when the spec declares contact
/// points. Webhook URLs are secrets: Grafana reads them from its own
/// environment at start-up (`$__env{VAR}`), never from the spec.
pub fn contact_points(ctx: &EmitContext, grafana: &Grafana) -> Vec<Artifact> {
    if grafana.contact_points.is_empty() {
        return Vec::new();
    }
    let model = ctx.model;
    let points = ContactPoints {
        api_version: 1,
        contact_points: grafana
            .contact_points
            .iter()
            .map(|c| {
                let (kind, key, value) = match c.kind {
                    ContactKind::Email => ("email", "addresses", c.to.clone().unwrap_or_default()),
                    ContactKind::GoogleChat => ("googlechat", "url", env(&c.url_env)),
                    ContactKind::Slack => ("slack", "url", env(&c.url_env)),
                };
                ContactPointDef {
                    org_id: 1,
                    name: c.name.clone(),
                    receivers: vec![Receiver {
                        uid: uid(&model.project.name, &c.name),
                        kind,
                        settings: BTreeMap::from([(key, value)]),
                    }],
                }
            })
            .collect(),
    };
    let mut cp_text = ctx.header("#");
    cp_text.push_str(&yaml(&points));

    // Root: the default contact point (the first one declared when the spec
    // names none); one child route per contact point an alert notifies.
    let root = grafana.default_contact_point.unwrap_or(0);
    let mut notified: Vec<usize> = model
        .monitoring
        .iter()
        .flat_map(|m| {
            let slos = m.slos.iter().flat_map(|s| [s.page, s.ticket]);
            m.alerts.iter().map(|a| a.notify).chain(slos).flatten()
        })
        .filter(|&i| i != root)
        .collect();
    notified.sort();
    notified.dedup();
    let policies = Policies {
        api_version: 1,
        policies: vec![Policy {
            org_id: 1,
            receiver: grafana.contact_points[root].name.clone(),
            group_by: vec!["grafana_folder", "alertname"],
            routes: notified
                .into_iter()
                .map(|i| {
                    let name = grafana.contact_points[i].name.clone();
                    Route {
                        receiver: name.clone(),
                        object_matchers: vec![["notify".into(), "=".into(), name]],
                    }
                })
                .collect(),
        }],
    };
    let mut pol_text = ctx.header("#");
    pol_text.push_str(
        "# Alerts carry `notify=<contact point>` (prometheus::rules); others go to the root.\n",
    );
    pol_text.push_str(&yaml(&policies));
    vec![
        Artifact::new("grafana/provisioning/alerting/contact-points.yml", cp_text),
        Artifact::new("grafana/provisioning/alerting/policies.yml", pol_text),
    ]
}

fn env(var: &Option<String>) -> String {
    format!("$__env{{{}}}", var.as_deref().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::grafana_interval;

    #[test]
    fn intervals_round_up_to_ten_seconds() {
        assert_eq!(grafana_interval(15_000), 20_000);
        assert_eq!(grafana_interval(30_000), 30_000);
        assert_eq!(grafana_interval(1_000), 10_000);
    }
}
