//! `infragen diff`: what a change of the spec means, for its reviewer.
//!
//! A consumer of the checked model and graph of both sides: exposure from
//! `graph::reach` (the evaluation `required-flow-blocked` uses), failures
//! tolerated and the failover bound from `model::ha` (what `explain
//! cluster` prints), the lint findings of `pipeline::check`. The output
//! files are compared by the CLI (emitters are a later stage) and handed in
//! as `Outputs`. Rendering is the CLI's too: this module returns values.

pub mod exposure;

use crate::diagnostic::Severity;
use crate::model::estate::cloud_init_path;
use crate::model::*;
use crate::pipeline::Checked;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use exposure::Exposure;

/// Byte offset → 1-based line, by binary search (not a scan per lookup).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

/// The spec lines a change rests on, in OLD and in NEW (1-based).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpecLines {
    pub old: Vec<usize>,
    pub new: Vec<usize>,
}

impl SpecLines {
    fn one(old: Option<usize>, new: Option<usize>) -> Self {
        SpecLines {
            old: old.into_iter().collect(),
            new: new.into_iter().collect(),
        }
    }
}

/// One side of the change: its text and what `pipeline::check` made of it.
pub struct Side<'a> {
    pub source: &'a str,
    pub checked: &'a Checked,
}

/// What the CLI found comparing the two builds.
#[derive(Debug, Clone, Default)]
pub struct Outputs {
    /// False when a side has errors and was not built.
    pub compared: bool,
    pub files: Vec<OutputChange>,
    /// Units (group or host names) whose user data (cloud-init) changed.
    pub user_data_changed: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileChange {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputChange {
    pub path: String,
    pub change: FileChange,
    pub lines_added: usize,
    pub lines_removed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostChangeKind {
    /// Terraform destroys and recreates it.
    Replaced,
    Added,
    Removed,
    /// Updated in place (some with a stop/start).
    InPlace,
}

/// What an attribute change does to a running host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// Forces a new resource.
    Replace,
    /// Updated in place with a stop/start (a reboot).
    Restart,
    /// Updated in place.
    Update,
    /// Not applied to running hosts (`lifecycle.ignore_changes`).
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeChange {
    /// The Terraform attribute, e.g. `subnet_id`.
    pub attribute: &'static str,
    pub old: String,
    pub new: String,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostChange {
    pub name: String,
    pub change: HostChangeKind,
    pub attributes: Vec<AttributeChange>,
    pub lines: SpecLines,
}

/// What a cluster survives, on one side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ha {
    /// Members of the quorum (etcd for PostgreSQL, master-eligible nodes for
    /// Elasticsearch).
    pub voters: usize,
    pub quorum: usize,
    pub tolerates_hosts: usize,
    /// Zones the voters span, and how many of them can fail at once.
    pub zones: usize,
    pub tolerates_zones: usize,
    pub members: usize,
    /// PostgreSQL: worst-case failover, ttl + loop_wait + HAProxy rise ×
    /// check-interval (as `explain cluster` prints it).
    pub failover_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterChange {
    /// `postgres-cluster` or `elasticsearch-cluster`.
    pub kind: &'static str,
    pub name: String,
    pub old: Option<Ha>,
    pub new: Option<Ha>,
    /// Fewer host or zone failures tolerated than before.
    pub quorum_down: bool,
    /// The `explain failures` cells of this cluster whose verdict changed
    /// ("zone us-east-1a: postgres orders writes: survives → down (…)").
    pub failure_rows: Vec<String>,
    pub lines: SpecLines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Finding {
    /// In NEW, not in OLD.
    New,
    /// In OLD, gone from NEW.
    Fixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosticChange {
    pub change: Finding,
    pub rule: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub lines: SpecLines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretChangeKind {
    /// The deploy must provide it.
    Added,
    /// No longer read.
    Removed,
}

/// A secret variable (never its value: the diff does not read any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretChange {
    pub change: SecretChangeKind,
    pub variable: String,
    pub lines: SpecLines,
}

/// The reviewer's summary of a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub exposure: Vec<Exposure>,
    pub hosts: Vec<HostChange>,
    pub ha: Vec<ClusterChange>,
    pub diagnostics: Vec<DiagnosticChange>,
    pub secrets: Vec<SecretChange>,
    pub outputs: Vec<OutputChange>,
    /// False when a side has errors and could not be built.
    pub outputs_compared: bool,
    /// Errors in NEW (the diff exits 1 when there are any).
    pub new_errors: usize,
    /// False when a side is not valid KDL: only diagnostics are compared.
    pub compared_models: bool,
}

/// Risk classes `--fail-on` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    /// A flow newly allowed from the whole internet.
    ExposureWorld,
    /// A running host Terraform would destroy and recreate.
    Replace,
    /// A cluster tolerates fewer failures than before.
    QuorumDown,
}

impl Risk {
    pub const ALL: &[(&str, Risk)] = &[
        ("exposure-world", Risk::ExposureWorld),
        ("replace", Risk::Replace),
        ("quorum-down", Risk::QuorumDown),
    ];

    pub fn parse(s: &str) -> Option<Risk> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, r)| *r)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, r)| *r == self)
            .map(|(n, _)| *n)
            .unwrap_or("")
    }
}

impl Report {
    /// Is the risk present in this change?
    pub fn has(&self, risk: Risk) -> bool {
        match risk {
            Risk::ExposureWorld => self
                .exposure
                .iter()
                .any(|e| e.change == exposure::Change::Opened && e.class == exposure::Class::World),
            Risk::Replace => self
                .hosts
                .iter()
                .any(|h| h.change == HostChangeKind::Replaced),
            Risk::QuorumDown => self.ha.iter().any(|c| c.quorum_down),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exposure.is_empty()
            && self.hosts.is_empty()
            && self.ha.is_empty()
            && self.diagnostics.is_empty()
            && self.secrets.is_empty()
            && self.outputs.is_empty()
    }
}

/// Compares two checked specs.
pub fn compare(old: &Side, new: &Side, outputs: Outputs) -> Report {
    compare_with(old, new, || outputs)
}

/// [`compare`], with the outputs compared by `outputs` on a thread of its
/// own while the models are (the CLI's comparison of the two builds).
pub fn compare_with(old: &Side, new: &Side, outputs: impl FnOnce() -> Outputs + Send) -> Report {
    let (lo, ln) = (LineIndex::new(old.source), LineIndex::new(new.source));
    let mut report = Report {
        diagnostics: diagnostics(old, &lo, new, &ln),
        new_errors: new.checked.errors(),
        ..Report::default()
    };
    let models = old.checked.model.as_ref().zip(new.checked.model.as_ref());
    // The exposure (the larger part) on this thread; the failure simulator
    // of both sides (only when both have a graph) and the outputs on
    // others: independent reads, each deterministic.
    let (exposure, sims, outputs) = std::thread::scope(|s| {
        let outputs = s.spawn(outputs);
        let sims = s.spawn(|| match (models, &old.checked.graph, &new.checked.graph) {
            (Some((om, nm)), Some(og), Some(ng)) => Some((
                crate::graph::failures::simulate(om, og, Default::default()),
                crate::graph::failures::simulate(nm, ng, Default::default()),
            )),
            _ => None,
        });
        let exposure = models.map(|(om, nm)| exposure::compare(om, &lo, nm, &ln));
        (
            exposure,
            sims.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            outputs
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        )
    });
    report.outputs = outputs.files;
    report.outputs_compared = outputs.compared;
    let (Some((om, nm)), Some(exposure)) = (models, exposure) else {
        return report;
    };
    report.compared_models = true;
    report.exposure = exposure;
    report.hosts = hosts(om, &lo, nm, &ln, &outputs.user_data_changed);
    report.ha = ha(om, &lo, nm, &ln, sims.as_ref());
    report.secrets = secrets(om, old.source, &lo, nm, new.source, &ln);
    report
}

fn diagnostics(old: &Side, lo: &LineIndex, new: &Side, ln: &LineIndex) -> Vec<DiagnosticChange> {
    type K = (&'static str, &'static str, String);
    let key = |d: &crate::diagnostic::Diagnostic| -> K {
        (d.rule.as_str(), d.severity.as_str(), d.message.clone())
    };
    let index = |side: &Side, li: &LineIndex| {
        let mut m: BTreeMap<K, Vec<usize>> = BTreeMap::new();
        for d in &side.checked.diagnostics {
            let line = d.labels.first().map(|l| li.line(l.span.start)).unwrap_or(0);
            m.entry(key(d)).or_default().push(line);
        }
        m
    };
    let (a, b) = (index(old, lo), index(new, ln));
    let mut out = Vec::new();
    for (k, lines) in &b {
        let before = a.get(k).map_or(0, Vec::len);
        for &l in lines.iter().skip(before) {
            out.push(DiagnosticChange {
                change: Finding::New,
                rule: k.0,
                severity: k.1,
                message: k.2.clone(),
                lines: SpecLines::one(None, Some(l).filter(|l| *l > 0)),
            });
        }
    }
    for (k, lines) in &a {
        let after = b.get(k).map_or(0, Vec::len);
        for &l in lines.iter().skip(after) {
            out.push(DiagnosticChange {
                change: Finding::Fixed,
                rule: k.0,
                severity: k.1,
                message: k.2.clone(),
                lines: SpecLines::one(Some(l).filter(|l| *l > 0), None),
            });
        }
    }
    // Errors first, then warnings; new before fixed.
    out.sort_by(|x, y| {
        (
            y.severity == Severity::Error.as_str(),
            x.change,
            x.rule,
            &x.message,
        )
            .cmp(&(
                x.severity == Severity::Error.as_str(),
                y.change,
                y.rule,
                &y.message,
            ))
    });
    out
}

fn unit_of<'m>(m: &'m Model, h: &'m Host) -> &'m str {
    h.group
        .map_or(h.name.as_str(), |g| m.group(g).name.as_str())
}

fn host_line(li: &LineIndex, h: &Host) -> usize {
    li.line(h.name_span.start)
}

/// Added, removed and replaced hosts, by name. Which attribute forces what
/// follows the emitted Terraform (`docs/review.md`): on AWS `subnet_id` and
/// `private_ip` force a new instance, `instance_type` is changed with a
/// stop/start unless the architecture changes (the image must then change
/// too), `ami` is in `ignore_changes`, `user_data` is updated with a
/// stop/start (`user_data_replace_on_change` is not set). On Azure the
/// image (`source_image_reference`) and `custom_data` force a new VM, a new
/// size is a resize with a restart, subnet and address change on the NIC.
fn hosts(
    om: &Model,
    lo: &LineIndex,
    nm: &Model,
    ln: &LineIndex,
    user_data: &BTreeSet<String>,
) -> Vec<HostChange> {
    // Hash maps (the order comes from the sort at the end): sorting 10 000
    // names into a BTreeMap was a tenth of this step.
    let (old_by_name, new_by_name) = (by_name(om), by_name(nm));
    let mut out = Vec::new();
    for (name, &nid) in &new_by_name {
        let nh = nm.host(nid);
        let Some(&oid) = old_by_name.get(name) else {
            out.push(HostChange {
                name: name.to_string(),
                change: HostChangeKind::Added,
                attributes: Vec::new(),
                lines: SpecLines::one(None, Some(host_line(ln, nh))),
            });
            continue;
        };
        let oh = om.host(oid);
        let attributes = attribute_changes(om, oid, nm, nid, user_data);
        if attributes.is_empty() {
            continue;
        }
        let change = if attributes.iter().any(|a| a.effect == Effect::Replace) {
            HostChangeKind::Replaced
        } else {
            HostChangeKind::InPlace
        };
        out.push(HostChange {
            name: name.to_string(),
            change,
            attributes,
            lines: SpecLines::one(Some(host_line(lo, oh)), Some(host_line(ln, nh))),
        });
    }
    for (name, &oid) in &old_by_name {
        if !new_by_name.contains_key(name) {
            out.push(HostChange {
                name: name.to_string(),
                change: HostChangeKind::Removed,
                attributes: Vec::new(),
                lines: SpecLines::one(Some(host_line(lo, om.host(oid))), None),
            });
        }
    }
    out.sort_by_cached_key(|h| (h.change, natural(&h.name), h.name.clone()));
    out
}

/// `app-9` before `app-10`: digits compare as numbers.
fn natural(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(u64::from(d)),
            );
        } else {
            if let Some(n) = num.take() {
                out.push((std::mem::take(&mut text), n));
            }
            text.push(c);
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

fn by_name(m: &Model) -> std::collections::HashMap<&str, HostId> {
    (m.hosts.iter().enumerate())
        .map(|(i, h)| (h.name.as_str(), HostId::from_index(i)))
        .collect()
}

fn attribute_changes(
    om: &Model,
    oid: HostId,
    nm: &Model,
    nid: HostId,
    user_data: &BTreeSet<String>,
) -> Vec<AttributeChange> {
    let (oh, nh) = (om.host(oid), nm.host(nid));
    let (oc, nc) = (om.host_cloud(oid), nm.host_cloud(nid));
    let mut v = Vec::new();
    // Compared first, written out only when they differ (most hosts have
    // no change).
    let mut add = |attribute, old: String, new: String, effect| {
        if old != new {
            v.push(AttributeChange {
                attribute,
                old,
                new,
                effect,
            });
        }
    };

    if oc != nc {
        add(
            "cloud",
            oc.display().into(),
            nc.display().into(),
            Effect::Replace,
        );
        return v;
    }
    let aws = nc == Cloud::Aws;
    let nic = if aws { Effect::Replace } else { Effect::Update };
    if om.subnet_path_parts(oh.subnet) != nm.subnet_path_parts(nh.subnet) {
        add(
            "subnet_id",
            om.subnet_path(oh.subnet),
            nm.subnet_path(nh.subnet),
            nic,
        );
    }
    if oh.address != nh.address {
        let addr = |h: &Host| h.address.map(|a| a.to_string()).unwrap_or_default();
        add("private_ip", addr(oh), addr(nh), nic);
    }
    let ty = Host::instance_type;
    let (ot, nt) = (ty(oh), ty(nh));
    let arch = |t: &str| instance_types::arch_of(nc, t);
    let arch_changed = arch(ot) != arch(nt);
    if ot != nt {
        let effect = if arch_changed {
            Effect::Replace
        } else {
            Effect::Restart
        };
        add(
            if aws { "instance_type" } else { "size" },
            ot.to_string(),
            nt.to_string(),
            effect,
        );
    }
    if oh.os() != nh.os() || arch_changed {
        let img = |h: &Host, t: &str| format!("{} {}", h.os(), arch(t).as_str());
        let (attr, effect) = if aws {
            ("ami", Effect::Ignored)
        } else {
            ("source_image_reference", Effect::Replace)
        };
        add(attr, img(oh, ty(oh)), img(nh, ty(nh)), effect);
    }
    let unit = nh
        .group
        .map_or(nh.name.as_str(), |g| nm.group(g).name.as_str());
    if user_data.contains(unit) {
        let (attr, effect) = if aws {
            ("user_data", Effect::Restart)
        } else {
            ("custom_data", Effect::Replace)
        };
        add(
            attr,
            cloud_init_path(unit_of(om, oh)),
            format!("{}, changed", cloud_init_path(unit)),
            effect,
        );
    }
    v
}

/// Zone of a host: the subnet's zone, or the region when it has none.
fn zone_of(m: &Model, h: HostId) -> String {
    let s = m.subnet(m.host(h).subnet);
    match &s.zone {
        Some(z) => z.value.clone(),
        None => m.network(s.network).region.value.clone(),
    }
}

/// Zones the voters span and how many can fail together with the quorum
/// kept: the largest k whose k most populated zones hold at most the
/// tolerated number of voters.
fn zone_tolerance(m: &Model, voters: &[HostId], tolerated: usize) -> (usize, usize) {
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for &h in voters {
        *per.entry(zone_of(m, h)).or_default() += 1;
    }
    let mut counts: Vec<usize> = per.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let mut lost = 0;
    let mut k = 0;
    for c in &counts {
        if lost + c > tolerated {
            break;
        }
        lost += c;
        k += 1;
    }
    (counts.len(), k)
}

fn pg_ha(m: &Model, pg: &PostgresCluster) -> Ha {
    let voters = pg.etcd.hosts.len();
    let tol = ha::quorum_tolerance(voters);
    let (zones, tz) = zone_tolerance(m, &pg.etcd.hosts, tol);
    Ha {
        voters,
        quorum: voters / 2 + 1,
        tolerates_hosts: tol,
        zones,
        tolerates_zones: tz,
        members: pg.members.hosts.len(),
        failover_ms: Some(ha::failover_bound(pg).total_ms),
    }
}

fn es_ha(m: &Model, es: &EsCluster) -> Ha {
    let voters = es.master_eligible.hosts.len();
    let tol = ha::quorum_tolerance(voters);
    let (zones, tz) = zone_tolerance(m, &es.master_eligible.hosts, tol);
    Ha {
        voters,
        quorum: es.quorum() as usize,
        tolerates_hosts: tol,
        zones,
        tolerates_zones: tz,
        members: es.members.hosts.len(),
        failover_ms: None,
    }
}

/// Per cluster: quorum, failures tolerated (hosts and zones), failover
/// bound; listed when any of them changed.
type Sims = (
    crate::graph::failures::Report,
    crate::graph::failures::Report,
);

fn ha(
    om: &Model,
    lo: &LineIndex,
    nm: &Model,
    ln: &LineIndex,
    sims: Option<&Sims>,
) -> Vec<ClusterChange> {
    type Entry = (Ha, usize);
    let collect = |m: &Model, li: &LineIndex| {
        let mut out: BTreeMap<(&'static str, String), Entry> = BTreeMap::new();
        for pg in &m.postgres {
            let line = pg.patroni.span.unwrap_or(pg.name_span).start;
            out.insert(
                ("postgres-cluster", pg.name.clone()),
                (pg_ha(m, pg), li.line(line)),
            );
        }
        for es in &m.elasticsearch {
            out.insert(
                ("elasticsearch-cluster", es.name.clone()),
                (es_ha(m, es), li.line(es.name_span.start)),
            );
        }
        out
    };
    let (a, b) = (collect(om, lo), collect(nm, ln));
    let keys: BTreeSet<&(&'static str, String)> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let (o, n) = (a.get(k), b.get(k));
        if o.map(|e| &e.0) == n.map(|e| &e.0) {
            continue;
        }
        let quorum_down = match (o, n) {
            (Some((o, _)), Some((n, _))) => {
                n.tolerates_hosts < o.tolerates_hosts || n.tolerates_zones < o.tolerates_zones
            }
            _ => false,
        };
        out.push(ClusterChange {
            kind: k.0,
            name: k.1.clone(),
            old: o.map(|e| e.0.clone()),
            new: n.map(|e| e.0.clone()),
            quorum_down,
            failure_rows: sims.map_or_else(Vec::new, |(a, b)| failure_rows(a, b, &k.1)),
            lines: SpecLines::one(o.map(|e| e.1), n.map(|e| e.1)),
        });
    }
    out
}

/// The failure simulator's cells (`explain failures`) that differ between
/// OLD and NEW for one cluster: per failure domain (zone, region, tunnel,
/// single host) and per column of the cluster (`postgres orders writes`, …),
/// "zone us-east-1a: postgres orders writes: survives → down (reason)".
fn failure_rows(
    old: &crate::graph::failures::Report,
    new: &crate::graph::failures::Report,
    cluster: &str,
) -> Vec<String> {
    use crate::graph::failures::{Cell, Report};
    let cells = |r: &Report| {
        let mut m: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for (i, col) in r.columns.iter().enumerate() {
            if !col.name.split(' ').any(|w| w == cluster) {
                continue;
            }
            for row in &r.rows {
                if let Some(c) = row.cells.get(i) {
                    m.insert((row.domain.label(), col.name.clone()), c.clone());
                }
            }
        }
        m
    };
    let (a, b) = (cells(old), cells(new));
    let word = |c: Option<&Cell>| match c {
        Some(c) if c.survives => "survives",
        Some(_) => "down",
        None => "absent",
    };
    let keys: BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (a.get(k), b.get(k));
            if o.map(|c| c.survives) == n.map(|c| c.survives) {
                return None;
            }
            let why = n
                .filter(|c| !c.survives)
                .map(|c| format!(" ({})", c.reason_text()))
                .unwrap_or_default();
            Some(format!("{}: {}: {} → {}{why}", k.0, k.1, word(o), word(n)))
        })
        .collect()
}

/// The line that names a variable (`psk-env "X"`, `password-env="X"`).
fn var_line(src: &str, li: &LineIndex, var: &str) -> Option<usize> {
    src.find(&format!("\"{var}\"")).map(|o| li.line(o))
}

fn secrets(
    om: &Model,
    os: &str,
    lo: &LineIndex,
    nm: &Model,
    ns: &str,
    ln: &LineIndex,
) -> Vec<SecretChange> {
    let (a, b): (BTreeSet<String>, BTreeSet<String>) = (
        om.secret_vars().into_iter().collect(),
        nm.secret_vars().into_iter().collect(),
    );
    let mut out: Vec<SecretChange> = b
        .difference(&a)
        .map(|v| SecretChange {
            change: SecretChangeKind::Added,
            variable: v.clone(),
            lines: SpecLines::one(None, var_line(ns, ln, v)),
        })
        .collect();
    out.extend(a.difference(&b).map(|v| SecretChange {
        change: SecretChangeKind::Removed,
        variable: v.clone(),
        lines: SpecLines::one(var_line(os, lo, v), None),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_matches_line_col() {
        let src = "a\nbb\n\nccc";
        let li = LineIndex::new(src);
        for off in 0..=src.len() {
            assert_eq!(li.line(off), crate::span::line_col(src, off).0, "{off}");
        }
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["app-10", "app-9", "app-100", "db"];
        v.sort_by_key(|s| natural(s));
        assert_eq!(v, ["app-9", "app-10", "app-100", "db"]);
    }
}
