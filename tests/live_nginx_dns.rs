//! Live proof of the gateway's incident fix (issue 17): NGINX started from
//! the generated `gateway/edge/nginx.conf` follows an internal balancer
//! whose address changes, while a naive config (a fixed `upstream` with
//! `server NAME:PORT;`, resolved once at start, as the incident had) keeps
//! failing. Gated by `INFRAGEN_LIVE=1` (tests/scripts/test.sh sets it); see
//! docs/live-tests.md.
//!
//! Everything runs in one private network namespace:
//! - dnsmasq (Debian `dnsmasq-base`) on 169.254.169.253:53, the address the
//!   generated `resolver` names (the AWS VPC resolver), so the generated
//!   config is used as is: only its pid and log paths move into the test
//!   directory (`support/nginx.rs`, `relocate`). It answers
//!   `booking.prod.acme.internal` from an addn-hosts file: first A, then
//!   (file rewritten, SIGHUP) B;
//! - two backend NGINX instances on A (10.77.9.1) and B (10.77.9.2), port
//!   8081 (the balancer's listener), answering `A <uri>` / `B <uri>`;
//! - the gateway NGINX (generated config, port 8080), and the naive NGINX
//!   (port 8090) whose system resolver is the same dnsmasq (its own mount
//!   namespace binds a resolv.conf naming it).
//!
//! At the switch the record moves to B, backend A is killed and A's address
//! removed (the balancer node is gone: connects fail at once). Then both
//! gateways are polled; the test measures when the generated one reaches B
//! for good, asserts that is within `valid=` (read from the generated
//! `resolver` line) plus one request, and that the naive one failed every
//! request of the window.

#[path = "support/build.rs"]
mod build;
#[path = "support/live.rs"]
mod live;
#[path = "support/nginx.rs"]
mod nginx;
#[path = "support/tools.rs"]
mod tools;

use live::{Deadline, Live};
use std::path::Path;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(120);
const RESOLVER: &str = "169.254.169.253";
const A: &str = "10.77.9.1";
const B: &str = "10.77.9.2";
const NAME: &str = "booking.prod.acme.internal";
const BACKEND_PORT: u16 = 8081;
const GATEWAY_PORT: u16 = 8080;
const NAIVE_PORT: u16 = 8090;
/// The request the test sends: the path and query must arrive unchanged.
const PROBE: &str = "/booking/probe?q=1";
/// Time between two probes of each gateway.
const EVERY: Duration = Duration::from_millis(100);
/// How long the window lasts past `valid=`.
const MARGIN: Duration = Duration::from_secs(5);

const SPEC: &str = r#"// Live NGINX DNS test estate: only inside a private namespace.
project "live-nginx" {
    owner "ci@infragen.invalid"
}
vpc "main" region="eu-west-1" cidr="10.77.0.0/16" {
    subnet "a" zone="eu-west-1a" cidr="10.77.1.0/24"
    subnet "b" zone="eu-west-1b" cidr="10.77.2.0/24"
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
}
security-group "lb" vpc="main" {
    ingress "tcp" 8081 from="sg:gateway" description="The gateway's upstream traffic"
}
security-group "gateway" vpc="main" {
    ingress "tcp" 8080 from="vpc:main" description="Requests inside the VPC"
}
security-group "app" vpc="main" {
    ingress "tcp" 8080 from="sg:lb" description="From the internal balancer"
}
load-balancer "booking" type="application" scheme="internal" {
    subnets "main/a" "main/b"
    security-groups "lb"
    listener 8081 protocol="HTTP" target="booking" target-port=8080 health-path="/health"
}
gateway "edge" group="gw" nginx-version="1.22.1" port=8080 {
    route "/booking/" to="lb:booking"
}
"#;

/// The generated config and the `valid=` of its resolver.
fn generated() -> (String, Duration) {
    let arts = build::render("live-nginx", SPEC, &Default::default());
    let conf = arts
        .iter()
        .find(|a| a.path == "gateway/edge/nginx.conf")
        .expect("gateway/edge/nginx.conf generated")
        .contents
        .clone();
    let line = conf
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("resolver "))
        .expect("a resolver line");
    assert!(line.starts_with(&format!("resolver {RESOLVER} ")), "{line}");
    let valid: u64 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("valid="))
        .and_then(|v| v.trim_end_matches(';').strip_suffix('s'))
        .and_then(|v| v.parse().ok())
        .expect("valid=Ns");
    assert!(
        conf.contains(&format!(
            "proxy_pass http://$lb_booking_{BACKEND_PORT}:{BACKEND_PORT};"
        )),
        "{conf}"
    );
    (conf, Duration::from_secs(valid))
}

/// The incident's config: the name in a plain upstream, resolved once.
fn naive(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n    access_log {d}/access.log;\n    upstream booking {{\n        server {NAME}:{BACKEND_PORT};\n    }}\n    server {{\n        listen {NAIVE_PORT};\n        location /booking/ {{\n            proxy_pass http://booking;\n        }}\n    }}\n}}\n"
    )
}

fn backend(dir: &Path, addr: &str, tag: &str) -> String {
    let d = dir.display();
    format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n    access_log off;\n    server {{\n        listen {addr}:{BACKEND_PORT};\n        location / {{\n            return 200 \"{tag} $request_uri\";\n        }}\n    }}\n}}\n"
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// One GET inside the namespace: Some(body) on a 200, None otherwise.
fn get(live: &Live, ns: &str, port: u16, path: &str) -> Option<String> {
    let url = format!("http://127.0.0.1:{port}{path}");
    let out = live.run_in(
        ns,
        None,
        5,
        &["curl", "-s", "-m", "2", "-w", "\n%{http_code}", &url],
        &[],
    );
    let text = live::stdout(&out);
    let (body, code) = text.rsplit_once('\n')?;
    (code == "200").then(|| body.to_string())
}

#[test]
fn the_live_config_is_the_generated_one() {
    let (conf, valid) = generated();
    assert_eq!(valid, Duration::from_secs(10));
    let adapted = nginx::relocate(&conf, Path::new("/t"));
    let changed: Vec<(&str, &str)> = conf
        .lines()
        .zip(adapted.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 3, "{changed:#?}");
    for (before, _) in changed {
        assert!(
            before.contains("/run/nginx.pid") || before.contains("/var/log/nginx/"),
            "{before}"
        );
    }
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn gateway_follows_a_changed_balancer_address_and_the_naive_config_does_not() {
    if !live::enabled("live_nginx_dns") {
        return;
    }
    let (Some(nginx_bin), Some(dnsmasq), Some(_curl)) = (
        tools::require("nginx"),
        tools::require("dnsmasq"),
        tools::require("curl"),
    ) else {
        return;
    };
    let nginx_bin = nginx_bin.display().to_string();
    let (conf, valid) = generated();
    let deadline = Deadline::new(DEADLINE);
    let mut live = Live::new("ngxdns");
    let ns = live.netns("n");
    for a in [RESOLVER, A, B] {
        live.ip(&ns, &["addr", "add", &format!("{a}/32"), "dev", "lo"]);
    }

    // DNS: the balancer's private name → A.
    let hosts = live.path("dns/hosts");
    write(&hosts, &format!("{A} {NAME}\n"));
    live::set_mode(&live.path("dns"), 0o755);
    let dns_pid = live.spawn(
        "dnsmasq",
        &ns,
        None,
        &[
            dnsmasq.display().to_string(),
            "--keep-in-foreground".into(),
            "--no-resolv".into(),
            "--no-hosts".into(),
            format!("--addn-hosts={}", hosts.display()),
            format!("--listen-address={RESOLVER}"),
            "--bind-interfaces".into(),
            "--port=53".into(),
            "--pid-file".into(),
            "--log-queries".into(),
            "--log-facility=-".into(),
        ],
        &[],
    );

    // Backends A and B.
    for (tag, addr) in [("A", A), ("B", B)] {
        let dir = live.path(&format!("backend-{tag}"));
        let path = dir.join("nginx.conf");
        write(&path, &backend(&dir, addr, tag));
        live.spawn(
            &format!("backend-{tag}"),
            &ns,
            None,
            &[
                nginx_bin.as_str(),
                "-c",
                &path.display().to_string(),
                "-p",
                &format!("{}/", dir.display()),
                "-g",
                "daemon off;",
            ],
            &[],
        );
    }

    // The gateway, from the generated file.
    let gw_dir = live.path("gateway");
    let gw_conf = gw_dir.join("nginx.conf");
    write(&gw_conf, &nginx::relocate(&conf, &gw_dir));
    live.add_log("gateway error.log", gw_dir.join("error.log"));
    live.add_log("gateway access.log", gw_dir.join("access.log"));
    live.spawn(
        "gateway",
        &ns,
        None,
        &[
            nginx_bin.as_str(),
            "-c",
            &gw_conf.display().to_string(),
            "-p",
            &format!("{}/", gw_dir.display()),
            "-g",
            "daemon off;",
        ],
        &[],
    );

    // The naive gateway: resolves NAME once, at start, through the system
    // resolver (a resolv.conf naming dnsmasq, bound in its own mount
    // namespace: `ip netns exec` gives each command one).
    let naive_dir = live.path("naive");
    let naive_conf = naive_dir.join("nginx.conf");
    write(&naive_conf, &naive(&naive_dir));
    let resolv = naive_dir.join("resolv.conf");
    write(&resolv, &format!("nameserver {RESOLVER}\n"));
    live.add_log("naive error.log", naive_dir.join("error.log"));
    live.spawn(
        "naive",
        &ns,
        None,
        &[
            "sh".to_string(),
            "-c".into(),
            format!(
                "mount --bind {} /etc/resolv.conf && exec {nginx_bin} -c {} -p {}/ -g 'daemon off;'",
                resolv.display(),
                naive_conf.display(),
                naive_dir.display()
            ),
        ],
        &[],
    );

    // Both gateways reach A, with the path and query unchanged.
    let want_a = format!("A {PROBE}");
    let want_b = format!("B {PROBE}");
    deadline.wait_for("the gateway to reach backend A", EVERY, || {
        (get(&live, &ns, GATEWAY_PORT, PROBE).as_deref() == Some(want_a.as_str())).then_some(())
    });
    deadline.wait_for("the naive gateway to reach backend A", EVERY, || {
        (get(&live, &ns, NAIVE_PORT, PROBE).as_deref() == Some(want_a.as_str())).then_some(())
    });
    assert_eq!(
        get(&live, &ns, GATEWAY_PORT, "/healthz").as_deref(),
        Some("ok\n")
    );
    assert_eq!(get(&live, &ns, GATEWAY_PORT, "/elsewhere"), None);
    // Warm every worker's cache with A.
    for _ in 0..8 {
        assert_eq!(
            get(&live, &ns, GATEWAY_PORT, PROBE).as_deref(),
            Some(want_a.as_str())
        );
    }

    // The balancer moves: the record changes to B, A is gone.
    write(&hosts, &format!("{B} {NAME}\n"));
    // SAFETY: a signal to the dnsmasq this test started.
    assert_eq!(unsafe { libc::kill(dns_pid, libc::SIGHUP) }, 0);
    live.kill("backend-A");
    live.ip(&ns, &["addr", "del", &format!("{A}/32"), "dev", "lo"]);
    let t0 = Instant::now();

    let window = valid + MARGIN;
    // (seconds since the switch, reached B)
    let mut gateway: Vec<(f64, bool)> = Vec::new();
    let mut naive_ok = 0usize;
    let mut naive_total = 0usize;
    while t0.elapsed() < window {
        deadline.check("polling both gateways after the switch");
        let at = t0.elapsed().as_secs_f64();
        let body = get(&live, &ns, GATEWAY_PORT, PROBE);
        if let Some(b) = &body {
            assert!(b == &want_b || b == &want_a, "unexpected answer {b:?}");
        }
        gateway.push((at, body.as_deref() == Some(want_b.as_str())));
        naive_total += 1;
        if get(&live, &ns, NAIVE_PORT, PROBE).is_some() {
            naive_ok += 1;
        }
        std::thread::sleep(EVERY);
    }
    let first_b = gateway.iter().find(|(_, b)| *b).map(|(t, _)| *t);
    // Recovered for good: the first probe after which every probe reached B.
    let last_fail = gateway.iter().rposition(|(_, b)| !*b);
    let recovered = match last_fail {
        None => Some(0.0),
        Some(i) if i + 1 < gateway.len() => Some(gateway[i + 1].0),
        Some(_) => None,
    };
    let failed = gateway.iter().filter(|(_, b)| !*b).count();
    println!(
        "live_nginx_dns: valid={}s; generated config: first request to B at {}, every request to B from {} ({failed} of {} requests failed before); naive config: {naive_ok} of {naive_total} requests succeeded over {:.1}s",
        valid.as_secs(),
        first_b.map_or("never".into(), |t| format!("{t:.2}s")),
        recovered.map_or("never".into(), |t| format!("{t:.2}s")),
        gateway.len(),
        window.as_secs_f64(),
    );
    let bound = valid.as_secs_f64() + 1.0;
    let recovered = recovered.unwrap_or_else(|| {
        live.print_logs();
        panic!("the generated gateway never reached B for good within {window:?}")
    });
    assert!(
        recovered <= bound,
        "recovery took {recovered:.2}s, more than valid= ({}s) + one request",
        valid.as_secs()
    );
    assert_eq!(
        naive_ok, 0,
        "the naive config should keep failing after the switch"
    );
    assert!(naive_total >= 50, "too few naive probes: {naive_total}");
}
