//! `alert-without-receiver`: An alert or SLO is routed, but there is no
//! contact point to send it to.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::AlertWithoutReceiver,
    family: Family::Other,
    severity: Severity::Error,
    summary: "An alert or SLO would notify nobody: no contact point, or nothing to route it.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports an `alert` or `slo` whose notifications would go nowhere:
- Alertmanager or Grafana is declared to route alerts, but the spec declares
  no contact point (they are declared under `grafana`), so the alert has no
  `notify=` / `page=` / `ticket=` and no default route to fall back on;
- an `slo` in an estate with neither `alertmanager` nor `grafana`: its
  burn-rate alerts would only show in Prometheus's UI.

## Why is this bad
An SLO exists to page someone when its budget burns fast. An alert that
Alertmanager routes to no receiver is dropped, and one shown only in a web UI
nobody watches finds out about the outage after the customers do.

## Example
```kdl
monitoring {
    prometheus host="monitor"
    alertmanager host="monitor"
    alert "instance-down" for="2m"
}
```
Give the alerts somewhere to go:
```kdl
    grafana host="monitor" {
        contact-point "oncall" type="email" to="oncall@example.com"
        default-contact-point "oncall"
    }
```

## Source
- Alertmanager, configuration, `<route>` and `<receiver>`: https://prometheus.io/docs/alerting/latest/configuration/
- Google SRE Workbook, ch. 5 "Alerting on SLOs": https://sre.google/workbook/alerting-on-slos/
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(mon) = &ctx.model.monitoring else {
        return;
    };
    if mon.contacts_poisoned {
        return; // a contact point's own error is reported
    }
    let routed = mon.alertmanager.is_some() || mon.grafana.is_some();
    let has_contacts = mon.root_contact().is_some();
    if routed && !has_contacts {
        let router = if mon.alertmanager.is_some() {
            "Alertmanager"
        } else {
            "Grafana"
        };
        let names = mon
            .alerts
            .iter()
            .map(|a| ("alert", &a.name, a.name_span))
            .chain(mon.slos.iter().map(|s| ("slo", &s.name, s.name_span)));
        for (kind, name, span) in names {
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!("{kind} `{name}` notifies nobody: {router} has no contact point to route it to"),
                )
                .label(span, "no receiver")
                .help(
                    "declare a contact point under `grafana` (contact-point NAME type=\"email\" to=\"…\") \
                     and make it the default-contact-point",
                ),
            );
        }
    } else if !routed {
        for s in &mon.slos {
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!("slo `{}` notifies nobody: there is neither Alertmanager nor Grafana", s.name),
                )
                .label(s.name_span, "its burn-rate alerts would only show in Prometheus's UI")
                .help("add `alertmanager host=…` (or `grafana` with contact points) under `monitoring`"),
            );
        }
    }
}
