//! `baseline { command-log }` watched: Node Exporter's textfile collector,
//! cloud-init's cron script that writes the log's size (shellcheck, `bash -n`,
//! run by `sh` and read back by `promtool check metrics`), and the built-in
//! alerts CommandLogLarge / CommandLogStale (promtool test rules).

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use std::process::Command;

const SCRIPT: &str = "/usr/local/sbin/infragen-command-log-size";
const TEXTFILE: &str = "/var/lib/node_exporter/textfile";
const LOG: &str = "/var/log/commands.log";

fn contents<'a>(artifacts: &'a [infragen::emit::Artifact], path: &str) -> Option<&'a str> {
    artifacts
        .iter()
        .find(|a| a.path == path)
        .map(|a| a.contents.as_str())
}

/// The `write_files` entry `path` of a cloud-init document.
fn written(cloud_init: &str, path: &str) -> Option<String> {
    let doc: serde_yaml::Value = serde_yaml::from_str(cloud_init).unwrap();
    doc["write_files"]
        .as_sequence()?
        .iter()
        .find(|f| f["path"] == path)
        .map(|f| f["content"].as_str().unwrap().to_string())
}

#[test]
fn textfile_collector_script_and_cron_only_with_a_command_log() {
    let reference = build::render_example("reference");
    for unit in [
        "node-exporter/node_exporter.service",
        "node-exporter/node_exporter.init",
    ] {
        let u = contents(&reference, unit).unwrap();
        assert!(
            u.contains(&format!("--collector.textfile.directory={TEXTFILE}")),
            "{unit}:\n{u}"
        );
    }
    // A systemd group and the ubuntu-14.04 (sysvinit) group get the same script and cron entry.
    let mut scripts = Vec::new();
    for name in ["cloud-init/monitor.yaml", "cloud-init/legacy.yaml"] {
        let ci = contents(&reference, name).unwrap();
        assert!(
            ci.contains(&format!("--collector.textfile.directory={TEXTFILE}")),
            "{name}"
        );
        let cron = written(ci, "/etc/cron.d/infragen-command-log").expect(name);
        assert!(
            cron.ends_with(&format!("\n*/5 * * * * root {SCRIPT}\n")),
            "{cron}"
        );
        assert!(
            ci.contains(&format!("install -d -m 0755 {TEXTFILE} && {SCRIPT}")),
            "{name}"
        );
        scripts.push(written(ci, SCRIPT).expect(name));
    }
    assert_eq!(scripts[0], scripts[1]);
    let rules = contents(&reference, "prometheus/rules/infragen_builtin.yml").unwrap();
    assert!(
        rules.contains("CommandLogLarge") && rules.contains("CommandLogStale"),
        "{rules}"
    );

    // No command-log: no flag, no script, no alert.
    for name in ["small", "slo", "search7"] {
        for a in build::render_example(name) {
            for word in ["textfile", "CommandLog", "infragen-command-log"] {
                assert!(!a.contents.contains(word), "{name}: {word} in {}", a.path);
            }
        }
    }
}

#[test]
#[ignore = "needs shellcheck and promtool: tests/scripts/test.sh runs it"]
fn size_script_passes_shellcheck_and_writes_the_metric_atomically() {
    let Some(shellcheck) = tools::require("shellcheck") else {
        return;
    };
    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    let reference = build::render_example("reference");
    let script = written(
        contents(&reference, "cloud-init/legacy.yaml").unwrap(),
        SCRIPT,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("infragen-command-log-size");
    std::fs::write(&path, &script).unwrap();
    let out = tools::run(Command::new(&shellcheck).args(["-S", "warning"]).arg(&path));
    assert!(
        out.status.success(),
        "shellcheck:\n{}",
        tools::describe(&out)
    );
    for sh in ["bash", "sh"] {
        let out = tools::run(Command::new(sh).arg("-n").arg(&path));
        assert!(out.status.success(), "{sh} -n:\n{}", tools::describe(&out));
    }

    // Run it (by /bin/sh, as cron does) against a directory and log of our own.
    let textfile = dir.path().join("textfile");
    std::fs::create_dir(&textfile).unwrap();
    let log = dir.path().join("commands.log");
    std::fs::write(&log, vec![b'x'; 1234]).unwrap();
    let local = script
        .replace(
            &format!("\nDIR={TEXTFILE}\n"),
            &format!("\nDIR={}\n", textfile.display()),
        )
        .replace(
            &format!("\nLOG='{LOG}'\n"),
            &format!("\nLOG='{}'\n", log.display()),
        );
    assert_ne!(local, script);
    let local_path = dir.path().join("local.sh");
    std::fs::write(&local_path, &local).unwrap();
    let prom = textfile.join("command_log.prom");
    for (bytes, remove) in [(1234, false), (0, true)] {
        if remove {
            std::fs::remove_file(&log).unwrap();
        }
        tools::run_ok(Command::new("sh").arg(&local_path));
        let text = std::fs::read_to_string(&prom).unwrap();
        assert!(
            text.ends_with(&format!(
                "\ninfragen_command_log_bytes{{path=\"{LOG}\"}} {bytes}\n"
            )),
            "{text}"
        );
        // Only the metric file: the temporary one was renamed over it.
        let names: Vec<_> = std::fs::read_dir(&textfile)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["command_log.prom"]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&prom).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "node_exporter must read it");
        let out = tools::run(
            Command::new(&promtool)
                .args(["check", "metrics"])
                .stdin(std::fs::File::open(&prom).unwrap()),
        );
        assert!(
            out.status.success(),
            "promtool check metrics:\n{text}\n{}",
            tools::describe(&out)
        );
    }
}

#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn command_log_alerts_fire_and_stay_quiet() {
    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    let reference = build::render_example("reference");
    let text = contents(&reference, "prometheus/rules/infragen_builtin.yml").unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("builtin.yml"), text).unwrap();
    let prom_file = format!("{TEXTFILE}/command_log.prom");
    let size = |v: &str| {
        format!(
            "      - series: 'infragen_command_log_bytes{{job=\"node\",instance=\"a\",path=\"{LOG}\"}}'\n        values: '{v}'\n"
        )
    };
    let mtime = |file: &str, v: &str| {
        format!(
            "      - series: 'node_textfile_mtime_seconds{{job=\"node\",instance=\"a\",file=\"{file}\"}}'\n        values: '{v}'\n"
        )
    };
    let other = format!("{TEXTFILE}/other.prom");
    // (alert, firing input, its labels, quiet input, minutes)
    let cases = [
        (
            "CommandLogLarge",
            size("2000000000x30"),
            vec![("path", LOG.to_string())],
            size("1000000000x30"),
            20,
        ),
        (
            "CommandLogStale",
            // The file stopped changing at 0; time() is 40m later.
            mtime(&prom_file, "0x60"),
            vec![("file", prom_file.clone())],
            // Rewritten every minute; another stale textfile is not ours.
            mtime(&prom_file, "0+60x60") + &mtime(&other, "0x60"),
            40,
        ),
    ];
    for (alert, firing, labels, quiet, at) in cases {
        let rule = doc["groups"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_sequence().unwrap())
            .find(|r| r["alert"] == alert)
            .unwrap();
        let mut t = String::from("rule_files:\n  - builtin.yml\nevaluation_interval: 1m\ntests:\n");
        for (input, fires) in [(&firing, true), (&quiet, false)] {
            t.push_str(&format!(
                "  - interval: 1m\n    input_series:\n{input}    alert_rule_test:\n      - eval_time: {at}m\n        alertname: {alert}\n        exp_alerts:"
            ));
            if !fires {
                t.push_str(" []\n");
                continue;
            }
            t.push_str(&format!(
                "\n          - exp_labels:\n              severity: {}\n              job: node\n              instance: a\n",
                rule["labels"]["severity"].as_str().unwrap()
            ));
            for (k, v) in &labels {
                t.push_str(&format!("              {k}: {v}\n"));
            }
            t.push_str("            exp_annotations:\n");
            for (k, v) in rule["annotations"].as_mapping().unwrap() {
                let v = v
                    .as_str()
                    .unwrap()
                    .replace("{{ $labels.instance }}", "a")
                    .replace("{{ $labels.path }}", LOG);
                t.push_str(&format!(
                    "              {}: {}\n",
                    k.as_str().unwrap(),
                    serde_yaml::to_string(&v).unwrap().trim_end()
                ));
            }
        }
        std::fs::write(dir.path().join("test.yml"), &t).unwrap();
        let out = tools::run(
            Command::new(&promtool)
                .current_dir(dir.path())
                .args(["test", "rules", "test.yml"]),
        );
        assert!(
            out.status.success(),
            "{alert}: promtool test rules\n{t}\n{}",
            tools::describe(&out)
        );
    }
}
