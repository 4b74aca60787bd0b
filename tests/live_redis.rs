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

// ---------------------------------------------------------------------------
// Sentinel failover: three members, three Sentinels from the generated files.

const MEMBERS: [&str; 3] = ["127.0.0.41", "127.0.0.42", "127.0.0.43"];

fn ha_spec() -> String {
    let hosts: String = MEMBERS
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "    host \"cache-{}\" address=\"{a}\" memory=\"64MiB\" {{\n        security-groups \"cache\"\n    }}\n",
                i + 1
            )
        })
        .collect();
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
    host "app" address="127.0.0.40" {{
        security-groups "app"
    }}
{hosts}}}
security-group "app" vpc="lo" {{
    ingress "tcp" 8080 from="vpc:lo" description="Application"
}}
security-group "cache" vpc="lo" {{
    ingress "tcp" 6379 from="sg:app" description="Redis clients"
    ingress "tcp" 6379 from="sg:cache" description="Replication"
    ingress "tcp" 26379 from="sg:cache" description="Sentinel"
    ingress "tcp" 26379 from="sg:app" description="Clients ask Sentinel"
}}
redis "sessions" engine="self-hosted" version="7.0" maxmemory-policy="allkeys-lru" reserved-memory-percent=25 role="cache" {{
    clients "app"
    members "cache-1" "cache-2" "cache-3"
}}
"#
    )
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn sentinel_promotes_a_replica_when_the_primary_dies() {
    if !live::enabled("live_redis") {
        return;
    }
    let mut live = Live::new("redis-ha");
    let ns = live.netns("h");
    for a in MEMBERS.iter().chain(["127.0.0.40"].iter()) {
        live.ip(&ns, &["addr", "add", &format!("{a}/32"), "dev", "lo"]);
    }
    let password = format!("ha-{}-pw", std::process::id());
    let secrets = Secrets::Values(BTreeMap::from([(
        PASSWORD_VAR.to_string(),
        password.clone(),
    )]));
    let artifacts = build::render_with("redis-live", &ha_spec(), &AddressLock::default(), &secrets);
    let server = tools::require("redis-server").expect("redis-server");
    let cli = tools::require("redis-cli").expect("redis-cli");
    let (server_s, cli_s) = (
        server.to_string_lossy().into_owned(),
        cli.to_string_lossy().into_owned(),
    );
    for i in 1..=3 {
        let host = format!("cache-{i}");
        let dir = live.path(&host);
        std::fs::create_dir_all(&dir).unwrap();
        let dir_s = dir.to_string_lossy().into_owned();
        for (file, sentinel) in [("redis.conf", false), ("sentinel.conf", true)] {
            let a = artifacts
                .iter()
                .find(|a| a.path == format!("redis/{host}/{file}"))
                .unwrap_or_else(|| panic!("no redis/{host}/{file}"));
            let path = dir.join(file);
            std::fs::write(&path, &a.contents).unwrap();
            let p = path.to_string_lossy().into_owned();
            let mut argv = vec![server_s.clone(), p];
            if sentinel {
                argv.push("--sentinel".into());
            }
            // The one override: the data directory.
            argv.extend(["--dir".to_string(), dir_s.clone()]);
            let name = format!("{}-{host}", if sentinel { "sentinel" } else { "redis" });
            live.spawn(&name, &ns, None, &argv, &[]);
        }
    }
    let auth = [("REDISCLI_AUTH", password.as_str())];
    let redis = |live: &Live, addr: &str, args: &[&str]| -> String {
        let mut argv = vec![cli_s.as_str(), "-h", addr, "-p", "6379"];
        argv.extend(args);
        let out = live.run_in(&ns, None, 5, &argv, &auth);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let sentinel = |live: &Live, addr: &str, args: &[&str]| -> String {
        let mut argv = vec![cli_s.as_str(), "-h", addr, "-p", "26379"];
        argv.extend(args);
        let out = live.run_in(&ns, None, 5, &argv, &auth);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let deadline = Deadline::new(Duration::from_secs(120));
    let every = Duration::from_millis(200);
    // Online, not just connected: the first full sync waits
    // repl-diskless-sync-delay (5 s) before it starts.
    deadline.wait_for("two replicas online on the first member", every, || {
        (redis(&live, MEMBERS[0], &["info", "replication"])
            .matches("state=online")
            .count()
            == 2)
            .then_some(())
    });
    // Sentinel learns the replicas from the primary's INFO (every 10 s): a
    // primary killed before that has no replica to promote.
    deadline.wait_for(
        "every Sentinel to know the other two and both replicas",
        every,
        || {
            MEMBERS
                .iter()
                .all(|a| {
                    let m = sentinel(&live, a, &["sentinel", "master", "sessions"]);
                    let l: Vec<&str> = m.lines().collect();
                    let field = |k: &str| {
                        l.iter()
                            .position(|x| *x == k)
                            .and_then(|i| l.get(i + 1))
                            .copied()
                    };
                    field("num-other-sentinels") == Some("2") && field("num-slaves") == Some("2")
                })
                .then_some(())
        },
    );
    assert!(redis(&live, MEMBERS[0], &["set", "before", "1"]).contains("OK"));
    // Wait for the replicas to have it.
    let acked = redis(&live, MEMBERS[0], &["wait", "2", "2000"]);
    let on_replicas: Vec<String> = MEMBERS[1..]
        .iter()
        .map(|a| redis(&live, a, &["get", "before"]).trim().to_string())
        .collect();
    assert_eq!(acked.trim(), "2", "WAIT: replicas acknowledged");
    assert_eq!(on_replicas, ["1", "1"]);

    live.kill("redis-cache-1");
    let t0 = Instant::now();
    let (new_primary, _) = deadline.wait_for("Sentinel to promote a replica", every, || {
        let got = sentinel(
            &live,
            MEMBERS[1],
            &["sentinel", "get-master-addr-by-name", "sessions"],
        );
        let addr = got.lines().next()?.trim().to_string();
        (addr != MEMBERS[0] && MEMBERS.contains(&addr.as_str())).then_some(addr)
    });
    let (_, _) = deadline.wait_for("the new primary to take writes", every, || {
        redis(&live, &new_primary, &["set", "after", "1"])
            .contains("OK")
            .then_some(())
    });
    let failover = t0.elapsed();
    let kept = redis(&live, &new_primary, &["get", "before"]);
    let other = MEMBERS
        .iter()
        .find(|a| **a != MEMBERS[0] && **a != new_primary)
        .unwrap();
    let (_, _) = deadline.wait_for("the other replica to follow the new primary", every, || {
        redis(&live, other, &["info", "replication"])
            .contains(&format!("master_host:{new_primary}"))
            .then_some(())
    });
    println!(
        "sentinel failover: primary {} killed, {new_primary} promoted and taking writes after {:.1} s (down-after-milliseconds {} ms, quorum 2 of 3); key written before the kill: {:?}",
        MEMBERS[0],
        failover.as_secs_f64(),
        5000,
        kept.trim()
    );
    assert_eq!(kept.trim(), "1");
    assert!(failover < Duration::from_secs(30), "{failover:?}");
}
