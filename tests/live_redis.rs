//! Live proof of the ElastiCache incident fix (issue 17): the real Debian
//! `redis-server` loads a redis.conf infragen generated, is filled past its
//! maxmemory, and
//!
//! - with `maxmemory-policy allkeys-lru` keeps accepting every write while
//!   `evicted_keys` (INFO stats) grows;
//! - with `noeviction` refuses writes with `OOM command not allowed`, the
//!   failure `redis-noeviction-cache` reports for a cache.
//!
//! The spec puts the member at 127.0.0.31 with `memory="32MiB"` and
//! `reserved-memory-percent=50`, so maxmemory is 16 MiB and the fill takes
//! well under a second. The only change to the generated file is `dir`
//! (a temporary directory instead of /var/lib/redis), given on the command
//! line; bind, port, maxmemory, the policy and requirepass are as built.
//! Runs in a private network namespace (root and `INFRAGEN_LIVE=1`; see
//! docs/live-tests.md).

#[path = "support/build.rs"]
mod build;
#[path = "support/live.rs"]
mod live;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::{Artifact, Secrets};
use infragen::lock::AddressLock;
use live::{Deadline, Live};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const ADDR: &str = "127.0.0.31";
const PASSWORD_VAR: &str = "REDIS_SESSIONS_PASSWORD";
/// Values of 1000 bytes: 40 000 of them are 40 MB, over twice maxmemory.
const KEYS: usize = 40_000;
const VALUE_LEN: usize = 1000;

fn spec(policy: &str, role: &str) -> String {
    format!(
        r#"project "redis-live" {{
    owner "ci@infragen.invalid"
}}
vpc "lo" region="us-east-1" cidr="127.0.0.0/16" {{
    subnet "lo" zone="us-east-1a" cidr="127.0.0.0/24"
}}
fleet {{
    defaults os="ubuntu-24.04" type="t3.small" {{
        subnets "lo/lo"
    }}
    host "app" address="127.0.0.30" {{
        security-groups "app"
    }}
    host "cache-1" address="{ADDR}" memory="32MiB" {{
        security-groups "cache"
    }}
}}
security-group "app" vpc="lo" {{
    egress "tcp" 6379 to="sg:cache" description="Redis"
}}
security-group "cache" vpc="lo" {{
    ingress "tcp" 6379 from="sg:app" description="Redis clients"
}}
redis "sessions" engine="self-hosted" version="7.0" replicas=0 maxmemory-policy="{policy}" reserved-memory-percent=50 role="{role}" {{
    clients "app"
    members "cache-1"
}}
"#
    )
}

fn conf_of(artifacts: &[Artifact]) -> String {
    artifacts
        .iter()
        .find(|a| a.path == "redis/cache-1/redis.conf")
        .unwrap_or_else(|| {
            panic!(
                "no redis/cache-1/redis.conf in {:?}",
                artifacts.iter().map(|a| &a.path).collect::<Vec<_>>()
            )
        })
        .contents
        .clone()
}

/// `SET key:i <value>` for every key, in Redis's wire protocol, for
/// `redis-cli --pipe`.
fn fill_protocol() -> Vec<u8> {
    let value = "v".repeat(VALUE_LEN);
    let mut out = Vec::with_capacity(KEYS * (VALUE_LEN + 40));
    for i in 0..KEYS {
        let key = format!("key:{i}");
        out.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n{value}\r\n",
                key.len(),
                value.len()
            )
            .as_bytes(),
        );
    }
    out
}

/// `INFO` fields as a map.
fn info(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim_end().split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Run {
    maxmemory: u64,
    used_memory: u64,
    evicted: u64,
    keys: u64,
    pipe_summary: String,
    last_write: String,
    fill_ms: u128,
}

fn run(live: &mut Live, ns: &str, policy: &str, role: &str, password: &str) -> Run {
    let name = format!("redis-{policy}");
    let secrets = Secrets::Values(BTreeMap::from([(
        PASSWORD_VAR.to_string(),
        password.to_string(),
    )]));
    let artifacts = build::render_with(
        "redis-live",
        &spec(policy, role),
        &AddressLock::default(),
        &secrets,
    );
    let conf = conf_of(&artifacts);
    // The member's address is itself a loopback one: no second address.
    assert!(conf.lines().any(|l| l == format!("bind {ADDR}")), "{conf}");
    assert!(
        conf.contains(&format!("maxmemory-policy {policy}")),
        "{conf}"
    );
    let dir = live.path(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let conf_path = dir.join("redis.conf");
    std::fs::write(&conf_path, &conf).unwrap();
    let server = tools::require("redis-server").expect("redis-server");
    let cli = tools::require("redis-cli").expect("redis-cli");
    let dir_s = dir.to_string_lossy().into_owned();
    let conf_s = conf_path.to_string_lossy().into_owned();
    // The one override: the data directory.
    live.spawn(
        &name,
        ns,
        None,
        &[server.to_string_lossy().as_ref(), &conf_s, "--dir", &dir_s],
        &[],
    );
    let cli_s = cli.to_string_lossy().into_owned();
    let auth = [("REDISCLI_AUTH", password)];
    let deadline = Deadline::new(Duration::from_secs(60));
    deadline.wait_for(
        "redis-server to answer PING",
        Duration::from_millis(100),
        || {
            let out = live.run_in(
                ns,
                None,
                5,
                &[&cli_s, "-h", ADDR, "-p", "6379", "ping"],
                &auth,
            );
            String::from_utf8_lossy(&out.stdout)
                .contains("PONG")
                .then_some(())
        },
    );
    // Without the password: refused (requirepass is live).
    let anon = live.run_in(
        ns,
        None,
        5,
        &[&cli_s, "-h", ADDR, "-p", "6379", "set", "x", "y"],
        &[],
    );
    let anon_text =
        String::from_utf8_lossy(&anon.stdout).to_string() + &String::from_utf8_lossy(&anon.stderr);
    assert!(anon_text.contains("NOAUTH"), "{anon_text}");

    let proto = dir.join("fill.resp");
    std::fs::write(&proto, fill_protocol()).unwrap();
    let t0 = Instant::now();
    let pipe = live.run_in(
        ns,
        None,
        30,
        &[
            "sh",
            "-c",
            &format!(
                "exec {cli_s} -h {ADDR} -p 6379 --pipe < {}",
                proto.to_string_lossy()
            ),
        ],
        &auth,
    );
    let fill_ms = t0.elapsed().as_millis();
    let pipe_summary = String::from_utf8_lossy(&pipe.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    let last = live.run_in(
        ns,
        None,
        5,
        &[&cli_s, "-h", ADDR, "-p", "6379", "set", "after-fill", "v"],
        &auth,
    );
    let last_write = String::from_utf8_lossy(&last.stdout).trim().to_string()
        + String::from_utf8_lossy(&last.stderr).trim();
    let stats = live.run_in(
        ns,
        None,
        5,
        &[&cli_s, "-h", ADDR, "-p", "6379", "info"],
        &auth,
    );
    let i = info(&String::from_utf8_lossy(&stats.stdout));
    let num = |k: &str| -> u64 {
        i.get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("INFO has no {k}: {i:?}"))
    };
    let keys = i
        .get("db0")
        .and_then(|v| v.split(',').next())
        .and_then(|k| k.strip_prefix("keys="))
        .and_then(|k| k.parse().ok())
        .unwrap_or(0);
    let r = Run {
        maxmemory: num("maxmemory"),
        used_memory: num("used_memory"),
        evicted: num("evicted_keys"),
        keys,
        pipe_summary,
        last_write,
        fill_ms,
    };
    live.kill(&name);
    r
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn eviction_keeps_writes_and_noeviction_refuses_them() {
    if !live::enabled("live_redis") {
        return;
    }
    let mut live = Live::new("redis");
    let ns = live.netns("r");
    live.ip(&ns, &["addr", "add", &format!("{ADDR}/32"), "dev", "lo"]);
    let password = format!("live-{}-pw", std::process::id());

    // The spec's arithmetic: 32 MiB of RAM less 50 % reserved.
    let want_max = 32 * 1024 * 1024 / 2;

    let lru = run(&mut live, &ns, "allkeys-lru", "cache", &password);
    println!(
        "allkeys-lru: maxmemory {} B, {KEYS} SETs of {VALUE_LEN} B in {} ms ({}), used_memory {} B, keys kept {}, evicted_keys {}, SET after the fill: {}",
        lru.maxmemory,
        lru.fill_ms,
        lru.pipe_summary,
        lru.used_memory,
        lru.keys,
        lru.evicted,
        lru.last_write
    );
    assert_eq!(lru.maxmemory, want_max);
    assert!(
        lru.pipe_summary.contains("errors: 0"),
        "{}",
        lru.pipe_summary
    );
    assert!(lru.evicted > 0, "no eviction: {}", lru.evicted);
    assert!((lru.keys as usize) < KEYS, "all {} keys kept", lru.keys);
    assert_eq!(lru.last_write, "OK");

    // noeviction on a store (on a cache it is the lint error
    // redis-noeviction-cache, checked below).
    let no = run(&mut live, &ns, "noeviction", "store", &password);
    println!(
        "noeviction: maxmemory {} B, {KEYS} SETs in {} ms ({}), used_memory {} B, keys kept {}, evicted_keys {}, SET after the fill: {}",
        no.maxmemory,
        no.fill_ms,
        no.pipe_summary,
        no.used_memory,
        no.keys,
        no.evicted,
        no.last_write
    );
    assert_eq!(no.maxmemory, want_max);
    assert_eq!(no.evicted, 0);
    assert!(
        !no.pipe_summary.contains("errors: 0"),
        "{}",
        no.pipe_summary
    );
    assert!(
        no.last_write.contains("OOM command not allowed"),
        "{}",
        no.last_write
    );

    // On a cache the same policy is the error that predicts this.
    let checked = infragen::pipeline::check(&spec("noeviction", "cache"), &AddressLock::default());
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.rule == "redis-noeviction-cache"),
        "{:#?}",
        checked.diagnostics
    );
}
