//! Running real daemons for the live end-to-end tests (`tests/live_*.rs`):
//! the `INFRAGEN_LIVE=1` gate, a per-test deadline, named network namespaces
//! and a guard that, even when the test panics, kills every process it
//! started (by process group, then every PID left in its namespaces), deletes
//! the namespaces it created, and prints the daemons' logs on failure.
//! Include with `#[path = "support/live.rs"] mod live;` next to `tools`.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that turns the live tests on.
pub const FLAG: &str = "INFRAGEN_LIVE";

/// Every namespace a live test creates starts with this, then the test's
/// tag, then the PID of the test process (so stale ones can be recognised).
pub const NS_PREFIX: &str = "infragen-live-";

/// True when `INFRAGEN_LIVE=1`; otherwise panics. The live tests are
/// `#[ignore]`d, so they run only when asked for (`--include-ignored`,
/// tests/scripts/test.sh), and then they must really run: never "ok" in
/// 0.00 s.
pub fn enabled(test: &str) -> bool {
    if std::env::var(FLAG).is_ok_and(|v| v == "1") {
        return true;
    }
    panic!(
        "{test}: a live test needs {FLAG}=1 (and root): run tests/scripts/test.sh, or see docs/live-tests.md"
    );
}

/// A global time limit for one test.
pub struct Deadline {
    start: Instant,
    limit: Duration,
}

impl Deadline {
    pub fn new(limit: Duration) -> Self {
        Deadline {
            start: Instant::now(),
            limit,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Panics when the deadline has passed.
    pub fn check(&self, doing: &str) {
        if self.start.elapsed() >= self.limit {
            panic!(
                "test deadline of {:?} exceeded while {doing} (the daemons' logs follow)",
                self.limit
            );
        }
    }

    /// Calls `probe` every `every` until it gives `Some`, and returns its
    /// value and how long that took. Panics, naming `what`, at the deadline.
    pub fn wait_for<T>(
        &self,
        what: &str,
        every: Duration,
        mut probe: impl FnMut() -> Option<T>,
    ) -> (T, Duration) {
        let t0 = Instant::now();
        loop {
            if let Some(v) = probe() {
                return (v, t0.elapsed());
            }
            if self.start.elapsed() >= self.limit {
                panic!(
                    "timed out after {:.1}s waiting for {what} (test deadline {:?}; the daemons' logs follow)",
                    t0.elapsed().as_secs_f64(),
                    self.limit
                );
            }
            std::thread::sleep(every);
        }
    }
}

struct Daemon {
    name: String,
    /// PID of the process we spawned; also its process group id.
    pid: i32,
    child: Child,
}

/// Owns a temporary directory, the namespaces and the daemons of one test.
/// Dropping it (normally or while panicking) cleans everything up.
pub struct Live {
    pub dir: tempfile::TempDir,
    tag: String,
    namespaces: Vec<String>,
    daemons: Vec<Daemon>,
    /// Log files to print when the test fails: (label, path).
    logs: Vec<(String, PathBuf)>,
}

/// Sends SIGKILL to process group `pgid`, refusing the groups that could be
/// ours or the system's.
pub fn kill_group(pgid: i32) {
    // SAFETY: plain syscalls on integers.
    let own = unsafe { libc::getpgrp() };
    if pgid > 1 && pgid != own {
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Sends SIGKILL to one process (never PID ≤ 1 or ourselves).
pub fn kill_pid(pid: i32) {
    if pid > 1 && pid != std::process::id() as i32 {
        // SAFETY: plain syscall on integers.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// The process group of `pid`, if it exists.
pub fn pgid_of(pid: i32) -> Option<i32> {
    // SAFETY: plain syscall on an integer.
    let g = unsafe { libc::getpgid(pid) };
    (g > 0).then_some(g)
}

fn pid_alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The PIDs of the processes inside network namespace `ns`.
pub fn ns_pids(ns: &str) -> Vec<i32> {
    Command::new("ip")
        .args(["netns", "pids", ns])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Kills everything inside `ns`, then deletes it.
fn destroy_ns(ns: &str) {
    for _ in 0..20 {
        let pids = ns_pids(ns);
        if pids.is_empty() {
            break;
        }
        for p in pids {
            kill_pid(p);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("ip")
        .args(["netns", "del", ns])
        .stderr(Stdio::null())
        .status();
}

/// Deletes namespaces left by an earlier run of the test `tag` whose process
/// is gone (killed before its guard could run).
fn remove_stale(tag: &str) {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    let prefix = format!("{NS_PREFIX}{tag}-");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid: i32 = rest
            .split('-')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if pid > 0 && !pid_alive(pid) {
            eprintln!("removing stale namespace {name} (its test process {pid} is gone)");
            destroy_ns(name);
        }
    }
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("(unreadable: {e})"));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl Live {
    /// A fresh guard for the test `tag` (short, used in namespace names).
    /// The temporary directory is world-traversable (0755) so daemons that
    /// run as an unprivileged user can reach their own subdirectories.
    pub fn new(tag: &str) -> Self {
        remove_stale(tag);
        let dir = tempfile::Builder::new()
            .prefix(&format!("infragen-live-{tag}-"))
            .tempdir()
            .expect("temporary directory");
        set_mode(dir.path(), 0o755);
        Live {
            dir,
            tag: tag.to_string(),
            namespaces: Vec::new(),
            daemons: Vec::new(),
            logs: Vec::new(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Creates (and remembers, for deletion) a network namespace
    /// `infragen-live-<tag>-<pid>-<suffix>`, with `lo` up. Returns its name.
    pub fn netns(&mut self, suffix: &str) -> String {
        let name = format!("{NS_PREFIX}{}-{}-{suffix}", self.tag, std::process::id());
        let out = Command::new("ip")
            .args(["netns", "add", &name])
            .output()
            .expect("ip netns add");
        assert!(
            out.status.success(),
            "ip netns add {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.namespaces.push(name.clone());
        self.ip(&name, &["link", "set", "lo", "up"]);
        name
    }

    /// Runs `ip -n NS ARGS…` (or plain `ip ARGS…` for an empty `ns`), panicking on failure.
    pub fn ip(&self, ns: &str, args: &[&str]) {
        let mut cmd = Command::new("ip");
        if !ns.is_empty() {
            cmd.args(["-n", ns]);
        }
        let out = cmd.args(args).output().expect("ip");
        assert!(
            out.status.success(),
            "ip {} {} failed: {}",
            if ns.is_empty() { "" } else { ns },
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Also print `path` (labelled) if the test fails.
    pub fn add_log(&mut self, label: &str, path: PathBuf) {
        self.logs.push((label.to_string(), path));
    }

    /// Starts a long-running daemon `argv` inside `ns`, as `user` if given,
    /// in its own process group, stdout and stderr to `logs/<name>.log`.
    /// Returns its PID (= process group id).
    pub fn spawn<S: AsRef<OsStr>>(
        &mut self,
        name: &str,
        ns: &str,
        user: Option<&str>,
        argv: &[S],
        env: &[(&str, &str)],
    ) -> i32 {
        let logs = self.path("logs");
        std::fs::create_dir_all(&logs).expect("logs dir");
        let log_path = logs.join(format!("{name}.log"));
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("log file");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]);
        if let Some(u) = user {
            cmd.args([
                "setpriv",
                &format!("--reuid={u}"),
                &format!("--regid={u}"),
                "--init-groups",
                "--",
            ]);
        }
        cmd.args(argv)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .process_group(0);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name}: {e}"));
        let pid = child.id() as i32;
        if !self.logs.iter().any(|(l, _)| l == name) {
            self.logs.push((name.to_string(), log_path));
        }
        self.daemons.push(Daemon {
            name: name.to_string(),
            pid,
            child,
        });
        pid
    }

    /// SIGKILLs the process group of the running daemon `name` and reaps it.
    pub fn kill(&mut self, name: &str) {
        for d in self.daemons.iter_mut().filter(|d| d.name == name) {
            kill_group(d.pid);
            kill_pid(d.pid);
            let _ = d.child.wait();
        }
        self.daemons.retain(|d| d.name != name);
    }

    /// True while the daemon `name` has not exited.
    pub fn running(&mut self, name: &str) -> bool {
        self.daemons
            .iter_mut()
            .any(|d| d.name == name && matches!(d.child.try_wait(), Ok(None)))
    }

    /// Runs a short command inside `ns` (as `user` if given), killed after `secs`.
    pub fn run_in<S: AsRef<OsStr>>(
        &self,
        ns: &str,
        user: Option<&str>,
        secs: u32,
        argv: &[S],
        env: &[(&str, &str)],
    ) -> Output {
        let mut cmd = Command::new("timeout");
        cmd.args(["-s", "KILL", &secs.to_string(), "ip", "netns", "exec", ns]);
        if let Some(u) = user {
            cmd.args([
                "setpriv",
                &format!("--reuid={u}"),
                &format!("--regid={u}"),
                "--init-groups",
                "--",
            ]);
        }
        cmd.args(argv)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .expect("timeout ip netns exec")
    }

    /// Prints every log (last 40 lines each).
    pub fn print_logs(&self) {
        for (label, path) in &self.logs {
            eprintln!(
                "----- {label}: {} (last 40 lines) -----\n{}",
                path.display(),
                tail(path, 40)
            );
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.print_logs();
        }
        for d in &mut self.daemons {
            kill_group(d.pid);
            kill_pid(d.pid);
        }
        for d in &mut self.daemons {
            let _ = d.child.wait();
        }
        // Whatever escaped its group (daemons that setsid(), like the
        // postmaster Patroni starts) is still in the namespace.
        for ns in &self.namespaces {
            destroy_ns(ns);
        }
        if std::env::var_os("INFRAGEN_LIVE_KEEP").is_some() {
            let kept = std::mem::replace(
                &mut self.dir,
                tempfile::tempdir().expect("temporary directory"),
            );
            eprintln!("kept {}", kept.keep().display());
        }
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

/// `chown -R user: path`.
pub fn chown_r(path: &Path, user: &str) {
    let out = Command::new("chown")
        .args(["-R", &format!("{user}:"), &path.to_string_lossy()])
        .output()
        .expect("chown");
    assert!(
        out.status.success(),
        "chown -R {user}: {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// stdout of a command, trimmed.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// stderr of a command, trimmed.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}
