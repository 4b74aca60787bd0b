//! Grafana outputs of every example: dashboards type-check against
//! `@grafana/schema`, provisioning files have the documented structure (no
//! Grafana server here: parsed and checked key by key), and everything
//! refers to the same data source, addresses and contact points.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::Artifact;
use serde_yaml::Value;
use std::collections::BTreeSet;

fn find<'a>(artifacts: &'a [Artifact], path: &str) -> Option<&'a Artifact> {
    artifacts.iter().find(|a| a.path == path)
}

fn yaml(a: &Artifact) -> Value {
    serde_yaml::from_str(&a.contents).unwrap_or_else(|e| panic!("{}: {e}", a.path))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
#[ignore = "needs tsc with @grafana/schema: tests/scripts/test.sh runs it"]
fn dashboards_type_check_against_grafana_schema() {
    if tools::require_grafana_tscheck().is_none() {
        return;
    }
    let mut checked = 0;
    for name in build::example_names() {
        let dir = build::build_example(&name);
        let Ok(entries) = std::fs::read_dir(dir.path().join("grafana/dashboards")) else {
            continue;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            tools::grafana_tscheck(&f).unwrap_or_else(|e| panic!("{name}: {e}"));
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "expected the reference and small dashboards, checked {checked}"
    );
}

/// Only what the spec declares: small has no postgres dashboard, search7
/// (no grafana node) has no Grafana file at all.
#[test]
fn only_declared_dashboards_are_written() {
    let paths = |n: &str| -> BTreeSet<String> {
        build::render_example(n)
            .into_iter()
            .map(|a| a.path)
            .filter(|p| p.starts_with("grafana/"))
            .collect()
    };
    let reference = paths("reference");
    assert!(reference.contains("grafana/dashboards/node-overview.json"));
    assert!(reference.contains("grafana/dashboards/postgres.json"));
    let small = paths("small");
    assert!(small.contains("grafana/dashboards/node-overview.json"));
    assert!(!small.contains("grafana/dashboards/postgres.json"));
    assert!(paths("search7").is_empty());
}

/// uids: short, stable across builds, distinct, and every panel, query and
/// variable uses the provisioned data source.
#[test]
fn dashboards_use_stable_uids_and_the_provisioned_datasource() {
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let Some(ds) = find(
            &artifacts,
            "grafana/provisioning/datasources/prometheus.yml",
        ) else {
            continue;
        };
        let ds_uid = yaml(ds)["datasources"][0]["uid"]
            .as_str()
            .unwrap()
            .to_string();
        let again = build::render_example(&name);
        let mut uids = BTreeSet::new();
        for a in artifacts
            .iter()
            .filter(|a| a.path.starts_with("grafana/dashboards/"))
        {
            assert_eq!(
                Some(a),
                find(&again, &a.path),
                "{name}: {} differs between builds",
                a.path
            );
            let d: serde_json::Value = serde_json::from_str(&a.contents).unwrap();
            let uid = d["uid"].as_str().unwrap();
            assert!(
                uid.len() <= 40
                    && uid
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
            assert!(uids.insert(uid.to_string()), "{name}: duplicate uid {uid}");
            let mut refs = Vec::new();
            collect_datasources(&d, &mut refs);
            assert!(!refs.is_empty());
            for r in refs {
                assert_eq!(
                    r["uid"].as_str(),
                    Some(ds_uid.as_str()),
                    "{name}: {}",
                    a.path
                );
            }
            // Panels filter by every template variable.
            let vars: Vec<String> = d["templating"]["list"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_string())
                .collect();
            for p in d["panels"].as_array().unwrap() {
                for t in p["targets"].as_array().unwrap() {
                    let expr = t["expr"].as_str().unwrap();
                    for v in &vars {
                        assert!(
                            expr.contains(&format!("{v}=~\"${v}\"")),
                            "{name}: {expr} ignores ${v}"
                        );
                    }
                }
            }
        }
    }
}

fn collect_datasources<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                if k == "datasource" {
                    out.push(child);
                } else {
                    collect_datasources(child, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|c| collect_datasources(c, out)),
        _ => {}
    }
}

#[test]
fn node_overview_has_the_required_variables_and_panels() {
    let artifacts = build::render_example("reference");
    let d: serde_json::Value = serde_json::from_str(
        &find(&artifacts, "grafana/dashboards/node-overview.json")
            .unwrap()
            .contents,
    )
    .unwrap();
    let vars: BTreeSet<String> = d["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert!(v["query"].as_str().unwrap().starts_with("label_values("));
            v["name"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(vars, set(&["instance_id", "job", "server_name"]));
    let titles: BTreeSet<String> = d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_lowercase())
        .collect();
    for want in ["cpu", "memory", "disk", "network", "load", "uptime"] {
        assert!(
            titles.iter().any(|t| t.contains(want)),
            "no {want} panel in {titles:?}"
        );
    }
}

/// Datasource and dashboard provider, as documented under
/// administration/provisioning; the URL is Prometheus's model address.
#[test]
fn provisioning_files_have_the_documented_structure() {
    let artifacts = build::render_example("reference");
    let ds = yaml(
        find(
            &artifacts,
            "grafana/provisioning/datasources/prometheus.yml",
        )
        .unwrap(),
    );
    assert_eq!(keys(&ds), set(&["apiVersion", "datasources"]));
    let d = &ds["datasources"][0];
    assert_eq!(
        keys(d),
        set(&[
            "access",
            "editable",
            "isDefault",
            "jsonData",
            "name",
            "type",
            "uid",
            "url"
        ])
    );
    assert_eq!(d["type"], "prometheus");
    assert_eq!(
        d["url"], "http://10.10.16.45:9090",
        "monitor's address from reference.lock"
    );

    let p = yaml(find(&artifacts, "grafana/provisioning/dashboards/infragen.yml").unwrap());
    assert_eq!(keys(&p), set(&["apiVersion", "providers"]));
    let prov = &p["providers"][0];
    assert_eq!(prov["type"], "file");
    assert!(prov["options"]["path"].as_str().unwrap().starts_with('/'));
}

/// Contact points (secrets only as `$__env{VAR}`), a policy whose routes
/// are exactly the contact points alerts notify, and rules that carry the
/// `notify` label and query the provisioned data source.
#[test]
fn alerting_provisioning_routes_every_notify_label() {
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let Some(cp) = find(
            &artifacts,
            "grafana/provisioning/alerting/contact-points.yml",
        ) else {
            continue;
        };
        let cp = yaml(cp);
        assert_eq!(keys(&cp), set(&["apiVersion", "contactPoints"]));
        let mut names = BTreeSet::new();
        for c in cp["contactPoints"].as_sequence().unwrap() {
            assert_eq!(keys(c), set(&["name", "orgId", "receivers"]));
            names.insert(c["name"].as_str().unwrap().to_string());
            for r in c["receivers"].as_sequence().unwrap() {
                assert_eq!(keys(r), set(&["settings", "type", "uid"]));
                assert!(r["uid"].as_str().unwrap().len() <= 40);
                let kind = r["type"].as_str().unwrap();
                assert!(["email", "googlechat", "slack"].contains(&kind));
                if kind != "email" {
                    let url = r["settings"]["url"].as_str().unwrap();
                    assert!(
                        url.starts_with("$__env{") && url.ends_with('}'),
                        "{name}: secret in {url}"
                    );
                }
            }
        }
        let pol = yaml(find(&artifacts, "grafana/provisioning/alerting/policies.yml").unwrap());
        assert_eq!(keys(&pol), set(&["apiVersion", "policies"]));
        let root = &pol["policies"][0];
        assert!(names.contains(root["receiver"].as_str().unwrap()));
        let routed: BTreeSet<String> = root["routes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|r| {
                let m = &r["object_matchers"][0];
                assert_eq!((m[0].as_str(), m[1].as_str()), (Some("notify"), Some("=")));
                assert_eq!(m[2], r["receiver"]);
                r["receiver"].as_str().unwrap().to_string()
            })
            .collect();
        let Some(rules) = find(&artifacts, "grafana/provisioning/alerting/rules.yml") else {
            continue;
        };
        let rules = yaml(rules);
        assert_eq!(keys(&rules), set(&["apiVersion", "groups"]));
        let group = &rules["groups"][0];
        assert_eq!(
            keys(group),
            set(&["folder", "interval", "name", "orgId", "rules"])
        );
        let mut notified = BTreeSet::new();
        for r in group["rules"].as_sequence().unwrap() {
            for k in [
                "uid",
                "title",
                "condition",
                "data",
                "noDataState",
                "execErrState",
                "labels",
                "annotations",
            ] {
                assert!(r.get(k).is_some(), "{name}: rule without {k}");
            }
            assert_eq!(r["data"][0]["datasourceUid"], "infragen-prometheus");
            if let Some(n) = r["labels"]["notify"].as_str() {
                assert!(names.contains(n));
                if n != root["receiver"].as_str().unwrap() {
                    notified.insert(n.to_string());
                }
            }
        }
        assert_eq!(
            routed, notified,
            "{name}: one route per notified contact point"
        );
    }
}
