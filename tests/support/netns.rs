//! Running a shell script inside private, throwaway namespaces, for tests
//! that start real daemons (etcd) or probe addresses (patroni
//! --validate-config connects to every DCS host).
//!
//! The script gets a fresh network namespace (only `lo`, down until the
//! script brings it up: nothing it does can reach another machine, so the
//! estate's 10.x addresses are safe to use there) and a fresh PID namespace
//! whose init is the script: when it exits, or `timeout` kills it, the
//! kernel kills every process it started. Include with
//! `#[path = "support/netns.rs"] mod netns;` next to `tools`.
#![allow(dead_code)]

use std::process::{Command, Output};

/// True when private namespaces can be made here (root, or user namespaces
/// allowed). Otherwise reports the prerequisite as missing with `require`
/// semantics (fails in CI, skips locally) and returns false.
pub fn require() -> bool {
    let ok = Command::new("unshare")
        .args(["-n", "-p", "-f", "--kill-child", "true"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        super::tools::missing("network/PID namespaces (unshare -n -p -f; run as root)");
    }
    ok
}

/// Runs `sh -c script` with `args` as `$1…` in private network and PID
/// namespaces, killed after `secs` seconds.
pub fn run(script: &str, args: &[String], secs: u32) -> Output {
    super::tools::run(
        Command::new("timeout")
            .arg(secs.to_string())
            .args([
                "unshare",
                "-n",
                "-p",
                "-f",
                "--kill-child",
                "sh",
                "-c",
                script,
                "sh",
            ])
            .args(args),
    )
}
