//! Specs that used to lint clean and then break production (issue 10): each
//! fixture of tests/ui edited the way a correct spec would be must lint
//! clean of its rule, so the rules catch the fault and nothing more.

use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::pipeline::{Diagnostic, check};

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ui")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `src` with `from` replaced by `to` (which must occur once).
fn edit(src: &str, from: &str, to: &str) -> String {
    assert_eq!(src.matches(from).count(), 1, "`{from}` must occur once");
    src.replacen(from, to, 1)
}

fn errors(src: &str) -> Vec<Diagnostic> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn rules(src: &str) -> Vec<&'static str> {
    errors(src).iter().map(|d| d.rule).collect()
}

#[test]
fn shared_identical_etcd_stays_allowed() {
    let src = fixture("etcd-cluster-overlap.kdl");
    assert_eq!(rules(&src), ["etcd-cluster-overlap"]);
    let same = edit(
        &src,
        "etcd \"dcs-3\" \"dcs-4\" \"dcs-5\"",
        "etcd \"dcs-3\" \"dcs-1\" \"dcs-2\"",
    );
    assert_eq!(errors(&same), [], "one etcd cluster for both is fine");
    let disjoint = edit(
        &src,
        "etcd \"dcs-3\" \"dcs-4\" \"dcs-5\"",
        "etcd \"dcs-4\" \"dcs-5\" \"dcs-6\"",
    )
    .replace(
        "    host \"dcs-5\"\n",
        "    host \"dcs-5\"\n    host \"dcs-6\"\n",
    );
    assert_eq!(errors(&disjoint), [], "two separate etcd clusters are fine");
}

#[test]
fn port_conflict_names_both_users_and_goes_away_with_distinct_ports() {
    let src = fixture("port-conflict.kdl");
    let found = errors(&src);
    assert!(
        found
            .iter()
            .all(|d| d.rule == "port-conflict" && d.labels.len() == 2),
        "{found:#?}"
    );
    assert!(found[0].message.contains("`orders`") && found[0].message.contains("`billing`"));
    let fixed = {
        let i = src.rfind("haproxy host=\"lb\" port=5000").unwrap();
        format!(
            "{}haproxy host=\"lb\" port=5001 stats-port=7001{}",
            &src[..i],
            &src[i + "haproxy host=\"lb\" port=5000".len()..]
        )
    };
    assert_eq!(errors(&fixed), []);
}

#[test]
fn a_host_peer_with_a_fixed_public_address_renders() {
    let src = fixture("host-peer-without-address.kdl");
    assert_eq!(rules(&src), ["host-peer-without-address"]);
    let fixed = edit(&src, "public-ip=#true", "public-address=\"203.0.113.10\"");
    assert_eq!(errors(&fixed), []);
}
