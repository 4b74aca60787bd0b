//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning.
//!
//! One run whose `tool.driver.rules` is the whole rule registry (so every
//! `ruleId` resolves and `ruleIndex` points into it), and one result per
//! diagnostic:
//!
//! - `level` is `error` or `warning`; `message.text` is the message with the
//!   help appended;
//! - `locations[0]` is the primary label: the spec's path as the user gave it
//!   (forward slashes, percent-encoded, relative to `%SRCROOT%`), with a
//!   1-based region in Unicode code points (`columnKind`);
//! - `relatedLocations` are the secondary labels with their text;
//! - `partialFingerprints["infragen/v1"]` is a SHA-256 of the rule, the file,
//!   the message and the trimmed text of the primary line, plus an occurrence
//!   counter like GitHub's own `primaryLocationLineHash`: moving a node or
//!   re-indenting keeps the alert, editing the offending line makes a new one.
//!
//! The output is deterministic: same input, same bytes.

use super::FileReport;
use crate::cli::rules::document;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::rules::{REGISTRY, Rule};
use crate::span::line_col;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where the tool is documented; the crate's `repository` when Cargo.toml has one.
pub const INFORMATION_URI: &str = match option_env!("CARGO_PKG_REPOSITORY") {
    Some(uri) if !uri.is_empty() => uri,
    _ => "https://github.com/infragen/infragen",
};
/// The `partialFingerprints` key.
pub const FINGERPRINT_KEY: &str = "infragen/v1";
const SRCROOT: &str = "%SRCROOT%";

/// Renders every file's diagnostics as one SARIF log. Absolute spec paths
/// under the current directory are made relative to it.
pub fn render(files: &[FileReport]) -> String {
    let cwd = std::env::current_dir().ok();
    render_with_root(files, cwd.as_deref())
}

/// Like [`render`], with the directory that `%SRCROOT%` stands for given.
pub fn render_with_root(files: &[FileReport], root: Option<&Path>) -> String {
    let mut rules: Vec<Value> = REGISTRY.iter().map(|r| rule_descriptor(r)).collect();
    let mut index: HashMap<&str, usize> = REGISTRY
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name(), i))
        .collect();
    let mut seen_fingerprints: HashMap<String, usize> = HashMap::new();
    let mut results = Vec::new();
    for file in files {
        let location = artifact_location(file.path, root);
        for diag in file.diagnostics {
            // A rule missing from the registry still gets a descriptor, so
            // every ruleId resolves (GitHub rejects dangling ones).
            let rule_index = *index.entry(diag.rule.as_str()).or_insert_with(|| {
                rules.push(json!({
                    "id": diag.rule.as_str(),
                    "name": diag.rule.as_str(),
                    "shortDescription": { "text": diag.rule.as_str() },
                    "defaultConfiguration": { "level": level(diag.severity) },
                }));
                rules.len() - 1
            });
            let hash = fingerprint(diag, &location.key, file.source());
            let n = seen_fingerprints.entry(hash.clone()).or_insert(0);
            *n += 1;
            results.push(result(
                diag,
                rule_index,
                &location,
                file.source(),
                format!("{hash}:{n}"),
            ));
        }
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "infragen",
                    "informationUri": INFORMATION_URI,
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_descriptor(rule: &Rule) -> Value {
    let page = document(rule);
    json!({
        "id": rule.name(),
        "name": rule.name(),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": full_description(rule) },
        "help": { "text": page, "markdown": page },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": { "tags": [rule.family.as_str()] },
    })
}

/// The "What it does" section of the docs, or the summary while that
/// section is missing or a TODO.
fn full_description(rule: &Rule) -> String {
    let section = rule
        .docs
        .split("## What it does")
        .nth(1)
        .map(|rest| rest.split("\n## ").next().unwrap_or("").trim())
        .unwrap_or("");
    if section.is_empty() || section == "TODO" {
        return rule.summary.to_string();
    }
    // Unwrap the hard-wrapped Markdown lines; keep the paragraphs.
    section
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// An `artifactLocation` and the string that identifies the file in
/// fingerprints.
struct Artifact {
    value: Value,
    key: String,
}

fn artifact_location(path: &str, root: Option<&Path>) -> Artifact {
    let p = Path::new(path);
    if p.is_absolute() {
        if let Some(rel) = root.and_then(|r| p.strip_prefix(r).ok()) {
            let uri = encode_path(&rel.to_string_lossy());
            return Artifact {
                value: json!({ "uri": uri, "uriBaseId": SRCROOT }),
                key: uri,
            };
        }
        // Outside the source root: an absolute file URI, no base.
        let encoded = encode_path(path);
        let uri = if encoded.starts_with('/') {
            format!("file://{encoded}")
        } else {
            format!("file:///{encoded}")
        };
        return Artifact {
            value: json!({ "uri": uri }),
            key: uri,
        };
    }
    let uri = encode_path(path);
    Artifact {
        value: json!({ "uri": uri, "uriBaseId": SRCROOT }),
        key: uri,
    }
}

/// A path as a URI reference: `\` → `/`, leading `./` dropped, and every
/// byte outside `A-Z a-z 0-9 - . _ ~ /` percent-encoded (a space is `%20`).
pub fn encode_path(path: &str) -> String {
    let mut slashed = path.replace('\\', "/");
    while let Some(rest) = slashed.strip_prefix("./") {
        slashed = rest.trim_start_matches('/').to_string();
    }
    let mut out = String::with_capacity(slashed.len());
    for b in slashed.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn region(source: &str, label_start: usize, label_end: usize) -> Value {
    let (start_line, start_column) = line_col(source, label_start);
    let (end_line, end_column) = line_col(source, label_end);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn physical(artifact: &Artifact, source: &str, label: Option<&Label>) -> Value {
    let span = label.map(|l| l.span).unwrap_or_default();
    json!({
        "artifactLocation": artifact.value,
        "region": region(source, span.start, span.end()),
    })
}

fn result(
    diag: &Diagnostic,
    rule_index: usize,
    artifact: &Artifact,
    source: &str,
    fingerprint: String,
) -> Value {
    let text = match &diag.help {
        Some(help) => format!("{}\nhelp: {help}", diag.message),
        None => diag.message.clone(),
    };
    let primary = diag.labels.first();
    let mut location = json!({ "physicalLocation": physical(artifact, source, primary) });
    if let Some(l) = primary.filter(|l| !l.text.is_empty()) {
        location["message"] = json!({ "text": l.text });
    }
    let mut out = json!({
        "ruleId": diag.rule.as_str(),
        "ruleIndex": rule_index,
        "level": level(diag.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
    });
    let related: Vec<Value> = diag
        .labels
        .iter()
        .skip(1)
        .enumerate()
        .map(|(i, l)| {
            let mut loc = json!({
                "id": i + 1,
                "physicalLocation": physical(artifact, source, Some(l)),
            });
            if !l.text.is_empty() {
                loc["message"] = json!({ "text": l.text });
            }
            loc
        })
        .collect();
    if !related.is_empty() {
        out["relatedLocations"] = Value::Array(related);
    }
    out
}

/// SHA-256 (hex) of rule, file, message and the trimmed primary line.
fn fingerprint(diag: &Diagnostic, file: &str, source: &str) -> String {
    let start = diag.primary_span().start.min(source.len());
    let bytes = source.as_bytes();
    let line_start = bytes[..start]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = bytes[start..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(source.len(), |i| start + i);
    let line = source.get(line_start..line_end).unwrap_or("").trim();
    let mut h = Sha256::new();
    for part in [diag.rule.as_str(), file, diag.message.as_str(), line] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::span::Span;

    fn report(diags: &[Diagnostic], path: &str, source: &str) -> Value {
        let files = [FileReport::new(path, source, diags)];
        let out = render_with_root(&files, Some(Path::new("/repo")));
        serde_json::from_str(&out).expect("SARIF is JSON")
    }

    #[test]
    fn encodes_paths() {
        assert_eq!(encode_path("specs/prod env.kdl"), "specs/prod%20env.kdl");
        assert_eq!(encode_path("./a/b.kdl"), "a/b.kdl");
        assert_eq!(encode_path(r"specs\win.kdl"), "specs/win.kdl");
        assert_eq!(encode_path("50%.kdl"), "50%25.kdl");
        assert_eq!(encode_path("é.kdl"), "%C3%A9.kdl");
    }

    #[test]
    fn absolute_paths_under_root_become_relative() {
        let a = artifact_location("/repo/specs/x.kdl", Some(Path::new("/repo")));
        assert_eq!(a.value["uri"], "specs/x.kdl");
        assert_eq!(a.value["uriBaseId"], SRCROOT);
        let b = artifact_location("/elsewhere/x y.kdl", Some(Path::new("/repo")));
        assert_eq!(b.value["uri"], "file:///elsewhere/x%20y.kdl");
        assert!(b.value.get("uriBaseId").is_none());
    }

    #[test]
    fn results_levels_locations_and_related() {
        let src = "vpc \"a\" cidr=\"x\"\nvpc \"a\" cidr=\"y\"\n";
        let diags = vec![
            Diagnostic::error(Code::DuplicateName, "`a` is defined twice")
                .label(Span::new(21, 3), "second")
                .label(Span::new(4, 3), "first")
                .help("rename one"),
            Diagnostic::warning(Code::CidrOverlap, "overlap").label(Span::new(0, 3), "here"),
        ];
        let v = report(&diags, "dir/my spec.kdl", src);
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), REGISTRY.len());
        let r0 = &run["results"][0];
        assert_eq!(r0["level"], "error");
        assert_eq!(
            r0["message"]["text"],
            "`a` is defined twice\nhelp: rename one"
        );
        let idx = r0["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], "duplicate-name");
        let loc = &r0["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "dir/my%20spec.kdl");
        assert_eq!(loc["region"]["startLine"], 2);
        assert_eq!(loc["region"]["startColumn"], 5);
        assert_eq!(loc["region"]["endColumn"], 8);
        let rel = &r0["relatedLocations"][0];
        assert_eq!(rel["message"]["text"], "first");
        assert_eq!(rel["physicalLocation"]["region"]["startLine"], 1);
        assert_eq!(run["results"][1]["level"], "warning");
    }

    #[test]
    fn fingerprints_survive_moves_but_not_edits() {
        let d = |start| {
            vec![Diagnostic::error(Code::InvalidCidr, "bad").label(Span::new(start, 3), "here")]
        };
        let fp =
            |v: &Value| v["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY].clone();
        let a = report(&d(0), "x.kdl", "vpc \"a\"\n");
        let moved = report(&d(5), "x.kdl", "\n\n   vpc \"a\"\n");
        let edited = report(&d(0), "x.kdl", "vpc \"b\"\n");
        assert_eq!(fp(&a), fp(&moved));
        assert_ne!(fp(&a), fp(&edited));
        // Two identical findings get distinct fingerprints.
        let twice = [d(0), d(8)].concat();
        let v = report(&twice, "x.kdl", "vpc \"a\"\nvpc \"a\"\n");
        let results = v["runs"][0]["results"].as_array().unwrap();
        assert_ne!(
            results[0]["partialFingerprints"],
            results[1]["partialFingerprints"]
        );
    }

    #[test]
    fn full_description_is_the_first_section_unwrapped() {
        let rule = Rule {
            code: Code::EolOs,
            family: crate::rules::Family::Other,
            severity: Severity::Warning,
            summary: "Summary.",
            docs: "## What it does\nReports a\nthing.\n\nTwice.\n\n## Why is this bad\nTODO\n",
            check: None,
        };
        assert_eq!(full_description(&rule), "Reports a thing.\n\nTwice.");
        let stub = Rule {
            docs: "## What it does\nTODO\n",
            ..rule
        };
        assert_eq!(full_description(&stub), "Summary.");
    }

    #[test]
    fn deterministic() {
        let diags =
            vec![Diagnostic::error(Code::UnknownNode, "nope").label(Span::new(0, 1), "here")];
        let files = [FileReport::new("a.kdl", "x\n", &diags)];
        assert_eq!(
            render_with_root(&files, None),
            render_with_root(&files, None)
        );
    }
}
