//! `pki/HOST.cnf` and `pki/README.md`: a certificate request for every host
//! that a `tls` cluster needs a certificate on, with exactly the SANs its
//! peers dial (derived from the addresses infragen assigns), and the
//! commands to issue each one from the operator's CA. No key and no
//! certificate is ever generated here: they come from the operator's CA.
//!
//! Every config dials a member by its private address (etcd client and peer
//! URLs, Patroni's `connect_address` for the REST API and PostgreSQL,
//! Elasticsearch's seed hosts), and HAProxy checks a member with
//! `verifyhost <host name>`, so the SANs are the host name, its FQDN under
//! `baseline domain` and its private address. No config dials a public
//! address: that is never a SAN. HAProxy (its health checks) and Prometheus
//! (its scrapes) only present their certificate as clients: no address SAN.

use super::text::Text;
use super::{Artifact, EmitContext, Emitter};
use crate::model::{HostId, Model, Pki, PkiId};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub struct PkiRequests;

/// What a host's certificate is for, and where it is installed.
#[derive(Debug, Default)]
struct Need {
    roles: Vec<String>,
    pkis: Vec<PkiId>,
    /// Some peer dials this host over TLS. A host that is only ever a
    /// client (HAProxy's checks, Prometheus) gets no IP SAN: nobody
    /// verifies an address against it.
    serves: bool,
}

/// The subject alternative names of a host's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sans {
    pub dns: Vec<String>,
    pub ips: Vec<IpAddr>,
}

/// The names and addresses peers dial `host` at.
pub fn sans(model: &Model, host: HostId) -> Option<Sans> {
    let h = model.host(host);
    let mut dns = vec![h.name.clone()];
    if let Some(d) = model.baseline.as_ref().and_then(|b| b.domain.as_ref()) {
        dns.push(format!("{}.{d}", h.name));
    }
    Some(Sans {
        dns,
        ips: vec![h.address?],
    })
}

/// Every host that needs a certificate, in host order, with what for.
fn needs(model: &Model) -> BTreeMap<HostId, Need> {
    let mut out: BTreeMap<HostId, Need> = BTreeMap::new();
    let mut add = |h: HostId, pki: PkiId, role: String| {
        let n = out.entry(h).or_default();
        n.serves |= !role.ends_with("(client certificate)");
        if !n.roles.contains(&role) {
            n.roles.push(role);
        }
        if !n.pkis.contains(&pki) {
            n.pkis.push(pki);
        }
    };
    for pg in &model.postgres {
        if let Some(id) = pg.tls.and_then(|t| t.pki) {
            for &m in &pg.members.hosts {
                add(
                    m,
                    id,
                    format!(
                        "postgres-cluster {}: Patroni REST API (https, port 8008), PostgreSQL server and replication client (5432, verify-full), etcd client",
                        pg.name
                    ),
                );
            }
        }
        if let (Some(id), Some(hx)) = (pg.tls.and_then(|t| t.pki), &pg.haproxy) {
            for &h in &hx.hosts {
                add(
                    h,
                    id,
                    format!(
                        "postgres-cluster {}: HAProxy's health checks of Patroni's REST API (client certificate)",
                        pg.name
                    ),
                );
            }
        }
        let prom = model
            .monitoring
            .as_ref()
            .and_then(|m| m.prometheus.as_ref());
        if let (Some(id), Some(prom)) = (pg.tls.and_then(|t| t.pki), prom) {
            add(
                prom.host,
                id,
                format!(
                    "Prometheus: scrapes Patroni (8008) of postgres-cluster {} (client certificate)",
                    pg.name
                ),
            );
        }
        let owner = model
            .postgres
            .iter()
            .find(|p| p.etcd.hosts == pg.etcd.hosts)
            .unwrap_or(pg);
        if let (Some(id), Some(prom)) = (owner.tls.and_then(|t| t.pki), prom) {
            add(
                prom.host,
                id,
                format!(
                    "Prometheus: scrapes etcd (2379) of postgres-cluster {} (client certificate)",
                    owner.name
                ),
            );
        }
        if let Some(id) = owner.tls.and_then(|t| t.pki) {
            for &e in &pg.etcd.hosts {
                add(
                    e,
                    id,
                    format!(
                        "etcd of postgres-cluster {}: client (2379) and peer (2380) TLS",
                        owner.name
                    ),
                );
            }
        }
    }
    for es in &model.elasticsearch {
        if let Some(id) = es.tls.and_then(|t| t.pki) {
            for &m in &es.members.hosts {
                add(
                    m,
                    id,
                    format!(
                        "elasticsearch-cluster {}: transport (9300) and HTTP (9200) TLS",
                        es.name
                    ),
                );
            }
        }
    }
    out
}

impl Emitter for PkiRequests {
    fn name(&self) -> &'static str {
        "pki"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let model = ctx.model;
        let needs = needs(model);
        if needs.is_empty() {
            return;
        }
        let mut readme = Text::new(ctx.header("<!--").replace('\n', " -->\n"));
        readme_intro(&mut readme);
        let mut readme_art = Artifact::new("pki/README.md", "");
        for (&id, need) in &needs {
            let host = model.host(id);
            let Some(mut s) = sans(model, id) else {
                continue;
            };
            if !need.serves {
                s.ips.clear();
            }
            let mut a = Artifact::new(
                format!("pki/{}.cnf", host.name),
                cnf(ctx, &host.name, &s, need),
            );
            for &p in &need.pkis {
                let pki = model.pki(p);
                a = a.source(format!("pki {}", pki.name), ctx.line(pki.span));
            }
            out.push(a.source(format!("host {}", host.name), ctx.line(host.span)));
            readme_host(&mut readme, model, &host.name, &s, need);
            readme_art = readme_art.source(format!("host {}", host.name), ctx.line(host.span));
        }
        readme_art.contents = readme.finish();
        out.push(readme_art);
    }
}

/// `DNS:a, DNS:b, IP:1.2.3.4`.
pub fn san_list(s: &Sans) -> String {
    s.dns
        .iter()
        .map(|d| format!("DNS:{d}"))
        .chain(s.ips.iter().map(|i| format!("IP:{i}")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cnf(ctx: &EmitContext, name: &str, s: &Sans, need: &Need) -> String {
    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!("# Certificate request for {name} (see README.md for the commands). Used by:"),
    );
    for r in &need.roles {
        t.line(0, format!("#   {r}"));
    }
    t.line(0, "[ req ]");
    t.line(0, "prompt = no");
    t.line(0, "default_md = sha256");
    t.line(0, "distinguished_name = dn");
    t.line(0, "req_extensions = v3_req");
    t.blank();
    t.line(0, "[ dn ]");
    t.line(0, format!("CN = {name}"));
    t.blank();
    t.line(
        0,
        "# Also the extensions of the certificate (openssl x509 -extfile THIS -extensions v3_req).",
    );
    t.line(0, "[ v3_req ]");
    t.line(0, "basicConstraints = critical, CA:FALSE");
    t.line(0, "keyUsage = critical, digitalSignature, keyEncipherment");
    t.line(0, "# Servers to their clients, and clients (Patroni to etcd, etcd peers, replicas) to servers.");
    t.line(0, "extendedKeyUsage = serverAuth, clientAuth");
    t.line(0, "subjectAltName = @alt_names");
    t.blank();
    t.line(
        0,
        if need.serves {
            "# Exactly the names and addresses peers dial this host at."
        } else {
            "# A client certificate only (nobody dials this host over TLS): its names, no address."
        },
    );
    t.line(0, "[ alt_names ]");
    for (i, d) in s.dns.iter().enumerate() {
        t.line(0, format!("DNS.{} = {d}", i + 1));
    }
    for (i, ip) in s.ips.iter().enumerate() {
        t.line(0, format!("IP.{} = {ip}", i + 1));
    }
    t.finish()
}

fn readme_intro(t: &mut Text) {
    t.line(0, "# Certificates");
    t.blank();
    t.line(
        0,
        "infragen never makes keys or certificates. Each `HOST.cnf` here is an OpenSSL request",
    );
    t.line(
        0,
        "config whose SANs are exactly the names and addresses the generated configs dial that",
    );
    t.line(
        0,
        "host at. Issue each one from your CA (an internal CA with `openssl`, Vault PKI, cfssl)",
    );
    t.line(
        0,
        "and install `HOST.crt`, `HOST.key` and the CA certificate at the paths below. Keys stay",
    );
    t.line(
        0,
        "on the host: mode 0600 (or 0640 with the group of the daemons that read it: postgres,",
    );
    t.line(
        0,
        "etcd, elasticsearch, prometheus: Prometheus reads its key at every scrape, as its own",
    );
    t.line(
        0,
        "user). HAProxy reads `HOST.crt` and, beside it, `HOST.key` (`ssl-load-extra-del-ext`)",
    );
    t.line(
        0,
        "at startup, before it drops root: no combined PEM to make.",
    );
    t.blank();
    t.line(0, "With an internal CA (`ca.crt`, `ca.key`):");
    t.blank();
    t.line(0, "```sh");
    t.line(0, "openssl req -new -newkey rsa:2048 -nodes -config pki/HOST.cnf -keyout HOST.key -out HOST.csr");
    t.line(0, "openssl x509 -req -in HOST.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 \\");
    t.line(
        0,
        "  -extfile pki/HOST.cnf -extensions v3_req -out HOST.crt",
    );
    t.line(0, "```");
    t.blank();
    t.line(
        0,
        "With Vault PKI, `ROLE` must allow the names (or `allow_any_name`) and IP SANs.",
    );
    t.line(
        0,
        "Clients that reach PostgreSQL through HAProxy get the leader's certificate, which does",
    );
    t.line(0, "not name HAProxy: they use `sslmode=verify-ca`.");
}

fn readme_host(t: &mut Text, model: &Model, name: &str, s: &Sans, need: &Need) {
    t.blank();
    t.line(0, format!("## {name}"));
    t.blank();
    for r in &need.roles {
        t.line(0, format!("- {r}"));
    }
    t.line(0, format!("- SANs: {}", san_list(s)));
    for &p in &need.pkis {
        let pki: &Pki = model.pki(p);
        t.line(
            0,
            format!(
                "- install (pki {}): `{}`, `{}`, CA `{}`",
                pki.name,
                pki.cert(name),
                pki.key(name),
                pki.ca_file.value
            ),
        );
    }
    let ips: Vec<String> = s.ips.iter().map(|i| i.to_string()).collect();
    t.blank();
    t.line(0, "```sh");
    t.line(0, format!("openssl req -new -newkey rsa:2048 -nodes -config pki/{name}.cnf -keyout {name}.key -out {name}.csr"));
    t.line(0, format!("openssl x509 -req -in {name}.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 -extfile pki/{name}.cnf -extensions v3_req -out {name}.crt"));
    let ip_sans = if ips.is_empty() {
        String::new()
    } else {
        format!(" ip_sans={}", ips.join(","))
    };
    t.line(
        0,
        format!(
            "vault write pki/issue/ROLE common_name={name} alt_names={}{ip_sans}",
            s.dns.join(",")
        ),
    );
    t.line(0, "```");
}
