//! `alert-for-too-short`: An alert's `for=` is shorter than two scrape intervals.

use super::super::prelude::*;
use crate::units::format_duration;

pub static RULE: Rule = Rule {
    code: Code::AlertForTooShort,
    family: Family::Other,
    severity: Severity::Warning,
    summary: "An alert's `for=` is shorter than two scrape intervals.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns when an `alert`'s `for=` duration is shorter than two Prometheus scrape
intervals (`monitoring { prometheus scrape-interval= }`, 15s when not given).

## Why is this bad
`for=` is how long the condition must hold before the alert fires. Prometheus
only sees a new sample once per scrape interval, so a `for=` below two
intervals lets a single sample (one slow scrape, one missed scrape that makes
`up == 0`, one spike) page someone. Two intervals is the least that needs the
condition to be seen twice in a row; a few minutes is usual.

## Example
```kdl
monitoring {
    prometheus host="monitor" scrape-interval="30s"
    alert "instance-down" for="30s" severity="critical"
}
```
Wait for at least two scrapes:
```kdl
    alert "instance-down" for="2m" severity="critical"
```

## Source
- Prometheus, "Alerting rules" (`for` clause): https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
- Prometheus, configuration (`scrape_interval`): https://prometheus.io/docs/prometheus/latest/configuration/configuration/
"#;

/// Scrape interval when the spec has no `prometheus` or does not set it.
const DEFAULT_SCRAPE_MS: u64 = 15_000;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(mon) = &ctx.model.monitoring else {
        return;
    };
    if mon.scrape_interval_poisoned {
        return;
    }
    let scrape = mon
        .prometheus
        .as_ref()
        .map_or(DEFAULT_SCRAPE_MS, |p| p.scrape_interval_ms);
    let least = scrape.saturating_mul(2);
    for alert in &mon.alerts {
        let Some(for_ms) = &alert.for_ms else {
            continue;
        };
        if for_ms.value >= least {
            continue;
        }
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "alert `{}` fires after {}, shorter than two scrape intervals (2 × {} = {})",
                    alert.name,
                    format_duration(for_ms.value),
                    format_duration(scrape),
                    format_duration(least)
                ),
            )
            .label(for_ms.span, "one missed or late scrape can fire it")
            .label(alert.name_span, "alert declared here")
            .help(format!(
                "set `for=\"{}\"` or longer",
                format_duration(least)
            )),
        );
    }
}
