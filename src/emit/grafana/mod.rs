//! Grafana: dashboards (`grafana/dashboards/*.json`) and provisioning
//! (`grafana/provisioning/{datasources,dashboards,alerting}/*.yml`).
//! See docs/monitoring.md for the choices made here.

mod alerting;
mod dashboards;
mod panels;
mod provisioning;
mod slo_dashboard;

use super::{Artifact, EmitContext, Emitter};
use sha2::{Digest, Sha256};

/// The provisioned Prometheus data source: dashboards and alert rules
/// refer to it by this uid, so it must never change.
pub const DATASOURCE_UID: &str = "infragen-prometheus";

pub struct GrafanaEmitter;

impl Emitter for GrafanaEmitter {
    fn name(&self) -> &'static str {
        "grafana"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let Some(mon) = &ctx.model.monitoring else {
            return;
        };
        let Some(grafana) = &mon.grafana else { return };
        let source = |a: Artifact| a.source("monitoring", ctx.line(grafana.span));
        // With Alertmanager, Prometheus's alerts are routed there; Grafana
        // alerting the same rules would notify twice.
        let own_alerting = mon.alertmanager.is_none();
        // Without Prometheus there is nothing to chart or to alert on.
        if let Some(prom) = &mon.prometheus {
            out.push(source(provisioning::datasource(ctx, grafana, prom)));
            let mut boards = dashboards::dashboards(ctx, grafana, prom);
            boards.extend(slo_dashboard::dashboard_for(ctx, mon));
            if !boards.is_empty() {
                out.push(source(provisioning::dashboard_provider(ctx)));
            }
            out.extend(boards.into_iter().map(source));
            if let Some(rules) = alerting::rules(ctx, mon, prom).filter(|_| own_alerting) {
                out.push(source(rules));
            }
        }
        if own_alerting {
            out.extend(
                alerting::contact_points(ctx, grafana)
                    .into_iter()
                    .map(source),
            );
        }
    }
}

/// A Grafana uid (dashboards, rules, receivers: at most 40 characters of
/// `[A-Za-z0-9_-]`) that only depends on the project and the object's
/// name, so re-provisioning updates rather than duplicates.
pub fn uid(project: &str, name: &str) -> String {
    let full = format!("{project}-{name}");
    let clean: String = full
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.len() <= 40 {
        return clean;
    }
    // Too long: keep a readable prefix and disambiguate with a hash.
    let digest = Sha256::digest(full.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{}-{hash}", &clean[..31])
}

#[cfg(test)]
mod tests {
    use super::uid;

    #[test]
    fn uids_are_short_and_stable() {
        assert_eq!(uid("acme-prod", "node-overview"), "acme-prod-node-overview");
        let long = uid("a-very-long-project-name-for-testing", "node-overview");
        assert_eq!(long.len(), 40);
        assert_eq!(
            long,
            uid("a-very-long-project-name-for-testing", "node-overview")
        );
        assert_ne!(
            long,
            uid("a-very-long-project-name-for-testing", "postgres")
        );
    }
}
