//! `slo` nodes → `prometheus/rules/slo_<name>.yml`: the error ratio recorded
//! over every window the alerts look at, the budget remaining, and the four
//! multi-window burn-rate alerts (SRE workbook ch. 5, as Sloth and Pyrra
//! generate them). See docs/monitoring.md, "SLOs".
//!
//! The spec's queries are PromQL text with `{{window}}` where the range goes;
//! they reach YAML only through serde_yaml, which quotes them.

use super::rules::camel;
use crate::model::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The share of the error budget left over the SLO window (1 = untouched,
/// below 0 = overspent).
pub const BUDGET_REMAINING: &str = "slo:error_budget:remaining";
/// The objective as a ratio (0.999), for dashboards.
pub const OBJECTIVE: &str = "slo:objective:ratio";

/// `5m`, `1h`, `3d`, `30d`: whole days stay days (Prometheus reads `30d`; the
/// generic formatter would write `4w2d`).
pub fn window_label(ms: u64) -> String {
    if ms >= 86_400_000 && ms.is_multiple_of(86_400_000) {
        format!("{}d", ms / 86_400_000)
    } else {
        crate::units::format_duration(ms)
    }
}

/// `slo:error_ratio:rate1h`.
pub fn ratio_metric(ms: u64) -> String {
    format!("slo:error_ratio:rate{}", window_label(ms))
}

/// `web-availability` → `WebAvailabilityBudgetBurn`.
pub fn alert_name(slo: &Slo) -> String {
    format!("{}BudgetBurn", camel(&slo.name))
}

/// The rules file of one SLO.
pub fn file_name(slo: &Slo) -> String {
    // `_` cannot appear in an entity name, so this never meets an alert's file.
    format!("prometheus/rules/slo_{}.yml", slo.name)
}

/// The contact point an alert of this severity goes to, when the spec
/// names one (else the default route takes it).
pub fn contact<'a>(mon: &'a Monitoring, slo: &Slo, severity: &str) -> Option<&'a str> {
    let i = if severity == "page" {
        slo.page
    } else {
        slo.ticket
    }?;
    Some(mon.grafana.as_ref()?.contact_points.get(i)?.name.as_str())
}

/// A number as PromQL writes it: shortest form of the value rounded to 12
/// significant digits.
pub fn number(x: f64) -> String {
    format!("{}", round_sig(x))
}

/// The spec query with its range filled in.
fn with_window(query: &str, ms: u64) -> String {
    query.replace("{{window}}", &window_label(ms))
}

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Rule {
    Record {
        record: String,
        expr: String,
        labels: BTreeMap<String, String>,
    },
    Alert {
        alert: String,
        expr: String,
        labels: BTreeMap<String, String>,
        annotations: BTreeMap<String, String>,
    },
}

/// The alerting rule expression of one burn-rate alert.
pub fn alert_expr(slo: &Slo, b: &BurnAlert) -> String {
    let threshold = number(b.burn_rate * slo.budget());
    let sel = format!("{{slo=\"{}\"}}", slo.name);
    format!(
        "{}{sel} >= {threshold} and {}{sel} >= {threshold}",
        ratio_metric(b.long_ms),
        ratio_metric(b.short_ms)
    )
}

/// One burn-rate alert, ready to render (Prometheus, Grafana).
#[derive(Debug, Clone)]
pub struct BurnRule {
    pub name: String,
    /// `page-1h`, `ticket-3d`: unique within the SLO.
    pub key: String,
    pub expr: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// The four burn-rate alerts of an SLO.
pub fn burn_rules(mon: &Monitoring, slo: &Slo) -> Vec<BurnRule> {
    let window = window_label(slo.window_ms.value);
    slo.burn_alerts()
        .iter()
        .map(|b| {
            let mut labels = BTreeMap::from([("slo".to_string(), slo.name.clone())]);
            labels.insert("severity".into(), b.severity.into());
            labels.insert("long_window".into(), window_label(b.long_ms));
            labels.insert("short_window".into(), window_label(b.short_ms));
            if let Some(c) = contact(mon, slo, b.severity) {
                // Alertmanager's routes and Grafana's policy match on it.
                labels.insert("notify".into(), c.to_string());
            }
            let pct = number(b.budget_spent * 100.0);
            BurnRule {
                name: alert_name(slo),
                key: format!("{}-{}", b.severity, window_label(b.long_ms)),
                expr: alert_expr(slo, b),
                labels,
                annotations: BTreeMap::from([
                    (
                        "summary".to_string(),
                        format!(
                            "SLO {} is burning its error budget {}× too fast",
                            slo.name,
                            number(b.burn_rate)
                        ),
                    ),
                    (
                        "description".to_string(),
                        format!(
                            "The error ratio over the last {} and {} is at least {} times the \
                             error budget of the {}% {window} objective; at this rate {pct}% \
                             of the budget goes in {}.",
                            window_label(b.long_ms),
                            window_label(b.short_ms),
                            number(b.burn_rate),
                            number(slo.objective.value),
                            window_label(b.long_ms),
                        ),
                    ),
                ]),
            }
        })
        .collect()
}

/// The body of `rules/slo_<name>.yml` (without the provenance header).
pub fn render(mon: &Monitoring, slo: &Slo) -> String {
    let slo_label = BTreeMap::from([("slo".to_string(), slo.name.clone())]);
    let mut recording: Vec<Rule> = slo
        .ratio_windows()
        .into_iter()
        .map(|ms| Rule::Record {
            record: ratio_metric(ms),
            expr: format!(
                "({}) / ({})",
                with_window(&slo.errors, ms),
                with_window(&slo.total, ms)
            ),
            labels: slo_label.clone(),
        })
        .collect();
    recording.push(Rule::Record {
        record: OBJECTIVE.into(),
        expr: format!("vector({})", number(slo.objective.value / 100.0)),
        labels: slo_label.clone(),
    });
    recording.push(Rule::Record {
        record: BUDGET_REMAINING.into(),
        expr: format!(
            "1 - {}{{slo=\"{}\"}} / {}",
            ratio_metric(slo.window_ms.value),
            slo.name,
            number(slo.budget())
        ),
        labels: slo_label.clone(),
    });
    let alerts = burn_rules(mon, slo)
        .into_iter()
        .map(|r| Rule::Alert {
            alert: r.name,
            expr: r.expr,
            labels: r.labels,
            annotations: r.annotations,
        })
        .collect();
    let file = RuleFile {
        groups: vec![
            Group {
                name: format!("slo-{}-recording", slo.name),
                rules: recording,
            },
            Group {
                name: format!("slo-{}-alerts", slo.name),
                rules: alerts,
            },
        ],
    };
    super::yaml(&file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{Span, Spanned};

    fn slo(objective: f64, days: u64) -> Slo {
        Slo {
            name: "api".into(),
            name_span: Span::default(),
            span: Span::default(),
            objective: Spanned::new(objective, Span::default()),
            window_ms: Spanned::new(days * 86_400_000, Span::default()),
            errors: "sum(rate(e[{{window}}]))".into(),
            total: "sum(rate(t[{{window}}]))".into(),
            page: None,
            ticket: None,
        }
    }

    #[test]
    fn thirty_days_give_the_workbook_burn_rates() {
        let rates: Vec<f64> = slo(99.9, 30)
            .burn_alerts()
            .iter()
            .map(|b| b.burn_rate)
            .collect();
        assert_eq!(rates, [14.4, 6.0, 3.0, 1.0]);
        let e = alert_expr(&slo(99.9, 30), &slo(99.9, 30).burn_alerts()[0]);
        assert_eq!(
            e,
            "slo:error_ratio:rate1h{slo=\"api\"} >= 0.0144 and slo:error_ratio:rate5m{slo=\"api\"} >= 0.0144"
        );
    }

    #[test]
    fn other_windows_scale_the_burn_rates() {
        let rates: Vec<f64> = slo(99.0, 28)
            .burn_alerts()
            .iter()
            .map(|b| b.burn_rate)
            .collect();
        assert_eq!(rates, [13.44, 5.6, 2.8, 0.933333333333]);
    }

    #[test]
    fn windows_are_labelled_in_days() {
        assert_eq!(window_label(30 * 86_400_000), "30d");
        assert_eq!(window_label(28 * 86_400_000), "28d");
        assert_eq!(window_label(300_000), "5m");
        assert_eq!(
            slo(99.9, 3).ratio_windows().len(),
            7,
            "a 3d window is already recorded"
        );
        assert_eq!(number(0.1 + 0.2), "0.3");
    }
}
