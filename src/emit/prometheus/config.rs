//! `prometheus.yml`: serialized from the structs below, job by job, so that
//! the jobs left out can be explained with comments in between.

use super::targets::{Job, NODE_JOB};
use super::yaml;
use crate::model::*;
use crate::units::format_duration;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Head {
    global: Global,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rule_files: Vec<&'static str>,
}

#[derive(Serialize)]
struct Global {
    scrape_interval: String,
    evaluation_interval: String,
}

#[derive(Serialize)]
struct ScrapeConfig {
    job_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_config: Option<TlsConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ec2_sd_configs: Vec<Ec2SdConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    static_configs: Vec<StaticConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relabel_configs: Vec<Relabel>,
}

/// Prometheus's own certificate from the target's pki: etcd
/// (`client-cert-auth`) and Patroni (`verify_client: required`) refuse a
/// client without one. Targets are dialled at their private address, which
/// is a SAN of their certificate (pki/HOST.cnf), so no `server_name`.
#[derive(Serialize)]
struct TlsConfig {
    ca_file: String,
    cert_file: String,
    key_file: String,
}

#[derive(Serialize)]
struct Ec2SdConfig {
    /// Explicit: without it Prometheus asks the instance metadata service,
    /// and `promtool check config` fails offline.
    region: String,
    port: u16,
    filters: Vec<Filter>,
}

#[derive(Serialize)]
struct Filter {
    name: String,
    values: Vec<String>,
}

#[derive(Serialize)]
struct StaticConfig {
    targets: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Relabel {
    source_labels: Vec<String>,
    regex: &'static str,
    target_label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    replacement: Option<String>,
}

pub fn render(
    model: &Model,
    mon: &Monitoring,
    prom: &Prometheus,
    jobs: &[Job],
    has_rules: bool,
) -> String {
    let mut out = format!(
        "# Retention is a command-line flag, not a config key: run Prometheus with\n\
         #   --storage.tsdb.retention.time={}\n",
        format_duration(prom.retention_ms)
    );
    out.push_str(if mon.alertmanager.is_some() {
        "# Alerts go to Alertmanager (`alerting:` at the end, alertmanager/alertmanager.yml).\n"
    } else if mon.grafana.is_some() {
        "# No `alerting:` block: Grafana evaluates the same alerts (grafana/provisioning/\n\
         # alerting/rules.yml) and routes them to contact points. The rules here show\n\
         # in Prometheus's UI and are what promtool tests.\n"
    } else {
        "# No `alerting:` block and no Grafana: alerts show in Prometheus's UI only.\n"
    });
    if !prom.ec2.is_empty() && !super::targets::uses_ec2_discovery(model, prom) {
        out.push_str(&format!(
            "# `ec2-discovery` is not used: Prometheus runs on `{}` outside AWS, without\n\
             # the EC2 instance role discovery needs, so the AWS hosts are static targets.\n",
            model.host(prom.host).name
        ));
    }
    out.push_str(&yaml(&Head {
        global: Global {
            scrape_interval: format_duration(prom.scrape_interval_ms),
            evaluation_interval: format_duration(prom.evaluation_interval_ms),
        },
        rule_files: if has_rules {
            vec!["rules/*.yml"]
        } else {
            vec![]
        },
    }));
    out.push_str("scrape_configs:\n");
    for job in jobs {
        if job.is_scraped() {
            out.push_str(&yaml(&[scrape_config(model, prom, job)]));
        }
        out.push_str(&left_out(model, job));
    }
    out
}

fn scrape_config(model: &Model, prom: &Prometheus, job: &Job) -> ScrapeConfig {
    let ec2_sd_configs = job
        .ec2
        .iter()
        .map(|&i| {
            let d = &prom.ec2[i];
            let mut filters: Vec<Filter> = d
                .filters
                .iter()
                .map(|(name, values)| Filter {
                    name: name.clone(),
                    values: values.clone(),
                })
                .collect();
            // Terraform tags every instance `Monitored = "true"/"false"`.
            filters.push(Filter {
                name: "tag:Monitored".into(),
                values: vec!["true".into()],
            });
            Ec2SdConfig {
                region: d.region.clone(),
                port: job.port,
                filters,
            }
        })
        .collect();
    let mut relabel_configs = Vec::new();
    if !job.ec2.is_empty() {
        relabel_configs.push(Relabel {
            source_labels: vec!["__meta_ec2_private_ip".into()],
            regex: "(.+)",
            target_label: "__address__".into(),
            replacement: Some(format!("${{1}}:{}", job.port)),
        });
        // `(.+)`: static targets have no EC2 metadata and keep their labels.
        for (label, from) in super::targets::relabels(prom) {
            relabel_configs.push(Relabel {
                source_labels: vec![meta_label(&from)],
                regex: "(.+)",
                target_label: label,
                replacement: None,
            });
        }
    }
    let me = &model.host(prom.host).name;
    let tls_config = job.tls.map(|p| {
        let pki = model.pki(p);
        TlsConfig {
            ca_file: pki.ca_file.value.clone(),
            cert_file: pki.cert(me),
            key_file: pki.key(me),
        }
    });
    ScrapeConfig {
        job_name: job.name.clone(),
        scheme: tls_config.as_ref().map(|_| "https"),
        tls_config,
        ec2_sd_configs,
        static_configs: job
            .targets
            .iter()
            .map(|t| StaticConfig {
                targets: vec![address(model, t.host, t.port)],
                labels: t.labels.clone(),
            })
            .collect(),
        relabel_configs,
    }
}

/// `tag:Name` → `__meta_ec2_tag_Name`, `instance-id` → `__meta_ec2_instance_id`
/// (Prometheus replaces characters invalid in label names with `_`).
fn meta_label(from: &str) -> String {
    let (prefix, rest) = match from.strip_prefix("tag:") {
        Some(key) => ("__meta_ec2_tag_", key),
        None => ("__meta_ec2_", from),
    };
    let clean: String = rest
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{prefix}{clean}")
}

/// `address:port` as the model assigns it.
pub fn address(model: &Model, host: HostId, port: u16) -> String {
    match model.host(host).address {
        Some(std::net::IpAddr::V6(a)) => format!("[{a}]:{port}"),
        Some(a) => format!("{a}:{port}"),
        // Only when the subnet is full, which lint reports as an error.
        None => format!("{}:{port}", model.host(host).name),
    }
}

/// Comment lines for the targets a job leaves out, one paragraph per fix.
fn left_out(model: &Model, job: &Job) -> String {
    let mut by_fix: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for b in &job.blocked {
        by_fix
            .entry(&b.fix)
            .or_default()
            .push(&model.host(b.host).name);
    }
    let mut out = String::new();
    for (fix, hosts) in by_fix {
        let what = if job.name == NODE_JOB {
            "Node Exporter"
        } else {
            job.what
        };
        out.push_str(&format!(
            "# Not scraped: job {}, {what} on port {} of {}.\n\
             #   The security groups drop Prometheus's connection, so the job could\n\
             #   only ever report `up == 0`. To scrape it,\n\
             #   {fix}.\n",
            job.name,
            job.port,
            hosts.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::meta_label;

    #[test]
    fn meta_labels() {
        assert_eq!(meta_label("tag:Name"), "__meta_ec2_tag_Name");
        assert_eq!(meta_label("tag:aws:role"), "__meta_ec2_tag_aws_role");
        assert_eq!(meta_label("instance-id"), "__meta_ec2_instance_id");
        assert_eq!(
            meta_label("availability-zone"),
            "__meta_ec2_availability_zone"
        );
    }
}
