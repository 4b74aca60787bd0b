//! `postgres-cluster` and `elasticsearch-cluster`.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::schema::defaults;
use crate::span::Spanned;
use crate::syntax::{Node, Value};

/// Most hosts in a cluster's `members`, `etcd` or `master-eligible`. Service
/// flows are derived between every pair of members (and from every client to
/// every member), so the count is bounded to keep that quadratic in check:
/// a 65 536-member cluster used to ask for 4 billion flows and abort.
const MAX_MEMBERS: usize = 100;
/// Most client × member host pairs of one cluster (flows from every client to
/// every member), for the same reason.
pub(super) const MAX_CLIENT_PAIRS: usize = 1_000_000;

impl Lowerer<'_> {
    /// `members group="db"` or `members "h1" "h2"`.
    pub(super) fn members(&mut self, cluster: &Node, key: &str, required: bool) -> Members {
        let Some(c) = cluster.child(key) else {
            // A misspelt `memebrs` already got "did you mean `members`?".
            let misspelt = cluster
                .children
                .iter()
                .any(|n| crate::diagnostic::closest(&n.name, [key]).is_some());
            if required && !misspelt {
                self.push(
                    Diagnostic::error(
                        Code::MissingValue,
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
                    Code::InvalidValue,
                    format!("`{key}` names both a group and hosts"),
                )
                .label(c.span, "group= and host names")
                .help("use either group=\"NAME\" or a list of host names"),
            ),
            (None, true) => self.push(
                Diagnostic::error(Code::MissingValue, format!("`{key}` lists no hosts"))
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
                    Code::InvalidValue,
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
    pub(super) fn bound_clients(&mut self, members: &Members, clients: &mut Members) {
        let m = members.hosts.len().max(1);
        if clients.hosts.len() * m > MAX_CLIENT_PAIRS {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
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

    pub(super) fn host_ref(&mut self, n: &Node, key: &str) -> Option<(HostId, crate::span::Span)> {
        let p = Self::str_prop(n, key)?;
        Some((self.hosts.resolve(&p.value, p.span, self.diags)?, p.span))
    }

    /// `replication-user NAME password-env=…` / `superuser …`: NAME must be
    /// a PostgreSQL identifier that needs no quoting, since Patroni and
    /// pg_hba.conf write it bare.
    fn db_user(&mut self, n: &Node, key: &str) -> Option<DbUser> {
        let c = n.child(key)?;
        let arg = c.arg(0)?;
        let name = arg.value.as_str()?;
        if let Some((problem, help)) = role_name_problem(name) {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{name}` is not a PostgreSQL role name infragen can use"),
                )
                .label(arg.span, problem)
                .help(help),
            );
            return None;
        }
        Some(DbUser {
            name: name.to_string(),
            password_env: c.prop_str("password-env")?.to_string(),
        })
    }

    /// `parameter "max_connections" N`: a whole number above the
    /// connections HAProxy keeps free on each member for Patroni, replication
    /// and admin sessions (10), or HAProxy would get `maxconn 1`.
    fn check_max_connections(&mut self, v: &crate::syntax::Arg) {
        let n = match &v.value {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.trim().parse::<i128>().ok(),
            _ => None,
        };
        let problem = match n {
            None => "not a whole number",
            Some(n) if n < MIN_MAX_CONNECTIONS => "too few connections",
            Some(n) if n > MAX_MAX_CONNECTIONS => "more than PostgreSQL allows",
            Some(_) => return,
        };
        self.push(
            Diagnostic::error(
                Code::InvalidValue,
                "`max_connections` must be a whole number of connections from 11 to 262143",
            )
            .label(v.span, problem)
            .help(
                "HAProxy keeps 10 connections of each member free (Patroni, replication, admin) and routes the rest: write e.g. \"200\"",
            ),
        );
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
                    Code::InvalidValue,
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
            let (hosts, host_span, placement) = self.haproxy_placement(h)?;
            Some(Haproxy {
                hosts,
                host_span,
                placement,
                balancer: None,
                port: Self::port_prop(h, "port").unwrap_or(defaults::HAPROXY_PORT),
                stats_port: Self::port_prop(h, "stats-port")
                    .unwrap_or(defaults::HAPROXY_STATS_PORT),
                check_interval_ms: Self::duration_prop(h, "check-interval")
                    .unwrap_or(defaults::HAPROXY_CHECK_INTERVAL_MS),
                fall: Self::u32_prop(h, "fall").unwrap_or(defaults::HAPROXY_FALL),
                rise: Self::u32_prop(h, "rise").unwrap_or(defaults::HAPROXY_RISE),
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
                rest_auth: self.rest_auth(p),
                rest_auth_poisoned: ["rest-user", "rest-password-env"]
                    .iter()
                    .any(|k| p.prop(k).is_some()),
                span: Some(p.span),
                poisoned: ["ttl", "loop-wait", "retry-timeout"]
                    .iter()
                    .any(|k| p.prop(k).is_some() && Self::u32_prop(p, k).is_none()),
            };
        }
        let replication_user = self.db_user(n, "replication-user");
        let superuser = self.db_user(n, "superuser");
        for p in n.children_named("parameter") {
            if p.arg_str(0) == Some("max_connections")
                && let Some(v) = p.arg(1)
            {
                self.check_max_connections(v);
            }
        }
        let parameters = n
            .children_named("parameter")
            .filter_map(|p| {
                Some((
                    p.arg_str(0)?.to_string(),
                    Self::value_string(&p.arg(1)?.value)?,
                ))
            })
            .collect();
        let tls = self.tls(n);
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
            replication_user,
            superuser,
            exporter_port: n.child("exporter").and_then(|e| Self::port_prop(e, "port")),
            exporter_span: n.child("exporter").map_or(name.span, |e| e.span),
            parameters,
            tls,
        });
        self.haproxy_balancer(PgClusterId::from_index(self.model.postgres.len() - 1));
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
                    Code::InvalidValue,
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
        let tls = self.tls(n);
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
            exporter_span: n.child("exporter").map_or(name.span, |e| e.span),
            tls,
        });
    }
}

/// The fewest `max_connections` that leave HAProxy more than one connection
/// per member after the 10 it reserves (emit/haproxy `RESERVED_CONNECTIONS`).
const MIN_MAX_CONNECTIONS: i128 = 11;
/// PostgreSQL's upper bound for `max_connections` (guc.c: MAX_BACKENDS).
const MAX_MAX_CONNECTIONS: i128 = 262_143;

/// PostgreSQL's longest identifier (NAMEDATALEN − 1) in bytes.
const MAX_ROLE_NAME: usize = 63;

/// Why `name` is not an unquoted PostgreSQL identifier (`[a-z_][a-z0-9_]*`,
/// at most 63 bytes, not reserved), with a hint; `None` when it is one.
fn role_name_problem(name: &str) -> Option<(String, String)> {
    let suggestion: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if name.is_empty() {
        return Some((
            "empty role name".into(),
            "write a name such as \"replicator\"".into(),
        ));
    }
    if !first_ok || !rest_ok {
        let hint = if suggestion.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
            format!("did you mean `{suggestion}`? ")
        } else {
            String::new()
        };
        return Some((
            "not [a-z_][a-z0-9_]*".into(),
            format!(
                "{hint}role names are lowercase letters, digits and `_`, starting with a letter or `_` (anything else would need quoting in SQL)"
            ),
        ));
    }
    if name.len() > MAX_ROLE_NAME {
        return Some((
            format!("{} bytes", name.len()),
            format!(
                "PostgreSQL truncates identifiers to {MAX_ROLE_NAME} bytes; use a shorter name"
            ),
        ));
    }
    if name.starts_with("pg_") {
        return Some((
            "reserved prefix `pg_`".into(),
            "PostgreSQL reserves role names starting with `pg_`; pick another name".into(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::role_name_problem;

    #[test]
    fn role_names_are_postgres_identifiers() {
        for ok in ["repl_billing", "replicator", "_x", "a1", &"a".repeat(63)] {
            assert_eq!(role_name_problem(ok), None, "{ok}");
        }
        for bad in [
            "repl-billing",
            "Repl",
            "1repl",
            "",
            "a b",
            "pg_repl",
            &"a".repeat(64),
        ] {
            assert!(role_name_problem(bad).is_some(), "{bad}");
        }
        let (_, help) = role_name_problem("repl-billing").unwrap();
        assert!(help.contains("`repl_billing`"), "{help}");
    }
}
