//! cloud-init's own schema validator accepts every cloud-init file of every
//! example, both as written and as Terraform's templatefile() renders it.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use std::process::Command;

#[test]
#[ignore = "needs cloud-init: tests/scripts/test.sh runs it"]
fn cloud_init_schema_accepts_every_file() {
    let Some(cloud_init) = tools::require("cloud-init") else {
        return;
    };
    let mut checked = 0;
    for name in build::example_names() {
        let dir = build::build_example(&name);
        let ci = dir.path().join("cloud-init");
        let Ok(entries) = std::fs::read_dir(&ci) else {
            continue;
        };
        for e in entries.filter_map(|e| e.ok()) {
            let path = e.path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.starts_with("#cloud-config\n"), "{}", path.display());
            // What the host receives: the template with its one variable filled.
            let rendered = ci.join(format!(
                "{}.rendered",
                path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::write(&rendered, text.replace("${hostname}", "app-01")).unwrap();
            assert!(
                !text.replace("${hostname}", "").contains("${"),
                "{}: stray template syntax",
                path.display()
            );
            for file in [&path, &rendered] {
                let out = tools::run(
                    Command::new(&cloud_init)
                        .args(["schema", "--config-file"])
                        .arg(file),
                );
                assert!(
                    out.status.success(),
                    "{name}: cloud-init schema rejected {}:\n{}{}",
                    file.display(),
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

#[test]
fn gateways_forward_and_others_do_not() {
    let artifacts = build::render_example("reference");
    let get = |p: &str| {
        artifacts
            .iter()
            .find(|a| a.path == p)
            .map(|a| a.contents.clone())
            .unwrap()
    };
    assert!(get("cloud-init/vpn-aws.yaml").contains("net.ipv4.ip_forward = 1"));
    assert!(get("cloud-init/vpn-azure.yaml").contains("net.ipv4.ip_forward = 1"));
    assert!(!get("cloud-init/app.yaml").contains("ip_forward"));
    // Ubuntu 14.04 has no systemd: the LSB script, not the unit.
    assert!(get("cloud-init/legacy.yaml").contains("/etc/init.d/node_exporter"));
    assert!(!get("cloud-init/legacy.yaml").contains("node_exporter.service"));
    assert!(get("cloud-init/app.yaml").contains("/etc/systemd/system/node_exporter.service"));
}
