//! What Prometheus scrapes, decided from the model before anything is
//! rendered: one `Job` per scrape job, each static target checked against
//! the security groups. A target the firewall drops is left out (with the
//! rule that would let it through): scraping it would be a permanent
//! `up == 0` alert that nobody can fix from Prometheus.

use super::reach::{self, Verdict};
use crate::model::*;
use crate::span::Span;
use std::collections::BTreeMap;

/// One static target: `address:port` of a host.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: HostId,
    pub port: u16,
    /// Labels given to this target (the spec's relabels, as far as they can
    /// be known at compile time, plus e.g. `cluster`).
    pub labels: BTreeMap<String, String>,
}

/// A target left out because the network drops the scrape.
#[derive(Debug, Clone)]
pub struct Blocked {
    pub host: HostId,
    pub port: u16,
    /// What to add to the spec to let it through.
    pub fix: String,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    /// What listens there, for comments (e.g. `postgres_exporter`).
    pub what: &'static str,
    /// Indices into `Prometheus::ec2`: EC2 discovery feeding this job.
    pub ec2: Vec<usize>,
    pub port: u16,
    pub targets: Vec<Target>,
    pub blocked: Vec<Blocked>,
    /// The spec entity this job comes from, for the manifest.
    pub entity: String,
    pub span: Span,
    /// Scraped over https with Prometheus's own certificate (the target
    /// requires a client certificate from this pki).
    pub tls: Option<PkiId>,
}

impl Job {
    /// True when Prometheus scrapes anything for this job.
    pub fn is_scraped(&self) -> bool {
        !self.ec2.is_empty() || !self.targets.is_empty()
    }
}

/// Job names, shared with the rules and the dashboards.
pub const NODE_JOB: &str = "node";
pub const PROMETHEUS_JOB: &str = "prometheus";

pub fn postgres_job(cluster: &str) -> String {
    format!("postgres-{cluster}")
}

/// Every scrape job, in a fixed order: Prometheus itself, Node Exporter,
/// then each cluster's exporters in spec order.
pub fn plan(model: &Model, mon: &Monitoring, prom: &Prometheus) -> Vec<Job> {
    let relabels = relabels(prom);
    let mut b = Planner {
        model,
        prom,
        relabels: &relabels,
        jobs: Vec::new(),
    };
    b.job(
        PROMETHEUS_JOB,
        "Prometheus",
        prom.port,
        &[prom.host],
        &[],
        ("monitoring".into(), prom.span),
    );
    b.node_job(mon);
    for pg in &model.postgres {
        let entity = format!("postgres-cluster {}", pg.name);
        let cluster = [("cluster", pg.name.as_str())];
        let src = (entity.clone(), pg.span);
        if let Some(port) = pg.exporter_port {
            let name = postgres_job(&pg.name);
            b.job(
                &name,
                "postgres_exporter",
                port,
                &pg.members.hosts,
                &cluster,
                src.clone(),
            );
        }
        // Patroni serves Prometheus metrics on its REST port (8008).
        let name = format!("patroni-{}", pg.name);
        b.job(
            &name,
            "Patroni",
            8008,
            &pg.members.hosts,
            &cluster,
            src.clone(),
        );
        b.tls(pg.tls.and_then(|t| t.pki));
        let name = format!("etcd-{}", pg.name);
        b.job(&name, "etcd", 2379, &pg.etcd.hosts, &cluster, src.clone());
        b.tls(etcd_pki(model, pg));
        if let Some(h) = &pg.haproxy {
            // The stats listener answers `/metrics` with HAProxy's built-in
            // Prometheus exporter (agreed with the haproxy.cfg emitter).
            let name = format!("haproxy-{}", pg.name);
            b.job(&name, "HAProxy", h.stats_port, &h.hosts, &cluster, src);
        }
    }
    for es in &model.elasticsearch {
        if let Some(port) = es.exporter_port {
            let name = format!("elasticsearch-{}", es.name);
            let src = (format!("elasticsearch-cluster {}", es.name), es.span);
            let cluster = [("cluster", es.name.as_str())];
            b.job(
                &name,
                "the Elasticsearch exporter",
                port,
                &es.members.hosts,
                &cluster,
                src,
            );
        }
    }
    for r in &model.redis {
        if r.engine != RedisEngine::SelfHosted {
            continue;
        }
        // redis_exporter beside every member (ElastiCache reports to
        // CloudWatch instead: terraform/elasticache.tf).
        let src = (format!("redis {}", r.name), r.span);
        let cluster = [("cluster", r.name.as_str())];
        b.job(
            &redis_job(&r.name),
            "redis_exporter",
            REDIS_EXPORTER_PORT,
            &r.members.hosts,
            &cluster,
            src,
        );
    }
    b.jobs
}

/// The pki of the etcd `pg` uses (the first cluster listing the same etcd
/// hosts sets it up), as an id.
fn etcd_pki(model: &Model, pg: &PostgresCluster) -> Option<PkiId> {
    let owner = model
        .postgres
        .iter()
        .find(|p| p.etcd.hosts == pg.etcd.hosts)
        .unwrap_or(pg);
    owner.tls.and_then(|t| t.pki)
}

/// redis_exporter's default port.
pub const REDIS_EXPORTER_PORT: u16 = 9121;

pub fn redis_job(name: &str) -> String {
    format!("redis-{name}")
}

/// The spec's relabels over all discoveries, first one per target label.
pub fn relabels(prom: &Prometheus) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for d in &prom.ec2 {
        for (label, from) in &d.relabels {
            if !out.iter().any(|(l, _)| l == label) {
                out.push((label.clone(), from.clone()));
            }
        }
    }
    out
}

struct Planner<'a> {
    model: &'a Model,
    prom: &'a Prometheus,
    relabels: &'a [(String, String)],
    jobs: Vec<Job>,
}

impl Planner<'_> {
    /// The last job is scraped over https with a client certificate of `pki`.
    fn tls(&mut self, pki: Option<PkiId>) {
        if let Some(job) = self.jobs.last_mut() {
            job.tls = pki;
        }
    }

    /// Node Exporter: EC2 discovery for the AWS hosts it can see, static
    /// targets for every other monitored host (Azure, other regions, hosts
    /// a filter leaves out).
    fn node_job(&mut self, mon: &Monitoring) {
        let model = self.model;
        let hidden: Vec<HostId> = (0..model.hosts.len())
            .map(HostId::from_index)
            .filter(|&h| {
                model.host(h).settings.monitored && discovered_by(model, self.prom, h).is_none()
            })
            .collect();
        let port = mon.node_exporter.port;
        self.job(
            NODE_JOB,
            "Node Exporter",
            port,
            &hidden,
            &[],
            ("monitoring".into(), mon.span),
        );
        if let Some(job) = self.jobs.last_mut()
            && uses_ec2_discovery(model, self.prom)
        {
            job.ec2 = (0..self.prom.ec2.len()).collect();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &mut self,
        name: &str,
        what: &'static str,
        port: u16,
        hosts: &[HostId],
        extra: &[(&str, &str)],
        (entity, span): (String, Span),
    ) {
        let mut job = Job {
            name: name.to_string(),
            what,
            ec2: Vec::new(),
            port,
            targets: Vec::new(),
            blocked: Vec::new(),
            entity,
            span,
            tls: None,
        };
        for &host in hosts {
            match reach::tcp(self.model, self.prom.host, host, port, span) {
                Verdict::Open => {
                    let mut labels = static_labels(self.model, host, self.relabels);
                    for (k, v) in extra {
                        labels.insert((*k).to_string(), (*v).to_string());
                    }
                    job.targets.push(Target { host, port, labels });
                }
                Verdict::Blocked(fix) => job.blocked.push(Blocked { host, port, fix }),
            }
        }
        self.jobs.push(job);
    }
}

/// EC2 discovery calls the EC2 API with the instance role Terraform gives
/// the Prometheus instance; Prometheus outside AWS (on an Azure VM) has no
/// such role, so there every AWS host is a static target instead (their
/// addresses are known at compile time).
pub fn uses_ec2_discovery(model: &Model, prom: &Prometheus) -> bool {
    !prom.ec2.is_empty() && model.host_cloud(prom.host) == Cloud::Aws
}

/// The EC2 discovery (index) that finds this host, if any: an AWS host in
/// the discovery's region that passes its filters (and is tagged
/// `Monitored = "true"`, which Terraform does for monitored hosts), when
/// Prometheus can use EC2 discovery at all.
pub fn discovered_by(model: &Model, prom: &Prometheus, host: HostId) -> Option<usize> {
    if !uses_ec2_discovery(model, prom) {
        return None;
    }
    let h = model.host(host);
    let net = model.network(model.host_network(host));
    if net.cloud != Cloud::Aws || !h.settings.monitored {
        return None;
    }
    prom.ec2.iter().position(|d| {
        d.region == net.region.value
            && d.filters
                .iter()
                .all(|(name, values)| filter_matches(model, host, name, values))
    })
}

/// Whether an EC2 API filter keeps this host. Filters whose answer is only
/// known at run time (IDs, AMIs, …) are assumed to match.
fn filter_matches(model: &Model, host: HostId, name: &str, values: &[String]) -> bool {
    let actual = match name {
        // Instances Terraform creates run.
        "instance-state-name" => Some("running".to_string()),
        "tag-key" => {
            return values
                .iter()
                .any(|v| instance_tags(model, host).keys().any(|k| glob(v, k)));
        }
        _ => match name.strip_prefix("tag:") {
            Some(key) => instance_tags(model, host).get(key).cloned(),
            None => match ec2_value(model, host, name) {
                Some(v) => v,
                None => return true,
            },
        },
    };
    actual.is_some_and(|a| values.iter().any(|v| glob(v, &a)))
}

/// EC2 metadata known at compile time: `Some(None)` when the field is
/// known to be absent, `None` when it is only known at run time.
fn ec2_value(model: &Model, host: HostId, name: &str) -> Option<Option<String>> {
    let h = model.host(host);
    Some(match name {
        "instance-type" => h.settings.instance_type.as_ref().map(|t| t.value.clone()),
        "availability-zone" => model
            .subnet(h.subnet)
            .zone
            .as_ref()
            .map(|z| z.value.clone()),
        "private-ip" | "private-ip-address" => h.address.map(|a| a.to_string()),
        _ => return None,
    })
}

/// The tags Terraform puts on an instance: the project's, the host's,
/// `Name` (the host name) and `Monitored`.
pub fn instance_tags(model: &Model, host: HostId) -> BTreeMap<String, String> {
    let h = model.host(host);
    let mut tags: BTreeMap<String, String> = model.project.tags.iter().cloned().collect();
    tags.extend(h.settings.tags.iter().cloned());
    tags.insert("Name".into(), h.name.clone());
    tags.insert("Monitored".into(), h.settings.monitored.to_string());
    tags
}

/// The labels a statically listed host gets, so that it looks like a
/// discovered one: each relabel whose source is known at compile time.
/// (`instance-id` is not: Terraform assigns it.)
pub fn static_labels(
    model: &Model,
    host: HostId,
    relabels: &[(String, String)],
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for (label, from) in relabels {
        let value = match from.strip_prefix("tag:") {
            Some(key) => instance_tags(model, host).get(key).cloned(),
            None => ec2_value(model, host, from).flatten(),
        };
        if let Some(v) = value {
            labels.insert(label.clone(), v);
        }
    }
    labels
}

/// EC2 filter wildcards: `*` any run, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn ec2_wildcards() {
        assert!(glob("run*", "running"));
        assert!(glob("r?nning", "running"));
        assert!(!glob("stopped", "running"));
        assert!(glob("*", ""));
    }
}
