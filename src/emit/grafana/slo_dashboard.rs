//! `grafana/dashboards/slo.json`, written whenever the spec declares an
//! `slo`: per SLO, the error budget remaining, the SLI over the window, the
//! burn rate over every window the alerts look at (with the page and ticket
//! thresholds for reference) and the SLI over time. Every query reads the
//! recording rules of `prometheus::slo`, so the dashboard shows exactly what
//! the alerts evaluate.

use super::panels::{Place, Query, dashboard, stat, timeseries};
use super::uid;
use crate::emit::prometheus::slo::{BUDGET_REMAINING, number, ratio_metric, window_label};
use crate::emit::{Artifact, EmitContext};
use crate::model::*;
use serde_json::{Value, json};

pub const PATH: &str = "grafana/dashboards/slo.json";

pub fn dashboard_for(ctx: &EmitContext, mon: &Monitoring) -> Option<Artifact> {
    if mon.slos.is_empty() {
        return None;
    }
    let model = ctx.model;
    let mut panels = Vec::new();
    let mut id = 1;
    for (i, slo) in mon.slos.iter().enumerate() {
        let y = i as u32 * 16;
        let sel = format!("{{slo=\"{}\"}}", slo.name);
        let window = window_label(slo.window_ms.value);
        let budget = number(slo.budget());
        panels.push(stat(
            id,
            &format!("{}: error budget remaining ({window})", slo.name),
            "percentunit",
            Place {
                x: 0,
                y,
                w: 6,
                h: 8,
            },
            &[Query {
                expr: format!("{BUDGET_REMAINING}{sel}"),
                legend: "remaining",
            }],
            json!([]),
        ));
        panels.push(stat(
            id + 1,
            &format!(
                "{}: SLI over {window} (objective {}%)",
                slo.name,
                number(slo.objective.value)
            ),
            "percentunit",
            Place {
                x: 0,
                y: y + 8,
                w: 6,
                h: 8,
            },
            &[Query {
                expr: format!("1 - {}{sel}", ratio_metric(slo.window_ms.value)),
                legend: "SLI",
            }],
            json!([]),
        ));
        let burns = slo.burn_alerts();
        // Page and ticket windows on separate panels, each with its
        // alerts' burn rates in the title.
        for (k, (severity, x)) in [("page", 6), ("ticket", 15)].into_iter().enumerate() {
            let mut windows: Vec<u64> = burns
                .iter()
                .filter(|b| b.severity == severity)
                .flat_map(|b| [b.short_ms, b.long_ms])
                .collect();
            windows.sort_unstable();
            windows.dedup();
            let legends: Vec<String> = windows.iter().map(|&w| window_label(w)).collect();
            let queries: Vec<Query> = windows
                .iter()
                .zip(&legends)
                .map(|(&w, legend)| Query {
                    expr: format!("{}{sel} / {budget}", ratio_metric(w)),
                    legend,
                })
                .collect();
            let rates: Vec<String> = burns
                .iter()
                .filter(|b| b.severity == severity)
                .map(|b| format!("{}× over {}", number(b.burn_rate), window_label(b.long_ms)))
                .collect();
            panels.push(timeseries(
                id + 2 + k as u32,
                &format!(
                    "{}: burn rate, {severity} windows ({} fires at {})",
                    slo.name,
                    severity,
                    rates.join(", ")
                ),
                "suffix:×",
                None,
                Place { x, y, w: 9, h: 8 },
                &queries,
            ));
        }
        panels.push(timeseries(
            id + 4,
            &format!("{}: SLI", slo.name),
            "percentunit",
            Some(1.0),
            Place {
                x: 6,
                y: y + 8,
                w: 18,
                h: 8,
            },
            &[
                Query {
                    expr: format!("1 - {}{sel}", ratio_metric(5 * 60_000)),
                    legend: "5m",
                },
                Query {
                    expr: format!("1 - {}{sel}", ratio_metric(3_600_000)),
                    legend: "1h",
                },
            ],
        ));
        id += 5;
    }
    let board: Value = dashboard(
        &uid(&model.project.name, "slo"),
        &format!("{}: SLOs", model.project.name),
        &["infragen", &model.project.name, "slo"],
        Vec::new(),
        panels,
    );
    let text = serde_json::to_string_pretty(&board).unwrap_or_default() + "\n";
    Some(Artifact::new(PATH, text))
}
