//! Every example renders, and the manifest lists every artifact.

#[path = "support/build.rs"]
mod build;

#[test]
fn every_example_renders_with_a_complete_manifest() {
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let manifest = artifacts
            .iter()
            .find(|a| a.path == "manifest.json")
            .expect("manifest.json");
        let v: serde_json::Value = serde_json::from_str(&manifest.contents).unwrap();
        let listed: Vec<&str> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["path"].as_str())
            .collect();
        for a in artifacts.iter().filter(|a| a.path != "manifest.json") {
            assert!(
                listed.contains(&a.path.as_str()),
                "{name}: {} missing from manifest",
                a.path
            );
        }
    }
}
