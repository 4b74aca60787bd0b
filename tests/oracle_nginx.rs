//! The generated `gateway/*/nginx.conf` checked by NGINX itself.
//!
//! - Debian's NGINX 1.22 (`nginx -t -c F -p DIR/`, as root) accepts every
//!   config of the pre-1.27.3 form (every example's gateways, each also
//!   re-rendered with `nginx-version="1.22.1"`, and the estate below), and
//!   rejects the `resolve` form, which it predates.
//! - The ≥ 1.27.3 form parses with NGINX's own parser (PyPI `crossplane
//!   parse --strict`), and every directive sits in a context NGINX allows
//!   it in (`CONTEXTS`, from nginx.org's module docs).
//! - `escape::nginx_str` against a running NGINX: a `location` written with
//!   it matches exactly the hostile path it was given (`;`, `{`, `}`, `#`,
//!   quotes, `\`, `$`, a line break), in a private network namespace.
//!
//! The only change to a generated file: pid and log paths move into the
//! test directory (`support/nginx.rs`, `relocate`).

#[path = "support/build.rs"]
mod build;
#[path = "support/netns.rs"]
mod netns;
#[path = "support/nginx.rs"]
mod nginx;
#[path = "support/tools.rs"]
mod tools;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A gateway with every kind of route: two balancers (HTTP, and HTTPS-only),
/// a group straight, a prefix `/`, and a balancer in front whose health
/// path the gateway must answer.
pub const ESTATE: &str = r#"
project "gw-oracle" {
    owner "ci@infragen.invalid"
}
vpc "main" region="eu-west-1" cidr="10.60.0.0/16" {
    subnet "a" zone="eu-west-1a" cidr="10.60.1.0/24"
    subnet "b" zone="eu-west-1b" cidr="10.60.2.0/24"
}
baseline {
    admin "ops" ssh-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRyYXZlbHRyYXZlbHRyYXZlbHRyYXZlbHRyYXZl ops@example"
    domain "prod.acme.internal"
}
fleet {
    defaults os="ubuntu-24.04" type="t3.small" {
        subnets "main/a" "main/b"
    }
    group "gw" count=2 {
        security-groups "gateway"
    }
    group "booking" count=2 {
        security-groups "app"
    }
    group "web" count=2 {
        security-groups "app"
    }
}
security-group "lb" vpc="main" {
    ingress "tcp" 80 from="vpc:main" description="HTTP inside the VPC"
    ingress "tcp" 443 from="vpc:main" description="HTTPS inside the VPC"
}
security-group "gateway" vpc="main" {
    ingress "tcp" 8080 from="sg:lb" description="From the front balancer"
}
security-group "app" vpc="main" {
    ingress "tcp" 8080 from="vpc:main" description="From the balancers and the gateway"
}
load-balancer "front" type="application" scheme="internal" {
    subnets "main/a" "main/b"
    security-groups "lb"
    listener 80 protocol="HTTP" target="gw" target-port=8080 health-path="/ping"
}
load-balancer "booking" type="application" scheme="internal" {
    subnets "main/a" "main/b"
    security-groups "lb"
    listener 80 protocol="HTTP" target="booking" target-port=8080 health-path="/health"
}
load-balancer "secure" type="application" scheme="internal" {
    subnets "main/a" "main/b"
    security-groups "lb"
    listener 443 protocol="HTTPS" target="booking" target-port=8080 health-path="/health" certificate-arn="arn:aws:acm:eu-west-1:123456789012:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
}
gateway "edge" group="gw" nginx-version="1.22.1" port=8080 {
    route "/booking/" to="lb:booking"
    route "/secure/" to="lb:secure"
    route "/static/" to="group:web" port=8080
    route "/" to="group:web" port=8080
}
"#;

fn configs() -> Vec<(String, String)> {
    let all = nginx::all_configs(&[("gw-oracle", ESTATE)]);
    assert!(
        all.iter().any(|(_, c)| nginx::is_resolve_form(c))
            && all.iter().any(|(_, c)| !nginx::is_resolve_form(c)),
        "both forms must be covered: {:?}",
        all.iter().map(|(l, _)| l).collect::<Vec<_>>()
    );
    all
}

fn nginx_t(nginx: &Path, conf: &str, dir: &Path) -> std::process::Output {
    let path = dir.join("nginx.conf");
    std::fs::write(&path, nginx::relocate(conf, dir)).unwrap();
    let mut prefix = dir.display().to_string();
    prefix.push('/');
    tools::run(
        Command::new(nginx)
            .arg("-t")
            .arg("-q")
            .arg("-c")
            .arg(&path)
            .arg("-p")
            .arg(prefix),
    )
}

#[test]
#[ignore = "needs nginx (as root): tests/scripts/test.sh runs it"]
fn nginx_accepts_every_generated_config_before_1_27_3() {
    let Some(nginx) = tools::require("nginx") else {
        return;
    };
    let mut checked = 0;
    for (label, conf) in configs() {
        if nginx::is_resolve_form(&conf) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let out = nginx_t(&nginx, &conf, dir.path());
        assert!(
            out.status.success(),
            "{label}\n{}\n{conf}",
            tools::describe(&out)
        );
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} pre-1.27.3 configs");
}

/// The oracle is live, and the version switch matters: 1.22 rejects the
/// `resolve` form, and a typo fails.
#[test]
#[ignore = "needs nginx (as root): tests/scripts/test.sh runs it"]
fn nginx_rejects_the_resolve_form_and_a_typo() {
    let Some(nginx) = tools::require("nginx") else {
        return;
    };
    let all = configs();
    let (label, resolve) = all.iter().find(|(_, c)| nginx::is_resolve_form(c)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = nginx_t(&nginx, resolve, dir.path());
    assert!(!out.status.success(), "{label}: {}", tools::describe(&out));
    assert!(
        tools::combined(&out).contains("invalid parameter \"resolve\""),
        "{}",
        tools::describe(&out)
    );
    let (_, old) = all
        .iter()
        .find(|(_, c)| !nginx::is_resolve_form(c))
        .unwrap();
    let out = nginx_t(
        &nginx,
        &old.replacen("resolver_timeout", "resolver_timout", 1),
        dir.path(),
    );
    assert!(!out.status.success(), "{}", tools::describe(&out));
}

/// Where NGINX allows each directive the emitter writes (nginx.org module
/// docs, "Context:"); `server` is both `http`'s virtual server and an
/// `upstream` member.
const CONTEXTS: &[(&str, &[&str])] = &[
    ("user", &["main"]),
    ("worker_processes", &["main"]),
    ("pid", &["main"]),
    ("error_log", &["main", "http", "server", "location"]),
    ("events", &["main"]),
    ("worker_connections", &["events"]),
    ("http", &["main"]),
    ("resolver", &["http", "server", "location", "upstream"]),
    (
        "resolver_timeout",
        &["http", "server", "location", "upstream"],
    ),
    ("log_format", &["http"]),
    ("access_log", &["http", "server", "location"]),
    ("server_tokens", &["http", "server", "location"]),
    ("default_type", &["http", "server", "location"]),
    ("keepalive_timeout", &["http", "server", "location"]),
    ("proxy_connect_timeout", &["http", "server", "location"]),
    ("proxy_http_version", &["http", "server", "location"]),
    ("proxy_set_header", &["http", "server", "location"]),
    ("upstream", &["http"]),
    ("zone", &["upstream"]),
    ("keepalive", &["upstream"]),
    ("server", &["http", "upstream"]),
    ("listen", &["server"]),
    ("server_name", &["server"]),
    ("location", &["server", "location"]),
    ("return", &["server", "location"]),
    ("set", &["server", "location"]),
    ("proxy_pass", &["location"]),
    ("proxy_ssl_server_name", &["http", "server", "location"]),
    ("proxy_ssl_name", &["http", "server", "location"]),
];

/// Every directive of a crossplane tree, with the context it sits in.
fn walk<'a>(block: &'a [Value], context: &'a str, out: &mut Vec<(String, &'a str, &'a Value)>) {
    for d in block {
        let name = d["directive"].as_str().unwrap_or("?");
        out.push((name.to_string(), context, d));
        if let Some(inner) = d["block"].as_array() {
            let ctx = match (name, context) {
                ("server", "upstream") => "upstream-server",
                ("events" | "http" | "upstream" | "server" | "location", _) => name,
                _ => "unknown-block",
            };
            walk(inner, ctx, out);
        }
    }
}

/// Context problems of one parsed config (empty: all fine).
fn context_problems(parsed: &Value) -> Vec<String> {
    let block = parsed["config"][0]["parsed"].as_array().unwrap();
    let mut all = Vec::new();
    walk(block, "main", &mut all);
    let mut problems = Vec::new();
    for (name, ctx, d) in &all {
        match CONTEXTS.iter().find(|(n, _)| n == name) {
            Some((_, allowed)) if allowed.contains(ctx) => {}
            Some(_) => problems.push(format!("`{name}` in `{ctx}` (line {})", d["line"])),
            None => problems.push(format!("`{name}` is not in CONTEXTS")),
        }
    }
    // Each upstream naming a host re-resolves it: `resolve` and a zone.
    for (name, _, d) in all
        .iter()
        .filter(|(n, c, _)| n == "upstream" && *c == "http")
    {
        let inner = d["block"].as_array().cloned().unwrap_or_default();
        let has_zone = inner.iter().any(|x| x["directive"] == "zone");
        for s in inner.iter().filter(|x| x["directive"] == "server") {
            let args: Vec<&str> = s["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let host = args[0].rsplit_once(':').map_or(args[0], |(h, _)| h);
            let named = host.parse::<std::net::IpAddr>().is_err();
            if named && !(args.contains(&"resolve") && has_zone) {
                problems.push(format!(
                    "{name} {}: server {host} without `resolve` in a zoned upstream",
                    d["args"]
                ));
            }
        }
    }
    problems
}

/// `crossplane parse --strict` of `conf`, whatever its status.
fn crossplane_raw(tool: &Path, conf: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let out = tools::run(Command::new(tool).args(["parse", "--strict"]).arg(&path));
    assert!(out.status.success(), "{}", tools::describe(&out));
    serde_json::from_slice(&out.stdout).expect("crossplane JSON")
}

/// `crossplane parse --strict` of `conf`, which must succeed.
fn crossplane(tool: &Path, conf: &str) -> Value {
    let v = crossplane_raw(tool, conf);
    assert_eq!(v["status"], "ok", "{conf}\n{v:#}");
    v
}

#[test]
#[ignore = "needs crossplane: tests/scripts/test.sh runs it"]
fn crossplane_parses_the_resolve_form_with_every_directive_in_its_context() {
    let Some(tool) = tools::require("crossplane") else {
        return;
    };
    let mut checked = 0;
    for (label, conf) in configs() {
        if !nginx::is_resolve_form(&conf) {
            continue;
        }
        let parsed = crossplane(&tool, &conf);
        let problems = context_problems(&parsed);
        assert!(problems.is_empty(), "{label}: {problems:#?}\n{conf}");
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} resolve-form configs");
}

/// Both context checks are live: crossplane's own analyser refuses `zone`
/// moved out of its `upstream`; ours (on the parsed tree, where crossplane
/// would stop first) flags a directive in the wrong block and a named
/// upstream server without `resolve`.
#[test]
#[ignore = "needs crossplane: tests/scripts/test.sh runs it"]
fn the_context_checks_catch_misplaced_directives() {
    let Some(tool) = tools::require("crossplane") else {
        return;
    };
    let all = configs();
    let (_, conf) = all.iter().find(|(_, c)| nginx::is_resolve_form(c)).unwrap();
    let zone = conf
        .lines()
        .find(|l| l.trim_start().starts_with("zone "))
        .unwrap();
    let moved = conf.replacen(&format!("{zone}\n"), "", 1).replacen(
        "server_name _;",
        &format!("server_name _;\n{zone}"),
        1,
    );
    let out = crossplane_raw(&tool, &moved);
    assert_eq!(out["status"], "failed", "{out:#}");
    assert!(
        out.to_string()
            .contains("\\\"zone\\\" directive is not allowed here"),
        "{out:#}"
    );

    // The same move on the parsed tree, for our own check.
    let mut parsed = crossplane(&tool, conf);
    let http = parsed["config"][0]["parsed"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|d| d["directive"] == "http")
        .unwrap();
    let block = http["block"].as_array_mut().unwrap();
    let up = block
        .iter()
        .position(|d| d["directive"] == "upstream")
        .unwrap();
    let inner = block[up]["block"].as_array_mut().unwrap();
    let z = inner.iter().position(|d| d["directive"] == "zone").unwrap();
    let zone_node = inner.remove(z);
    let server = block
        .iter_mut()
        .find(|d| d["directive"] == "server")
        .unwrap();
    server["block"].as_array_mut().unwrap().push(zone_node);
    let problems = context_problems(&parsed);
    assert!(
        problems.iter().any(|p| p.starts_with("`zone` in `server`")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("without `resolve`")),
        "{problems:#?}"
    );

    let line = conf
        .lines()
        .find(|l| l.trim_start().starts_with("server ") && l.ends_with(" resolve;"))
        .unwrap();
    let unresolved = conf.replacen(line, &line.replace(" resolve;", ";"), 1);
    let problems = context_problems(&crossplane(&tool, &unresolved));
    assert!(
        problems.iter().any(|p| p.contains("without `resolve`")),
        "{problems:#?}"
    );
}

/// Paths no spec should hold, each of which would break out of an unquoted
/// or naively quoted `location` argument.
const HOSTILE: &[&str] = &[
    "/a;b",
    "/a{b}c",
    "/a\"b",
    "/a'b",
    "/a\\b",
    "/$host/x",
    "/a#b",
    "/a\nb",
    "/a; } server { listen 9; location /x {",
];

/// `%XX` for every byte outside `[A-Za-z0-9/._-]`.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"/._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `escape::nginx_str` against a running NGINX: `location = <escaped>`
/// answers its own path (sent percent-encoded, which NGINX decodes before
/// matching) and nothing else.
#[test]
#[ignore = "needs nginx, curl and namespaces (root): tests/scripts/test.sh runs it"]
fn nginx_matches_escaped_paths_literally() {
    let Some(nginx) = tools::require("nginx") else {
        return;
    };
    if tools::require("curl").is_none() || !netns::require() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let mut conf = format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n    access_log off;\n    server {{\n        listen 127.0.0.1:8080;\n"
    );
    for (i, p) in HOSTILE.iter().enumerate() {
        let loc = infragen::emit::escape::nginx_str(p);
        conf.push_str(&format!(
            "        location = {loc} {{ return 200 \"hit {i}\"; }}\n"
        ));
    }
    conf.push_str("        location / { return 404 \"miss\"; }\n    }\n}\n");
    std::fs::write(dir.path().join("nginx.conf"), &conf).unwrap();
    let t = tools::run(
        Command::new(&nginx)
            .args(["-t", "-q", "-c"])
            .arg(dir.path().join("nginx.conf"))
            .arg("-p")
            .arg(format!("{d}/")),
    );
    assert!(t.status.success(), "{}\n{conf}", tools::describe(&t));
    let mut script = format!(
        "ip link set lo up\n{} -c {d}/nginx.conf -p {d}/ -g 'daemon off;' &\nfor i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.1; done\n",
        nginx.display()
    );
    for p in HOSTILE {
        script.push_str(&format!(
            "printf '%s\\n' \"$(curl -s --path-as-is 'http://127.0.0.1:8080{}')\"\n",
            percent(p)
        ));
    }
    // A near miss: the prefix of the first path.
    script.push_str("printf '%s\\n' \"$(curl -s 'http://127.0.0.1:8080/a')\"\n");
    let out = netns::run(&script, &[], 30);
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let mut want: Vec<String> = (0..HOSTILE.len()).map(|i| format!("hit {i}")).collect();
    want.push("miss".into());
    assert_eq!(got, want, "{}\n{conf}", tools::describe(&out));
}

#[test]
fn relocation_moves_only_pid_and_logs() {
    let conf = "pid /run/nginx.pid;\nerror_log /var/log/nginx/error.log warn;\n    access_log /var/log/nginx/access.log gateway;\n    resolver 169.254.169.253 valid=10s;\n";
    assert_eq!(
        nginx::relocate(conf, Path::new("/t")),
        "pid /t/nginx.pid;\nerror_log /t/error.log warn;\n    access_log /t/access.log gateway;\n    resolver 169.254.169.253 valid=10s;\n"
    );
    assert_eq!(
        nginx::with_version(
            "a nginx-version=\"1.22.1\" b nginx-version=\"1.2\"",
            "1.27.3"
        ),
        "a nginx-version=\"1.27.3\" b nginx-version=\"1.27.3\""
    );
}
