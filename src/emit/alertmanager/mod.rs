//! Alertmanager: `alertmanager/alertmanager.yml`, built from the contact
//! points and the `notify=` / `page=` / `ticket=` of alerts and SLOs, and one
//! 0600 file per Slack webhook (`alertmanager/secrets/<contact>.url`).
//! See docs/monitoring.md, "Alertmanager".
//!
//! Routing: every alert carries `notify=<contact point>` when the spec names
//! one (`prometheus::rules`, `prometheus::slo`); one route per such contact
//! point matches it, everything else goes to the root receiver, the
//! default contact point (else the first declared, as Grafana's policy does).
//! Google Chat has no native receiver (`alertmanager-receiver-unsupported`
//! stops the build when an alert would go there); unused ones are left out.

use super::prometheus::yaml;
use super::{Artifact, EmitContext, Emitter};
use crate::model::*;
use serde::Serialize;

pub struct AlertmanagerEmitter;

/// Where the deploy puts Alertmanager's files (Debian's package reads
/// `/etc/prometheus/alertmanager.yml`; secrets go beside it, mode 0600).
pub const SECRETS_DIR: &str = "/etc/prometheus/alertmanager-secrets";

impl Emitter for AlertmanagerEmitter {
    fn name(&self) -> &'static str {
        "alertmanager"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let Some(mon) = &ctx.model.monitoring else {
            return;
        };
        let Some(am) = &mon.alertmanager else { return };
        let mut text = ctx.header("#");
        text.push_str(&render(ctx.model, mon));
        out.push(
            Artifact::new("alertmanager/alertmanager.yml", text)
                .source("monitoring", ctx.line(mon.span))
                .source(
                    format!("host {}", ctx.model.host(am.host).name),
                    ctx.line(am.host_span),
                ),
        );
        for c in receivers(mon) {
            if let (ContactKind::Slack, Some(var)) = (c.kind, &c.url_env) {
                out.push(
                    Artifact::new(
                        format!("alertmanager/secrets/{}.url", c.name),
                        ctx.secret(var),
                    )
                    .secret()
                    .source(format!("contact-point {}", c.name), ctx.line(c.span)),
                );
            }
        }
    }
}

/// The contact point alerts without `notify=` go to.
pub fn root(mon: &Monitoring) -> Option<&ContactPoint> {
    mon.grafana
        .as_ref()?
        .contact_points
        .get(mon.root_contact()?)
}

/// Contact points an alert can reach, in declaration order.
pub fn receivers(mon: &Monitoring) -> Vec<&ContactPoint> {
    let Some(g) = &mon.grafana else {
        return Vec::new();
    };
    mon.routed_contacts()
        .into_iter()
        .filter_map(|i| g.contact_points.get(i))
        .collect()
}

#[derive(Serialize)]
struct Config {
    global: Global,
    route: Route,
    inhibit_rules: Vec<Inhibit>,
    receivers: Vec<Receiver>,
}

#[derive(Serialize)]
struct Global {
    resolve_timeout: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_smarthost: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp_require_tls: Option<bool>,
}

#[derive(Serialize)]
struct Route {
    receiver: String,
    group_by: Vec<&'static str>,
    group_wait: &'static str,
    group_interval: &'static str,
    repeat_interval: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<ChildRoute>,
}

#[derive(Serialize)]
struct ChildRoute {
    receiver: String,
    matchers: Vec<String>,
}

#[derive(Serialize)]
struct Inhibit {
    source_matchers: Vec<&'static str>,
    target_matchers: Vec<&'static str>,
    equal: Vec<&'static str>,
}

#[derive(Serialize)]
struct Receiver {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_configs: Vec<Email>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<Slack>,
}

#[derive(Serialize)]
struct Email {
    to: String,
    send_resolved: bool,
}

#[derive(Serialize)]
struct Slack {
    api_url_file: String,
    send_resolved: bool,
    title: &'static str,
    text: &'static str,
}

/// Slack: the default title (`[FIRING:2] <group labels>`), and a text that
/// lists each alert with the labels that route and group it.
const SLACK_TITLE: &str = r#"{{ template "slack.default.title" . }}"#;
const SLACK_TEXT: &str = "{{ range .Alerts }}{{ .Annotations.summary }} \
(severity={{ .Labels.severity }}{{ if .Labels.slo }} slo={{ .Labels.slo }}{{ end }})\n{{ end }}";

/// A receiver name: the contact point's (an entity name, valid as is).
fn receiver(c: &ContactPoint) -> Option<Receiver> {
    let mut r = Receiver {
        name: c.name.clone(),
        email_configs: Vec::new(),
        slack_configs: Vec::new(),
    };
    match c.kind {
        ContactKind::Email => r.email_configs.push(Email {
            to: template_literal(c.to.as_deref().unwrap_or_default()),
            send_resolved: true,
        }),
        ContactKind::Slack => r.slack_configs.push(Slack {
            api_url_file: format!("{SECRETS_DIR}/{}.url", c.name),
            send_resolved: true,
            title: SLACK_TITLE,
            text: SLACK_TEXT,
        }),
        ContactKind::GoogleChat => return None,
    }
    Some(r)
}

/// Spec text in a field Alertmanager expands as a Go template (`to`): a
/// `{{` would start an action, so it is written as the template of itself.
pub fn template_literal(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// A matcher value in Alertmanager's quoted form.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The body of `alertmanager.yml` (without the provenance header).
pub fn render(model: &Model, mon: &Monitoring) -> String {
    let used = receivers(mon);
    let mut receivers: Vec<Receiver> = used.iter().filter_map(|c| receiver(c)).collect();
    let root = match root(mon) {
        Some(c) if c.kind != ContactKind::GoogleChat => c.name.clone(),
        // Only when lint reported an error (alert-without-receiver,
        // alertmanager-receiver-unsupported): keep the file loadable.
        _ => {
            receivers.insert(
                0,
                Receiver {
                    name: "none".into(),
                    email_configs: Vec::new(),
                    slack_configs: Vec::new(),
                },
            );
            "none".into()
        }
    };
    let routes = receivers
        .iter()
        .filter(|r| r.name != root && r.name != "none")
        .map(|r| ChildRoute {
            receiver: r.name.clone(),
            matchers: vec![format!("notify={}", quoted(&r.name))],
        })
        .collect();
    let email = used.iter().any(|c| c.kind == ContactKind::Email);
    let domain = model
        .baseline
        .as_ref()
        .and_then(|b| b.domain.as_deref())
        .unwrap_or("localhost");
    let config = Config {
        global: Global {
            resolve_timeout: "5m",
            smtp_smarthost: email.then_some("localhost:25"),
            smtp_from: email.then(|| format!("alertmanager@{domain}")),
            smtp_require_tls: email.then_some(false),
        },
        route: Route {
            receiver: root,
            group_by: vec!["alertname", "slo"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes,
        },
        inhibit_rules: vec![Inhibit {
            source_matchers: vec!["severity=\"page\""],
            target_matchers: vec!["severity=\"ticket\""],
            equal: vec!["slo"],
        }],
        receivers,
    };
    let mut out = String::from(
        "# Run with --config.file=/etc/prometheus/alertmanager.yml; Slack webhook URLs are\n\
         # read from the 0600 files in alertmanager-secrets/ (alertmanager/secrets/ here).\n\
         # Email goes through the MTA on the Alertmanager host (localhost:25).\n\
         # A page inhibits the tickets of the same SLO; notifications group by alert and SLO.\n",
    );
    out.push_str(&yaml(&config));
    out
}
