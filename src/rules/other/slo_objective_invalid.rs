//! `slo-objective-invalid`: An SLO's objective is not a percentage below 100,
//! or leaves less error budget than one scrape interval per window.

use super::super::prelude::*;
use crate::units::format_duration;

pub static RULE: Rule = Rule {
    code: Code::SloObjectiveInvalid,
    family: Family::Other,
    severity: Severity::Error,
    summary: "An SLO's objective is outside (0, 100) or leaves less budget than one scrape interval.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports an `slo` whose `objective=` is not strictly between 0 and 100, or so
close to 100 that its error budget over the window — (100 − objective) % of
`window=` — is shorter than one Prometheus scrape interval.

## Why is this bad
The objective is the share of good events in percent. 100 leaves no error
budget at all: every burn-rate threshold becomes 0 and the alerts fire on the
first failed request; 0 or less, or above 100, is not a ratio. And Prometheus
only sees the service once per scrape interval: a 99.9999 % objective over 30
days allows 2.6 seconds of failure, less than one 15-second scrape, so a single
failed scrape spends the whole budget and the budget and burn rates the rules
record cannot be measured at that resolution.

## Example
```kdl
monitoring {
    prometheus host="monitor" scrape-interval="15s"
    slo "api" objective=99.9999 window="30d" errors="…" total="…"
}
```
Choose an objective whose budget the monitoring can see:
```kdl
    slo "api" objective=99.95 window="30d" errors="…" total="…"
```

## Source
- Google SRE Workbook, ch. 2 "Implementing SLOs" and ch. 5 "Alerting on SLOs": https://sre.google/workbook/alerting-on-slos/
- Prometheus, configuration (`scrape_interval`): https://prometheus.io/docs/prometheus/latest/configuration/configuration/
"#;

/// Scrape interval when the spec has no `prometheus` or does not set it.
const DEFAULT_SCRAPE_MS: u64 = 15_000;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(mon) = &ctx.model.monitoring else {
        return;
    };
    let scrape = mon
        .prometheus
        .as_ref()
        .map_or(DEFAULT_SCRAPE_MS, |p| p.scrape_interval_ms);
    for slo in &mon.slos {
        let objective = slo.objective.value;
        if !(objective > 0.0 && objective < 100.0) {
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "slo `{}`: objective {objective} is not a percentage below 100",
                        slo.name
                    ),
                )
                .label(slo.objective.span, "expected more than 0 and less than 100")
                .help("write the share of good events in percent, e.g. objective=99.9"),
            );
            continue;
        }
        let window = slo.window_ms.value;
        let budget_ms = slo.budget() * window as f64;
        if budget_ms >= scrape as f64 {
            continue;
        }
        // The tightest objective whose budget still spans one scrape,
        // rounded down to a figure people write.
        let max = 100.0 * (1.0 - scrape as f64 / window as f64);
        let max = (max * 10_000.0).floor() / 10_000.0;
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "slo `{}`: a {objective}% objective over {} leaves {:.1}s of errors, \
                     less than one scrape interval ({})",
                    slo.name,
                    format_duration(window),
                    budget_ms / 1000.0,
                    format_duration(scrape)
                ),
            )
            .label(slo.objective.span, "budget shorter than a scrape")
            .label(slo.name_span, "slo declared here")
            .help(format!(
                "lower the objective to at most {max} (or scrape more often, or use a longer window)"
            )),
        );
    }
}
