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
//! The first eight kinds are the issue's: each must find a place in at least
//! five examples (an example without one is listed in the output); the others
//! apply where the example has such a place, and the test asserts that each of
//! them runs somewhere.

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
    /// One of the issue's kinds: must apply to at least [`CORE_EXAMPLES`]
    /// examples (an example without such a place, e.g. one with no service
    /// that has a version, is listed in the output).
    core: bool,
    /// Every one-fault rewrite of the text, in text order (empty when the
    /// example has no place for it).
    mutate: fn(&str) -> Vec<String>,
}

/// The values of the `KEY=` properties among `keys` on lines whose first
/// word is one of `nodes` (any node when empty), without their quotes, in
/// text order.
fn props(text: &str, nodes: &[&str], keys: &[&str]) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let first = code.split_whitespace().next().unwrap_or("");
        if nodes.is_empty() || nodes.contains(&first) {
            let mut on_line = Vec::new();
            for key in keys {
                let pat = format!(" {key}=");
                let Some(i) = code.find(&pat) else { continue };
                let start = i + pat.len();
                let rest = &code[start..];
                let (s, e) = if let Some(inner) = rest.strip_prefix('"') {
                    let Some(end) = inner.find('"') else { continue };
                    (start + 1, start + 1 + end)
                } else {
                    let end = rest
                        .find(|c: char| c.is_whitespace() || c == '{')
                        .unwrap_or(rest.len());
                    (start, start + end)
                };
                on_line.push((offset + s, offset + e));
            }
            on_line.sort();
            sites.extend(on_line);
        }
        offset += line.len();
    }
    sites
}

/// The first arguments of the `NODE "…"` lines, without quotes.
fn args(text: &str, node: &str) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix(&format!("{node} \""))
            && let Some(end) = rest.find('"')
        {
            let start = offset + indent + node.len() + 2;
            sites.push((start, start + end));
        }
        offset += line.len();
    }
    sites
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

/// The names of the `KEY=` properties among `keys` on lines whose first word
/// is one of `nodes`.
fn prop_names(text: &str, nodes: &[&str], keys: &[&str]) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let first = code.split_whitespace().next().unwrap_or("");
        if nodes.contains(&first) {
            for key in keys {
                if let Some(i) = code.find(&format!(" {key}=")) {
                    sites.push((offset + i + 1, offset + i + 1 + key.len()));
                }
            }
        }
        offset += line.len();
    }
    sites.sort();
    sites
}

/// The names of the nodes among `nodes`, in text order.
fn node_names(text: &str, nodes: &[&str]) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let first = code.split_whitespace().next().unwrap_or("");
        if nodes.contains(&first) {
            let start = offset + code.find(first).unwrap_or(0);
            sites.push((start, start + first.len()));
        }
        offset += line.len();
    }
    sites
}

/// `subnets` → `suubnets`: close enough for a did-you-mean.
fn misspell(name: &str) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    chars.insert(1, *chars.get(1)?);
    Some(chars.into_iter().collect())
}

/// One mutation per site: the site's text replaced by `with(old text)`
/// (None: no mutation there).
/// The port argument of `ingress`/`egress` rules (`ingress "tcp" 443 …`).
fn rule_ports(text: &str) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        for node in ["ingress \"", "egress \""] {
            let Some(rest) = trimmed.strip_prefix(node) else {
                continue;
            };
            let Some(q) = rest.find('"') else { continue };
            let after_proto = &rest[q + 1..];
            let digits = after_proto.trim_start();
            let len = digits.bytes().take_while(u8::is_ascii_digit).count();
            if len > 0 {
                let start =
                    offset + indent + node.len() + q + 1 + (after_proto.len() - digits.len());
                sites.push((start, start + len));
            }
        }
        offset += line.len();
    }
    sites
}

fn each(t: &str, sites: Vec<Site>, with: impl Fn(&str) -> Option<String>) -> Vec<String> {
    sites
        .into_iter()
        .filter_map(|site| Some(replace(t, site, &with(&t[site.0..site.1])?)))
        .collect()
}

/// Empty ranges just after each site's closing quote, to insert at.
fn after(sites: Vec<Site>) -> Vec<Site> {
    sites.into_iter().map(|s| (s.1 + 1, s.1 + 1)).collect()
}

fn fixed(v: &'static str) -> impl Fn(&str) -> Option<String> {
    move |_| Some(v.to_string())
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

const HOSTS: &[&str] = &["defaults", "group", "host"];

/// The issue's bar: each of its fault kinds on at least five examples.
const CORE_EXAMPLES: usize = 5;

const FAULTS: &[Fault] = &[
    Fault {
        kind: "subnet CIDR with host bits",
        rule: "invalid-cidr",
        core: true,
        mutate: |t| each(t, props(t, &["subnet"], &["cidr"]), host_bit),
    },
    Fault {
        // A string where a number belongs: a group's count, else a port.
        kind: "value of the wrong type",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let mut sites = props(t, &["group"], &["count"]);
            sites.extend(props(t, &[], &["port"]));
            each(t, sites, |v| Some(format!("\"{v}\"")))
        },
    },
    Fault {
        // The JVM heap, else a host's RAM (added after an instance type).
        kind: "bad size",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let mut m = each(t, args(t, "heap"), fixed("16 gigs"));
            let types = after(props(t, HOSTS, &["type"]));
            m.extend(each(t, types, fixed(" memory=\"16 gigs\"")));
            m
        },
    },
    Fault {
        kind: "bad duration",
        rule: "invalid-value",
        core: true,
        mutate: |t| each(t, props(t, &[], DURATION_KEYS), fixed("5 minutes")),
    },
    Fault {
        kind: "port out of range",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let mut sites = props(t, &[], &["port"]);
            sites.extend(rule_ports(t));
            each(t, sites, fixed("70000"))
        },
    },
    Fault {
        // Node Exporter, PostgreSQL or Elasticsearch.
        kind: "bad version",
        rule: "invalid-value",
        core: true,
        mutate: |t| {
            let sites = props(t, &[], &["version"]);
            let quoted = |s: &Site| t.as_bytes()[s.0 - 1] == b'"';
            let (q, bare): (Vec<Site>, Vec<Site>) = sites.into_iter().partition(quoted);
            let mut m = each(t, q, fixed("latest"));
            m.extend(each(t, bare, fixed("99")));
            m
        },
    },
    Fault {
        kind: "unknown instance type",
        rule: "invalid-value",
        core: true,
        mutate: |t| each(t, props(t, HOSTS, &["type"]), |v| Some(format!("{v}x"))),
    },
    Fault {
        kind: "zone outside the region",
        rule: "zone-region-mismatch",
        core: true,
        mutate: |t| each(t, props(t, &["subnet"], &["zone"]), fixed("xx-nowhere-1a")),
    },
    // Where the example has a place for them:
    Fault {
        kind: "network CIDR with host bits",
        rule: "invalid-cidr",
        core: false,
        mutate: |t| each(t, props(t, &["vpc", "vnet"], &["cidr"]), host_bit),
    },
    Fault {
        kind: "subnet without cidr=",
        rule: "missing-value",
        core: false,
        mutate: |t| {
            // ` cidr="…"`: back over `cidr="` and the space, on past the quote.
            let sites = props(t, &["subnet"], &["cidr"]);
            let whole = sites.into_iter().map(|s| (s.0 - 7, s.1 + 1)).collect();
            each(t, whole, fixed(""))
        },
    },
    Fault {
        kind: "group count out of range",
        rule: "invalid-value",
        core: false,
        mutate: |t| each(t, props(t, &["group"], &["count"]), fixed("0")),
    },
    Fault {
        kind: "instance type of the other cloud",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            each(t, props(t, HOSTS, &["type"]), |v| {
                Some(
                    if v.starts_with("Standard_") {
                        "m5.large"
                    } else {
                        "Standard_B2s"
                    }
                    .into(),
                )
            })
        },
    },
    Fault {
        kind: "misspelt subnet reference",
        rule: "unresolved-reference",
        core: false,
        mutate: |t| each(t, args(t, "subnets"), |v| Some(format!("{v}x"))),
    },
    Fault {
        kind: "misspelt security group",
        rule: "unresolved-reference",
        core: false,
        mutate: |t| each(t, args(t, "security-groups"), |v| Some(format!("{v}x"))),
    },
    Fault {
        kind: "misspelt host reference",
        rule: "unresolved-reference",
        core: false,
        mutate: |t| {
            let nodes = ["prometheus", "grafana", "haproxy", "left", "right"];
            each(t, props(t, &nodes, &["host"]), |v| Some(format!("{v}x")))
        },
    },
    Fault {
        kind: "misspelt property",
        rule: "unknown-property",
        core: false,
        mutate: |t| {
            let sites = [
                prop_names(t, &["subnet", "vpc", "vnet"], &["cidr", "region"]),
                prop_names(t, HOSTS, &["type", "count"]),
                prop_names(t, &["security-group"], &["vpc", "vnet"]),
                prop_names(t, &["contact-point"], &["to", "url-env"]),
                prop_names(t, &["alert"], &["above", "cluster"]),
                prop_names(t, &["prometheus", "grafana", "haproxy"], &["host"]),
                prop_names(t, &["postgres-cluster"], &["version"]),
                prop_names(t, &["elasticsearch-cluster"], &["version"]),
            ];
            each(t, sites.concat(), misspell)
        },
    },
    Fault {
        kind: "misspelt node",
        rule: "unknown-node",
        core: false,
        mutate: |t| {
            let nodes = [
                // Entities:
                "fleet",
                "address-set",
                "vpc",
                "vnet",
                "subnet",
                "security-group",
                "group",
                "host",
                "postgres-cluster",
                "grafana",
                "contact-point",
                // Parts of one:
                "subnets",
                "security-groups",
                "psk-env",
                "left",
                "right",
                "members",
                "etcd",
            ];
            each(t, node_names(t, &nodes), misspell)
        },
    },
    Fault {
        kind: "bad alert threshold",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            each(t, props(t, &["alert"], &["above"]), |v| {
                Some(if v.parse::<f64>().is_ok() {
                    format!("\"{v}%\"")
                } else {
                    "60x".into()
                })
            })
        },
    },
    Fault {
        kind: "bad Patroni timing",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            let keys = ["ttl", "loop-wait", "retry-timeout"];
            each(t, props(t, &["patroni"], &keys), |v| {
                Some(format!("\"{v}s\""))
            })
        },
    },
    Fault {
        kind: "bad PostgreSQL version",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            each(
                t,
                props(t, &["postgres-cluster"], &["version"]),
                fixed("99"),
            )
        },
    },
    Fault {
        kind: "bad Elasticsearch version",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            let sites = props(t, &["elasticsearch-cluster"], &["version"]);
            each(t, sites, fixed("4.0.0"))
        },
    },
    Fault {
        kind: "unknown contact point type",
        rule: "invalid-value",
        core: false,
        mutate: |t| each(t, props(t, &["contact-point"], &["type"]), fixed("pager")),
    },
    Fault {
        kind: "address outside the subnet",
        rule: "invalid-value",
        core: false,
        mutate: |t| each(t, props(t, &["host"], &["address"]), fixed("192.0.2.77")),
    },
    Fault {
        kind: "bad IKE version",
        rule: "invalid-value",
        core: false,
        mutate: |t| {
            let mut m = each(t, props(t, &["vpn"], &["ike-version"]), fixed("3"));
            m.extend(each(t, after(args(t, "vpn")), fixed(" ike-version=3")));
            m
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

/// The errors and the warnings of a spec: (rule, message).
type Found = (Vec<(String, String)>, Vec<(String, String)>);

fn lint(src: &str) -> Found {
    let (errors, warnings) = pipeline::check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .partition::<Vec<_>, _>(|d| d.severity == Severity::Error);
    let pairs = |v: Vec<pipeline::Diagnostic>| {
        v.into_iter()
            .map(|d| (d.rule.to_string(), d.message.clone()))
            .collect()
    };
    (pairs(errors), pairs(warnings))
}

/// Runs the faults over every example, at the first place of each (`all`
/// false) or at every place; returns the number of mutations run.
fn run(all: bool) -> usize {
    let examples = examples();
    assert!(examples.len() >= 4, "expected the examples in examples/");
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut kinds_run = std::collections::BTreeSet::new();
    let mut core_examples = std::collections::BTreeMap::new();
    for (name, text) in &examples {
        let (errors, before) = lint(text);
        assert_eq!(errors, vec![], "{name} must lint without errors");
        for f in FAULTS {
            let mut mutations = (f.mutate)(text);
            if mutations.is_empty() {
                if f.core {
                    eprintln!("{name}: no place for `{}`", f.kind);
                }
                continue;
            }
            if !all {
                mutations.truncate(1);
            }
            kinds_run.insert(f.kind);
            *core_examples.entry(f.kind).or_insert(0) += usize::from(f.core);
            for (i, mutated) in mutations.iter().enumerate() {
                assert_ne!(mutated, text, "{name}: `{}` changed nothing", f.kind);
                ran += 1;
                let (errs, warnings) = lint(mutated);
                // A consequence may not come back as a warning either.
                let new: Vec<_> = warnings.iter().filter(|w| !before.contains(w)).collect();
                for (r, m) in &new {
                    failures.push(format!(
                        "{name}, {} at place {}: new warning {r}: {m}",
                        f.kind,
                        i + 1
                    ));
                }
                if errs.len() != 1 || errs[0].0 != f.rule {
                    let list: Vec<String> =
                        errs.iter().map(|(r, m)| format!("  {r}: {m}")).collect();
                    failures.push(format!(
                        "{name}, {} at place {} (want one {}), got {}:\n{}",
                        f.kind,
                        i + 1,
                        f.rule,
                        errs.len(),
                        list.join("\n")
                    ));
                }
            }
        }
    }
    let thin: Vec<_> = FAULTS
        .iter()
        .filter(|f| f.core && core_examples.get(f.kind).copied().unwrap_or(0) < CORE_EXAMPLES)
        .map(|f| f.kind)
        .collect();
    assert!(
        thin.is_empty(),
        "kinds of the issue that fewer than {CORE_EXAMPLES} examples have a place for: {thin:?}"
    );
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
        "{ran} mutations, {} kinds ({} for every example), {} examples",
        kinds_run.len(),
        FAULTS.iter().filter(|f| f.core).count(),
        examples.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} one-fault mutations do not give exactly one error:\n{}",
        failures.len(),
        failures.join("\n")
    );
    ran
}

/// The first place of each fault in each example.
#[test]
fn one_fault_gives_one_error() {
    let ran = run(false);
    assert!(ran >= 8 * 4, "only {ran} mutations");
}

/// Every place of each fault in each example.
#[test]
fn one_fault_anywhere_gives_one_error() {
    run(true);
}

/// Faults the examples cannot show: a check that compares against a value
/// whose node is poisoned stays quiet.
#[test]
fn checks_skip_poisoned_values() {
    let base = r#"
vpc "main" region="eu-west-1" cidr="10.30.0.0/16" {
    subnet "a" zone="eu-west-1a" cidr="SUBNET"
}
fleet {
    host "monitor" type="t3.large" {
        subnets "main/a"
    }
}
monitoring {
    prometheus host="monitor" scrape-interval="SCRAPE"
    alert "instance-down" for="20s"
}
"#;
    let spec =
        |subnet: &str, scrape: &str| base.replace("SUBNET", subnet).replace("SCRAPE", scrape);
    // Clean: 20s is two 10s scrapes.
    let (errors, warnings) = lint(&spec("10.30.0.0/24", "10s"));
    assert_eq!(
        (errors.len(), warnings.len()),
        (0, 0),
        "{errors:?} {warnings:?}"
    );
    // Poisoned host → no Prometheus; bad interval: the 15s default must not
    // make `for="20s"` look too short.
    for (subnet, scrape, rule) in [
        ("10.30.0.1/24", "10s", "invalid-cidr"),
        ("10.30.0.0/24", "10 s", "invalid-value"),
    ] {
        let (errors, warnings) = lint(&spec(subnet, scrape));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, rule);
        assert_eq!(warnings, vec![], "a consequence of the {rule} fault");
    }
}
