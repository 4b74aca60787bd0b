//! TLS and authentication (issue 13): the `pki`/`tls`/`rest-user` forms are
//! checked at the front end; with `tls` every config turns TLS on with the
//! pki's paths; `pki/HOST.cnf` is a request `openssl req` accepts, and the
//! certificate issued from it names exactly the addresses the configs dial.

#[path = "support/build.rs"]
mod build;
#[path = "support/pki.rs"]
mod pki;
#[path = "support/tools.rs"]
mod tools;

use infragen::diagnostic::Severity;
use infragen::emit::Artifact;
use infragen::lock::AddressLock;
use infragen::pipeline::check;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "local-ha-tls";

fn source() -> String {
    build::example_source(EXAMPLE).0
}

fn edit(src: &str, from: &str, to: &str) -> String {
    assert_eq!(src.matches(from).count(), 1, "`{from}` must occur once");
    src.replacen(from, to, 1)
}

fn errors(src: &str) -> Vec<(String, String)> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule.to_string(), d.message.clone()))
        .collect()
}

fn file<'a>(arts: &'a [Artifact], path: &str) -> &'a str {
    &arts
        .iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

#[test]
fn the_example_lints_without_errors() {
    assert_eq!(errors(&source()), []);
}

#[test]
fn pki_paths_are_checked_at_the_front_end() {
    let src = source();
    for (bad, why) in [
        ("etc/infragen/pki/ca.crt", "not an absolute path"),
        ("/etc/infragen/my ca.crt", "contains a space"),
        ("/etc/infragen/\\\"ca.crt", "contains a quote"),
        ("/etc/infragen/ca\\n.crt", "contains a control character"),
        ("/etc/../ca.crt", "`..`"),
    ] {
        let s = edit(
            &src,
            "ca-file \"/etc/infragen/pki/ca.crt\"",
            &format!("ca-file \"{bad}\""),
        );
        let checked = check(&s, &AddressLock::default());
        let errs: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errs.len(), 1, "{bad}: {errs:#?}");
        assert_eq!(errs[0].rule, "invalid-value", "{bad}");
        let label = &errs[0].labels[0];
        assert!(label.text.contains(why), "{bad}: {}", label.text);
        assert!(errs[0].help.is_some());
    }
}

#[test]
fn one_mistake_in_the_tls_forms_is_one_error() {
    let src = source();
    let cases = [
        (
            edit(&src, "    cert-dir \"/etc/infragen/pki\"\n", ""),
            "missing-value",
        ),
        (
            edit(&src, "tls pki=\"local\"", "tls pki=\"locl\""),
            "unresolved-reference",
        ),
        (
            edit(&src, " rest-password-env=\"LOCAL_REST_PASSWORD\"", ""),
            "missing-value",
        ),
        (edit(&src, " rest-user=\"patroni\"", ""), "missing-value"),
        (
            edit(&src, "rest-user=\"patroni\"", "rest-user=\"pat:roni\""),
            "invalid-value",
        ),
        (
            edit(&src, "pki \"local\" {", "pkk \"local\" {"),
            "unknown-node",
        ),
    ];
    for (s, rule) in cases {
        let errs = errors(&s);
        assert_eq!(errs.len(), 1, "{rule}: {errs:#?}\n{s}");
        assert_eq!(errs[0].0, rule, "{errs:#?}");
    }
}

#[test]
fn tls_turns_on_tls_in_every_config() {
    let arts = build::render_example(EXAMPLE);
    let etcd = file(&arts, "etcd/etcd-1/etcd.conf.yml");
    assert!(!etcd.contains("http://"), "{etcd}");
    for key in ["client-transport-security:", "peer-transport-security:"] {
        assert!(etcd.contains(key), "{etcd}");
    }
    assert_eq!(etcd.matches("client-cert-auth: true").count(), 2);
    assert_eq!(
        etcd.matches("trusted-ca-file: /etc/infragen/pki/ca.crt")
            .count(),
        2
    );
    let p: serde_yaml::Value =
        serde_yaml::from_str(file(&arts, "patroni/pg-1/patroni.yml")).unwrap();
    assert_eq!(p["etcd3"]["protocol"], "https");
    assert_eq!(p["etcd3"]["cert"], "/etc/infragen/pki/pg-1.crt");
    assert_eq!(p["restapi"]["certfile"], "/etc/infragen/pki/pg-1.crt");
    assert_eq!(p["restapi"]["keyfile"], "/etc/infragen/pki/pg-1.key");
    assert_eq!(p["restapi"]["cafile"], "/etc/infragen/pki/ca.crt");
    assert_eq!(p["restapi"]["verify_client"], "required");
    assert_eq!(p["restapi"]["authentication"]["username"], "patroni");
    assert_eq!(
        p["restapi"]["authentication"]["password"],
        "${LOCAL_REST_PASSWORD}"
    );
    assert_eq!(p["ctl"]["cacert"], "/etc/infragen/pki/ca.crt");
    assert_eq!(p["postgresql"]["parameters"]["ssl"], "on");
    assert_eq!(
        p["postgresql"]["authentication"]["replication"]["sslmode"],
        "verify-full"
    );
    for hba in [&p["postgresql"]["pg_hba"], &p["bootstrap"]["pg_hba"]] {
        for line in hba.as_sequence().unwrap() {
            let l = line.as_str().unwrap();
            assert!(l.starts_with("local ") || l.starts_with("hostssl "), "{l}");
        }
    }
    let patroni = arts
        .iter()
        .find(|a| a.path == "patroni/pg-1/patroni.yml")
        .unwrap();
    assert_eq!(patroni.mode(), 0o600, "the REST password lands there");
    let hx = file(&arts, "haproxy/haproxy.cfg");
    assert_eq!(
        hx.matches(
            "check-ssl verify required ca-file /etc/infragen/pki/ca.crt \
             crt /etc/infragen/pki/haproxy.crt verifyhost pg-"
        )
        .count(),
        3,
        "{hx}"
    );
    assert!(hx.contains("\n    ssl-load-extra-del-ext\n"), "{hx}");
    assert!(arts.iter().any(|a| a.path == "pki/haproxy.cnf"));
    // Without tls nothing changes.
    let plain = build::render_example("local-ha");
    assert!(!plain.iter().any(|a| a.path.starts_with("pki/")));
    assert!(!file(&plain, "haproxy/haproxy.cfg").contains("ssl"));
    assert!(!file(&plain, "etcd/etcd-1/etcd.conf.yml").contains("https"));
    assert!(!file(&plain, "patroni/pg-1/patroni.yml").contains("hostssl"));
}

/// The certificate requests of every example with `tls`, and the SANs each
/// host is dialled at by the generated configs: etcd URLs, Patroni's REST
/// and PostgreSQL connect addresses, HAProxy's `verifyhost`, ES seed hosts.
fn dialled(arts: &[Artifact]) -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let mut m: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for a in arts {
        let parts: Vec<&str> = a.path.split('/').collect();
        match parts.as_slice() {
            ["etcd", host, "etcd.conf.yml"] => {
                let y: serde_yaml::Value = serde_yaml::from_str(&a.contents).unwrap();
                for key in ["advertise-client-urls", "initial-advertise-peer-urls"] {
                    let url = y[key].as_str().unwrap();
                    let hp = url.strip_prefix("https://").expect("https");
                    let ip = hp.rsplit_once(':').unwrap().0;
                    m.entry(host.to_string())
                        .or_default()
                        .insert(format!("IP:{ip}"));
                }
            }
            ["patroni", host, "patroni.yml"] => {
                let y: serde_yaml::Value = serde_yaml::from_str(&a.contents).unwrap();
                for key in ["restapi", "postgresql"] {
                    let ca = y[key]["connect_address"].as_str().unwrap();
                    let ip = ca.rsplit_once(':').unwrap().0;
                    m.entry(host.to_string())
                        .or_default()
                        .insert(format!("IP:{ip}"));
                }
            }
            [.., "haproxy.cfg"] => {
                for l in a.contents.lines() {
                    let w: Vec<&str> = l.split_whitespace().collect();
                    if let Some(i) = w.iter().position(|x| *x == "verifyhost") {
                        m.entry(w[1].to_string())
                            .or_default()
                            .insert(format!("DNS:{}", w[i + 1]));
                    }
                }
            }
            _ => {}
        }
    }
    m
}

fn openssl(args: &[&str], dir: &Path) -> std::process::Output {
    tools::run(Command::new("openssl").current_dir(dir).args(args))
}

#[test]
#[ignore = "needs openssl: tests/scripts/test.sh runs it"]
fn openssl_accepts_every_request_and_the_issued_sans_are_what_configs_dial() {
    let Some(_) = tools::require("openssl") else {
        return;
    };
    let mut checked = 0;
    for name in build::example_names() {
        let arts = build::render_example(&name);
        let cnfs: Vec<&Artifact> = arts
            .iter()
            .filter(|a| a.path.starts_with("pki/") && a.path.ends_with(".cnf"))
            .collect();
        if cnfs.is_empty() {
            continue;
        }
        let readme = file(&arts, "pki/README.md");
        let out = build::write(&arts);
        let dir = out.path();
        let ca = tempfile::tempdir().unwrap();
        let c = ca.path();
        let o = openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "1",
                "-subj",
                "/CN=throwaway test CA",
            ],
            c,
        );
        assert!(o.status.success(), "{}", tools::describe(&o));
        let dialled = dialled(&arts);
        for a in &cnfs {
            let host = a.path.trim_start_matches("pki/").trim_end_matches(".cnf");
            let cnf = dir.join(&a.path);
            let cnf = cnf.to_str().unwrap();
            let o = openssl(
                &[
                    "req",
                    "-new",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-config",
                    cnf,
                    "-keyout",
                    &format!("{host}.key"),
                    "-out",
                    &format!("{host}.csr"),
                ],
                c,
            );
            assert!(o.status.success(), "{name}/{host}: {}", tools::describe(&o));
            let o = openssl(
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{host}.csr"),
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-days",
                    "1",
                    "-sha256",
                    "-extfile",
                    cnf,
                    "-extensions",
                    "v3_req",
                    "-out",
                    &format!("{host}.crt"),
                ],
                c,
            );
            assert!(o.status.success(), "{name}/{host}: {}", tools::describe(&o));
            let o = openssl(
                &[
                    "x509",
                    "-in",
                    &format!("{host}.crt"),
                    "-noout",
                    "-ext",
                    "subjectAltName",
                ],
                c,
            );
            assert!(o.status.success(), "{}", tools::describe(&o));
            let text = String::from_utf8_lossy(&o.stdout);
            let sans: BTreeSet<String> = text
                .lines()
                .skip(1)
                .flat_map(|l| l.split(','))
                .map(|s| s.trim().replace("IP Address:", "IP:"))
                .filter(|s| !s.is_empty())
                .collect();
            // Every address and name a config dials is in the certificate,
            // and every IP in it is dialled (DNS SANs add the name and FQDN).
            let want = dialled.get(host).cloned().unwrap_or_default();
            assert!(want.is_subset(&sans), "{name}/{host}: {want:?} ⊄ {sans:?}");
            let ips: BTreeSet<&String> = sans.iter().filter(|s| s.starts_with("IP:")).collect();
            let want_ips: BTreeSet<&String> =
                want.iter().filter(|s| s.starts_with("IP:")).collect();
            assert_eq!(ips, want_ips, "{name}/{host}");
            let h = infragen::pipeline::check(
                &build::example_source(&name).0,
                &build::example_source(&name).1,
            );
            let model = h.model.unwrap();
            let id = model.host_by_name(host).unwrap();
            let hname = &model.host(id).name;
            assert!(sans.contains(&format!("DNS:{hname}")), "{sans:?}");
            if let Some(d) = model.baseline.as_ref().and_then(|b| b.domain.as_ref()) {
                assert!(sans.contains(&format!("DNS:{hname}.{d}")), "{sans:?}");
            }
            assert!(
                readme.contains(&format!("## {host}\n")),
                "README names {host}"
            );
            assert!(readme.contains(&format!("vault write pki/issue/ROLE common_name={host} ")));
            checked += 1;
        }
        // Every host whose config names a certificate has a request.
        for host in dialled.keys() {
            assert!(
                cnfs.iter().any(|a| a.path == format!("pki/{host}.cnf")),
                "{name}: no request for {host}"
            );
        }
        // No key or certificate in the output tree.
        for a in &arts {
            assert!(!a.contents.contains("PRIVATE KEY"), "{}", a.path);
            assert!(!a.contents.contains("BEGIN CERTIFICATE"), "{}", a.path);
            assert!(
                !a.path.ends_with(".key") && !a.path.ends_with(".crt"),
                "{}",
                a.path
            );
        }
    }
    assert!(checked > 0, "no example has tls");
}

const ES_SPEC: &str = r#"
project "acme" {
    owner "sre@acme.example"
}
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.16.0/20"
}
security-group "internal" vpc="core" {
    ingress "all" from="vpc:core" description="Traffic inside the VPC"
}
fleet {
    defaults {
        subnets "core/private-a"
        security-groups "internal"
    }
    group "search" count=3 type="r5.2xlarge"
}
pki "es" {
    ca-file "/etc/elasticsearch/certs/ca.crt"
    cert-dir "/etc/elasticsearch/certs"
}
elasticsearch-cluster "logs" version="VERSION" {
    members group="search"
    heap "16g"
    tls pki="es"
}
"#;

/// ES has no distribution in the package registries, so its own config
/// parsing cannot run here: instead every `xpack.security` path must be a
/// file `pki/` describes (the CA, or the node's own HOST.crt/HOST.key, whose
/// request names the node's address), for 7.x and 8.x.
#[test]
fn elasticsearch_xpack_paths_are_the_files_pki_describes() {
    for version in ["7.17.21", "8.15.0"] {
        let src = ES_SPEC.replace("VERSION", version);
        let arts = build::render("es-tls", &src, &AddressLock::default());
        let readme = file(&arts, "pki/README.md");
        let mut nodes = 0;
        for a in arts
            .iter()
            .filter(|a| a.path.ends_with("elasticsearch.yml"))
        {
            let node = a.path.split('/').nth(1).unwrap();
            let y: serde_yaml::Value = serde_yaml::from_str(&a.contents).unwrap();
            assert_eq!(y["xpack.security.enabled"], true, "{version}");
            let cnf = file(&arts, &format!("pki/{node}.cnf"));
            let addr = y["network.host"].as_str().unwrap();
            assert!(cnf.contains(&format!("IP.1 = {addr}\n")), "{cnf}");
            for layer in ["transport", "http"] {
                let k = |s: &str| format!("xpack.security.{layer}.ssl.{s}");
                assert_eq!(y[k("enabled")], true);
                assert_eq!(
                    y[k("certificate")],
                    format!("/etc/elasticsearch/certs/{node}.crt").as_str()
                );
                assert_eq!(
                    y[k("key")],
                    format!("/etc/elasticsearch/certs/{node}.key").as_str()
                );
                let cas = y[k("certificate_authorities")].as_sequence().unwrap();
                assert_eq!(cas.len(), 1);
                assert_eq!(cas[0], "/etc/elasticsearch/certs/ca.crt");
            }
            assert_eq!(y["xpack.security.transport.ssl.verification_mode"], "full");
            // Every path under xpack.security is one the README installs.
            for (k, v) in y.as_mapping().unwrap() {
                let k = k.as_str().unwrap();
                if !k.starts_with("xpack.security") {
                    continue;
                }
                let paths: Vec<&str> = match v {
                    serde_yaml::Value::String(s) => vec![s.as_str()],
                    serde_yaml::Value::Sequence(s) => s.iter().filter_map(|x| x.as_str()).collect(),
                    _ => vec![],
                };
                for p in paths.iter().filter(|p| p.starts_with('/')) {
                    assert!(readme.contains(&format!("`{p}`")), "{k}: {p} not in README");
                }
            }
            nodes += 1;
        }
        assert_eq!(nodes, 3, "{version}");
    }
}

/// The rules of issue 13 go away once the spec has what they ask for.
#[test]
fn tls_and_rest_user_silence_the_rules() {
    let rules = |src: &str| -> Vec<&'static str> {
        check(src, &AddressLock::default())
            .diagnostics
            .iter()
            .map(|d| d.rule.as_str())
            .filter(|r| {
                [
                    "plaintext-dcs",
                    "patroni-rest-unauthenticated",
                    "es-security-disabled",
                ]
                .contains(r)
            })
            .collect()
    };
    assert_eq!(rules(&source()), Vec::<&str>::new());
    let plain = build::example_source("local-ha").0;
    assert_eq!(
        rules(&plain),
        ["plaintext-dcs", "patroni-rest-unauthenticated"]
    );
    let es8 = ES_SPEC.replace("VERSION", "8.15.0");
    assert_eq!(rules(&es8), Vec::<&str>::new());
    assert_eq!(
        rules(&edit(&es8, "    tls pki=\"es\"\n", "")),
        ["es-security-disabled"]
    );
    // 7.x without tls is allowed (security is off by default there).
    let es7 = ES_SPEC.replace("VERSION", "7.17.21");
    assert_eq!(
        rules(&edit(&es7, "    tls pki=\"es\"\n", "")),
        Vec::<&str>::new()
    );
}

/// The example with a Prometheus host on `mon` that the etcd and db
/// security groups let scrape.
fn with_prometheus() -> String {
    let src = edit(
        &source(),
        "    host \"etcd-1\" address=\"127.0.0.51\" {",
        "    host \"mon\" address=\"127.0.0.60\" {\n        security-groups \"mon\"\n    }\n    \
         host \"etcd-1\" address=\"127.0.0.51\" {",
    );
    let src = edit(
        &src,
        "security-group \"etcd\" vpc=\"lo\" {",
        "security-group \"mon\" vpc=\"lo\" {\n    \
         ingress \"tcp\" 9090 from=\"vpc:lo\" description=\"Prometheus UI\"\n}\n\
         security-group \"etcd\" vpc=\"lo\" {\n    \
         ingress \"tcp\" 2379 from=\"sg:mon\" description=\"Prometheus scrapes etcd\"",
    );
    // Node Exporter everywhere Prometheus scrapes it.
    let src = src.replace(
        " vpc=\"lo\" {\n",
        " vpc=\"lo\" {\n    ingress \"tcp\" 9100 from=\"sg:mon\" description=\"Node Exporter\"\n",
    );
    let src = edit(
        &src,
        "    ingress \"tcp\" 8008 from=\"sg:db\" description=\"Patroni REST between members\"",
        "    ingress \"tcp\" 8008 from=\"sg:db\" description=\"Patroni REST between members\"\n    \
         ingress \"tcp\" 8008 from=\"sg:mon\" description=\"Prometheus scrapes Patroni\"",
    );
    format!("{src}\nmonitoring {{\n    prometheus host=\"mon\"\n}}\n")
}

/// Prometheus scrapes Patroni and etcd of a `tls` cluster over https with
/// its own certificate (etcd's `client-cert-auth` and Patroni's
/// `verify_client: required` refuse it otherwise), `pki/mon.cnf` requests
/// that certificate, and `promtool check config` accepts the result once
/// the files exist (it stats them: the pki paths are moved to a throwaway
/// CA's directory, the one adaptation).
#[test]
#[ignore = "needs promtool and openssl: tests/scripts/test.sh runs it"]
fn prometheus_scrapes_a_tls_cluster_over_https_with_a_client_certificate() {
    let (Some(promtool), Some(_)) = (tools::require("promtool"), tools::require("openssl")) else {
        return;
    };
    let src = with_prometheus();
    let lock = build::example_source(EXAMPLE).1;
    let arts = build::render(EXAMPLE, &src, &lock);
    let yml = file(&arts, "prometheus/prometheus.yml");
    let cfg: serde_yaml::Value = serde_yaml::from_str(yml).unwrap();
    let jobs = cfg["scrape_configs"].as_sequence().unwrap();
    let job = |n: &str| {
        jobs.iter()
            .find(|j| j["job_name"] == n)
            .unwrap_or_else(|| panic!("job {n}:\n{yml}"))
    };
    for (name, target) in [
        ("patroni-local", "127.0.0.41:8008"),
        ("etcd-local", "127.0.0.51:2379"),
    ] {
        let j = job(name);
        assert_eq!(j["scheme"], "https", "{yml}");
        assert_eq!(j["tls_config"]["ca_file"], "/etc/infragen/pki/ca.crt");
        assert_eq!(j["tls_config"]["cert_file"], "/etc/infragen/pki/mon.crt");
        assert_eq!(j["tls_config"]["key_file"], "/etc/infragen/pki/mon.key");
        // Dialled at the private address: a SAN of the target's certificate.
        assert_eq!(j["static_configs"][0]["targets"][0], target, "{yml}");
    }
    assert!(job("prometheus").get("scheme").is_none(), "{yml}");
    let cnf = file(&arts, "pki/mon.cnf");
    assert!(
        cnf.contains("clientAuth") && cnf.contains("DNS.1 = mon"),
        "{cnf}"
    );
    assert!(!cnf.contains("IP.1"), "a client certificate only: {cnf}");

    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("pki");
    let issued = pki::issue(&arts, &certs);
    assert!(issued.contains(&"mon".to_string()), "{issued:?}");
    let pkis = pki::paths_of(&src, &lock);
    let path = dir.path().join("prometheus.yml");
    // Rule files are checked by oracle_prometheus; only the scrape jobs here.
    let relocated = pki::relocate(yml, &pkis, &certs).replace("rule_files:\n- rules/*.yml\n", "");
    std::fs::write(&path, relocated).unwrap();
    let out = tools::run(
        Command::new(&promtool)
            .arg("check")
            .arg("config")
            .arg(&path),
    );
    assert!(out.status.success(), "{}", tools::describe(&out));
    // The harness bites: promtool stats the certificate files.
    std::fs::remove_file(certs.join("mon.crt")).unwrap();
    let out = tools::run(
        Command::new(&promtool)
            .arg("check")
            .arg("config")
            .arg(&path),
    );
    assert!(!out.status.success(), "{}", tools::describe(&out));
}
