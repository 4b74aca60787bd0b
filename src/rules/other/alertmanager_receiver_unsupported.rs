//! `alertmanager-receiver-unsupported`: Alertmanager would have to notify a
//! contact point of a type it has no receiver for (Google Chat).

use super::super::prelude::*;
use crate::model::ContactKind;

pub static RULE: Rule = Rule {
    code: Code::AlertmanagerReceiverUnsupported,
    family: Family::Other,
    severity: Severity::Error,
    summary: "Alertmanager has no receiver for a contact point alerts are routed to (Google Chat).",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
With `monitoring { alertmanager … }`, alerts are routed by Alertmanager to the
contact points that `notify=`, `page=`, `ticket=` and `default-contact-point`
name. Reports such a contact point when Alertmanager has no native receiver for
its type: `type="googlechat"`.

## Why is this bad
Alertmanager's receivers are a fixed set (email, Slack, webhook, PagerDuty,
Opsgenie, …); Google Chat is not among them. infragen cannot write a working
receiver, and leaving it out would drop the alerts meant for it without a word,
so the page would never arrive.

## Example
```kdl
monitoring {
    grafana host="monitor" {
        contact-point "oncall-chat" type="googlechat" url-env="GCHAT_WEBHOOK_URL"
    }
    alertmanager host="monitor"
    alert "instance-down" for="2m" notify="oncall-chat"
}
```
Route it through a supported type (or drop `alertmanager` and let Grafana,
which has a Google Chat notifier, route the alerts; or run a webhook adapter
such as calert in front of Google Chat):
```kdl
        contact-point "oncall-slack" type="slack" url-env="SLACK_WEBHOOK_URL"
    alert "instance-down" for="2m" notify="oncall-slack"
```

## Source
- Alertmanager, configuration, `<receiver>`: https://prometheus.io/docs/alerting/latest/configuration/#receiver
- Grafana, Google Chat contact point: https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(mon) = &ctx.model.monitoring else {
        return;
    };
    if mon.alertmanager.is_none() {
        return;
    }
    let Some(g) = &mon.grafana else { return };
    for i in mon.routed_contacts() {
        let Some(c) = g.contact_points.get(i) else {
            continue;
        };
        if c.kind != ContactKind::GoogleChat {
            continue;
        }
        let mut d = Diagnostic::error(
            RULE.code,
            format!(
                "contact point `{}` is a Google Chat webhook, which Alertmanager cannot notify",
                c.name
            ),
        )
        .label(c.span, "type=\"googlechat\": no Alertmanager receiver");
        for a in mon.alerts.iter().filter(|a| a.notify == Some(i)) {
            d = d.label(a.name_span, "routed there by Alertmanager");
        }
        for s in mon
            .slos
            .iter()
            .filter(|s| s.page == Some(i) || s.ticket == Some(i))
        {
            d = d.label(s.name_span, "routed there by Alertmanager");
        }
        if mon.root_contact() == Some(i) {
            d = d.label(
                mon.alertmanager.as_ref().map_or(c.span, |a| a.span),
                "the default route goes there",
            );
        }
        out.push(d.help(
            "use an email or Slack contact point for these alerts, or remove `alertmanager` so that \
             Grafana routes them (it has a Google Chat notifier), or put a webhook adapter in front of Google Chat",
        ));
    }
}
