//! `alert` nodes → Prometheus alerting rules. The same definitions feed the
//! Grafana-managed copies (`grafana/provisioning/alerting/rules.yml`), so an
//! alert's PromQL, `for`, labels and annotations are written once, here.

use super::targets::{self, Job};
use crate::model::*;
use crate::units::format_duration;
use serde::Serialize;
use std::collections::BTreeMap;

/// Filesystems that are not disks: memory-backed, container layers,
/// read-only images, kernel pseudo-filesystems.
pub const NOT_DISKS: &str = "tmpfs|devtmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs";

/// One alert, ready to render.
#[derive(Debug, Clone)]
pub struct AlertRule<'a> {
    pub alert: &'a Alert,
    /// Prometheus alert names must be valid metric names: `disk-usage` →
    /// `DiskUsage`.
    pub name: String,
    pub expr: String,
    pub for_: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Why this alert cannot fire as things stand, if so.
    pub caveat: Option<String>,
}

/// Every alert of the spec, in spec order.
pub fn alert_rules<'a>(
    model: &'a Model,
    mon: &'a Monitoring,
    prom: &Prometheus,
    jobs: &[Job],
) -> Vec<AlertRule<'a>> {
    mon.alerts
        .iter()
        .map(|a| expand(model, mon, prom, jobs, a))
        .collect()
}

/// The label that names a host on every target: the one relabelled from
/// the `Name` tag, or Prometheus's `instance`.
pub fn host_label(prom: &Prometheus) -> String {
    targets::relabels(prom)
        .into_iter()
        .find(|(_, from)| from == "tag:Name")
        .map(|(label, _)| label)
        .unwrap_or_else(|| "instance".into())
}

/// `rate()` window: at least four scrape intervals, so that a missed scrape
/// or two still leaves enough samples; never under a minute.
pub fn rate_window(prom: &Prometheus) -> String {
    format_duration((4 * prom.scrape_interval_ms).max(60_000))
}

fn expand<'a>(
    model: &Model,
    mon: &Monitoring,
    prom: &Prometheus,
    jobs: &[Job],
    a: &'a Alert,
) -> AlertRule<'a> {
    let host = format!("{{{{ $labels.{} }}}}", host_label(prom));
    let held = a
        .for_ms
        .as_ref()
        .map(|f| format!(" for {}", format_duration(f.value)))
        .unwrap_or_default();
    let mut caveat = None;
    let (expr, summary, description) = match &a.kind {
        AlertKind::DiskUsage { above } => (
            format!(
                "100 * (1 - node_filesystem_avail_bytes{{fstype!~\"{NOT_DISKS}\"}} \
                 / node_filesystem_size_bytes{{fstype!~\"{NOT_DISKS}\"}}) > {above}"
            ),
            format!("Disk {{{{ $labels.mountpoint }}}} on {host} is over {above}% full"),
            format!(
                "Used space on {{{{ $labels.mountpoint }}}} ({{{{ $labels.device }}}}) of {host} \
                 has stayed above {above}%{held}."
            ),
        ),
        AlertKind::CpuUsage { above } => (
            format!(
                "100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{{mode=\"idle\"}}[{}]))) > {above}",
                rate_window(prom)
            ),
            format!("CPU usage on {host} is over {above}%"),
            format!(
                "Average non-idle CPU time over all cores of {host} has stayed above {above}%{held}."
            ),
        ),
        AlertKind::MemoryUsage { above } => (
            format!("{} > {above}", memory_used(model, "")),
            format!("Memory usage on {host} is over {above}%"),
            format!(
                "Memory in use (total minus available) on {host} has stayed above {above}%{held}."
            ),
        ),
        AlertKind::InstanceDown => (
            "up == 0".to_string(),
            format!("{{{{ $labels.job }}}} on {host} is down"),
            format!(
                "Prometheus has not been able to scrape {{{{ $labels.instance }}}} (job {{{{ $labels.job }}}}){held}."
            ),
        ),
        AlertKind::ReplicationLag { cluster, above_ms } => {
            let pg = &model.postgres[cluster.index()];
            let job = targets::postgres_job(&pg.name);
            if !jobs.iter().any(|j| j.name == job && j.is_scraped()) {
                caveat = Some(format!(
                    "postgres_exporter of cluster `{}` is not scraped (see prometheus.yml): \
                     this alert cannot fire until it is",
                    pg.name
                ));
            }
            let secs = *above_ms as f64 / 1000.0;
            (
                // postgres_exporter's replication collector: seconds since the
                // last replayed transaction on a replica, 0 on the primary.
                format!("pg_replication_lag_seconds{{job=\"{job}\"}} > {secs}"),
                format!("Replica {host} of {} lags behind the primary", pg.name),
                format!(
                    "Replication lag of {host} (cluster {}) has stayed above {}{held}.",
                    pg.name,
                    format_duration(*above_ms)
                ),
            )
        }
        AlertKind::Custom { expr } => (
            expr.clone(),
            format!("{} is firing", a.name),
            // Annotations are Go templates: the expression is text there.
            format!(
                "`{}` has returned results{held}.",
                crate::emit::escape::go_template_literal(expr)
            ),
        ),
    };
    let mut labels = BTreeMap::from([("severity".to_string(), a.severity.clone())]);
    if let (Some(i), Some(g)) = (a.notify, &mon.grafana) {
        // Grafana's notification policy routes on this label.
        labels.insert("notify".into(), g.contact_points[i].name.clone());
    }
    AlertRule {
        alert: a,
        name: camel(&a.name),
        expr,
        for_: a.for_ms.as_ref().map(|f| format_duration(f.value)),
        labels,
        annotations: BTreeMap::from([
            ("summary".to_string(), summary),
            ("description".to_string(), description),
        ]),
        caveat,
    }
}

/// Memory in use, in percent, over series matching `sel` (`{…}` or empty).
/// `MemAvailable` appeared in Linux 3.14; Ubuntu 14.04 boots 3.13, where
/// free + buffers + page cache stands in for it.
pub fn memory_used(model: &Model, sel: &str) -> String {
    let old_kernel = model
        .hosts
        .iter()
        .any(|h| h.settings.monitored && h.os() == "ubuntu-14.04");
    let available = if old_kernel {
        format!(
            "(node_memory_MemAvailable_bytes{sel} or (node_memory_MemFree_bytes{sel} \
             + node_memory_Buffers_bytes{sel} + node_memory_Cached_bytes{sel}))"
        )
    } else {
        format!("node_memory_MemAvailable_bytes{sel}")
    };
    format!("100 * (1 - {available} / node_memory_MemTotal_bytes{sel})")
}

/// `disk-usage` → `DiskUsage`.
pub fn camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[derive(Serialize)]
struct RuleFile<'a> {
    groups: Vec<Group<'a>>,
}

#[derive(Serialize)]
struct Group<'a> {
    name: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Rule<'a> {
    alert: &'a str,
    expr: &'a str,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_: Option<&'a str>,
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
}

/// The body of `rules/<alert>.yml` (without the provenance header): one
/// group per alert, so each file can be tested and reviewed on its own.
pub fn render(rule: &AlertRule) -> String {
    let file = RuleFile {
        groups: vec![Group {
            name: &rule.alert.name,
            rules: vec![Rule {
                alert: &rule.name,
                expr: &rule.expr,
                for_: rule.for_.as_deref(),
                labels: &rule.labels,
                annotations: &rule.annotations,
            }],
        }],
    };
    let mut out = String::new();
    if let Some(c) = &rule.caveat {
        out.push_str(&format!("# WARNING: {c}.\n"));
    }
    out.push_str(&super::yaml(&file));
    out
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn alert_names_are_metric_names() {
        assert_eq!(camel("disk-usage"), "DiskUsage");
        assert_eq!(camel("replication-lag"), "ReplicationLag");
        assert_eq!(camel("api5xx-rate"), "Api5xxRate");
    }
}
