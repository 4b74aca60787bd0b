//! The architecture invariants of docs/architecture.md, enforced (in the spirit of
//! rust-analyzer's tidy test):
//!
//! 1. data flows one way: no module imports a later pipeline stage;
//! 2. only `syntax::kdl` names the `kdl` crate;
//! 3. only `emit` and `cli` serialize (serde_json, serde_yaml, hcl).
//!
//! The checker works on source text (no syn dependency): it collects every
//! `crate::STAGE` path, including the members of `use crate::{a, b::c}` groups,
//! from code with comments and string literals removed. Its own negative cases
//! (`checker_*` tests) show that a deliberately added backward import fails.

use std::path::{Path, PathBuf};

/// Pipeline rank of each top-level module of the crate. A module may import
/// modules of its own rank or lower, never a higher one.
const STAGES: &[(&str, u8)] = &[
    ("span", 0),
    ("units", 0),
    ("diagnostic", 0),
    ("syntax", 1),
    ("schema", 2),
    ("model", 3),
    ("lock", 3),
    ("lower", 4),
    ("graph", 5),
    ("rules", 6),
    ("pipeline", 7),
    ("diff", 7),
    ("emit", 8),
    ("cli", 9),
];

fn rank(module: &str) -> Option<u8> {
    STAGES.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

/// The top-level module a file under `src/` belongs to (`src/emit/yaml.rs` → `emit`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// Source text with comments, string and char literals blanked out, so that a
/// path in a doc comment or a string does not count.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' if matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // raw string r"…", r#"…"#
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                j += 1;
                'raw: while j < b.len() {
                    if b[j] == b'"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&b'#')) {
                        j += 1 + hashes;
                        break 'raw;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' => {
                // a char literal ('x', '\n', '\u{..}') or a lifetime ('a)
                let rest = &src[i..];
                let lit = rest
                    .char_indices()
                    .skip(1)
                    .take(12)
                    .find(|&(k, c)| c == '\'' && !(k == 2 && rest.as_bytes()[1] == b'\\'))
                    .map(|(k, _)| k);
                match lit {
                    Some(end) if end <= 10 && !rest[1..end].contains(' ') => {
                        out.push_str("' '");
                        i += end + 1;
                    }
                    _ => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            _ => {
                let c = src[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Every top-level module named through `crate::` in `code`.
fn crate_imports(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(pos) = rest.find("crate::") {
        let before = rest[..pos].chars().next_back();
        rest = &rest[pos + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `foo_crate::`, not the crate root
        }
        let trimmed = rest.trim_start();
        if let Some(group) = trimmed.strip_prefix('{') {
            // use crate::{a, b::c, d::{e, f}}: the top-level names of the group
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        push_head(&mut found, &item);
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            push_head(&mut found, &item);
        } else {
            push_head(&mut found, trimmed);
        }
    }
    found
}

fn push_head(found: &mut Vec<String>, path: &str) {
    let head: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if !head.is_empty() && head != "self" {
        found.push(head);
    }
}

/// Violations of the three invariants in one file (`rel` is relative to `src/`).
fn check_file(rel: &Path, src: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(module) = module_of(rel) else {
        return problems;
    };
    let code = code_only(src);
    let shown = rel.display();
    if let Some(own) = rank(&module) {
        for imported in crate_imports(&code) {
            if let Some(r) = rank(&imported)
                && r > own
            {
                problems.push(format!(
                    "src/{shown}: `{module}` imports `crate::{imported}`, a later stage"
                ));
            }
        }
    }
    let words = |needle: &str| {
        code.match_indices(needle).any(|(p, _)| {
            p == 0 || {
                let c = code[..p].chars().next_back().unwrap_or(' ');
                !(c.is_alphanumeric() || c == '_' || c == ':')
            }
        })
    };
    if rel != Path::new("syntax/kdl.rs") && (words("kdl::") || code.contains("use kdl")) {
        problems.push(format!(
            "src/{shown}: names the `kdl` crate outside syntax::kdl"
        ));
    }
    if !matches!(module.as_str(), "emit" | "cli") {
        for crate_name in ["serde_json", "serde_yaml", "hcl"] {
            if words(&format!("{crate_name}::")) || code.contains(&format!("use {crate_name}")) {
                problems.push(format!(
                    "src/{shown}: uses `{crate_name}` outside emit and cli (only they serialize)"
                ));
            }
        }
    }
    problems
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_source_tree_keeps_the_architecture_invariants() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    let mut problems = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src");
        let text = std::fs::read_to_string(f).expect("read source");
        problems.extend(check_file(rel, &text));
    }
    // Every top-level module must have a rank, so a new one cannot dodge the check.
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src");
        let m = module_of(rel).expect("module");
        if !matches!(m.as_str(), "lib" | "main") && rank(&m).is_none() {
            problems.push(format!(
                "src/{}: module `{m}` has no pipeline rank in tests/architecture.rs",
                rel.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "architecture invariants broken (docs/architecture.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn checker_flags_a_backward_import() {
    let p = check_file(
        Path::new("model/fleet.rs"),
        "use crate::span::Span;\nuse crate::emit::Artifact;\n",
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("crate::emit"), "{p:?}");
}

#[test]
fn checker_flags_backward_imports_inside_use_groups_and_paths() {
    let p = check_file(
        Path::new("graph/reach.rs"),
        "use crate::{model::*, rules::{flow_fix, Context}};\nfn f() { crate::cli::main(); }\n",
    );
    assert_eq!(p.len(), 2, "{p:?}");
}

#[test]
fn checker_ignores_comments_and_strings() {
    let src = "//! see crate::emit\n/* crate::cli */\nconst S: &str = \"crate::emit\";\n\
               const R: &str = r#\"crate::cli\"#;\nfn f<'a>(x: &'a str) -> char { 'c' }\n";
    assert!(check_file(Path::new("model/x.rs"), src).is_empty());
}

#[test]
fn checker_flags_kdl_and_serialization_outside_their_modules() {
    let p = check_file(
        Path::new("rules/x.rs"),
        "use kdl::KdlDocument;\nfn f() -> String { serde_json::to_string(&1).unwrap() }\n",
    );
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(check_file(Path::new("syntax/kdl.rs"), "use kdl::KdlDocument;\n").is_empty());
    assert!(
        check_file(
            Path::new("emit/x.rs"),
            "fn f() { serde_yaml::to_string(&1); }"
        )
        .is_empty()
    );
}
