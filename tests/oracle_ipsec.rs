//! strongSwan's real `starter` parses every generated ipsec.conf without a
//! parsing error. There is no check mode: starter runs with `--debug-all`
//! against a stand-in charon (it pretends to start, then asks starter to
//! stop) inside a private mount namespace, where /run and
//! /usr/lib/ipsec/charon are bind-mounted over, and a private network
//! namespace. Parse errors print `### N parsing error` yet exit 0, so the
//! test reads the output.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const STARTER: &str = "/usr/lib/ipsec/starter";
const CHARON: &str = "/usr/lib/ipsec/charon";

/// Stand-in for charon: write the pid file starter waits for, then stop starter.
const FAKE_CHARON: &str =
    "#!/bin/sh\necho $$ > /run/charon.pid\nsleep 0.3\nkill -TERM $PPID\nexec sleep 1\n";

const SCRIPT: &str = r#"
mount --bind "$2" /run || exit 10
mount --bind "$3" "$4" || exit 10
exec "$5" --nofork --debug-all --conf "$1"
"#;

fn parse(conf: &Path) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).unwrap();
    let fake = tmp.path().join("charon");
    std::fs::write(&fake, FAKE_CHARON).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    tools::run(
        Command::new("timeout")
            .args(["20", "unshare", "-m", "-n", "sh", "-c", SCRIPT, "sh"])
            .arg(conf)
            .arg(&run)
            .arg(&fake)
            .args([CHARON, STARTER]),
    )
}

fn require() -> bool {
    tools::require(STARTER).is_some() && tools::require(CHARON).is_some()
}

#[test]
#[ignore = "needs strongSwan starter: tests/scripts/test.sh runs it"]
fn starter_parses_every_generated_ipsec_conf() {
    if !require() {
        return;
    }
    let mut checked = 0;
    for name in build::example_names() {
        let artifacts = build::render_example(&name);
        let dir = build::write(&artifacts);
        for a in artifacts.iter().filter(|a| a.path.ends_with("/ipsec.conf")) {
            let out = parse(&dir.path().join(&a.path));
            let text = tools::combined(&out);
            assert!(
                out.status.success(),
                "{name}: {}\n{}",
                a.path,
                tools::describe(&out)
            );
            assert!(
                !text.contains("parsing error") && !text.contains("unknown keyword"),
                "{name}: {}\n{text}",
                a.path
            );
            // starter really read the connection (and did not stop early).
            for conn in a.contents.lines().filter_map(|l| l.strip_prefix("conn ")) {
                assert!(
                    text.contains(&format!("Loading conn '{conn}'")),
                    "{name}: {}\n{text}",
                    a.path
                );
            }
            assert!(
                text.contains("charon (") && text.contains("started"),
                "{text}"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no example renders an ipsec.conf");
}

/// The harness sees parse errors that exit 0: a misspelt keyword is one.
#[test]
#[ignore = "needs strongSwan starter: tests/scripts/test.sh runs it"]
fn starter_reports_a_broken_ipsec_conf() {
    if !require() {
        return;
    }
    let artifacts = build::render_example("reference");
    let conf = artifacts
        .iter()
        .find(|a| a.path.ends_with("/ipsec.conf"))
        .expect("ipsec.conf");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ipsec.conf");
    std::fs::write(&path, conf.contents.replace("keyexchange=", "keyexchnge=")).unwrap();
    let out = parse(&path);
    let text = tools::combined(&out);
    assert!(out.status.success(), "exits 0 even so: {text}");
    assert!(
        text.contains("parsing error") && text.contains("unknown keyword"),
        "{text}"
    );
}
