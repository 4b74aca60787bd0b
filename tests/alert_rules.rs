//! Every built-in alert of every example, proven with `promtool test rules`:
//! a series above the threshold fires once `for` has passed (and not
//! before), a series below it never does. The unit tests are generated from
//! the rendered rule files, so they test what build writes.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::process::Command;

type Labels = BTreeMap<String, String>;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn series(name: &str, l: &Labels) -> String {
    let body: Vec<String> = l.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", body.join(","))
}

/// `15s`, `5m`, `2h` → seconds.
fn seconds(d: &str) -> u64 {
    let (n, unit) = d.split_at(d.find(|c: char| !c.is_ascii_digit()).expect("unit"));
    let n: u64 = n.parse().expect("number");
    n * match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        other => panic!("unexpected unit {other}"),
    }
}

/// The threshold a built-in rule compares with: the number after its last
/// `>` (0 for `instance-down`, which has none).
fn threshold(expr: &str) -> f64 {
    expr.rsplit('>')
        .next()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Expands `{{ $labels.x }}`, the only template our annotations use.
fn expand(template: &str, l: &Labels) -> String {
    let mut out = template.to_string();
    while let Some(start) = out.find("{{ $labels.") {
        let end = out[start..].find("}}").expect("closing braces") + start;
        let name = out[start + 11..end].trim();
        let value = l.get(name).cloned().unwrap_or_default();
        out.replace_range(start..end + 2, &value);
    }
    out
}

/// Input series for one alert: (series, values) pairs, and the labels of the
/// one series group that must fire. `n` samples at `step` seconds.
struct Case {
    input: Vec<(String, String)>,
    firing: Vec<Labels>,
}

fn case(alert: &str, expr: &str, step: u64) -> Option<Case> {
    let p = threshold(expr);
    let hot = labels(&[
        ("instance", "10.0.0.1:9100"),
        ("job", "node"),
        ("server_name", "hot"),
    ]);
    let calm = labels(&[
        ("instance", "10.0.0.2:9100"),
        ("job", "node"),
        ("server_name", "calm"),
    ]);
    // Above and below the threshold, away from it on both sides.
    let (high, low) = ((p + 100.0) / 2.0, p / 2.0);
    let mut input = Vec::new();
    let mut firing = vec![hot.clone()];
    match alert {
        "DiskUsage" => {
            let disk = |l: &Labels| {
                let mut l = l.clone();
                l.extend(labels(&[
                    ("device", "/dev/nvme0n1p1"),
                    ("fstype", "ext4"),
                    ("mountpoint", "/"),
                ]));
                l
            };
            for (l, used) in [(disk(&hot), high), (disk(&calm), low)] {
                input.push((
                    series("node_filesystem_avail_bytes", &l),
                    format!("{}x100", 100.0 - used),
                ));
                input.push((series("node_filesystem_size_bytes", &l), "100x100".into()));
            }
            // A full tmpfs is not a disk.
            let mut tmp = calm.clone();
            tmp.extend(labels(&[
                ("device", "tmpfs"),
                ("fstype", "tmpfs"),
                ("mountpoint", "/run"),
            ]));
            input.push((series("node_filesystem_avail_bytes", &tmp), "0x100".into()));
            input.push((series("node_filesystem_size_bytes", &tmp), "100x100".into()));
            firing = vec![disk(&hot)];
        }
        "CpuUsage" => {
            for (l, used) in [(&hot, high), (&calm, low)] {
                let idle_per_step = (100.0 - used) / 100.0 * step as f64;
                for cpu in ["0", "1"] {
                    let mut s = l.clone();
                    s.extend(labels(&[("cpu", cpu), ("mode", "idle")]));
                    input.push((
                        series("node_cpu_seconds_total", &s),
                        format!("0+{idle_per_step}x100"),
                    ));
                }
            }
        }
        "MemoryUsage" => {
            for (l, used) in [(&hot, high), (&calm, low)] {
                input.push((
                    series("node_memory_MemAvailable_bytes", l),
                    format!("{}x100", 100.0 - used),
                ));
                input.push((series("node_memory_MemTotal_bytes", l), "100x100".into()));
            }
            if expr.contains("MemFree") {
                // A 3.13 kernel: no MemAvailable, free + buffers + cache instead.
                let old = labels(&[
                    ("instance", "10.0.0.3:9100"),
                    ("job", "node"),
                    ("server_name", "old"),
                ]);
                let free = (100.0 - high) / 3.0;
                for m in ["MemFree", "Buffers", "Cached"] {
                    input.push((
                        series(&format!("node_memory_{m}_bytes"), &old),
                        format!("{free}x100"),
                    ));
                }
                input.push((series("node_memory_MemTotal_bytes", &old), "100x100".into()));
                firing.push(old);
            }
        }
        "InstanceDown" => {
            input.push((series("up", &hot), "0x100".into()));
            input.push((series("up", &calm), "1x100".into()));
        }
        "ReplicationLag" => {
            let job = expr.split("job=\"").nth(1)?.split('"').next()?;
            let hot = labels(&[
                ("instance", "10.0.0.1:9187"),
                ("job", job),
                ("server_name", "hot"),
            ]);
            let calm = labels(&[
                ("instance", "10.0.0.2:9187"),
                ("job", job),
                ("server_name", "calm"),
            ]);
            input.push((
                series("pg_replication_lag_seconds", &hot),
                format!("{}x100", 2.0 * p),
            ));
            input.push((
                series("pg_replication_lag_seconds", &calm),
                format!("{}x100", p / 2.0),
            ));
            firing = vec![hot];
        }
        _ => return None, // custom alerts: their author knows what they mean
    }
    Some(Case { input, firing })
}

/// Builds the promtool unit test for one rule file.
fn unit_test(rule_file: &std::path::Path, rule: &Mapping, step: u64) -> Option<String> {
    let get = |k: &str| rule.get(k).and_then(Value::as_str).map(str::to_string);
    let alert = get("alert")?;
    let expr = get("expr")?;
    let for_s = get("for").map(|f| seconds(&f)).unwrap_or(0);
    let c = case(&alert, &expr, step)?;
    let rule_labels: Labels =
        serde_yaml::from_value(rule.get("labels").cloned().unwrap_or_default()).unwrap_or_default();
    let annotations: Labels =
        serde_yaml::from_value(rule.get("annotations").cloned().unwrap_or_default())
            .unwrap_or_default();
    let exp_alerts: Vec<Value> = c
        .firing
        .iter()
        .map(|l| {
            let mut l = l.clone();
            l.remove("cpu");
            l.remove("mode");
            let mut all = l.clone();
            all.extend(rule_labels.clone());
            let ann: Labels = annotations
                .iter()
                .map(|(k, v)| (k.clone(), expand(v, &l)))
                .collect();
            serde_yaml::to_value(BTreeMap::from([
                ("exp_labels", serde_yaml::to_value(all).unwrap()),
                ("exp_annotations", serde_yaml::to_value(ann).unwrap()),
            ]))
            .unwrap()
        })
        .collect();
    // Not yet at half of `for`; firing well after it (rate() needs a window first).
    let early = (for_s / 2).max(step);
    let late = for_s + 5 * 60;
    let test = serde_yaml::to_value(BTreeMap::from([
        (
            "rule_files",
            serde_yaml::to_value(vec![rule_file.display().to_string()]).unwrap(),
        ),
        ("evaluation_interval", Value::from(format!("{step}s"))),
        (
            "tests",
            serde_yaml::to_value(vec![BTreeMap::from([
                ("interval", Value::from(format!("{step}s"))),
                (
                    "input_series",
                    serde_yaml::to_value(
                        c.input
                            .iter()
                            .map(|(s, v)| {
                                BTreeMap::from([("series", s.clone()), ("values", v.clone())])
                            })
                            .collect::<Vec<_>>(),
                    )
                    .unwrap(),
                ),
                (
                    "alert_rule_test",
                    serde_yaml::to_value(vec![
                        serde_yaml::to_value(BTreeMap::from([
                            ("eval_time", Value::from(format!("{early}s"))),
                            ("alertname", Value::from(alert.clone())),
                            ("exp_alerts", Value::Sequence(vec![])),
                        ]))
                        .unwrap(),
                        serde_yaml::to_value(BTreeMap::from([
                            ("eval_time", Value::from(format!("{late}s"))),
                            ("alertname", Value::from(alert.clone())),
                            ("exp_alerts", Value::Sequence(exp_alerts)),
                        ]))
                        .unwrap(),
                    ])
                    .unwrap(),
                ),
            ])])
            .unwrap(),
        ),
    ]))
    .unwrap();
    Some(serde_yaml::to_string(&test).unwrap())
}

#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn every_built_in_alert_fires_above_its_threshold_after_for_and_not_below() {
    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    let mut tested = BTreeMap::<String, usize>::new();
    for name in build::example_names() {
        let dir = build::build_example(&name);
        let prom = dir.path().join("prometheus");
        let Ok(cfg) = std::fs::read_to_string(prom.join("prometheus.yml")) else {
            continue;
        };
        let cfg: Value = serde_yaml::from_str(&cfg).unwrap();
        let step = seconds(cfg["global"]["scrape_interval"].as_str().unwrap());
        let Ok(entries) = std::fs::read_dir(prom.join("rules")) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let doc: Value =
                serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for group in doc["groups"].as_sequence().unwrap() {
                for rule in group["rules"].as_sequence().unwrap() {
                    let rule = rule.as_mapping().unwrap();
                    let Some(test) = unit_test(&file, rule, step) else {
                        continue;
                    };
                    let test_path = file.with_extension("test.yml");
                    std::fs::write(&test_path, &test).unwrap();
                    let out = tools::run(
                        Command::new(&promtool)
                            .args(["test", "rules"])
                            .arg(&test_path),
                    );
                    assert!(
                        out.status.success(),
                        "{name}: {} failed its unit test\n{test}\n{}",
                        file.display(),
                        tools::describe(&out)
                    );
                    *tested
                        .entry(rule["alert"].as_str().unwrap().to_string())
                        .or_default() += 1;
                }
            }
        }
    }
    if tools::tool("promtool").is_some() {
        // The reference spec uses every built-in: each must have been tested.
        for alert in [
            "DiskUsage",
            "CpuUsage",
            "MemoryUsage",
            "InstanceDown",
            "ReplicationLag",
        ] {
            assert!(
                tested.contains_key(alert),
                "no unit test ran for {alert}: {tested:?}"
            );
        }
    }
}

/// The harness itself must be able to fail: a rule whose threshold is
/// never reached, tested as if it were, is caught.
#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn a_wrong_rule_fails_its_unit_test() {
    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yml");
    std::fs::write(
        &file,
        "groups:\n- name: broken\n  rules:\n  - alert: InstanceDown\n    expr: up == 2\n    for: 2m\n    labels:\n      severity: critical\n",
    )
    .unwrap();
    let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let rule = doc["groups"][0]["rules"][0].as_mapping().unwrap().clone();
    let test = unit_test(&file, &rule, 15).unwrap();
    let test_path = dir.path().join("broken.test.yml");
    std::fs::write(&test_path, test).unwrap();
    let out = tools::run(
        Command::new(&promtool)
            .args(["test", "rules"])
            .arg(&test_path),
    );
    assert!(
        !out.status.success(),
        "a rule that cannot fire passed:\n{}",
        tools::describe(&out)
    );
}
