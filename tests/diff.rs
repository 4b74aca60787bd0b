//! `infragen diff`: realistic change pairs built from the examples, each
//! asserting the typed changes in `--format json` and pinning the markdown
//! (the PR comment); `--base REV` in a scratch git repository; and the
//! exposure comparison agreeing with `required-flow-blocked`'s evaluation.

use infragen::diff::exposure::{Change, Class};
use infragen::graph::flows;
use infragen::graph::reach;
use infragen::model::Model;
use infragen::pipeline;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const REFERENCE: &str = include_str!("../examples/reference.kdl");
const REFERENCE_LOCK: &str = include_str!("../examples/reference.lock");

/// `s` with `from` replaced by `to`; `from` must be there (a case that
/// silently changed nothing would pin nothing).
fn edit(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "the example no longer contains {from:?}");
    s.replacen(from, to, 1)
}

struct Run {
    json: Value,
    markdown: String,
    code: i32,
}

fn infragen(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infragen")
}

/// Writes old.kdl and new.kdl (each with the reference's lock) and diffs them.
fn diff(old: &str, new: &str, extra: &[&str]) -> Run {
    diff_locked((old, REFERENCE_LOCK), (new, REFERENCE_LOCK), extra)
}

/// Like [`diff`], with each side's own lock.
fn diff_locked(old: (&str, &str), new: (&str, &str), extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    for (name, (text, lock)) in [("old", old), ("new", new)] {
        std::fs::write(dir.path().join(format!("{name}.kdl")), text).unwrap();
        std::fs::write(dir.path().join(format!("{name}.lock")), lock).unwrap();
    }
    let mut args = vec!["diff", "old.kdl", "new.kdl", "--format", "json"];
    args.extend(extra);
    let out = infragen(dir.path(), &args);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "diff --format json: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut args = vec!["diff", "old.kdl", "new.kdl", "--format", "markdown"];
    args.extend(extra);
    let md = infragen(dir.path(), &args);
    assert_eq!(md.status.code(), out.status.code());
    Run {
        json,
        markdown: String::from_utf8(md.stdout).unwrap(),
        code: out.status.code().unwrap(),
    }
}

fn report(r: &Run) -> &Value {
    &r.json["report"]
}

/// The exposure changes as `change source → destination proto/ports`.
fn exposure(r: &Run) -> Vec<String> {
    report(r)["exposure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let pp = match e["ports"].as_str() {
                Some(p) => format!("{}/{p}", e["proto"].as_str().unwrap()),
                None => e["proto"].as_str().unwrap().to_string(),
            };
            format!(
                "{} {} {} → {} {pp}",
                e["change"].as_str().unwrap(),
                e["class"].as_str().unwrap(),
                e["source"].as_str().unwrap(),
                e["destination"].as_str().unwrap()
            )
        })
        .collect()
}

fn hosts(r: &Run, kind: &str) -> Vec<String> {
    report(r)["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"] == kind)
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

fn host<'a>(r: &'a Run, name: &str) -> &'a Value {
    report(r)["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host change for {name}"))
}

fn attribute<'a>(h: &'a Value, attr: &str) -> &'a Value {
    h["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["attribute"] == attr)
        .unwrap_or_else(|| panic!("no {attr} change in {h}"))
}

fn cluster<'a>(r: &'a Run, name: &str) -> &'a Value {
    report(r)["ha"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no HA change for {name}"))
}

fn risks(r: &Run) -> Vec<&str> {
    r.json["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn line_of(src: &str, needle: &str) -> u64 {
    let at = src.find(needle).unwrap();
    src[..at].matches('\n').count() as u64 + 1
}

#[test]
fn open_5432_to_an_address_set() {
    let new = edit(
        REFERENCE,
        r#"    ingress "tcp" 5432 from="sg:haproxy" description="SQL from HAProxy""#,
        "    ingress \"tcp\" 5432 from=\"sg:haproxy\" description=\"SQL from HAProxy\"\n    ingress \"tcp\" 5432 from=\"set:office\" description=\"analysts\"",
    );
    let r = diff(REFERENCE, &new, &[]);
    assert_eq!(r.code, 0);
    assert_eq!(exposure(&r), ["opened external set:office → db tcp/5432"]);
    let e = &report(&r)["exposure"][0];
    assert_eq!(
        e["lines"]["new"][0],
        line_of(&new, "from=\"set:office\" description=\"analysts\"")
    );
    assert_eq!(e["destination_public"], false);
    assert!(risks(&r).is_empty());
    insta::assert_snapshot!("open_5432_to_an_address_set", r.markdown);
}

#[test]
fn open_22_to_the_world() {
    let new = edit(
        REFERENCE,
        r#"ingress "tcp" 22 from="set:office" description="SSH from the office""#,
        r#"ingress "tcp" 22 from="cidr:0.0.0.0/0" description="SSH from anywhere""#,
    );
    let r = diff(REFERENCE, &new, &["--fail-on", "exposure-world"]);
    // open-to-world is an error in NEW: exit 1 either way.
    assert_eq!(r.code, 1);
    let ex = exposure(&r);
    assert_eq!(ex[0], "opened world world → bastion tcp/22");
    assert!(
        ex.iter()
            .all(|e| e.starts_with("opened") && e.ends_with("bastion tcp/22"))
    );
    assert!(ex.contains(&"opened cross-network vpn-azure → bastion tcp/22".to_string()));
    assert_eq!(report(&r)["exposure"][0]["destination_public"], true);
    assert_eq!(risks(&r), ["exposure-world"]);
    let d = &report(&r)["diagnostics"][0];
    assert_eq!(
        (d["change"].as_str(), d["rule"].as_str()),
        (Some("new"), Some("open-to-world"))
    );
    assert_eq!(report(&r)["outputs_compared"], false);
    insta::assert_snapshot!("open_22_to_the_world", r.markdown);
}

#[test]
fn resize_app_52_to_60() {
    let new = edit(
        REFERENCE,
        r#"group "app" count=52"#,
        r#"group "app" count=60"#,
    );
    let r = diff(REFERENCE, &new, &["--fail-on", "replace,quorum-down"]);
    assert_eq!(r.code, 0, "{}", r.json);
    assert!(exposure(&r).is_empty(), "{:?}", exposure(&r));
    let added: Vec<String> = (53..=60).map(|i| format!("app-{i}")).collect();
    assert_eq!(hosts(&r, "added"), added);
    assert!(hosts(&r, "replaced").is_empty());
    // The group's user data does not name its size: the 52 running members
    // keep theirs (no stop/start), and cloud-init/app.yaml is unchanged.
    assert!(
        hosts(&r, "in-place").is_empty(),
        "{:?}",
        hosts(&r, "in-place")
    );
    let outputs = report(&r)["outputs"].as_array().unwrap();
    assert!(outputs.iter().any(|o| o["path"] == "terraform/main.tf"
        || o["path"].as_str().unwrap().starts_with("terraform/")));
    assert!(
        !outputs.iter().any(|o| o["path"] == "cloud-init/app.yaml"),
        "{outputs:?}"
    );
    insta::assert_snapshot!("resize_app_52_to_60", r.markdown);
}

#[test]
fn move_db_02_to_another_subnet() {
    let new = edit(
        REFERENCE,
        "group \"db\" count=3 type=\"r5.2xlarge\" volume-size=500 {\n        subnets \"core/private-a\" \"core/private-b\"",
        "group \"db\" count=3 type=\"r5.2xlarge\" volume-size=500 {\n        subnets \"core/private-a\"",
    );
    let r = diff(REFERENCE, &new, &["--fail-on", "replace"]);
    assert_eq!(r.code, 1, "--fail-on replace");
    assert_eq!(hosts(&r, "replaced"), ["db-02"]);
    let h = host(&r, "db-02");
    let s = attribute(h, "subnet_id");
    assert_eq!(
        (s["old"].as_str(), s["new"].as_str()),
        (Some("core/private-b"), Some("core/private-a"))
    );
    assert_eq!(s["effect"], "replace");
    assert_eq!(attribute(h, "private_ip")["effect"], "replace");
    assert_eq!(risks(&r), ["replace"]);
    insta::assert_snapshot!("move_db_02_to_another_subnet", r.markdown);
}

#[test]
fn change_ttl() {
    let new = edit(REFERENCE, "patroni ttl=30 ", "patroni ttl=40 ");
    let r = diff(REFERENCE, &new, &["--fail-on", "quorum-down"]);
    assert_eq!(r.code, 0);
    let c = cluster(&r, "orders");
    // ttl + loop_wait + rise × check-interval: 30+10+6 → 40+10+6.
    assert_eq!(c["old"]["failover_ms"], 46000);
    assert_eq!(c["new"]["failover_ms"], 56000);
    assert_eq!(c["quorum_down"], false);
    assert_eq!(c["lines"]["new"][0], line_of(&new, "patroni ttl=40"));
    assert!(exposure(&r).is_empty());
    assert!(report(&r)["hosts"].as_array().unwrap().is_empty());
    let outputs: Vec<&str> = report(&r)["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert!(
        outputs.iter().any(|p| p.ends_with("patroni.yml")),
        "{outputs:?}"
    );
    insta::assert_snapshot!("change_ttl", r.markdown);
}

#[test]
fn add_a_third_zone() {
    let old = REFERENCE;
    let new = edit(
        old,
        "    subnet \"private-b\" zone=\"us-east-1b\" cidr=\"10.10.32.0/20\"\n",
        "    subnet \"private-b\" zone=\"us-east-1b\" cidr=\"10.10.32.0/20\"\n    subnet \"private-c\" zone=\"us-east-1c\" cidr=\"10.10.48.0/20\"\n",
    );
    let new = edit(
        &new,
        "group \"etcd\" count=3 type=\"t3.small\" {\n        subnets \"core/private-a\" \"core/private-b\"",
        "group \"etcd\" count=3 type=\"t3.small\" {\n        subnets \"core/private-a\" \"core/private-b\" \"core/private-c\"",
    );
    // A locked host keeps its subnet while the group still lists it: the
    // change also drops etcd-03's lock line, so the build places it anew,
    // in the new zone.
    let lock: String = REFERENCE_LOCK
        .lines()
        .filter(|l| !l.starts_with("etcd-03 "))
        .map(|l| format!("{l}\n"))
        .collect();
    let r = diff_locked(
        (old, REFERENCE_LOCK),
        (&new, &lock),
        &["--fail-on", "quorum-down"],
    );
    assert_eq!(r.code, 0, "{}", r.json);
    let c = cluster(&r, "orders");
    assert_eq!(
        (
            c["old"]["zones"].as_u64(),
            c["old"]["tolerates_zones"].as_u64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(
        (
            c["new"]["zones"].as_u64(),
            c["new"]["tolerates_zones"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(c["quorum_down"], false);
    assert_eq!(hosts(&r, "replaced"), ["etcd-03"]);
    insta::assert_snapshot!("add_a_third_zone", r.markdown);

    // The way back loses the zone: quorum-down.
    let back = diff_locked(
        (&new, &lock),
        (old, REFERENCE_LOCK),
        &["--fail-on", "quorum-down"],
    );
    assert_eq!(back.code, 1);
    assert_eq!(cluster(&back, "orders")["quorum_down"], true);
    assert!(risks(&back).contains(&"quorum-down"));
}

/// A workload host in the DR VNet, and the tunnel's Azure end first
/// covering only the gateway subnet, then the workloads too.
fn dr_workload(right_subnets: &str) -> String {
    let s = edit(
        REFERENCE,
        r#"    host "vpn-azure" type="Standard_B2s" public-address="192.0.2.20" {"#,
        "    host \"dr-app\" type=\"Standard_B2s\" {\n        subnets \"dr/workloads\"\n        security-groups \"vpn-azure\"\n    }\n    host \"vpn-azure\" type=\"Standard_B2s\" public-address=\"192.0.2.20\" {",
    );
    edit(
        &s,
        r#"right host="vpn-azure" subnets="vnet:dr""#,
        &format!(r#"right host="vpn-azure" subnets="{right_subnets}""#),
    )
}

#[test]
fn add_a_vpn_subnet() {
    let old = dr_workload("subnet:dr/gateway");
    let new = dr_workload("subnet:dr/gateway subnet:dr/workloads");
    let r = diff(&old, &new, &[]);
    let ex = exposure(&r);
    // `vpn-azure` admits everything from vpc:core: now through the tunnel.
    assert!(
        ex.contains(&"opened cross-network monitor → dr-app all".to_string()),
        "{ex:?}"
    );
    assert!(
        ex.iter()
            .all(|e| e.starts_with("opened cross-network") && e.ends_with("→ dr-app all")),
        "{ex:?}"
    );
    // The AWS groups admit vpc:core only: nothing opens the way back.
    assert!(!ex.iter().any(|e| e.contains("dr-app →")), "{ex:?}");
    // Prometheus could not scrape dr-app through the tunnel: fixed.
    let fixed: Vec<&str> = report(&r)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["change"] == "fixed")
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(fixed.contains(&"required-flow-blocked"), "{}", r.json);
    insta::assert_snapshot!("add_a_vpn_subnet", r.markdown);
}

#[test]
fn rotate_a_password_variable() {
    let new = edit(
        REFERENCE,
        r#"password-env="PG_REPLICATION_PASSWORD""#,
        r#"password-env="PG_REPLICATION_PASSWORD_2026""#,
    );
    let r = diff(REFERENCE, &new, &[]);
    assert_eq!(r.code, 0);
    let s = report(&r)["secrets"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(
        (s[0]["change"].as_str(), s[0]["variable"].as_str()),
        (Some("added"), Some("PG_REPLICATION_PASSWORD_2026"))
    );
    assert_eq!(
        s[0]["lines"]["new"][0],
        line_of(&new, "PG_REPLICATION_PASSWORD_2026")
    );
    assert_eq!(
        (s[1]["change"].as_str(), s[1]["variable"].as_str()),
        (Some("removed"), Some("PG_REPLICATION_PASSWORD"))
    );
    assert!(exposure(&r).is_empty());
    // Placeholders only: no value of any secret in the report.
    assert!(!r.markdown.contains("${"), "{}", r.markdown);
    insta::assert_snapshot!("rotate_a_password_variable", r.markdown);
}

#[test]
fn change_an_instance_type() {
    // Same architecture: a stop/start. To Graviton: the image must change.
    let new = edit(
        REFERENCE,
        r#"host "monitor" type="m5.large""#,
        r#"host "monitor" type="m5.xlarge""#,
    );
    let new = edit(
        &new,
        r#"group "db" count=3 type="r5.2xlarge""#,
        r#"group "db" count=3 type="r6g.2xlarge""#,
    );
    let r = diff(REFERENCE, &new, &[]);
    assert_eq!(r.code, 0, "{}", r.json);
    let m = host(&r, "monitor");
    assert_eq!(m["change"], "in-place");
    assert_eq!(attribute(m, "instance_type")["effect"], "restart");
    assert_eq!(hosts(&r, "replaced"), ["db-01", "db-02", "db-03"]);
    let d = host(&r, "db-01");
    assert_eq!(attribute(d, "instance_type")["effect"], "replace");
    assert_eq!(attribute(d, "ami")["effect"], "ignored");
    insta::assert_snapshot!("change_an_instance_type", r.markdown);
}

#[test]
fn remove_a_host() {
    let new = edit(
        REFERENCE,
        "    host \"bastion\" type=\"t3.micro\" public-ip=#true {\n        subnets \"core/public-a\"\n        security-groups \"bastion\" \"node-exporter\"\n    }\n",
        "",
    );
    let r = diff(REFERENCE, &new, &[]);
    assert_eq!(r.code, 0, "{}", r.json);
    assert_eq!(hosts(&r, "removed"), ["bastion"]);
    let ex = exposure(&r);
    assert!(
        ex.contains(&"closed external set:office → bastion tcp/22".to_string()),
        "{ex:?}"
    );
    // Nobody reaches port 22 from the bastion any more.
    assert!(
        ex.contains(&"closed internal bastion → db tcp/22".to_string()),
        "{ex:?}"
    );
    assert!(ex.iter().all(|e| e.starts_with("closed")));
    let h = host(&r, "bastion");
    assert_eq!(h["lines"]["old"][0], line_of(REFERENCE, "host \"bastion\""));
    insta::assert_snapshot!("remove_a_host", r.markdown);
}

#[test]
fn no_change_is_empty_and_exits_0() {
    let r = diff(
        REFERENCE,
        REFERENCE,
        &["--fail-on", "exposure-world,replace,quorum-down"],
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.json["summary"], "no changes");
    insta::assert_snapshot!("no_change", r.markdown);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.kdl"), REFERENCE).unwrap();
    for args in [
        &["diff", "a.kdl"][..],
        &["diff", "a.kdl", "missing.kdl"],
        &["diff", "a.kdl", "a.kdl", "--fail-on", "everything"],
        &["diff", "--base", "HEAD", "a.kdl", "a.kdl"],
        &["diff", "--base", "HEAD", "a.kdl"], // not a git repository
    ] {
        let out = infragen(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn base_rev_reads_the_spec_and_lock_from_git() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("infra");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("prod.kdl"), REFERENCE).unwrap();
    std::fs::write(sub.join("prod.lock"), REFERENCE_LOCK).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    let new = edit(
        REFERENCE,
        r#"group "app" count=52"#,
        r#"group "app" count=54"#,
    );
    std::fs::write(sub.join("prod.kdl"), &new).unwrap();
    // Run from the repository root, with the spec in a subdirectory.
    let out = infragen(
        dir.path(),
        &[
            "diff",
            "--base",
            "HEAD",
            "infra/prod.kdl",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["old"], "HEAD:infra/prod.kdl");
    let added: Vec<&str> = v["report"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"] == "added")
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(added, ["app-53", "app-54"]);
    // The lock came from the revision: no existing host moved.
    assert!(
        v["report"]["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["change"] != "replaced")
    );
    // An unknown revision is a usage error.
    let out = infragen(
        dir.path(),
        &["diff", "--base", "no-such-rev", "infra/prod.kdl"],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// A change that both opens and closes flows: etcd's client port moves from
/// the database's group to the application's. Every service flow whose
/// verdict under `reach::check` (what `required-flow-blocked` runs) flips
/// must show as the matching exposure change, and every host-to-host
/// exposure change must be a flip of `reach::check_probe` for its hosts.
#[test]
fn exposure_agrees_with_required_flow_blocked() {
    let new = edit(
        REFERENCE,
        r#"ingress "tcp" 2379 from="sg:db""#,
        r#"ingress "tcp" 2379 from="sg:app""#,
    );
    let (oc, nc) = (
        pipeline::check(REFERENCE, &lock()),
        pipeline::check(&new, &lock()),
    );
    assert!(
        nc.diagnostics
            .iter()
            .any(|d| d.rule == "required-flow-blocked")
    );
    let report = infragen::diff::compare(
        &infragen::diff::Side {
            source: REFERENCE,
            checked: &oc,
        },
        &infragen::diff::Side {
            source: &new,
            checked: &nc,
        },
        Default::default(),
    );
    let (om, nm) = (oc.model.as_ref().unwrap(), nc.model.as_ref().unwrap());
    let unit = |m: &Model, h: infragen::model::HostId| {
        let host = m.host(h);
        host.group
            .map(|g| m.group(g).name.clone())
            .unwrap_or(host.name.clone())
    };
    let has = |change: Change, src: &str, dst: &str, port: u16| {
        report.exposure.iter().any(|e| {
            e.change == change
                && e.source == src
                && e.destination == dst
                && e.proto == "tcp"
                && e.ports.as_deref() == Some(&port.to_string())
        })
    };
    // Service flows (same names on both sides) whose verdict flips.
    let mut flipped = 0;
    for f in flows::derive(om) {
        let (Some(ff), Some(ft)) = (f.from.host(), f.to.host()) else {
            continue;
        };
        let (from, to) = (&om.host(ff).name, &om.host(ft).name);
        let (Some(nf), Some(nt)) = (nm.host_by_name(from), nm.host_by_name(to)) else {
            continue;
        };
        let before = reach::check(om, &f).is_ok();
        let nflow = flows::Flow {
            from: flows::Endpoint::Host(nf),
            to: flows::Endpoint::Host(nt),
            ..f.clone()
        };
        let after = reach::check(nm, &nflow).is_ok();
        if before && !after {
            flipped += 1;
            assert!(
                has(
                    Change::Closed,
                    &unit(om, ff),
                    &unit(om, ft),
                    f.port.unwrap()
                ),
                "{from} → {to}"
            );
        }
    }
    assert!(flipped > 0, "the change blocks Patroni → etcd");
    assert!(has(Change::Opened, "app", "etcd", 2379));
    assert!(has(Change::Closed, "db", "etcd", 2379));
    // Every host-to-host change is a flip of the probe, for every pair.
    for e in &report.exposure {
        if matches!(e.class, Class::World | Class::External) {
            continue;
        }
        let port: u16 = e.ports.as_deref().unwrap().parse().unwrap();
        let members = |m: &Model, u: &str| -> Vec<infragen::model::HostId> {
            (0..m.hosts.len())
                .map(infragen::model::HostId::from_index)
                .filter(|h| unit(m, *h) == u)
                .collect()
        };
        let allowed = |m: &Model| {
            members(m, &e.source).iter().any(|&s| {
                members(m, &e.destination).iter().any(|&d| {
                    s != d
                        && reach::check_probe(
                            m,
                            &reach::Probe {
                                from: flows::Endpoint::Host(s),
                                to: flows::Endpoint::Host(d),
                                proto: infragen::model::Proto::Tcp,
                                port: Some(port),
                                control: false,
                            },
                        )
                        .is_ok()
                })
            })
        };
        let (b, a) = (allowed(om), allowed(nm));
        match e.change {
            Change::Opened => assert!(!b && a, "{e:?}"),
            Change::Closed => assert!(b && !a, "{e:?}"),
        }
    }
}

fn lock() -> infragen::lock::AddressLock {
    infragen::lock::AddressLock::parse(REFERENCE_LOCK).unwrap()
}

/// A literal secret in NEW is reported (`secret-literal`), never echoed:
/// the report names lines, rules and variables only.
#[test]
fn a_literal_secret_never_reaches_the_report() {
    let new = edit(
        REFERENCE,
        r#"psk-env "IPSEC_PSK""#,
        r#"psk "hunter2-very-secret""#,
    );
    let r = diff(REFERENCE, &new, &[]);
    assert_eq!(r.code, 1);
    assert!(!r.markdown.contains("hunter2"));
    assert!(!r.json.to_string().contains("hunter2"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.kdl"), REFERENCE).unwrap();
    std::fs::write(dir.path().join("b.kdl"), &new).unwrap();
    let out = infragen(dir.path(), &["diff", "a.kdl", "b.kdl"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}

/// No panic on any input: every crash-corpus spec and UI fixture, compared
/// with an example in both directions (the analysis sees poisoned models).
#[test]
fn broken_specs_never_panic() {
    let small = include_str!("../examples/small.kdl");
    let base = pipeline::check(small, &Default::default());
    let mut n = 0;
    for dir in ["tests/corpus", "tests/ui"] {
        for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "kdl") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let c = pipeline::check(&text, &Default::default());
            let a = infragen::diff::Side {
                source: small,
                checked: &base,
            };
            let b = infragen::diff::Side {
                source: &text,
                checked: &c,
            };
            let _ = infragen::diff::compare(&a, &b, Default::default());
            let _ = infragen::diff::compare(&b, &a, Default::default());
            n += 1;
        }
    }
    assert!(n > 50, "{n} specs");
}

/// A balancer is a destination of its own: narrowing the public ALB's
/// security group from the internet to the VPC closes the world's access to
/// its listener, asked through the same `reach` probes as the flows.
#[test]
fn narrowing_a_balancer_group_closes_the_world() {
    const WEB: &str = include_str!("../examples/web-tier.kdl");
    const WEB_LOCK: &str = include_str!("../examples/web-tier.lock");
    let new = edit(
        WEB,
        r#"ingress "tcp" 443 from="cidr:0.0.0.0/0" description="HTTPS from the internet""#,
        r#"ingress "tcp" 443 from="vpc:web" description="HTTPS from the VPC""#,
    );
    let r = diff_locked((WEB, WEB_LOCK), (&new, WEB_LOCK), &[]);
    // The hosts of the VPC were inside 0.0.0.0/0 already: nothing opens.
    assert_eq!(exposure(&r), ["closed world world → lb:public tcp/443"]);
    let closed = report(&r)["exposure"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["change"] == "closed" && e["source"] == "world")
        .unwrap();
    assert_eq!(closed["destination_public"], true);
    assert_eq!(
        closed["lines"]["old"][0],
        line_of(
            WEB,
            r#"from="cidr:0.0.0.0/0" description="HTTPS from the internet""#
        )
    );
}
