//! golden/<example>/ holds the build of examples/<example>.kdl, reviewed like
//! code. This fails when golden is stale and names the refresh command.

use std::path::Path;
use std::process::Command;

#[test]
fn golden_outputs_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "kdl"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 3, "at least three example specs");
    for spec in entries {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
            .current_dir(root)
            .args([
                "build",
                &format!("examples/{name}.kdl"),
                "--out",
                &format!("golden/{name}"),
                "--check",
                "--locked",
            ])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        if out.status.code() != Some(0) {
            stale.push(format!(
                "golden/{name} is stale:\n{}{}\nrefresh with: cargo run -- build examples/{name}.kdl --out golden/{name}\n",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}
