//! Failure domains in the model (issue 12): every host carries its cloud,
//! region and zone; groups spread round-robin by zone first; placement is
//! stable through the address lock.

use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::model::{Cloud, Model};
use infragen::pipeline::check;

fn model(src: &str, lock: &AddressLock) -> Model {
    let c = check(src, lock);
    let errors: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    c.model.expect("a model")
}

fn errors(src: &str) -> Vec<String> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.rule, d.message))
        .collect()
}

const NET: &str = r#"
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "a1" zone="us-east-1a" cidr="10.10.1.0/24"
    subnet "a2" zone="us-east-1a" cidr="10.10.2.0/24"
    subnet "b" zone="us-east-1b" cidr="10.10.3.0/24"
    subnet "c" zone="us-east-1c" cidr="10.10.4.0/24"
}
vnet "dr" region="centralindia" resource-group="acme-dr" cidr="10.20.0.0/16" {
    subnet "workloads" cidr="10.20.1.0/24"
}
baseline {
    admin "sre" ssh-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNy sre@example"
}
"#;

fn spec(fleet: &str) -> String {
    format!("{NET}\nfleet {{\n{fleet}\n}}\n")
}

fn zones(m: &Model, prefix: &str) -> Vec<String> {
    m.hosts
        .iter()
        .enumerate()
        .filter(|(_, h)| h.name.starts_with(prefix))
        .map(|(i, _)| {
            m.host_zone(infragen::model::HostId::from_index(i))
                .to_string()
        })
        .collect()
}

#[test]
fn aws_hosts_take_their_subnets_zone() {
    let m = model(
        &spec(r#"host "h" type="t3.small" { subnets "core/b"; }"#),
        &AddressLock::default(),
    );
    let z = m.host_zone(infragen::model::HostId::from_index(0));
    assert_eq!(z.cloud, Cloud::Aws);
    assert_eq!(z.region, "us-east-1");
    assert_eq!(z.zone.as_deref(), Some("us-east-1b"));
}

#[test]
fn round_robin_by_zone_first_when_two_subnets_share_a_zone() {
    let m = model(
        &spec(r#"group "etcd" count=6 type="t3.small" { subnets "core/a1" "core/a2" "core/b"; }"#),
        &AddressLock::default(),
    );
    assert_eq!(
        zones(&m, "etcd-"),
        [
            "us-east-1a",
            "us-east-1b",
            "us-east-1a",
            "us-east-1b",
            "us-east-1a",
            "us-east-1b"
        ]
    );
    // Inside us-east-1a, the zone's subnets take turns.
    let subnets: Vec<String> = m.hosts.iter().map(|h| m.subnet_path(h.subnet)).collect();
    assert_eq!(
        subnets,
        [
            "core/a1", "core/b", "core/a2", "core/b", "core/a1", "core/b"
        ]
    );
}

#[test]
fn three_zones_place_three_members_in_three_zones() {
    let m = model(
        &spec(r#"group "etcd" count=3 type="t3.small" { subnets "core/a1" "core/b" "core/c"; }"#),
        &AddressLock::default(),
    );
    assert_eq!(
        zones(&m, "etcd-"),
        ["us-east-1a", "us-east-1b", "us-east-1c"]
    );
}

#[test]
fn azure_zones_spread_a_group_and_zone_less_hosts_share_the_region() {
    let m = model(
        &spec(
            r#"group "w" count=4 type="Standard_B2s" { subnets "dr/workloads"; zones "1" "2" "3"; }
host "one" type="Standard_B2s" zone="2" { subnets "dr/workloads"; }
host "bare" type="Standard_B2s" { subnets "dr/workloads"; }"#,
        ),
        &AddressLock::default(),
    );
    assert_eq!(
        zones(&m, "w-"),
        [
            "centralindia-1",
            "centralindia-2",
            "centralindia-3",
            "centralindia-1"
        ]
    );
    assert_eq!(zones(&m, "one"), ["centralindia-2"]);
    assert_eq!(zones(&m, "bare"), ["centralindia (no zone)"]);
}

#[test]
fn zone_on_an_aws_host_is_one_error() {
    let e = errors(&spec(
        r#"host "h" type="t3.small" zone="1" { subnets "core/b"; }"#,
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("for Azure hosts"), "{e:?}");
    let e = errors(&spec(
        r#"group "g" count=2 type="t3.small" { subnets "core/b"; zones "1" "2"; }"#,
    ));
    assert_eq!(e.len(), 1, "{e:?}");
}

#[test]
fn a_bad_azure_zone_is_one_error() {
    let e = errors(&spec(
        r#"host "h" type="Standard_B2s" zone="4" { subnets "dr/workloads"; }"#,
    ));
    assert_eq!(e.len(), 1, "{e:?}");
}

/// Adding a subnet in a zone the group already uses re-deals the zones of
/// new hosts, but every host in the lock keeps its subnet and address.
#[test]
fn locked_hosts_do_not_move_when_placement_changes() {
    let before = spec(r#"group "app" count=4 type="t3.small" { subnets "core/a1" "core/b"; }"#);
    let m = model(&before, &AddressLock::default());
    let lock = infragen::lower::lock_of(&m);
    let after = spec(
        r#"group "app" count=6 type="t3.small" { subnets "core/a1" "core/a2" "core/b" "core/c"; }"#,
    );
    let m2 = model(&after, &lock);
    let lock2 = infragen::lower::lock_of(&m2);
    for (name, entry) in &lock.entries {
        assert_eq!(lock2.entries.get(name), Some(entry), "{name} moved");
    }
    assert_eq!(lock2.entries.len(), 6);
    // Without the lock the new zone order (a, b, c) would put app-03 in
    // us-east-1c: the lock is what keeps it in a1.
    let fresh = infragen::lower::lock_of(&model(&after, &AddressLock::default()));
    assert_eq!(fresh.entries["app-03"].0, "core/c");
    assert_eq!(lock2.entries["app-03"].0, "core/a1");
}

fn rules_of(src: &str) -> Vec<(String, String)> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .map(|d| (d.rule.to_string(), d.message))
        .collect()
}

const ETCD_SG: &str = r#"
security-group "internal" vpc="core" {
    ingress "all" from="vpc:core" description="Traffic inside the VPC"
}
"#;

fn cluster_spec(subnets: &str, haproxy: &str) -> String {
    format!(
        r#"{NET}{ETCD_SG}
fleet {{
    defaults {{
        subnets {subnets}
        security-groups "internal"
    }}
    group "db" count=3 type="r5.large"
    group "etcd" count=3 type="t3.small"
    group "search" count=3 type="r5.large"
    host "lb" type="t3.small"
    host "bastion" type="t3.micro"
}}
postgres-cluster "orders" version=15 {{
    members group="db"
    etcd group="etcd"
    {haproxy}
}}
elasticsearch-cluster "logs" version="7.17.0" {{
    members group="search"
}}
"#
    )
}

#[test]
fn zone_rule_names_the_zone_and_members_and_three_zones_are_quiet() {
    let two = rules_of(&cluster_spec(r#""core/a1" "core/b""#, ""));
    let zone: Vec<_> = two
        .iter()
        .filter(|(r, _)| r == "zone-failure-loses-quorum")
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(zone.len(), 2, "{two:#?}");
    assert!(zone[0].contains("us-east-1a") && zone[0].contains("etcd of `orders`"));
    assert!(zone[1].contains("master-eligible nodes of `logs`"));
    // Two subnets of one zone plus one other: still two zones, still warned.
    let shared = rules_of(&cluster_spec(r#""core/a1" "core/a2" "core/b""#, ""));
    assert!(shared.iter().any(|(r, _)| r == "zone-failure-loses-quorum"));
    let three = rules_of(&cluster_spec(r#""core/a1" "core/b" "core/c""#, ""));
    assert!(
        three.iter().all(|(r, _)| r != "zone-failure-loses-quorum"),
        "{three:#?}"
    );
    // One zone used while the VPC offers more: warned.
    let one = rules_of(&cluster_spec(r#""core/a1""#, ""));
    assert!(one.iter().any(|(r, _)| r == "zone-failure-loses-quorum"));
    // A network with a single zone is not second-guessed.
    let single_zone = cluster_spec(r#""core/a1""#, "")
        .replace(
            "    subnet \"b\" zone=\"us-east-1b\" cidr=\"10.10.3.0/24\"\n",
            "",
        )
        .replace(
            "    subnet \"c\" zone=\"us-east-1c\" cidr=\"10.10.4.0/24\"\n",
            "",
        );
    let quiet = rules_of(&single_zone);
    assert!(
        quiet.iter().all(|(r, _)| r != "zone-failure-loses-quorum"),
        "{quiet:#?}"
    );
}

#[test]
fn single_point_rule_is_quiet_for_what_is_not_declared_ha() {
    let three = r#""core/a1" "core/b" "core/c""#;
    let quiet = rules_of(&cluster_spec(three, ""));
    assert!(
        quiet.iter().all(|(r, _)| r != "single-point-of-failure"),
        "the bastion and the lb host are no declared HA service: {quiet:#?}"
    );
    let loud = rules_of(&cluster_spec(three, r#"haproxy host="lb" port=5000"#));
    let spof: Vec<_> = loud
        .iter()
        .filter(|(r, _)| r == "single-point-of-failure")
        .collect();
    assert_eq!(spof.len(), 1, "{loud:#?}");
    assert!(spof[0].1.contains("`lb`"));
}
