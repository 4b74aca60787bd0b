//! pg_hba.conf entries for a Patroni cluster: who may connect from where.
//! Patroni writes them to pg_hba.conf on every member (the same list goes to
//! `bootstrap.pg_hba`, which 3.0.2 requires, and to `postgresql.pg_hba`,
//! which wins over anything in the DCS).

use crate::model::{Model, PostgresCluster};
use ipnet::IpNet;

/// One pg_hba.conf line, split in its columns.
struct Entry {
    kind: &'static str,
    database: String,
    user: String,
    address: String,
    method: &'static str,
}

/// A commented group of lines.
pub struct Group {
    pub comment: &'static str,
    pub lines: Vec<String>,
}

/// scram-sha-256 everywhere on the network: PostgreSQL's default password
/// hashing since 14 (the emitter sets `password_encryption` for older ones).
const METHOD: &str = "scram-sha-256";

fn cidr(model: &Model, id: crate::model::HostId) -> Option<String> {
    model.host(id).address.map(|a| IpNet::from(a).to_string())
}

pub fn groups(model: &Model, pg: &PostgresCluster) -> Vec<Group> {
    let superuser = pg.superuser_or_default().name;
    let replication = pg.replication_user_or_default().name;
    let members: Vec<String> = pg
        .members
        .hosts
        .iter()
        .filter_map(|&m| cidr(model, m))
        .collect();
    // With TLS, every network entry is `hostssl`: a plaintext connection
    // matches no line and is refused.
    let kind = if pg.tls.is_some() { "hostssl" } else { "host" };
    let host = |database: &str, user: &str, address: &str| Entry {
        kind,
        database: database.into(),
        user: user.into(),
        address: address.into(),
        method: METHOD,
    };

    let mut raw: Vec<(&'static str, Vec<Entry>)> = vec![(
        "Unix socket: the postgres OS user, admins (sudo -u postgres psql) and local exporters.",
        vec![Entry {
            kind: "local",
            database: "all".into(),
            user: "all".into(),
            address: String::new(),
            method: "peer",
        }],
    )];
    raw.push((
        "Streaming replication and pg_basebackup between members.",
        members
            .iter()
            .map(|m| host("replication", &replication, m))
            .collect(),
    ));
    raw.push((
        "Superuser from the members: Patroni's connection to its own node, and pg_rewind (the rewind user is the superuser).",
        members.iter().map(|m| host("all", &superuser, m)).collect(),
    ));
    // Applications: HAProxy proxies in TCP mode, so their connections carry
    // the HAProxy host's address; without HAProxy the clients connect directly.
    let (comment, apps): (&'static str, Vec<String>) = match &pg.haproxy {
        Some(h) => (
            "Applications, through HAProxy (TCP mode: connections come from the HAProxy host).",
            h.hosts.iter().filter_map(|&x| cidr(model, x)).collect(),
        ),
        None => (
            "Applications (`clients`), connecting directly.",
            pg.clients
                .hosts
                .iter()
                .filter_map(|&c| cidr(model, c))
                .collect(),
        ),
    };
    if !apps.is_empty() {
        raw.push((
            comment,
            apps.iter().map(|a| host("all", "all", a)).collect(),
        ));
    }

    // Align the columns across every group, as in a hand-kept pg_hba.conf.
    let all = raw.iter().flat_map(|(_, e)| e);
    let w_kind = all.clone().map(|e| e.kind.len()).max().unwrap_or(0);
    let w_db = all.clone().map(|e| e.database.len()).max().unwrap_or(0);
    let w_user = all.clone().map(|e| e.user.len()).max().unwrap_or(0);
    let w_addr = all.map(|e| e.address.len()).max().unwrap_or(0);
    raw.into_iter()
        .filter(|(_, entries)| !entries.is_empty())
        .map(|(comment, entries)| Group {
            comment,
            lines: entries
                .iter()
                .map(|e| {
                    format!(
                        "{:w_kind$} {:w_db$} {:w_user$} {:w_addr$} {}",
                        e.kind, e.database, e.user, e.address, e.method
                    )
                })
                .collect(),
        })
        .collect()
}
