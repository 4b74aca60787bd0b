//! One mistake, one error (issue 18).
//!
//! Every example in `examples/` lints without errors. For each kind of fault
//! below, the test corrupts the first suitable place of each example's text
//! (so a new example is covered without editing this file) and checks that
//! `lint` then reports exactly one error, of the rule the fault belongs to:
//! the entity with the bad value stays declared (poisoned), so references to
//! it neither fail nor suggest another name, and no later check reports a
//! consequence of the same mistake.
//!
//! The first eight kinds apply to every example (the test fails when one
//! finds no place to corrupt); the others apply where the example has such a
//! place, and the test asserts that each of them runs somewhere.

use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::pipeline;
use std::path::PathBuf;

/// A place in the text: byte range of the value to replace.
type Site = (usize, usize);

struct Fault {
    kind: &'static str,
    /// The rule of the one error the mutation must give.
    rule: &'static str,
    /// Must apply to every example.
    core: bool,
    /// Rewrites the text, or None when the example has no place for it.
    mutate: fn(&str) -> Option<String>,
}

/// The value of the first `KEY=` property among `keys` (in text order) on
/// a line whose first word is one of `nodes` (any node when empty), without
/// its quotes.
fn find_prop(text: &str, nodes: &[&str], keys: &[&str]) -> Option<Site> {
    let mut best: Option<Site> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let first = code.split_whitespace().next().unwrap_or("");
        if nodes.is_empty() || nodes.contains(&first) {
            for key in keys {
                let pat = format!(" {key}=");
                let Some(i) = code.find(&pat) else { continue };
                let start = i + pat.len();
                let rest = &code[start..];
                let (s, e) = if let Some(inner) = rest.strip_prefix('"') {
                    let end = inner.find('"')?;
                    (start + 1, start + 1 + end)
                } else {
                    let end = rest
                        .find(|c: char| c.is_whitespace() || c == '{')
                        .unwrap_or(rest.len());
                    (start, start + end)
                };
                let site = (offset + s, offset + e);
                if best.is_none_or(|b| site.0 < b.0) {
                    best = Some(site);
                }
            }
        }
        if best.is_some() {
            return best;
        }
        offset += line.len();
    }
    None
}

/// The first argument of the first `NODE "…"` line, without quotes.
fn find_arg(text: &str, node: &str) -> Option<Site> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix(&format!("{node} \"")) {
            let start = offset + indent + node.len() + 2;
            let end = rest.find('"')?;
            return Some((start, start + end));
        }
        offset += line.len();
    }
    None
}

fn replace(text: &str, site: Site, with: &str) -> String {
    format!("{}{with}{}", &text[..site.0], &text[site.1..])
}

/// Sets a host bit of an IPv4 CIDR: `10.30.10.0/24` → `10.30.10.1/24`.
fn host_bit(cidr: &str) -> Option<String> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    (len < 32).then(|| format!("{}/{len}", std::net::Ipv4Addr::from(u32::from(addr) | 1)))
}

fn corrupt_cidr(text: &str, node: &str) -> Option<String> {
    let site = find_prop(text, &[node], &["cidr"])?;
    Some(replace(text, site, &host_bit(&text[site.0..site.1])?))
}

const DURATION_KEYS: &[&str] = &[
    "for",
    "check-interval",
    "scrape-interval",
    "evaluation-interval",
    "retention",
    "delay",
    "timeout",
];

const FAULTS: &[Fault] = &[
    Fault {
        kind: "subnet CIDR with host bits",
        rule: "invalid-cidr",
        core: true,
        mutate: |t| corrupt_cidr(t, "subnet"),
    },
    Fault {
        // A string where a number belongs: a group's count, else a port.
        kind: "value of the wrong type",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let site =
                find_prop(t, &["group"], &["count"]).or_else(|| find_prop(t, &[], &["port"]))?;
            let quoted = format!("\"{}\"", &t[site.0..site.1]);
            Some(replace(t, site, &quoted))
        },
    },
    Fault {
        // The JVM heap, else a host's RAM (added to the first instance type).
        kind: "bad size",
        rule: "invalid-value",
        core: true,
        mutate: |t| match find_arg(t, "heap") {
            Some(site) => Some(replace(t, site, "16 gigs")),
            None => {
                let site = find_prop(t, &[], &["type"])?;
                Some(replace(t, (site.1 + 1, site.1 + 1), " memory=\"16 gigs\""))
            }
        },
    },
    Fault {
        kind: "bad duration",
        rule: "invalid-value",
        core: true,
        mutate: |t| Some(replace(t, find_prop(t, &[], DURATION_KEYS)?, "5 minutes")),
    },
    Fault {
        kind: "port out of range",
        rule: "invalid-value",
        core: true,
        mutate: |t| Some(replace(t, find_prop(t, &[], &["port"])?, "70000")),
    },
    Fault {
        // The first version= of the text: Node Exporter, PostgreSQL or
        // Elasticsearch.
        kind: "bad version",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let site = find_prop(t, &[], &["version"])?;
            let quoted = t.as_bytes()[site.0 - 1] == b'"';
            Some(replace(t, site, if quoted { "latest" } else { "99" }))
        },
    },
    Fault {
        kind: "unknown instance type",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let site = find_prop(t, &["defaults", "group", "host"], &["type"])?;
            Some(replace(t, site, &format!("{}x", &t[site.0..site.1])))
        },
    },
    Fault {
        kind: "zone outside the region",
        rule: "zone-region-mismatch",
        core: true,
        mutate: |t| {
            Some(replace(
                t,
                find_prop(t, &["subnet"], &["zone"])?,
                "xx-nowhere-1a",
            ))
        },
    },
    // Where the example has a place for them:
    Fault {
        kind: "network CIDR with host bits",
        rule: "invalid-cidr",
        core: false,
        mutate: |t| corrupt_cidr(t, "vpc").or_else(|| corrupt_cidr(t, "vnet")),
    },
    Fault {
        kind: "subnet without cidr=",
        rule: "missing-value",
        core: false,
        mutate: |t| {
            let site = find_prop(t, &["subnet"], &["cidr"])?;
            // ` cidr="…"`: back over `cidr="` and the space, on past the quote.
            Some(replace(t, (site.0 - 7, site.1 + 1), ""))
        },
    },
    Fault {
        kind: "group count out of range",
        rule: "invalid-value",
        core: false,
        mutate: |t| Some(replace(t, find_prop(t, &["group"], &["count"])?, "0")),
    },
    Fault {
        kind: "instance type of the other cloud",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            let site = find_prop(t, &["defaults", "group", "host"], &["type"])?;
            let other = if t[site.0..site.1].starts_with("Standard_") {
                "m5.large"
            } else {
                "Standard_B2s"
            };
            Some(replace(t, site, other))
        },
    },
    Fault {
        kind: "misspelt subnet reference",
        rule: "unresolved-reference",
        core: false,
        mutate: |t| {
            let site = find_arg(t, "subnets")?;
            Some(replace(t, site, &format!("{}x", &t[site.0..site.1])))
        },
    },
    Fault {
        kind: "bad PostgreSQL version",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            Some(replace(
                t,
                find_prop(t, &["postgres-cluster"], &["version"])?,
                "99",
            ))
        },
    },
    Fault {
        kind: "bad Elasticsearch version",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            let site = find_prop(t, &["elasticsearch-cluster"], &["version"])?;
            Some(replace(t, site, "4.0.0"))
        },
    },
    Fault {
        kind: "unknown contact point type",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            Some(replace(
                t,
                find_prop(t, &["contact-point"], &["type"])?,
                "pager",
            ))
        },
    },
    Fault {
        kind: "address outside the subnet",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            Some(replace(
                t,
                find_prop(t, &["host"], &["address"])?,
                "192.0.2.77",
            ))
        },
    },
    Fault {
        kind: "bad IKE version",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            let site = find_prop(t, &["vpn"], &["ike-version"]);
            match site {
                Some(site) => Some(replace(t, site, "3")),
                None => {
                    let site = find_arg(t, "vpn")?;
                    Some(replace(t, (site.1 + 1, site.1 + 1), " ike-version=3"))
                }
            }
        },
    },
];

fn examples() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "kdl").then(|| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
        })
        .collect();
    out.sort();
    out
}

fn errors(src: &str) -> Vec<(String, String)> {
    pipeline::check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule.to_string(), d.message.clone()))
        .collect()
}

#[test]
fn one_fault_gives_one_error() {
    let examples = examples();
    assert!(examples.len() >= 4, "expected the examples in examples/");
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut kinds_run = std::collections::BTreeSet::new();
    for (name, text) in &examples {
        assert_eq!(errors(text), vec![], "{name} must lint without errors");
        for f in FAULTS {
            let Some(mutated) = (f.mutate)(text) else {
                if f.core {
                    failures.push(format!("{name}: no place for `{}`", f.kind));
                }
                continue;
            };
            assert_ne!(&mutated, text, "{name}: `{}` changed nothing", f.kind);
            ran += 1;
            kinds_run.insert(f.kind);
            let errs = errors(&mutated);
            if errs.len() != 1 || errs[0].0 != f.rule {
                let list: Vec<String> = errs.iter().map(|(r, m)| format!("  {r}: {m}")).collect();
                failures.push(format!(
                    "{name}, {} (want one {}), got {}:\n{}",
                    f.kind,
                    f.rule,
                    errs.len(),
                    list.join("\n")
                ));
            }
        }
    }
    let missing: Vec<_> = FAULTS
        .iter()
        .filter(|f| !kinds_run.contains(f.kind))
        .map(|f| f.kind)
        .collect();
    assert!(
        missing.is_empty(),
        "kinds no example has a place for: {missing:?}"
    );
    eprintln!(
        "{ran} mutations, {} kinds, {} examples",
        kinds_run.len(),
        examples.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} one-fault mutations do not give exactly one error:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
