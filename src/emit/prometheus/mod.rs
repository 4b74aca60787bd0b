//! Prometheus: `prometheus/prometheus.yml` and one `prometheus/rules/<alert>.yml`
//! per `alert`. See docs/monitoring.md for the choices made here.

pub mod builtin;
mod config;
pub(crate) mod reach;
pub mod rules;
pub mod slo;
pub mod targets;

pub use config::address;

use super::{Artifact, EmitContext, Emitter};

pub struct PrometheusEmitter;

impl Emitter for PrometheusEmitter {
    fn name(&self) -> &'static str {
        "prometheus"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let model = ctx.model;
        let Some(mon) = &model.monitoring else { return };
        let Some(prom) = &mon.prometheus else { return };
        let jobs = targets::plan(model, mon, prom);
        let alerts = rules::alert_rules(model, mon, prom, &jobs);

        let mut text = ctx.header("#");
        let builtins = builtin::render(builtin::groups(model, prom, &jobs));
        let has_rules = !alerts.is_empty() || !mon.slos.is_empty() || builtins.is_some();
        text.push_str(&config::render(model, mon, prom, &jobs, has_rules));
        if let Some(am) = &mon.alertmanager {
            text.push_str(&alerting(model, prom, am));
        }
        let mut artifact = Artifact::new("prometheus/prometheus.yml", text)
            .source("monitoring", ctx.line(mon.span))
            .source(
                format!("host {}", model.host(prom.host).name),
                ctx.line(prom.host_span),
            );
        let mut seen = Vec::new();
        for job in &jobs {
            if job.entity != "monitoring" && !seen.contains(&job.entity) {
                artifact = artifact.source(job.entity.clone(), ctx.line(job.span));
                seen.push(job.entity.clone());
            }
        }
        out.push(artifact);

        for rule in &alerts {
            let mut text = ctx.header("#");
            text.push_str(&rules::render(rule));
            out.push(
                Artifact::new(format!("prometheus/rules/{}.yml", rule.alert.name), text).source(
                    format!("alert {}", rule.alert.name),
                    ctx.line(rule.alert.span),
                ),
            );
        }
        if let Some(body) = builtins {
            let mut text = ctx.header("#");
            text.push_str(&body);
            out.push(Artifact::new(builtin::FILE, text).source("monitoring", ctx.line(mon.span)));
        }
        for s in &mon.slos {
            let mut text = ctx.header("#");
            text.push_str(&slo::render(mon, s));
            out.push(
                Artifact::new(slo::file_name(s), text)
                    .source(format!("slo {}", s.name), ctx.line(s.span)),
            );
        }
    }
}

/// The `alerting:` block: Prometheus sends its alerts to Alertmanager.
fn alerting(
    model: &crate::model::Model,
    prom: &crate::model::Prometheus,
    am: &crate::model::Alertmanager,
) -> String {
    #[derive(serde::Serialize)]
    struct Alerting {
        alerting: Managers,
    }
    #[derive(serde::Serialize)]
    struct Managers {
        alertmanagers: Vec<Static>,
    }
    #[derive(serde::Serialize)]
    struct Static {
        static_configs: Vec<Targets>,
    }
    #[derive(serde::Serialize)]
    struct Targets {
        targets: Vec<String>,
    }
    let target = address(model, am.host, am.port);
    let mut out = String::new();
    if let reach::Verdict::Blocked(fix) = reach::tcp(model, prom.host, am.host, am.port, am.span) {
        out.push_str(&format!(
            "# WARNING: the security groups drop Prometheus's connection to Alertmanager\n\
             #   ({target}): no alert will be notified. To open it, {fix}.\n"
        ));
    }
    out + &yaml(&Alerting {
        alerting: Managers {
            alertmanagers: vec![Static {
                static_configs: vec![Targets {
                    targets: vec![target],
                }],
            }],
        },
    })
}

/// YAML of a serializable value. Serializing plain structs and maps of
/// strings cannot fail; an empty string would make the failure visible
/// (promtool rejects the file) rather than abort the whole build.
pub(crate) fn yaml<T: serde::Serialize>(value: &T) -> String {
    serde_yaml::to_string(value).unwrap_or_default()
}
