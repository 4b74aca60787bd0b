//! Self-hosted Redis output checked by its consumers: every generated
//! redis.conf is loaded by the real `redis-server` (Debian 7.0), which
//! refuses a bad config at start, and its settings are read back with
//! `CONFIG GET`; every sentinel.conf is loaded by `redis-server --sentinel`
//! and `SENTINEL MASTER` shows the quorum; the redis_exporter job and the
//! `RedisMemoryHigh` alert pass `promtool check config`, `check rules` and a
//! firing and a quiet `promtool test rules` case. The members' private
//! addresses are not on this machine, so the servers are started with
//! `--bind 127.0.0.1 --port P --dir D` after the file (later arguments win);
//! tests/live_redis.rs runs one as generated.

#[path = "support/build.rs"]
mod build;
#[path = "support/terraform.rs"]
mod terraform;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::{Artifact, Secrets};
use infragen::lock::AddressLock;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A password with everything redis.conf's argument splitting treats
/// specially: quotes, a backslash, spaces, `#`, a line break.
const NASTY: &str = "p@ss \"w\\o'rd\" # x\nrequirepass other";

pub fn spec(members: u32, policy: &str) -> String {
    format!(
        r#"project "rds" {{
    owner "ops@rds.example"
}}
vpc "main" region="eu-west-1" cidr="10.40.0.0/16" {{
    subnet "a" zone="eu-west-1a" cidr="10.40.1.0/24"
    subnet "b" zone="eu-west-1b" cidr="10.40.2.0/24"
}}
fleet {{
    defaults os="ubuntu-24.04" type="t3.small" {{
        subnets "main/a" "main/b"
    }}
    group "app" count=2 {{
        security-groups "app" "node-exporter"
    }}
    group "cache" count={members} type="r6g.large" {{
        security-groups "cache" "node-exporter"
    }}
    host "monitor" type="t3.large" {{
        subnets "main/a"
        security-groups "monitoring" "node-exporter"
    }}
}}
security-group "app" vpc="main" {{
    ingress "tcp" 8080 from="vpc:main" description="Application traffic"
}}
security-group "cache" vpc="main" {{
    ingress "tcp" 6379 from="sg:app" description="Redis clients"
    ingress "tcp" 6379 from="sg:cache" description="Redis replication"
    ingress "tcp" 26379 from="sg:cache" description="Sentinel"
    ingress "tcp" 26379 from="sg:app" description="Clients ask Sentinel for the primary"
    ingress "tcp" 9121 from="sg:monitoring" description="redis_exporter"
}}
security-group "monitoring" vpc="main" {{
    ingress "tcp" 9090 from="vpc:main" description="Prometheus UI"
}}
security-group "node-exporter" vpc="main" {{
    ingress "tcp" 9100 from="sg:monitoring" description="Node Exporter"
}}
redis "sessions" engine="self-hosted" version="7.0" replicas={} maxmemory-policy="{policy}" reserved-memory-percent=25 role="cache" {{
    clients group="app"
    members group="cache"
}}
monitoring {{
    node-exporter version="1.8.1" port=9100
    prometheus host="monitor" port=9090 scrape-interval="30s" evaluation-interval="30s" retention="15d"
}}
"#,
        members - 1
    )
}

fn secrets() -> Secrets {
    Secrets::Values(BTreeMap::from([(
        "REDIS_SESSIONS_PASSWORD".to_string(),
        NASTY.to_string(),
    )]))
}

fn render(members: u32) -> Vec<Artifact> {
    build::render_with(
        "rds",
        &spec(members, "allkeys-lru"),
        &AddressLock::default(),
        &secrets(),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A server started by this test, killed (by PID) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(server: &Path, conf: &Path, dir: &Path, port: u16, sentinel: bool) -> Server {
    let mut cmd = tools::command(server);
    cmd.arg(conf);
    if sentinel {
        cmd.arg("--sentinel");
    }
    cmd.args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Server(cmd.spawn().expect("redis-server starts"))
}

fn cli(cli: &Path, port: u16, auth: Option<&str>, args: &[&str]) -> String {
    let mut cmd = tools::command(cli);
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args);
    if let Some(a) = auth {
        cmd.env("REDISCLI_AUTH", a);
    }
    let out = tools::run(&mut cmd);
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn wait_ping(c: &Path, port: u16, auth: Option<&str>, server: &mut Server, what: &str) {
    let t0 = Instant::now();
    loop {
        if cli(c, port, auth, &["ping"]).contains("PONG") {
            return;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("{what}: redis-server refused the config ({status})");
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "{what}: no PONG");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs redis-server: tests/scripts/test.sh runs it"]
fn redis_server_loads_every_generated_config() {
    let (Some(server), Some(c)) = (tools::require("redis-server"), tools::require("redis-cli"))
    else {
        return;
    };
    let mut confs = 0;
    let mut sentinels = 0;
    // The test estates (one member; three with Sentinel), then the examples.
    let mut sets: Vec<(String, Vec<Artifact>)> =
        vec![("rds-1".into(), render(1)), ("rds-3".into(), render(3))];
    for name in build::example_names() {
        sets.push((name.clone(), build::render_example_with(&name, &secrets())));
    }
    for (set, artifacts) in &sets {
        for a in artifacts.iter().filter(|a| a.path.starts_with("redis/")) {
            assert!(a.secret, "{}: must be written 0600", a.path);
            let dir = tempfile::tempdir().unwrap();
            let conf = dir.path().join("x.conf");
            std::fs::write(&conf, &a.contents).unwrap();
            let port = free_port();
            let what = format!("{set}: {}", a.path);
            if a.path.ends_with("/redis.conf") {
                let mut s = start(&server, &conf, dir.path(), port, false);
                let password = if set.starts_with("rds") { NASTY } else { "" };
                wait_ping(&c, port, Some(password), &mut s, &what);
                let get = |k: &str| cli(&c, port, Some(password), &["config", "get", k]);
                // The password arrived as one argument, byte for byte.
                let pw = get("requirepass");
                assert_eq!(
                    pw.lines().nth(1),
                    Some(NASTY.lines().next().unwrap()),
                    "{what}: {pw}"
                );
                assert!(pw.contains("requirepass other"), "{what}: {pw}");
                let policy = get("maxmemory-policy");
                assert!(
                    policy.contains("allkeys-lru") || !set.starts_with("rds"),
                    "{what}: {policy}"
                );
                let max = get("maxmemory");
                if set.starts_with("rds") {
                    // r6g.large: 16 GiB, 25 % reserved.
                    assert!(
                        max.contains(&(16u64 << 30).saturating_mul(3).div_euclid(4).to_string()),
                        "{what}: {max}"
                    );
                }
                assert!(get("protected-mode").contains("yes"), "{what}");
                confs += 1;
            } else {
                let mut s = start(&server, &conf, dir.path(), port, true);
                let password = if set.starts_with("rds") { NASTY } else { "" };
                wait_ping(&c, port, Some(password), &mut s, &what);
                let master = cli(
                    &c,
                    port,
                    Some(password),
                    &["sentinel", "master", "sessions"],
                );
                let lines: Vec<&str> = master.lines().collect();
                let field = |k: &str| {
                    lines
                        .iter()
                        .position(|l| *l == k)
                        .and_then(|i| lines.get(i + 1))
                        .copied()
                };
                if set == "rds-3" {
                    assert_eq!(field("quorum"), Some("2"), "{what}: {master}");
                    assert_eq!(
                        field("down-after-milliseconds"),
                        Some("5000"),
                        "{what}: {master}"
                    );
                    assert_eq!(field("port"), Some("6379"), "{what}: {master}");
                }
                sentinels += 1;
            }
        }
    }
    eprintln!("redis-server loaded {confs} redis.conf and {sentinels} sentinel.conf");
    assert!(confs >= 4, "{confs}");
    assert!(sentinels >= 3, "{sentinels}");
}

#[test]
fn one_member_has_no_sentinel_and_replicas_follow_the_first() {
    let one = render(1);
    assert!(one.iter().any(|a| a.path == "redis/cache-01/redis.conf"));
    assert!(!one.iter().any(|a| a.path.ends_with("sentinel.conf")));
    let three = render(3);
    let conf = |h: &str| {
        three
            .iter()
            .find(|a| a.path == format!("redis/{h}/{}", "redis.conf"))
            .unwrap()
            .contents
            .clone()
    };
    assert!(!conf("cache-01").contains("replicaof"));
    let primary = conf("cache-01")
        .lines()
        .find_map(|l| l.strip_prefix("bind "))
        .and_then(|b| b.split(' ').next())
        .unwrap()
        .to_string();
    for h in ["cache-02", "cache-03"] {
        assert!(
            conf(h).contains(&format!("replicaof {primary} 6379")),
            "{}",
            conf(h)
        );
    }
    // cloud-init installs Debian's packages on the members only.
    let ci = |artifacts: &[Artifact], f: &str| {
        artifacts
            .iter()
            .find(|a| a.path == format!("cloud-init/{f}.yaml"))
            .unwrap()
            .contents
            .clone()
    };
    assert!(ci(&three, "cache").contains("- redis-sentinel"));
    assert!(ci(&three, "cache").contains("- redis-server"));
    assert!(!ci(&one, "cache").contains("redis-sentinel"));
    assert!(!ci(&three, "app").contains("redis"));
    // Placeholders, not values, without --secrets-from-env.
    let placeholders = build::render("rds", &spec(3, "allkeys-lru"), &AddressLock::default());
    let c = placeholders
        .iter()
        .find(|a| a.path == "redis/cache-02/redis.conf")
        .unwrap();
    assert!(
        c.contents
            .contains("requirepass \"${REDIS_SESSIONS_PASSWORD}\""),
        "{}",
        c.contents
    );
    assert!(
        c.contents
            .contains("masterauth \"${REDIS_SESSIONS_PASSWORD}\"")
    );
}

#[test]
fn the_password_is_never_in_a_public_file() {
    for a in render(3) {
        if a.contents.contains("requirepass other") {
            assert!(a.secret, "{} holds the password but is not 0600", a.path);
        }
    }
}

/// RedisMemoryHigh fires when used/max stays over 0.8 for 5 minutes, not at
/// 0.5, and not without maxmemory.
#[test]
#[ignore = "needs promtool: tests/scripts/test.sh runs it"]
fn promtool_accepts_the_redis_job_and_memory_alert() {
    let Some(promtool) = tools::require("promtool") else {
        return;
    };
    let artifacts = render(3);
    let dir = build::write(&artifacts);
    let prom = dir.path().join("prometheus");
    let yml = std::fs::read_to_string(prom.join("prometheus.yml")).unwrap();
    assert!(yml.contains("job_name: redis-sessions"), "{yml}");
    assert!(yml.contains(":9121"), "{yml}");
    let out = tools::run(
        Command::new(&promtool)
            .args(["check", "config"])
            .arg(prom.join("prometheus.yml")),
    );
    assert!(out.status.success(), "{}", tools::describe(&out));
    let rules = prom.join("rules/infragen_builtin.yml");
    let out = tools::run(Command::new(&promtool).args(["check", "rules"]).arg(&rules));
    assert!(out.status.success(), "{}", tools::describe(&out));
    let text = std::fs::read_to_string(&rules).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let rule = doc["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .find(|r| r["alert"] == "RedisMemoryHigh")
        .unwrap_or_else(|| panic!("no RedisMemoryHigh in {text}"));
    assert_eq!(rule["for"], "5m");
    let ann = |k: &str| {
        serde_yaml::to_string(
            &rule["annotations"][k]
                .as_str()
                .unwrap()
                .replace("{{ $labels.instance }}", "10.40.1.4:9121"),
        )
        .unwrap()
        .trim_end()
        .to_string()
    };
    let s = |name: &str, inst: &str| {
        format!("{name}{{job=\"redis-sessions\",instance=\"{inst}\",cluster=\"sessions\"}}")
    };
    let test = format!(
        r#"rule_files:
  - {rules}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: '{hot_used}'
        values: '90x20'
      - series: '{hot_max}'
        values: '100x20'
      - series: '{calm_used}'
        values: '50x20'
      - series: '{calm_max}'
        values: '100x20'
      - series: '{unset_used}'
        values: '90x20'
      - series: '{unset_max}'
        values: '0x20'
    alert_rule_test:
      - eval_time: 4m
        alertname: RedisMemoryHigh
        exp_alerts: []
      - eval_time: 6m
        alertname: RedisMemoryHigh
        exp_alerts:
          - exp_labels:
              severity: warning
              job: redis-sessions
              instance: 10.40.1.4:9121
              cluster: sessions
            exp_annotations:
              summary: {summary}
              description: {description}
"#,
        rules = rules.display(),
        hot_used = s("redis_memory_used_bytes", "10.40.1.4:9121"),
        hot_max = s("redis_memory_max_bytes", "10.40.1.4:9121"),
        calm_used = s("redis_memory_used_bytes", "10.40.2.4:9121"),
        calm_max = s("redis_memory_max_bytes", "10.40.2.4:9121"),
        unset_used = s("redis_memory_used_bytes", "10.40.1.5:9121"),
        unset_max = s("redis_memory_max_bytes", "10.40.1.5:9121"),
        summary = ann("summary"),
        description = ann("description"),
    );
    let t = dir.path().join("redis-test.yml");
    std::fs::write(&t, &test).unwrap();
    let out = tools::run(Command::new(&promtool).args(["test", "rules"]).arg(&t));
    assert!(out.status.success(), "{test}\n{}", tools::describe(&out));
}

fn fixture() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/redis-elasticache.kdl"),
    )
    .unwrap()
}

/// elasticache.tf of the fixture (one node, a store, its own subnets and
/// security group, an email contact point) and of web-tier: `terraform fmt
/// -check` and checkov with no failed check in elasticache.tf.
#[test]
#[ignore = "needs terraform and checkov: tests/scripts/test.sh runs it"]
fn elasticache_terraform_is_canonical_and_passes_checkov() {
    let (Some(terraform), Some(checkov)) = (tools::require("terraform"), tools::require("checkov"))
    else {
        return;
    };
    let fixture = build::render("redis-elasticache", &fixture(), &AddressLock::default());
    let web = build::render_example("web-tier");
    for (name, artifacts) in [("fixture", &fixture), ("web-tier", &web)] {
        let tf = artifacts
            .iter()
            .find(|a| a.path == "terraform/elasticache.tf")
            .unwrap_or_else(|| panic!("{name}: no elasticache.tf"));
        assert!(!tf.secret, "{name}: the .tf holds no secret");
        assert!(
            tf.contents.contains("sensitive   = true"),
            "{}",
            tf.contents
        );
        let dir = build::write(artifacts);
        let tf = dir.path().join("terraform");
        terraform::fmt_check(&terraform, &tf);
        let report = terraform::checkov(&checkov, &tf);
        let passed = report.passed;
        let ours: Vec<&String> = report
            .failures
            .iter()
            .filter(|f| f.file.ends_with("elasticache.tf"))
            .map(|f| &f.text)
            .collect();
        eprintln!(
            "checkov on {name}: {passed} passed, {} failed in elasticache.tf",
            ours.len()
        );
        assert!(ours.is_empty(), "{name}: checkov failures:\n{ours:#?}");
    }
    let tf = &fixture
        .iter()
        .find(|a| a.path == "terraform/elasticache.tf")
        .unwrap()
        .contents;
    for want in [
        "toset([\"oncall@rdsx.example\", \"sre@rdsx.example\"])",
        "CKV2_AWS_50:replicas=0",
        "snapshot_retention_limit   = 7",
        "family      = \"redis6.x\"",
        "toset([\"rdsx-sessions-001\", \"rdsx-sessions-002\", \"rdsx-sessions-003\"])",
        "security_group_ids         = [aws_security_group.redis.id]",
        "port                       = 6380",
    ] {
        assert!(tf.contains(want), "missing {want}:\n{tf}");
    }
}
