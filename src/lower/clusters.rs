//! `postgres-cluster` and `elasticsearch-cluster`.

use super::Lowerer;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::span::Spanned;
use crate::syntax::{Node, Value};

/// Most hosts in a cluster's `members`, `etcd` or `master-eligible`. Service
/// flows are derived between every pair of members (and from every client to
/// every member), so the count is bounded to keep that quadratic in check:
/// a 65 536-member cluster used to ask for 4 billion flows and abort.
const MAX_MEMBERS: usize = 100;
/// Most client × member host pairs of one cluster (flows from every client to
/// every member), for the same reason.
const MAX_CLIENT_PAIRS: usize = 1_000_000;

impl Lowerer<'_> {
    /// `members group="db"` or `members "h1" "h2"`.
    fn members(&mut self, cluster: &Node, key: &str, required: bool) -> Members {
        let Some(c) = cluster.child(key) else {
            // A misspelt `memebrs` already got "did you mean `members`?".
            let misspelt = cluster
                .children
                .iter()
                .any(|n| crate::diagnostic::closest(&n.name, [key]).is_some());
            if required && !misspelt {
                self.push(
                    Diagnostic::error(
                        "missing-value",
                        format!(
                            "`{} \"{}\"` needs `{key}`",
                            cluster.name,
                            cluster.arg_str(0).unwrap_or("")
                        ),
                    )
                    .label(cluster.name_span, format!("no `{key}`"))
                    .help(format!(
                        "add `{key} group=\"GROUP\"` or `{key} \"host-a\" \"host-b\"`"
                    )),
                );
            }
            return Members::default();
        };
        let mut hosts = Vec::new();
        match (c.prop("group"), c.args.is_empty()) {
            (Some(_), false) => self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!("`{key}` names both a group and hosts"),
                )
                .label(c.span, "group= and host names")
                .help("use either group=\"NAME\" or a list of host names"),
            ),
            (None, true) => self.push(
                Diagnostic::error("missing-value", format!("`{key}` lists no hosts"))
                    .label(c.name_span, "empty")
                    .help(format!(
                        "write `{key} group=\"GROUP\"` or `{key} \"host-a\" \"host-b\"`"
                    )),
            ),
            (Some(g), true) => {
                if let Some(name) = g.value.as_str()
                    && let Some(gid) = self.groups.resolve(name, g.span, self.diags)
                {
                    hosts = self.model.group(gid).hosts.clone();
                }
            }
            (None, false) => {
                let mut complete = true;
                for a in &c.args {
                    match a.value.as_str() {
                        Some(name) => match self.hosts.resolve(name, a.span, self.diags) {
                            Some(h) => hosts.push(h),
                            None => complete = false,
                        },
                        None => complete = false,
                    }
                }
                // A partial list would make the count rules (etcd-quorum,
                // cluster-too-small) report a size the spec did not write.
                if !complete {
                    hosts.clear();
                }
            }
        }
        if key != "clients" && hosts.len() > MAX_MEMBERS {
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "`{key}` has {} hosts; a cluster has at most {MAX_MEMBERS}",
                        hosts.len()
                    ),
                )
                .label(c.span, "too many hosts")
                .help(format!(
                    "split the cluster; only the first {MAX_MEMBERS} are checked"
                )),
            );
            hosts.truncate(MAX_MEMBERS);
        }
        Members {
            hosts,
            span: c.span,
        }
    }

    /// Keeps `clients × members` within MAX_CLIENT_PAIRS.
    fn bound_clients(&mut self, members: &Members, clients: &mut Members) {
        let m = members.hosts.len().max(1);
        if clients.hosts.len() * m > MAX_CLIENT_PAIRS {
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "{} clients × {m} members is too many host pairs to check (at most {MAX_CLIENT_PAIRS})",
                        clients.hosts.len()
                    ),
                )
                .label(clients.span, "too many clients")
                .help(format!(
                    "only the first {} clients are checked",
                    MAX_CLIENT_PAIRS / m
                )),
            );
            clients.hosts.truncate(MAX_CLIENT_PAIRS / m);
        }
    }

    fn host_ref(&mut self, n: &Node, key: &str) -> Option<(HostId, crate::span::Span)> {
        let p = Self::str_prop(n, key)?;
        Some((self.hosts.resolve(&p.value, p.span, self.diags)?, p.span))
    }

    pub(super) fn postgres(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let id = PgClusterId::from_index(self.model.postgres.len());
        if !self
            .pg_clusters
            .declare(&name.value, id, name.span, self.diags)
        {
            return;
        }
        let Some(vp) = n.prop("version") else {
            self.pg_clusters.poison(&name.value);
            return;
        };
        let version = match &vp.value {
            Value::Int(i) => u32::try_from(*i).ok(),
            Value::Str(s) => s.parse().ok(),
            _ => None,
        };
        let Some(version) = version.filter(|v| (10..=30).contains(v)) else {
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    "PostgreSQL version must be a major version such as 15",
                )
                .label(vp.span, "not a supported major version")
                .help("write version=15"),
            );
            self.pg_clusters.poison(&name.value);
            return;
        };
        let members = self.members(n, "members", true);
        let etcd = self.members(n, "etcd", true);
        let mut clients = self.members(n, "clients", false);
        self.bound_clients(&members, &mut clients);
        let haproxy = n.child("haproxy").and_then(|h| {
            let (host, host_span) = self.host_ref(h, "host")?;
            Some(Haproxy {
                host,
                host_span,
                port: Self::port_prop(h, "port").unwrap_or(5000),
                stats_port: Self::port_prop(h, "stats-port").unwrap_or(7000),
                check_interval_ms: Self::duration_prop(h, "check-interval").unwrap_or(3_000),
                fall: Self::u32_prop(h, "fall").unwrap_or(3),
                rise: Self::u32_prop(h, "rise").unwrap_or(2),
                span: h.span,
            })
        });
        let mut patroni = Patroni::default();
        if let Some(p) = n.child("patroni") {
            let d = Patroni::default();
            patroni = Patroni {
                ttl: Self::u32_prop(p, "ttl").unwrap_or(d.ttl),
                loop_wait: Self::u32_prop(p, "loop-wait").unwrap_or(d.loop_wait),
                retry_timeout: Self::u32_prop(p, "retry-timeout").unwrap_or(d.retry_timeout),
                maximum_lag_on_failover: p
                    .prop_int("maximum-lag-on-failover")
                    .and_then(|v| u64::try_from(v).ok())
                    .unwrap_or(d.maximum_lag_on_failover),
                use_pg_rewind: p.prop_bool("use-pg-rewind").unwrap_or(d.use_pg_rewind),
                use_slots: p.prop_bool("use-slots").unwrap_or(d.use_slots),
                synchronous_mode: p
                    .prop_bool("synchronous-mode")
                    .unwrap_or(d.synchronous_mode),
                span: Some(p.span),
                poisoned: ["ttl", "loop-wait", "retry-timeout"]
                    .iter()
                    .any(|k| p.prop(k).is_some() && Self::u32_prop(p, k).is_none()),
            };
        }
        let user = |key: &str| {
            let c = n.child(key)?;
            Some(DbUser {
                name: c.arg_str(0)?.to_string(),
                password_env: c.prop_str("password-env")?.to_string(),
            })
        };
        let parameters = n
            .children_named("parameter")
            .filter_map(|p| {
                Some((
                    p.arg_str(0)?.to_string(),
                    Self::value_string(&p.arg(1)?.value)?,
                ))
            })
            .collect();
        self.model.postgres.push(PostgresCluster {
            name: name.value,
            name_span: name.span,
            span: n.span,
            version: Spanned::new(version, vp.span),
            members,
            etcd,
            clients,
            haproxy,
            patroni,
            replication_user: user("replication-user"),
            superuser: user("superuser"),
            exporter_port: n.child("exporter").and_then(|e| Self::port_prop(e, "port")),
            parameters,
        });
    }

    pub(super) fn elasticsearch(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let Some(vp) = n.prop("version") else { return };
        let version = Self::value_string(&vp.value).unwrap_or_default();
        let Some(major) = version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| (5..=9).contains(m))
        else {
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!("`{version}` is not an Elasticsearch version"),
                )
                .label(vp.span, "expected e.g. \"6.8.23\" or \"7.17.0\"")
                .help("write the version as MAJOR.MINOR.PATCH (major 5 to 9)"),
            );
            return;
        };
        let mut members = self.members(n, "members", true);
        let mut master_eligible = self.members(n, "master-eligible", false);
        let mut dedicated_masters = Vec::new();
        if n.child("master-eligible").is_none() {
            master_eligible = members.clone();
        } else {
            // Dedicated masters are members too: the cluster is the union.
            for h in &master_eligible.hosts {
                if !members.hosts.contains(h) {
                    members.hosts.push(*h);
                    dedicated_masters.push(*h);
                }
            }
        }
        let mut clients = self.members(n, "clients", false);
        self.bound_clients(&members, &mut clients);
        let heap = n.child("heap").and_then(|h| {
            let a = h.arg(0)?;
            Some(Spanned::new(
                crate::units::parse_size(a.value.as_str()?).ok()?,
                a.span,
            ))
        });
        let minimum_master_nodes = n.child("minimum-master-nodes").and_then(|m| {
            let a = m.arg(0)?;
            Some(Spanned::new(u32::try_from(a.value.as_int()?).ok()?, a.span))
        });
        self.model.elasticsearch.push(EsCluster {
            name: name.value,
            name_span: name.span,
            span: n.span,
            version: Spanned::new(version, vp.span),
            major,
            members,
            master_eligible,
            dedicated_masters,
            clients,
            heap,
            minimum_master_nodes,
            exporter_port: n.child("exporter").and_then(|e| Self::port_prop(e, "port")),
        });
    }
}
