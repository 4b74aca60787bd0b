//! docs/rules/<rule>.md is generated from the registry; this test keeps it in
//! sync. Refresh with `INFRAGEN_BLESS=1 cargo test --test rule_docs`.

use infragen::cli::rules::document;
use infragen::rules::REGISTRY;
use std::path::Path;

#[test]
fn rule_docs_are_complete() {
    for r in REGISTRY {
        for section in [
            "## What it does",
            "## Why is this bad",
            "## Example",
            "## Source",
        ] {
            assert!(
                r.docs.contains(section),
                "{}: docs lack `{section}`",
                r.name()
            );
        }
        assert!(
            !r.docs.contains("TODO"),
            "{}: docs still say TODO",
            r.name()
        );
    }
}

#[test]
fn docs_rules_match_registry() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let bless = std::env::var_os("INFRAGEN_BLESS").is_some();
    let mut index = String::from(
        "# Rules\n\nGenerated from the rule registry (`infragen rules`); one page per rule.\n\n| rule | family | severity | summary |\n|---|---|---|---|\n",
    );
    let mut stale = Vec::new();
    for r in REGISTRY {
        index.push_str(&format!(
            "| [`{0}`]({0}.md) | {1} | {2} | {3} |\n",
            r.name(),
            r.family.as_str(),
            r.severity.as_str(),
            r.summary
        ));
        let path = dir.join(format!("{}.md", r.name()));
        let want = document(r);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(r.name());
        }
    }
    let index_path = dir.join("README.md");
    if bless {
        std::fs::write(&index_path, &index).unwrap();
    } else if std::fs::read_to_string(&index_path).ok().as_deref() != Some(index.as_str()) {
        stale.push("README");
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale for {stale:?}: run `INFRAGEN_BLESS=1 cargo test --test rule_docs`"
    );
}
