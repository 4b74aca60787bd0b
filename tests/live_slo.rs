//! Live proof for issue 16: the SLO rules, `prometheus.yml` and
//! `alertmanager.yml` infragen writes run in real Prometheus and
//! Alertmanager (Debian `prometheus`, `prometheus-alertmanager`), and a
//! broken SLO reaches the right receiver, grouped and labelled as designed.
//! Gated by `INFRAGEN_LIVE=1` (tests/scripts/test.sh sets it); see
//! docs/live-tests.md.
//!
//! Everything runs in a private network namespace on loopback addresses
//! (127.66.0.x): the app host's "Node Exporter" port is a tiny exporter in
//! this test serving the SLO counters, and the Slack receivers' webhook URLs
//! (secrets: the test fills the 0600 files, as the deploy would) point at a
//! tiny HTTP server in this test. The generated files are used unchanged
//! except for one pure, unit-tested adaptation: `api_url_file` paths move from
//! `/etc/prometheus/alertmanager-secrets` into the test directory. The short
//! intervals (2s scrape and evaluation) are in the spec itself; Alertmanager
//! keeps its generated `group_wait` of 30s.
//!
//! Two SLOs: `api` (99.9 %) at a 50 % error ratio breaks every burn-rate
//! threshold, so both pages fire (one notification, `[FIRING:2]`, grouped by
//! alert and SLO) and its tickets are inhibited; `batch` (90 %) at 20 % only
//! crosses the 1× ticket threshold (its pages would need 60 % and 144 %) and
//! reaches the ticket receiver alone.

#[path = "support/build.rs"]
mod build;
#[path = "support/live.rs"]
mod live;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::Secrets;
use live::{Deadline, Live};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(150);
const MON: &str = "127.66.0.10";
const APP: &str = "127.66.0.11";
const HOOKS: &str = "127.66.0.20";

const SPEC: &str = r#"// Live SLO test estate: loopback only (non-private-cidr warns: expected).
project "live-slo" {
    owner "ci@infragen.invalid"
}
vpc "lo" region="us-east-1" cidr="127.66.0.0/16" {
    subnet "lo" zone="us-east-1a" cidr="127.66.0.0/24"
}
fleet {
    defaults os="ubuntu-24.04" type="t3.small" {
        subnets "lo/lo"
    }
    host "mon" address="127.66.0.10" {
        security-groups "monitoring"
    }
    host "app" address="127.66.0.11" {
        security-groups "app"
    }
}
security-group "monitoring" vpc="lo" {
    ingress "tcp" 9090 from="vpc:lo" description="Prometheus UI"
}
security-group "app" vpc="lo" {
    ingress "tcp" 9100 from="sg:monitoring" description="Prometheus scrapes the app"
}
monitoring {
    prometheus host="mon" scrape-interval="2s" evaluation-interval="2s"
    grafana host="mon" {
        contact-point "default-hook" type="slack" url-env="DEFAULT_HOOK_URL"
        contact-point "page-hook" type="slack" url-env="PAGE_HOOK_URL"
        contact-point "ticket-hook" type="slack" url-env="TICKET_HOOK_URL"
        default-contact-point "default-hook"
    }
    alertmanager host="mon" port=9093
    slo "api" objective=99.9 errors="sum(rate(api_errors_total[{{window}}]))" total="sum(rate(api_requests_total[{{window}}]))" page="page-hook" ticket="ticket-hook"
    slo "batch" objective=90 errors="sum(rate(batch_errors_total[{{window}}]))" total="sum(rate(batch_requests_total[{{window}}]))" page="page-hook" ticket="ticket-hook"
}
"#;

// ---------------------------------------------------------------------------
// The one adaptation (pure, tested below without the flag).

/// alertmanager.yml: every `api_url_file` under the deploy's secrets
/// directory moves to `secrets_dir`. Nothing else changes.
fn adapt_alertmanager(generated: &str, secrets_dir: &Path) -> String {
    let mut doc: Value = serde_yaml::from_str(generated).expect("alertmanager.yml parses");
    let prefix = format!("{}/", infragen::emit::alertmanager::SECRETS_DIR);
    for r in doc["receivers"].as_sequence_mut().expect("receivers") {
        let Some(slack) = r.get_mut("slack_configs").and_then(|s| s.as_sequence_mut()) else {
            continue;
        };
        for s in slack {
            let file = s["api_url_file"]
                .as_str()
                .expect("api_url_file")
                .to_string();
            let name = file.strip_prefix(&prefix).expect("under the secrets dir");
            s["api_url_file"] = Value::from(secrets_dir.join(name).to_string_lossy().into_owned());
        }
    }
    serde_yaml::to_string(&doc).expect("serialize")
}

fn render(urls: &BTreeMap<String, String>) -> Vec<infragen::emit::Artifact> {
    build::render_with(
        "live-slo",
        SPEC,
        &Default::default(),
        &Secrets::Values(urls.clone()),
    )
}

fn artifact<'a>(arts: &'a [infragen::emit::Artifact], path: &str) -> &'a str {
    &arts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no {path} generated"))
        .contents
}

fn hook_urls(port: u16) -> BTreeMap<String, String> {
    ["DEFAULT", "PAGE", "TICKET"]
        .iter()
        .map(|k| {
            (
                format!("{k}_HOOK_URL"),
                format!("http://{HOOKS}:{port}/{}", k.to_lowercase()),
            )
        })
        .collect()
}

#[test]
fn adaptation_touches_only_the_secret_paths() {
    let arts = render(&hook_urls(1));
    let generated = artifact(&arts, "alertmanager/alertmanager.yml");
    let adapted = adapt_alertmanager(generated, Path::new("/tmp/x"));
    let mut a: Value = serde_yaml::from_str(&adapted).unwrap();
    let mut g: Value = serde_yaml::from_str(generated).unwrap();
    for doc in [&mut a, &mut g] {
        for r in doc["receivers"].as_sequence_mut().unwrap() {
            for s in r["slack_configs"].as_sequence_mut().unwrap() {
                let f = s["api_url_file"].as_str().unwrap();
                let name = Path::new(f).file_name().unwrap().to_string_lossy();
                assert!(f == format!("/tmp/x/{name}") || f.starts_with("/etc/prometheus/"));
                s["api_url_file"] = Value::from(name.into_owned());
            }
        }
    }
    assert_eq!(a, g, "only api_url_file may change");
    // The secrets carry the test's URLs and never reach alertmanager.yml.
    assert_eq!(
        artifact(&arts, "alertmanager/secrets/page-hook.url"),
        format!("http://{HOOKS}:1/page")
    );
    assert!(!generated.contains(HOOKS));
}

// ---------------------------------------------------------------------------
// The test's own servers, inside the namespace.

/// Moves the calling thread into network namespace `ns`.
fn enter_netns(ns: &str) {
    let f = std::fs::File::open(format!("/var/run/netns/{ns}")).expect("open netns");
    use std::os::fd::AsRawFd;
    // SAFETY: setns on a valid fd; affects only this thread.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns {ns}");
}

/// Reads one HTTP request: (path, body).
fn read_request(stream: &std::net::TcpStream) -> Option<(String, String)> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len.min(1 << 20)];
    r.read_exact(&mut body).ok()?;
    Some((path, String::from_utf8_lossy(&body).into_owned()))
}

/// Serves `listener` forever on a thread: each request is answered by
/// `respond(path, body)`.
fn serve(ns: String, addr: String, respond: impl Fn(&str, &str) -> String + Send + 'static) -> u16 {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        enter_netns(&ns);
        let listener = TcpListener::bind(&addr).expect("bind in the namespace");
        tx.send(listener.local_addr().unwrap().port()).unwrap();
        for mut s in listener.incoming().flatten() {
            if let Some((path, body)) = read_request(&s) {
                let reply = respond(&path, &body);
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                    reply.len()
                );
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(5))
        .expect("server started")
}

/// The SLO counters at `t` seconds: api 100 requests/s, half failing;
/// batch 100 requests/s, a fifth failing.
fn metrics(t: f64) -> String {
    format!(
        "# TYPE api_requests_total counter\napi_requests_total {}\n\
         # TYPE api_errors_total counter\napi_errors_total {}\n\
         # TYPE batch_requests_total counter\nbatch_requests_total {}\n\
         # TYPE batch_errors_total counter\nbatch_errors_total {}\n",
        100.0 * t,
        50.0 * t,
        100.0 * t,
        20.0 * t
    )
}

/// The Slack attachments' (title, text) of one notification.
fn slack_message(body: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(body).expect("Slack JSON");
    let a = &v["attachments"][0];
    (
        a["title"].as_str().unwrap_or_default().to_string(),
        a["text"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn broken_slo_pages_the_right_receiver() {
    if !live::enabled("live_slo") {
        return;
    }
    for t in ["prometheus", "prometheus-alertmanager", "ip", "curl"] {
        if tools::require(t).is_none() {
            return;
        }
    }
    let deadline = Deadline::new(DEADLINE);
    let mut live = Live::new("slo");
    let ns = live.netns("mon");

    // The receiver first: its port goes into the webhook URLs (secrets).
    let received: Arc<Mutex<Vec<(String, String, Instant)>>> = Arc::default();
    let sink = received.clone();
    let hook_port = serve(ns.clone(), format!("{HOOKS}:0"), move |path, body| {
        sink.lock()
            .unwrap()
            .push((path.to_string(), body.to_string(), Instant::now()));
        String::new()
    });
    let start = Instant::now();
    serve(ns.clone(), format!("{APP}:9100"), move |_, _| {
        metrics(start.elapsed().as_secs_f64())
    });

    let arts = render(&hook_urls(hook_port));
    let dir = live.path("generated");
    for a in &arts {
        let p = dir.join(&a.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &a.contents).unwrap();
        live::set_mode(&p, a.mode());
    }
    let am_config = live.path("alertmanager.yml");
    std::fs::write(
        &am_config,
        adapt_alertmanager(
            artifact(&arts, "alertmanager/alertmanager.yml"),
            &dir.join("alertmanager/secrets"),
        ),
    )
    .unwrap();

    let prom_yml = dir.join("prometheus/prometheus.yml");
    let prom_data = live.path("prometheus-data");
    live.spawn(
        "prometheus",
        &ns,
        None,
        &[
            "prometheus".to_string(),
            format!("--config.file={}", prom_yml.display()),
            format!("--storage.tsdb.path={}", prom_data.display()),
            format!("--web.listen-address={MON}:9090"),
        ],
        &[],
    );
    let am_data = live.path("alertmanager-data");
    live.spawn(
        "alertmanager",
        &ns,
        None,
        &[
            "prometheus-alertmanager".to_string(),
            format!("--config.file={}", am_config.display()),
            format!("--storage.path={}", am_data.display()),
            format!("--web.listen-address={MON}:9093"),
            // No gossip: it would listen on 0.0.0.0:9094.
            "--cluster.listen-address=".to_string(),
        ],
        &[],
    );

    // Prometheus sees every burn-rate alert of `api` and the 1× ticket of
    // `batch` (it knows nothing of inhibition).
    let curl = |url: &str| {
        live::stdout(&live.run_in(&ns, None, 5, &["curl", "-s", "--max-time", "2", url], &[]))
    };
    let (firing, took) = deadline.wait_for(
        "the burn-rate alerts in Prometheus",
        Duration::from_secs(1),
        || {
            let v: serde_json::Value =
                serde_json::from_str(&curl(&format!("http://{MON}:9090/api/v1/alerts"))).ok()?;
            let alerts = v["data"]["alerts"].as_array()?;
            let firing: Vec<(String, String, String)> = alerts
                .iter()
                .filter(|a| a["state"] == "firing")
                .map(|a| {
                    let l = &a["labels"];
                    (
                        l["slo"].as_str().unwrap_or_default().to_string(),
                        l["severity"].as_str().unwrap_or_default().to_string(),
                        l["long_window"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            (firing.len() >= 5).then_some(firing)
        },
    );
    eprintln!(
        "Prometheus: {} alerts firing after {:.1}s",
        firing.len(),
        took.as_secs_f64()
    );
    let mut firing = firing;
    firing.sort();
    let want: Vec<(String, String, String)> = [
        ("api", "page", "1h"),
        ("api", "page", "6h"),
        ("api", "ticket", "1d"),
        ("api", "ticket", "3d"),
        ("batch", "ticket", "3d"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(firing, want);

    // Alertmanager: api's two pages in one notification to the page hook,
    // batch's ticket to the ticket hook; api's tickets inhibited.
    let (_, took) = deadline.wait_for("both notifications", Duration::from_secs(1), || {
        let got = received.lock().unwrap();
        let page = got.iter().any(|(p, _, _)| p == "/page");
        let ticket = got.iter().any(|(p, _, _)| p == "/ticket");
        (page && ticket).then_some(())
    });
    eprintln!("notifications after {:.1}s", took.as_secs_f64());
    // A few more evaluation rounds: an inhibited ticket would arrive with
    // the same group_wait.
    std::thread::sleep(Duration::from_secs(5));
    let got = received.lock().unwrap().clone();
    for (path, body, _) in &got {
        eprintln!("{path}: {body}");
    }
    let of = |path: &str| -> Vec<(String, String)> {
        got.iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, b, _)| slack_message(b))
            .collect()
    };
    let pages = of("/page");
    assert_eq!(pages.len(), 1, "one grouped page: {pages:?}");
    let (title, text) = &pages[0];
    assert!(title.starts_with("[FIRING:2] ApiBudgetBurn api"), "{title}");
    assert_eq!(text.matches("(severity=page slo=api)").count(), 2, "{text}");
    let tickets = of("/ticket");
    assert_eq!(
        tickets.len(),
        1,
        "only batch's ticket (api's are inhibited): {tickets:?}"
    );
    let (title, text) = &tickets[0];
    assert!(
        title.starts_with("[FIRING:1] BatchBudgetBurn batch"),
        "{title}"
    );
    assert!(text.contains("(severity=ticket slo=batch)"), "{text}");
    assert!(
        of("/default").is_empty(),
        "nothing falls through to the default route"
    );
}
