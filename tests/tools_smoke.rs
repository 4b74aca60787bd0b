//! Smoke tests for the real tools that check infragen's outputs: each one is
//! found (see `tests/support/tools.rs`) and answers its version command, and the
//! SARIF and Grafana checkers accept a valid input and reject an invalid one.
//! Missing tools fail in CI and are skipped elsewhere.

#[path = "support/tools.rs"]
mod tools;

use std::fs;

/// Runs `name args...` (found with `tools::require`), expects success and
/// `needle` somewhere in stdout or stderr.
fn version_check(name: &str, args: &[&str], needle: &str) {
    let Some(bin) = tools::require(name) else {
        return;
    };
    let out = tools::run(tools::command(&bin).args(args));
    assert!(
        out.status.success(),
        "{} {} failed\n{}",
        bin.display(),
        args.join(" "),
        tools::describe(&out)
    );
    let text = tools::combined(&out);
    assert!(
        text.contains(needle),
        "{} {}: expected {needle:?} in the output\n{}",
        bin.display(),
        args.join(" "),
        tools::describe(&out)
    );
}

#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn promtool_version() {
    version_check("promtool", &["--version"], "promtool, version 2.");
}

#[test]
#[ignore = "needs patroni: tests/scripts/test.sh runs it"]
fn patroni_version() {
    version_check("patroni", &["--version"], "patroni ");
}

#[test]
#[ignore = "needs haproxy: tests/scripts/test.sh runs it"]
fn haproxy_version() {
    version_check("haproxy", &["-v"], "HAProxy version ");
}

#[test]
#[ignore = "needs terraform: tests/scripts/test.sh runs it"]
fn terraform_version_is_1_0_3() {
    // tools::command sets CHECKPOINT_DISABLE=1: no update check over the network.
    version_check("terraform", &["version"], "Terraform v1.0.3");
}

#[test]
#[ignore = "needs checkov: tests/scripts/test.sh runs it"]
fn checkov_version_is_3() {
    let Some(bin) = tools::require("checkov") else {
        return;
    };
    let out = tools::run_ok(tools::command(&bin).arg("--version"));
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(v.starts_with("3."), "checkov --version: {v:?}");
}

#[test]
#[ignore = "needs cloud-init: tests/scripts/test.sh runs it"]
fn cloud_init_version() {
    version_check("cloud-init", &["--version"], "cloud-init ");
}

#[test]
#[ignore = "needs shellcheck: tests/scripts/test.sh runs it"]
fn shellcheck_version() {
    version_check("shellcheck", &["--version"], "ShellCheck");
}

#[test]
#[ignore = "needs graphviz: tests/scripts/test.sh runs it"]
fn graphviz_dot_version() {
    // dot prints its version to stderr.
    version_check("dot", &["-V"], "graphviz version");
}

#[test]
#[ignore = "needs strongSwan: tests/scripts/test.sh runs it"]
fn strongswan_ipsec_version() {
    version_check("ipsec", &["--version"], "strongSwan");
}

#[test]
#[ignore = "needs strongSwan: tests/scripts/test.sh runs it"]
fn strongswan_starter_and_charon_present() {
    // starter has no version flag: --help prints its usage and exits 2 without
    // starting anything. charon is never run here (it would start the IKE daemon).
    let Some(starter) = tools::require("/usr/lib/ipsec/starter") else {
        return;
    };
    let out = tools::run(tools::command(&starter).arg("--help"));
    assert!(
        tools::combined(&out).contains("Usage: starter"),
        "starter --help\n{}",
        tools::describe(&out)
    );
    assert_eq!(tools::tool("starter"), Some(starter));
    let Some(charon) = tools::require("/usr/lib/ipsec/charon") else {
        return;
    };
    assert_eq!(tools::tool("charon"), Some(charon));
}

#[test]
#[ignore = "needs strongSwan: tests/scripts/test.sh runs it"]
fn strongswan_kernel_libipsec_plugin_present() {
    // The live tunnel test needs user-space ESP (this kernel lacks ESP xfrm).
    let plugin = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so";
    if !std::path::Path::new(plugin).is_file() {
        tools::missing(&format!("{plugin} (Debian libcharon-extra-plugins)"));
    }
}

#[test]
#[ignore = "needs etcd: tests/scripts/test.sh runs it"]
fn etcd_version() {
    version_check("etcd", &["--version"], "etcd Version: 3.");
}

#[test]
#[ignore = "needs PostgreSQL 15: tests/scripts/test.sh runs it"]
fn postgres_15_version() {
    version_check(
        "/usr/lib/postgresql/15/bin/postgres",
        &["--version"],
        "(PostgreSQL) 15.",
    );
}

#[test]
#[ignore = "needs jq and ip: tests/scripts/test.sh runs it"]
fn jq_and_ip_present() {
    version_check("jq", &["--version"], "jq-");
    version_check("ip", &["-V"], "iproute2");
}

#[test]
#[ignore = "needs the SARIF validator: tests/scripts/test.sh runs it"]
fn validate_sarif_rejects_empty_object_and_accepts_minimal_log() {
    if tools::require_sarif_validator().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();

    let empty = dir.path().join("empty.sarif");
    fs::write(&empty, "{}").unwrap();
    let err = tools::validate_sarif(&empty).expect_err("`{}` is not a SARIF log");
    assert!(err.contains("'version' is a required property"), "{err}");
    assert!(err.contains("'runs' is a required property"), "{err}");

    let minimal = dir.path().join("minimal.sarif");
    fs::write(
        &minimal,
        r#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"x"}},"results":[]}]}"#,
    )
    .unwrap();
    tools::validate_sarif(&minimal).unwrap();

    // A wrong enum value deep inside is caught too.
    let bad_level = dir.path().join("bad-level.sarif");
    fs::write(
        &bad_level,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}"#,
    )
    .unwrap();
    let err = tools::validate_sarif(&bad_level).expect_err("level 'fatal' is invalid");
    assert!(err.contains("/runs/0/results/0/level"), "{err}");
}

#[test]
#[ignore = "needs tsc with @grafana/schema: tests/scripts/test.sh runs it"]
fn grafana_tscheck_accepts_minimal_dashboard_and_rejects_wrong_type() {
    if tools::require_grafana_tscheck().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();

    let ok = dir.path().join("ok.json");
    fs::write(
        &ok,
        r#"{
  "title": "infragen smoke",
  "uid": "infragen-smoke",
  "schemaVersion": 39,
  "editable": false,
  "panels": [
    {
      "type": "timeseries",
      "title": "targets up",
      "gridPos": { "h": 8, "w": 12, "x": 0, "y": 0 },
      "targets": [ { "refId": "A", "expr": "up" } ],
      "fieldConfig": {
        "defaults": {
          "thresholds": { "mode": "absolute", "steps": [ { "color": "green", "value": null } ] }
        },
        "overrides": []
      }
    }
  ]
}"#,
    )
    .unwrap();
    tools::grafana_tscheck(&ok).unwrap();

    let bad = dir.path().join("bad.json");
    fs::write(&bad, r#"{ "title": "bad", "panels": "x" }"#).unwrap();
    let err = tools::grafana_tscheck(&bad).expect_err("panels must be an array");
    assert!(err.contains("error TS"), "{err}");
}

#[test]
fn missing_tool_fails_the_test() {
    let name = "infragen-no-such-tool";
    assert_eq!(tools::tool(name), None);
    let panic = std::panic::catch_unwind(|| tools::require(name))
        .expect_err("require must panic when the tool is missing");
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("tests/scripts/install-test-tools.sh"), "{msg}");
}
