//! Built-in alerts on the HA machinery infragen deploys, written to
//! `prometheus/rules/infragen_builtin.yml` without any `alert` in the spec:
//! one group per scrape job that Prometheus actually scrapes (a job whose
//! targets the security groups drop would only ever be silent), plus one
//! group per VPN whose far side Prometheus scrapes through the tunnel.
//! See docs/monitoring.md, "Built-in alerts".

use super::targets::{Job, NODE_JOB};
use crate::model::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One built-in alerting rule.
#[derive(Debug, Clone, Serialize)]
pub struct Builtin {
    pub alert: String,
    pub expr: String,
    #[serde(rename = "for")]
    pub for_: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Builtin>,
}

#[derive(Serialize)]
struct RuleFile {
    groups: Vec<Group>,
}

pub const FILE: &str = "prometheus/rules/infragen_builtin.yml";

fn rule(
    alert: &str,
    expr: String,
    for_: &str,
    severity: &str,
    summary: String,
    description: String,
) -> Builtin {
    Builtin {
        alert: alert.into(),
        expr,
        for_: for_.into(),
        labels: BTreeMap::from([("severity".to_string(), severity.to_string())]),
        annotations: BTreeMap::from([
            ("summary".to_string(), summary),
            ("description".to_string(), description),
        ]),
    }
}

fn scraped<'a>(jobs: &'a [Job], name: &str) -> Option<&'a Job> {
    jobs.iter().find(|j| j.name == name && j.is_scraped())
}

/// PromQL regex matching exactly these `instance` values.
fn instances(addrs: &[String]) -> String {
    addrs
        .iter()
        .map(|a| {
            a.chars()
                .map(|c| match c {
                    '.' | '[' | ']' => format!("\\\\{c}"),
                    c => c.to_string(),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// Every built-in group, in a fixed order: clusters in spec order, then VPNs.
pub fn groups(model: &Model, prom: &Prometheus, jobs: &[Job]) -> Vec<(String, Vec<Builtin>)> {
    let mut out = Vec::new();
    for pg in &model.postgres {
        let mut rules = Vec::new();
        let c = &pg.name;
        let job = format!("patroni-{c}");
        if scraped(jobs, &job).is_some() {
            rules.push(rule(
                "PatroniNoLeader",
                // Patroni's /metrics: patroni_primary is 1 on the leader.
                format!("max(patroni_primary{{job=\"{job}\"}}) < 1"),
                "1m",
                "critical",
                format!("Cluster {c} has no Patroni leader"),
                format!(
                    "No member of postgres-cluster {c} reports itself primary: writes fail until \
                     Patroni elects one (check etcd and `patronictl list`)."
                ),
            ));
        }
        let job = format!("etcd-{c}");
        if scraped(jobs, &job).is_some() {
            rules.push(rule(
                "EtcdNoLeader",
                format!("etcd_server_has_leader{{job=\"{job}\"}} == 0"),
                "1m",
                "critical",
                format!("etcd member {{{{ $labels.instance }}}} of cluster {c} has no leader"),
                format!(
                    "The etcd member has no leader: Patroni of cluster {c} cannot renew its leader \
                     key and demotes the primary after ttl."
                ),
            ));
            rules.push(rule(
                "EtcdProposalsFailing",
                format!("increase(etcd_server_proposals_failed_total{{job=\"{job}\"}}[1h]) > 5"),
                "5m",
                "warning",
                format!("etcd of cluster {c} is failing proposals"),
                "More than 5 failed Raft proposals in the last hour on {{ $labels.instance }}: \
                 leader elections or a lost quorum."
                    .to_string(),
            ));
        }
        let job = format!("haproxy-{c}");
        if scraped(jobs, &job).is_some() {
            rules.push(rule(
                "HaproxyBackendDown",
                // The `listen <cluster>` section routes to the leader.
                format!("haproxy_backend_active_servers{{job=\"{job}\", proxy=\"{c}\"}} == 0"),
                "1m",
                "critical",
                format!("HAProxy of cluster {c} has no server UP"),
                format!(
                    "HAProxy's backend {c} has no member passing the Patroni health check: \
                     clients cannot reach a primary."
                ),
            ));
        }
        if !rules.is_empty() {
            out.push((format!("infragen-postgres-{c}"), rules));
        }
    }
    for es in &model.elasticsearch {
        let c = &es.name;
        let job = format!("elasticsearch-{c}");
        if scraped(jobs, &job).is_none() {
            continue;
        }
        let health = |color: &str| {
            format!(
                "max(elasticsearch_cluster_health_status{{job=\"{job}\", color=\"{color}\"}}) == 1"
            )
        };
        out.push((
            format!("infragen-elasticsearch-{c}"),
            vec![
                rule(
                    "ElasticsearchClusterRed",
                    health("red"),
                    "2m",
                    "critical",
                    format!("Elasticsearch cluster {c} is red"),
                    "A primary shard is unassigned: some data cannot be searched or written."
                        .to_string(),
                ),
                rule(
                    "ElasticsearchClusterYellow",
                    health("yellow"),
                    "20m",
                    "warning",
                    format!("Elasticsearch cluster {c} is yellow"),
                    "Replica shards are unassigned: one more node loss may lose data.".to_string(),
                ),
            ],
        ));
    }
    for r in &model.redis {
        let c = &r.name;
        let job = super::targets::redis_job(c);
        if scraped(jobs, &job).is_none() {
            continue;
        }
        out.push((
            format!("infragen-redis-{c}"),
            vec![rule(
                "RedisMemoryHigh",
                // `> 0`: without maxmemory the ratio is +Inf, not a signal.
                format!(
                    "redis_memory_used_bytes{{job=\"{job}\"}} / (redis_memory_max_bytes{{job=\"{job}\"}} > 0) > 0.8"
                ),
                "5m",
                "warning",
                format!("Redis {c} on {{{{ $labels.instance }}}} is over 80 % of maxmemory"),
                format!(
                    "Redis {c} holds more than 80 % of its maxmemory: with maxmemory-policy={} it {} \
                     once full.",
                    crate::emit::escape::go_template_literal(&r.maxmemory_policy.value),
                    if r.maxmemory_policy.value == "noeviction" {
                        "refuses writes (OOM command not allowed)"
                    } else {
                        "evicts keys"
                    }
                ),
            )],
        ));
    }
    // The tunnel: Prometheus scrapes the Node Exporters behind the far
    // gateway through it, so all of them down at once is the tunnel down.
    if let Some(node) = scraped(jobs, NODE_JOB) {
        let here = model.host_network(prom.host);
        for vpn in &model.vpns {
            let far = [vpn.left.host, vpn.right.host]
                .into_iter()
                .find(|&g| model.host_network(g) != here);
            let Some(far) = far else { continue };
            let net = model.host_network(far);
            let addrs: Vec<String> = node
                .targets
                .iter()
                .filter(|t| model.host_network(t.host) == net)
                .map(|t| super::address(model, t.host, t.port))
                .collect();
            if addrs.is_empty() {
                continue;
            }
            let v = &vpn.name;
            out.push((
                format!("infragen-vpn-{v}"),
                vec![rule(
                    "IpsecTunnelDown",
                    format!(
                        "max(up{{job=\"{NODE_JOB}\", instance=~\"{}\"}}) == 0",
                        instances(&addrs)
                    ),
                    "2m",
                    "critical",
                    format!("VPN {v} looks down"),
                    format!(
                        "Prometheus reaches none of the Node Exporters behind {} ({} scraped) \
                         through the tunnel, or they are all down at once.",
                        model.host(far).name,
                        addrs.len()
                    ),
                )],
            ));
        }
    }
    // `baseline { command-log }`: cloud-init's cron script writes the log's
    // size to Node Exporter's textfile collector on every monitored host.
    if model
        .baseline
        .as_ref()
        .is_some_and(|b| b.command_log.is_some())
        && scraped(jobs, NODE_JOB).is_some()
    {
        out.push((
            "infragen-command-log".to_string(),
            vec![
                rule(
                    "CommandLogLarge",
                    format!("infragen_command_log_bytes{{job=\"{NODE_JOB}\"}} > 1073741824"),
                    "15m",
                    "warning",
                    "Command log on {{ $labels.instance }} is over 1 GiB".to_string(),
                    "{{ $labels.path }} holds more than 1 GiB since its last daily rotation: \
                     something runs commands in a loop, or logrotate stopped."
                        .to_string(),
                ),
                rule(
                    "CommandLogStale",
                    format!(
                        "time() - node_textfile_mtime_seconds{{job=\"{NODE_JOB}\", file=~\".*/command_log\\\\.prom\"}} > 1800"
                    ),
                    "5m",
                    "warning",
                    "Command log size on {{ $labels.instance }} is not updated".to_string(),
                    "command_log.prom is over 30 minutes old: the cron job that measures the \
                     command log stopped, so CommandLogLarge cannot fire."
                        .to_string(),
                ),
            ],
        ));
    }
    out
}

/// The body of `infragen_builtin.yml`, or None when nothing applies.
pub fn render(groups: Vec<(String, Vec<Builtin>)>) -> Option<String> {
    if groups.is_empty() {
        return None;
    }
    let file = RuleFile {
        groups: groups
            .into_iter()
            .map(|(name, rules)| Group { name, rules })
            .collect(),
    };
    Some(super::yaml(&file))
}

#[cfg(test)]
mod tests {
    use super::instances;

    #[test]
    fn instance_regex_escapes_dots_and_brackets() {
        assert_eq!(
            instances(&["10.0.0.4:9100".into(), "[fd00::1]:9100".into()]),
            "10\\\\.0\\\\.0\\\\.4:9100|\\\\[fd00::1\\\\]:9100"
        );
    }
}
