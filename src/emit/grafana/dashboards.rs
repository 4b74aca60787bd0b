//! The dashboards the spec lists: `node-overview` and `postgres`.

use super::panels::{Place, Query, dashboard, selector, stat, timeseries, variable};
use super::uid;
use crate::emit::prometheus::{rules, targets};
use crate::emit::{Artifact, EmitContext};
use crate::model::*;
use serde_json::{Value, json};

pub fn dashboards(ctx: &EmitContext, grafana: &Grafana, prom: &Prometheus) -> Vec<Artifact> {
    let model = ctx.model;
    let mut out = Vec::new();
    for name in &grafana.dashboards {
        let board = match name.as_str() {
            "node-overview" => node_overview(model, prom),
            // Only with a cluster to show.
            "postgres" if !model.postgres.is_empty() => postgres(model, prom),
            _ => continue,
        };
        // serde_json's maps are sorted: the output is stable byte for byte.
        let text = serde_json::to_string_pretty(&board).unwrap_or_default() + "\n";
        out.push(Artifact::new(
            format!("grafana/dashboards/{name}.json"),
            text,
        ));
    }
    out
}

/// CPU, memory, disk, network, load and uptime of every Node Exporter,
/// filtered by `job` and by each label the spec relabels from EC2
/// (`server_name`, `instance_id`, …).
fn node_overview(model: &Model, prom: &Prometheus) -> Value {
    let mut vars = vec!["job".to_string()];
    let mut variables = vec![variable("job", "node_uname_info", "", "job")];
    for (label, _) in targets::relabels(prom) {
        variables.push(variable(
            &label,
            "node_uname_info",
            &selector(&vars, ""),
            &label,
        ));
        vars.push(label);
    }
    let sel = |extra: &str| selector(&vars, extra);
    let host = format!("{{{{{}}}}}", rules::host_label(prom));
    let disks = format!("fstype!~\"{}\"", rules::NOT_DISKS);
    let nics = "device!~\"lo|veth.*|docker.*|br-.*\"";
    let disk_legend = format!("{host} {{{{mountpoint}}}}");
    let rx_legend = format!("{host} {{{{device}}}} in");
    let tx_legend = format!("{host} {{{{device}}}} out");
    let l1 = format!("{host} 1m");
    let l5 = format!("{host} 5m");
    let l15 = format!("{host} 15m");
    let panels = vec![
        timeseries(
            1,
            "CPU usage",
            "percent",
            Some(100.0),
            Place {
                x: 0,
                y: 0,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!(
                    "100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{}[$__rate_interval])))",
                    sel("mode=\"idle\"")
                ),
                legend: &host,
            }],
        ),
        timeseries(
            2,
            "Memory usage",
            "percent",
            Some(100.0),
            Place {
                x: 12,
                y: 0,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: rules::memory_used(model, &sel("")),
                legend: &host,
            }],
        ),
        timeseries(
            3,
            "Disk usage",
            "percent",
            Some(100.0),
            Place {
                x: 0,
                y: 8,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!(
                    "100 * (1 - node_filesystem_avail_bytes{s} / node_filesystem_size_bytes{s})",
                    s = sel(&disks)
                ),
                legend: &disk_legend,
            }],
        ),
        timeseries(
            4,
            "Network traffic",
            "Bps",
            None,
            Place {
                x: 12,
                y: 8,
                w: 12,
                h: 8,
            },
            &[
                Query {
                    expr: format!(
                        "rate(node_network_receive_bytes_total{}[$__rate_interval])",
                        sel(nics)
                    ),
                    legend: &rx_legend,
                },
                Query {
                    expr: format!(
                        "rate(node_network_transmit_bytes_total{}[$__rate_interval])",
                        sel(nics)
                    ),
                    legend: &tx_legend,
                },
            ],
        ),
        timeseries(
            5,
            "Load average",
            "short",
            None,
            Place {
                x: 0,
                y: 16,
                w: 12,
                h: 8,
            },
            &[
                Query {
                    expr: format!("node_load1{}", sel("")),
                    legend: &l1,
                },
                Query {
                    expr: format!("node_load5{}", sel("")),
                    legend: &l5,
                },
                Query {
                    expr: format!("node_load15{}", sel("")),
                    legend: &l15,
                },
            ],
        ),
        stat(
            6,
            "Uptime",
            "s",
            Place {
                x: 12,
                y: 16,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!("time() - node_boot_time_seconds{}", sel("")),
                legend: &host,
            }],
            json!([]),
        ),
    ];
    dashboard(
        &uid(&model.project.name, "node-overview"),
        &format!("{}: Node overview", model.project.name),
        &["infragen", &model.project.name, "node-exporter"],
        variables,
        panels,
    )
}

/// Transactions per second, connections, replication lag and which member
/// leads, from postgres_exporter, filtered by cluster and host.
fn postgres(model: &Model, prom: &Prometheus) -> Value {
    let host_label = rules::host_label(prom);
    let variables = vec![
        variable("cluster", "pg_up", "", "cluster"),
        variable(
            &host_label,
            "pg_up",
            &selector(&["cluster".into()], ""),
            &host_label,
        ),
    ];
    let sel = selector(&["cluster".into(), host_label.clone()], "");
    let host = format!("{{{{{host_label}}}}}");
    let by = format!("cluster, {host_label}");
    let mappings = json!([{
        "type": "value",
        "options": {
            "0": { "text": "replica", "color": "blue" },
            "1": { "text": "leader", "color": "green" }
        }
    }]);
    let panels = vec![
        timeseries(
            1,
            "Transactions per second",
            "ops",
            None,
            Place {
                x: 0,
                y: 0,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!(
                    "sum by ({by}) (rate(pg_stat_database_xact_commit{sel}[$__rate_interval]) \
                 + rate(pg_stat_database_xact_rollback{sel}[$__rate_interval]))"
                ),
                legend: &host,
            }],
        ),
        timeseries(
            2,
            "Connections",
            "short",
            None,
            Place {
                x: 12,
                y: 0,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!("sum by ({by}) (pg_stat_database_numbackends{sel})"),
                legend: &host,
            }],
        ),
        timeseries(
            3,
            "Replication lag",
            "s",
            None,
            Place {
                x: 0,
                y: 8,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!("pg_replication_lag_seconds{sel}"),
                legend: &host,
            }],
        ),
        // postgres_exporter says whether the server is in recovery; the one
        // that is not is Patroni's leader.
        stat(
            4,
            "Leader",
            "none",
            Place {
                x: 12,
                y: 8,
                w: 12,
                h: 8,
            },
            &[Query {
                expr: format!("1 - pg_replication_is_replica{sel}"),
                legend: &host,
            }],
            mappings,
        ),
    ];
    dashboard(
        &uid(&model.project.name, "postgres"),
        &format!("{}: PostgreSQL", model.project.name),
        &["infragen", &model.project.name, "postgres"],
        variables,
        panels,
    )
}
