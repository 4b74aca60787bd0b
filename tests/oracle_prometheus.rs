//! prometheus.yml and the rule files of every example pass `promtool`, and
//! every address and port they name is the one the model assigns.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use infragen::lock::AddressLock;
use infragen::model::Model;
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::process::Command;

fn model_of(name: &str, source: &str) -> Model {
    let lock = std::fs::read_to_string(build::examples_dir().join(format!("{name}.lock")))
        .ok()
        .and_then(|t| AddressLock::parse(&t).ok())
        .unwrap_or_default();
    let checked = infragen::pipeline::check(source, &lock);
    checked.model.expect("model")
}

fn source(name: &str) -> String {
    std::fs::read_to_string(build::examples_dir().join(format!("{name}.kdl"))).unwrap()
}

fn prometheus_yml(artifacts: &[infragen::emit::Artifact]) -> Option<String> {
    artifacts
        .iter()
        .find(|a| a.path == "prometheus/prometheus.yml")
        .map(|a| a.contents.clone())
}

fn job<'a>(cfg: &'a Value, name: &str) -> Option<&'a Value> {
    cfg["scrape_configs"]
        .as_sequence()?
        .iter()
        .find(|j| j["job_name"] == name)
}

#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn promtool_accepts_config_and_rules_of_every_example() {
    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    for name in build::example_names() {
        let dir = build::build_example(&name);
        let prom = dir.path().join("prometheus");
        if !prom.join("prometheus.yml").exists() {
            continue;
        }
        // `check config` also loads every file `rule_files` matches.
        let out = tools::run(
            Command::new(&promtool)
                .args(["check", "config"])
                .arg(prom.join("prometheus.yml")),
        );
        assert!(
            out.status.success(),
            "{name}: promtool check config\n{}",
            tools::describe(&out)
        );
        let Ok(rules) = std::fs::read_dir(prom.join("rules")) else {
            continue;
        };
        let mut files: Vec<_> = rules.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        assert!(!files.is_empty(), "{name}: rules/ is empty");
        let out = tools::run(
            Command::new(&promtool)
                .args(["check", "rules"])
                .args(&files),
        );
        assert!(
            out.status.success(),
            "{name}: promtool check rules\n{}",
            tools::describe(&out)
        );
    }
}

/// Each static target is `address:port` of a host of the model, on the port
/// its job scrapes, and carries that host's name; EC2 discovery uses the
/// spec's region, filters on `Monitored` and rewrites to the exporter port.
#[test]
fn every_target_is_the_models_address_and_port() {
    for name in build::example_names() {
        let src = source(&name);
        let model = model_of(&name, &src);
        let Some(text) = prometheus_yml(&build::render_example(&name)) else {
            continue;
        };
        let cfg: Value = serde_yaml::from_str(&text).unwrap();
        let mon = model.monitoring.as_ref().unwrap();
        let prom = mon.prometheus.as_ref().unwrap();
        for job in cfg["scrape_configs"].as_sequence().unwrap() {
            let job_name = job["job_name"].as_str().unwrap();
            let port = match job_name {
                "node" => mon.node_exporter.port,
                "prometheus" => prom.port,
                n if n.starts_with("postgres-") => {
                    let pg = model
                        .postgres
                        .iter()
                        .find(|p| n == format!("postgres-{}", p.name))
                        .unwrap();
                    pg.exporter_port.unwrap()
                }
                n if n.starts_with("patroni-") => 8008,
                n if n.starts_with("etcd-") => 2379,
                n if n.starts_with("haproxy-") => {
                    let pg = model
                        .postgres
                        .iter()
                        .find(|p| n == format!("haproxy-{}", p.name))
                        .unwrap();
                    pg.haproxy.as_ref().unwrap().stats_port
                }
                n if n.starts_with("elasticsearch-") => {
                    let es = model
                        .elasticsearch
                        .iter()
                        .find(|e| n == format!("elasticsearch-{}", e.name))
                        .unwrap();
                    es.exporter_port.unwrap()
                }
                other => panic!("{name}: unexpected job {other}"),
            };
            for sc in job["static_configs"].as_sequence().into_iter().flatten() {
                let server = sc["labels"]["server_name"]
                    .as_str()
                    .expect("server_name label");
                let host = model.host(model.host_by_name(server).expect("a host of the model"));
                let want = format!("{}:{port}", host.address.unwrap());
                let targets: Vec<&str> = sc["targets"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(
                    targets,
                    [want.as_str()],
                    "{name}: job {job_name}, host {server}"
                );
            }
            for (sd, spec) in job["ec2_sd_configs"]
                .as_sequence()
                .into_iter()
                .flatten()
                .zip(&prom.ec2)
            {
                assert_eq!(
                    sd["region"].as_str(),
                    Some(spec.region.as_str()),
                    "{name}: explicit region"
                );
                assert_eq!(sd["port"].as_u64(), Some(port as u64));
                let filters: Vec<&str> = sd["filters"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .filter_map(|f| f["name"].as_str())
                    .collect();
                assert!(
                    filters.contains(&"tag:Monitored"),
                    "{name}: Monitored filter"
                );
                for (f, _) in &spec.filters {
                    assert!(filters.contains(&f.as_str()), "{name}: spec filter {f}");
                }
            }
            if job.get("ec2_sd_configs").is_some() {
                let relabels = job["relabel_configs"].as_sequence().unwrap();
                let addr = relabels
                    .iter()
                    .find(|r| r["target_label"] == "__address__")
                    .expect("address relabel");
                assert_eq!(addr["source_labels"][0], "__meta_ec2_private_ip");
                assert_eq!(
                    addr["replacement"].as_str(),
                    Some(format!("${{1}}:{port}").as_str())
                );
            }
        }
    }
}

/// Monitored hosts that EC2 discovery cannot see (the Azure gateway) are
/// listed statically; discovered ones are not listed twice.
#[test]
fn hosts_outside_ec2_are_static_targets() {
    let src = source("reference");
    let model = model_of("reference", &src);
    let cfg: Value =
        serde_yaml::from_str(&prometheus_yml(&build::render_example("reference")).unwrap())
            .unwrap();
    let node = job(&cfg, "node").expect("node job");
    let listed: BTreeSet<&str> = node["static_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s["labels"]["server_name"].as_str().unwrap())
        .collect();
    let azure: BTreeSet<&str> = model
        .hosts
        .iter()
        .enumerate()
        .filter(|(i, h)| {
            h.settings.monitored
                && model.host_cloud(infragen::model::HostId::from_index(*i))
                    == infragen::model::Cloud::Azure
        })
        .map(|(_, h)| h.name.as_str())
        .collect();
    assert!(!azure.is_empty());
    assert_eq!(listed, azure, "exactly the hosts outside EC2 are static");
}

/// A job the security groups would drop is left out with the rule to add;
/// adding that rule to the spec brings the job in.
#[test]
fn blocked_jobs_are_explained_and_appear_once_allowed() {
    let src = source("reference");
    let text = prometheus_yml(&build::render_example("reference")).unwrap();
    let cfg: Value = serde_yaml::from_str(&text).unwrap();
    assert!(
        job(&cfg, "postgres-orders").is_some(),
        "postgres_exporter is allowed in the reference"
    );
    assert!(job(&cfg, "patroni-orders").is_none());
    let fix = r#"add `ingress "tcp" 8008 from="sg:monitoring"` to security-group "db""#;
    assert!(
        text.contains(fix),
        "the comment names the rule to add:\n{text}"
    );

    let opened = src.replace(
        r#"ingress "tcp" 9187 from="sg:monitoring" description="postgres_exporter""#,
        r#"ingress "tcp" 9187 from="sg:monitoring" description="postgres_exporter"
    ingress "tcp" 8008 from="sg:monitoring" description="Prometheus scrapes Patroni""#,
    );
    assert_ne!(opened, src);
    let lock = std::fs::read_to_string(build::examples_dir().join("reference.lock"))
        .ok()
        .and_then(|t| AddressLock::parse(&t).ok())
        .unwrap_or_default();
    let text = prometheus_yml(&build::render("reference", &opened, &lock)).unwrap();
    let cfg: Value = serde_yaml::from_str(&text).unwrap();
    let patroni = job(&cfg, "patroni-orders").expect("patroni job once allowed");
    assert_eq!(patroni["static_configs"].as_sequence().unwrap().len(), 3);
    assert!(!text.contains("job patroni-orders"), "no stale comment");
}

/// Every rate() window is at least four scrape intervals.
#[test]
fn rate_windows_cover_four_scrapes() {
    fn secs(d: &str) -> u64 {
        let (n, u) = d.split_at(d.find(|c: char| !c.is_ascii_digit()).unwrap());
        n.parse::<u64>().unwrap()
            * if u == "m" {
                60
            } else if u == "h" {
                3600
            } else if u == "d" {
                86_400
            } else {
                1
            }
    }
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let Some(text) = prometheus_yml(&artifacts) else {
            continue;
        };
        let cfg: Value = serde_yaml::from_str(&text).unwrap();
        let scrape = secs(cfg["global"]["scrape_interval"].as_str().unwrap());
        for a in artifacts
            .iter()
            .filter(|a| a.path.starts_with("prometheus/rules/"))
        {
            for part in a.contents.split("rate(").skip(1) {
                let window = part.split('[').nth(1).unwrap().split(']').next().unwrap();
                assert!(
                    secs(window) >= 4 * scrape,
                    "{name}: {}: [{window}] < 4 × {scrape}s",
                    a.path
                );
            }
        }
    }
}

/// Prometheus outside AWS (an Azure VM) has no EC2 instance role, so EC2
/// discovery cannot work there: every monitored host, AWS ones included, is
/// a static target at its compile-time address, and promtool accepts it.
#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn prometheus_outside_aws_scrapes_aws_hosts_statically() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/prometheus-on-azure.kdl");
    let src = std::fs::read_to_string(&path).unwrap();
    let checked = infragen::pipeline::check(&src, &AddressLock::default());
    let model = checked.model.clone().expect("model");
    let artifacts = build::render("prometheus-on-azure", &src, &AddressLock::default());
    let text = prometheus_yml(&artifacts).unwrap();
    assert!(!text.contains("ec2_sd_configs"), "{text}");
    assert!(text.contains("`ec2-discovery` is not used"), "{text}");
    let cfg: Value = serde_yaml::from_str(&text).unwrap();
    let node = job(&cfg, "node").expect("node job");
    let listed: BTreeSet<String> = node["static_configs"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|s| s["targets"].as_sequence().unwrap().clone())
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = model
        .hosts
        .iter()
        .filter(|h| h.settings.monitored)
        .map(|h| format!("{}:9100", h.address.unwrap()))
        .collect();
    assert_eq!(listed, want);
    assert!(
        model.hosts.iter().any(|h| h.name == "app-01"),
        "the fixture has AWS hosts"
    );

    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    let dir = build::write(&artifacts);
    let out = tools::run(
        Command::new(&promtool)
            .args(["check", "config"])
            .arg(dir.path().join("prometheus/prometheus.yml")),
    );
    assert!(out.status.success(), "{}", tools::describe(&out));
}
