//! The code table (`diagnostic::Code`) and the rule registry are one table:
//! every code is unique, has exactly one registry entry, a page in
//! `docs/rules/CODE.md` and a UI fixture `tests/ui/CODE[.variant].kdl`.
//! Front-end codes (`invalid-value`, `unknown-node`, …) are in the same
//! table and held to the same bar. See docs/architecture.md, "Adding a rule".

use infragen::diagnostic::Code;
use infragen::rules::{REGISTRY, lookup, rule};
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn codes_unique() {
    let mut seen = BTreeSet::new();
    let dup: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|n| !seen.insert(*n))
        .collect();
    assert!(dup.is_empty(), "rule names given to two codes: {dup:?}");
}

#[test]
fn codes_are_kebab_case() {
    let bad: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|n| {
            n.is_empty()
                || n.starts_with('-')
                || n.ends_with('-')
                || n.contains("--")
                || !n
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .collect();
    assert!(bad.is_empty(), "codes not in kebab-case: {bad:?}");
}

/// Every code has exactly one rule, every rule's code is its own, and a
/// name looks up the rule of its code (`allow`, `infragen rule`).
#[test]
fn codes_and_registry_match_one_to_one() {
    let unregistered: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|&c| REGISTRY.iter().filter(|r| r.code == c).count() != 1)
        .collect();
    assert!(
        unregistered.is_empty(),
        "codes without exactly one entry in rules::REGISTRY: {unregistered:?}"
    );
    assert_eq!(REGISTRY.len(), Code::ALL.len(), "a registry entry repeats");
    for &c in Code::ALL {
        let r = rule(c).expect("registered");
        assert_eq!(r.code, c);
        assert_eq!(r.name(), c.as_str());
        assert!(std::ptr::eq(lookup(c.as_str()).expect("lookup"), r));
    }
    assert!(lookup("cidr-overlaps").is_none());
}

#[test]
fn every_code_has_docs_and_a_fixture() {
    let docs = root().join("docs/rules");
    let ui = root().join("tests/ui");
    let fixtures: Vec<String> = std::fs::read_dir(&ui)
        .expect("tests/ui")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".kdl"))
        .collect();
    let mut missing = Vec::new();
    for &c in Code::ALL {
        let name = c.as_str();
        if !docs.join(format!("{name}.md")).is_file() {
            missing.push(format!("docs/rules/{name}.md"));
        }
        // `tests/ui/NAME.kdl` or `tests/ui/NAME.VARIANT.kdl`: the UI test
        // takes the rule from the file name up to the first dot.
        if !fixtures.iter().any(|f| f.split('.').next() == Some(name)) {
            missing.push(format!("tests/ui/{name}*.kdl"));
        }
    }
    assert!(
        missing.is_empty(),
        "codes lack docs or a UI fixture: {missing:?} \
         (docs: `INFRAGEN_BLESS=1 cargo test --test rule_docs`)"
    );
}

/// The UI fixtures name real codes: a fixture for a misspelt or removed
/// rule would otherwise pin a snapshot nothing checks.
#[test]
fn every_fixture_names_a_code() {
    let ui = root().join("tests/ui");
    let stray: Vec<String> = std::fs::read_dir(&ui)
        .expect("tests/ui")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".kdl"))
        .filter(|f| Code::from_name(f.split('.').next().unwrap_or("")).is_none())
        .collect();
    assert!(
        stray.is_empty(),
        "tests/ui fixtures whose name is no rule code: {stray:?}"
    );
}
