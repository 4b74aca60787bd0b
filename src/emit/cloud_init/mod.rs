//! `cloud-init/<group or host>.yaml`: first boot from `baseline`. A group's
//! file is shared by its hosts, so it is a Terraform template with one
//! variable, `hostname` (Terraform: `templatefile(…, { hostname = each.key })`);
//! a single host's file names the host directly. Both are rendered by
//! `templatefile()`, so the document is written with `Yaml::render_template`:
//! no value can form `${` or `%{`, and the only interpolation is the
//! hostname the emitter writes itself.

mod command_log;
mod tuning;

use super::node_exporter;
use super::yaml::Yaml;
use super::{Artifact, EmitContext, Emitter};
use crate::model::fleet::os_has_systemd;
use crate::model::{Baseline, HostSettings, Model, Unit};

pub struct CloudInit;

/// One group or standalone host.
struct Entry<'a> {
    unit: Unit,
    settings: &'a HostSettings,
    /// The host's name, or `None` for a group: the template's `hostname`.
    hostname: Option<String>,
}

/// The estate's units, by name.
fn entries(model: &Model) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry> = model
        .units()
        .into_iter()
        .map(|unit| Entry {
            settings: unit.settings(model),
            hostname: (!unit.is_group()).then(|| unit.name.clone()),
            unit,
        })
        .collect();
    out.sort_by(|a, b| a.unit.name.cmp(&b.unit.name));
    out
}

/// A `write_files` entry.
fn file_mode(path: &str, mode: &str, content: String) -> Yaml {
    Yaml::map()
        .with("path", Yaml::str(path))
        .with("permissions", Yaml::str(mode))
        .with("content", Yaml::Str(content))
}

fn file(path: &str, content: String) -> Yaml {
    file_mode(path, "0644", content)
}

impl Emitter for CloudInit {
    fn name(&self) -> &'static str {
        "cloud-init"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let empty = Baseline::default();
        let baseline = ctx.model.baseline.as_ref().unwrap_or(&empty);
        let redis = redis_members(ctx.model);
        for e in entries(ctx.model) {
            let text = render(ctx, baseline, &e, &redis);
            out.push(Artifact::new(e.unit.cloud_init_path(), text).source(
                format!("{} {}", e.unit.kind(), e.unit.name),
                ctx.line(e.unit.span(ctx.model)),
            ));
        }
    }
}

/// Members of a self-hosted Redis, and whether a Sentinel runs beside them.
fn redis_members(model: &Model) -> std::collections::BTreeMap<crate::model::HostId, bool> {
    let mut out = std::collections::BTreeMap::new();
    for r in model
        .redis
        .iter()
        .filter(|r| r.engine == crate::model::RedisEngine::SelfHosted)
    {
        for &h in &r.members.hosts {
            let s = out.entry(h).or_insert(false);
            *s |= r.has_sentinel();
        }
    }
    out
}

fn render(
    ctx: &EmitContext,
    b: &Baseline,
    e: &Entry,
    redis: &std::collections::BTreeMap<crate::model::HostId, bool>,
) -> String {
    let model = ctx.model;
    let os = e
        .settings
        .os
        .as_ref()
        .map(|o| o.value.as_str())
        .unwrap_or(crate::model::fleet::DEFAULT_OS);
    let systemd = os_has_systemd(os);
    let gateway = e.unit.is_gateway(model);
    // `prefix` then `suffix`, with the template variable between them for a group.
    let hostname = |suffix: &str| match &e.hostname {
        Some(name) => Yaml::str(format!("{name}{suffix}")),
        None => Yaml::Raw(super::yaml::template_var("hostname", suffix)),
    };
    let mut doc = Yaml::map().with("hostname", hostname(""));
    if let Some(domain) = &b.domain {
        doc = doc.with("fqdn", hostname(&format!(".{domain}")));
    }
    doc = doc.with("manage_etc_hosts", Yaml::Bool(true));
    let mut users = vec![Yaml::str("default")];
    for a in &b.admins {
        users.push(
            Yaml::map()
                .with("name", Yaml::str(a.name.clone()))
                .with("groups", Yaml::strs(["sudo"]))
                .with("shell", Yaml::str("/bin/bash"))
                .with("sudo", Yaml::str("ALL=(ALL) NOPASSWD:ALL"))
                .with("lock_passwd", Yaml::Bool(true))
                .with("ssh_authorized_keys", Yaml::strs([a.ssh_key.clone()])),
        );
    }
    doc = doc
        .with("users", Yaml::Seq(users))
        .with("ssh_pwauth", Yaml::Bool(false))
        .with("disable_root", Yaml::Bool(true));

    let mut packages: Vec<String> = b.packages.clone();
    let mut files = Vec::new();
    let mut runcmd: Vec<String> = Vec::new();
    if let Some(d) = &b.docker {
        packages.push("docker.io".into());
        files.push(file(
            "/etc/docker/daemon.json",
            tuning::docker_daemon_json(d),
        ));
        runcmd.push("service docker restart".into());
    }
    if b.network_tuning.is_some() || gateway {
        files.push(file(
            "/etc/sysctl.d/60-infragen-network.conf",
            tuning::sysctl(ctx, b.network_tuning.is_some(), gateway),
        ));
        runcmd.push("sysctl --system".into());
    }
    if b.network_tuning.is_some() {
        files.push(file(
            "/etc/security/limits.d/60-infragen-nofile.conf",
            tuning::limits(ctx),
        ));
        if systemd {
            files.push(file(
                "/etc/systemd/system.conf.d/60-infragen-nofile.conf",
                tuning::systemd_limits(ctx),
            ));
            runcmd.push("systemctl daemon-reexec".into());
        }
    }
    if let Some(path) = &b.command_log {
        packages.extend(["auditd".to_string(), "audispd-plugins".to_string()]);
        files.extend(command_log::files(ctx, path, os));
        runcmd.extend(command_log::commands());
    }
    if e.settings.monitored
        && let Some(mon) = &model.monitoring
    {
        let port = mon.node_exporter.port;
        if systemd {
            files.push(file(
                "/etc/systemd/system/node_exporter.service",
                node_exporter::systemd_unit(ctx, port),
            ));
        } else {
            files.push(file_mode(
                "/etc/init.d/node_exporter",
                "0755",
                node_exporter::init_script(ctx, port),
            ));
        }
        packages.push("curl".into());
        if let Some(path) = &b.command_log {
            packages.push("cron".into());
            files.extend(command_log::size_files(ctx, path));
            runcmd.extend(command_log::size_commands());
        }
        runcmd.extend(node_exporter::install_commands(
            &mon.node_exporter.version,
            systemd,
        ));
    }
    // An API gateway on this group: the NGINX package. Its nginx.conf
    // (gateway/<gateway>/nginx.conf) is deployed like the other service
    // configs (docs/getting-started.md), not through user_data: a route
    // change must not touch the instances.
    if let Some(group) = e.unit.group
        && model.gateways.iter().any(|g| g.group == group)
    {
        packages.push("nginx".into());
    }
    // Self-hosted Redis: Debian's packages; redis/HOST/*.conf go to
    // /etc/redis/ at deploy time (docs/redis.md), like patroni.yml.
    if let Some(sentinel) = e.unit.hosts.iter().filter_map(|h| redis.get(h)).max() {
        packages.push("redis-server".into());
        if *sentinel {
            packages.push("redis-sentinel".into());
        }
    }
    packages.sort();
    packages.dedup();
    if !packages.is_empty() {
        doc = doc
            .with("package_update", Yaml::Bool(true))
            .with("packages", Yaml::strs(packages));
    }
    if !files.is_empty() {
        doc = doc.with("write_files", Yaml::Seq(files));
    }
    if !runcmd.is_empty() {
        doc = doc.with("runcmd", Yaml::strs(runcmd));
    }
    // No host count in a group's header: the text is every member's user
    // data, and a resize must not change it (a stop/start of each member).
    let what = if e.unit.is_group() {
        format!(
            "# group {}: a Terraform template; `hostname` is the host's name\n",
            e.unit.name
        )
    } else {
        format!("# host {}\n", e.unit.name)
    };
    format!(
        "#cloud-config\n{}{what}{}",
        ctx.header("#"),
        doc.render_template()
    )
}
