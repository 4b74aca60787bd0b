//! `infragen diff OLD NEW` and `infragen diff --base REV SPEC`: the
//! reviewer's summary of a change (`docs/review.md`). The analysis is
//! `crate::diff`; this file loads both sides, builds their outputs in
//! memory to compare them, renders the report and picks the exit code.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::diff::exposure::{Change, Class};
use crate::diff::{
    self, Effect, FileChange, HostChangeKind, OutputChange, Outputs, Report, Risk, Side,
};
use crate::emit::{self, EmitContext, Secrets};
use crate::lock::AddressLock;
use crate::pipeline::{self, Checked};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// OLD.kdl NEW.kdl; with --base, the one SPEC.
    #[arg(required = true, num_args = 1..=2)]
    pub specs: Vec<PathBuf>,
    /// Compare SPEC (and its lock) at git revision REV with the working copy.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Output format: human, markdown (a PR comment) or json.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Exit 1 when the change has one of these risks:
    /// exposure-world, replace, quorum-down (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RISKS")]
    pub fail_on: Vec<String>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

/// One side as read: from a file or from git.
pub struct Loaded {
    /// How the side is named in the report.
    pub label: String,
    /// File name, for the outputs' provenance headers.
    pub file_name: String,
    pub source: String,
    pub lock: AddressLock,
}

pub fn run(args: &DiffArgs) -> i32 {
    match diff(args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("infragen diff: {msg}");
            EXIT_USAGE
        }
    }
}

fn diff(args: &DiffArgs) -> Result<i32, String> {
    let mut risks = Vec::new();
    for name in &args.fail_on {
        let names: Vec<&str> = Risk::ALL.iter().map(|(n, _)| *n).collect();
        let r = Risk::parse(name).ok_or_else(|| {
            format!(
                "--fail-on: unknown risk `{name}` (one of {})",
                names.join(", ")
            )
        })?;
        risks.push(r);
    }
    // Each side is read (and its lock parsed) on a thread of its own.
    let both = |a: &(dyn Fn() -> Result<Loaded, String> + Sync),
                b: &(dyn Fn() -> Result<Loaded, String> + Sync)| {
        std::thread::scope(|s| {
            let old = s.spawn(a);
            let new = b();
            let old = old.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            Ok::<_, String>((old?, new?))
        })
    };
    let (old, new) = match (&args.base, args.specs.as_slice()) {
        (None, [old, new]) => both(&|| from_file(old), &|| from_file(new))?,
        (Some(rev), [spec]) => both(&|| from_git(rev, spec), &|| from_file(spec))?,
        (None, _) => return Err("give OLD.kdl NEW.kdl, or --base REV SPEC".into()),
        (Some(_), _) => return Err("with --base give one SPEC".into()),
    };
    let timing = std::env::var_os("INFRAGEN_DIFF_TIMES").is_some();
    let Analysis {
        report,
        checked,
        built,
    } = analyse(&old, &new, timing)?;
    // The process ends after the report: its two models, graphs and builds
    // (tens of MB at 10 000 hosts) are left to the OS rather than freed
    // piece by piece.
    std::mem::forget((checked, built));
    let text = match args.format {
        DiffFormat::Human => human(&report, &old.label, &new.label),
        DiffFormat::Markdown => markdown(&report, &old.label, &new.label),
        DiffFormat::Json => json(&report, &old.label, &new.label),
    };
    // A closed pipe (`| head`) is not a failure of the diff.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    let mut code = EXIT_OK;
    if report.new_errors > 0 {
        eprintln!(
            "infragen diff: {} has {} error(s); run `infragen lint`",
            new.label, report.new_errors
        );
        code = EXIT_FAILED;
    }
    for r in risks {
        if report.has(r) {
            eprintln!("infragen diff: --fail-on {}: the change has it", r.name());
            code = EXIT_FAILED;
        }
    }
    Ok(code)
}

/// What `diff` computed: the report, and the two sides' checks and builds
/// it rests on (kept so that the caller chooses when to free them).
pub struct Analysis {
    pub report: Report,
    pub checked: (Checked, Checked),
    pub built: (Option<Built>, Option<Built>),
}

/// One side's outputs, path → contents.
type Built = BTreeMap<String, String>;

/// Checks and builds both sides (on two threads), compares the outputs and
/// the models. `timing` prints each phase's wall time on stderr
/// (`INFRAGEN_DIFF_TIMES=1`, docs/performance.md).
pub fn analyse(old: &Loaded, new: &Loaded, timing: bool) -> Result<Analysis, String> {
    let t0 = std::time::Instant::now();
    let phase = |what: &str, since: std::time::Instant| {
        if timing {
            eprintln!(
                "infragen diff: {what}: {:.1} ms",
                since.elapsed().as_secs_f64() * 1e3
            );
        }
    };
    // The two sides are independent: check and build them side by side.
    let name = new.file_name.as_str();
    let side = |l: &Loaded| {
        let t = std::time::Instant::now();
        let c = pipeline::check(&l.source, &l.lock);
        phase(&format!("check {}", l.label), t);
        let t = std::time::Instant::now();
        let built = build(l, name, &c);
        phase(&format!("emit {}", l.label), t);
        (c, built)
    };
    let (old_side, (nc, new_built)) = std::thread::scope(|s| {
        let h = s.spawn(|| side(old));
        let n = side(new);
        (h.join(), n)
    });
    let Ok((oc, old_built)) = old_side else {
        return Err("checking the OLD side failed (an infragen bug: please report it)".into());
    };
    phase("both sides checked and built", t0);
    let t = std::time::Instant::now();
    let report = diff::compare_with(
        &Side {
            source: &old.source,
            checked: &oc,
        },
        &Side {
            source: &new.source,
            checked: &nc,
        },
        || {
            let t = std::time::Instant::now();
            let outputs = compare_outputs(old_built.as_ref(), new_built.as_ref());
            phase("outputs compared (beside the models)", t);
            outputs
        },
    );
    phase("models compared", t);
    Ok(Analysis {
        report,
        checked: (oc, nc),
        built: (old_built, new_built),
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn from_file(p: &Path) -> Result<Loaded, String> {
    let (source, lock) = super::load_spec(p)?;
    Ok(Loaded {
        label: p.display().to_string(),
        file_name: file_name(p),
        source,
        lock,
    })
}

/// The spec and its lock as committed at `rev`, read with `git show`
/// from the spec's directory (`REV:./name`, so any repository layout works).
fn from_git(rev: &str, spec: &Path) -> Result<Loaded, String> {
    if rev.starts_with('-') || rev.contains(':') {
        return Err(format!("--base {rev}: not a revision"));
    }
    let dir = match spec.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = file_name(spec);
    let lock_name = file_name(&super::lock_path(spec));
    let source =
        git_show(&dir, rev, &name)?.ok_or_else(|| format!("{name} does not exist at {rev}"))?;
    let source =
        String::from_utf8(source).map_err(|_| format!("{name} at {rev} is not UTF-8 text"))?;
    let lock = match git_show(&dir, rev, &lock_name)? {
        None => AddressLock::default(),
        Some(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{lock_name} at {rev} is not UTF-8 text"))?;
            AddressLock::parse(&text).map_err(|e| format!("{lock_name} at {rev}: {e}"))?
        }
    };
    Ok(Loaded {
        label: format!("{rev}:{}", spec.display()),
        file_name: name,
        source,
        lock,
    })
}

/// `git show REV:./NAME` in `dir`; None when the file is not in that revision.
fn git_show(dir: &Path, rev: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
    let object = format!("{rev}:./{name}");
    let exists = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "-e", "--end-of-options", &object])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !exists.status.success() {
        // Is the revision there at all?
        let rev_ok = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
            .arg(format!("{rev}^{{commit}}"))
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !rev_ok.status.success() {
            return Err(format!(
                "--base {rev}: not a revision of the git repository at {}",
                dir.display()
            ));
        }
        return Ok(None);
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["show", "--end-of-options", &object])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git show {object}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(Some(out.stdout))
}

/// Both sides built in memory (placeholders for secrets, never values),
/// compared file by file.
fn compare_outputs(
    a: Option<&BTreeMap<String, String>>,
    b: Option<&BTreeMap<String, String>>,
) -> Outputs {
    let (Some(a), Some(b)) = (a, b) else {
        return Outputs::default();
    };
    let mut files = Vec::new();
    let mut user_data_changed = BTreeSet::new();
    for (path, text) in b {
        match a.get(path) {
            None => files.push(OutputChange {
                path: path.clone(),
                change: FileChange::Added,
                lines_added: text.lines().count(),
                lines_removed: 0,
            }),
            Some(old_text) if old_text != text => {
                let (added, removed) = line_counts(old_text, text);
                files.push(OutputChange {
                    path: path.clone(),
                    change: FileChange::Changed,
                    lines_added: added,
                    lines_removed: removed,
                });
                if let Some(unit) = crate::model::estate::unit_of_cloud_init_path(path) {
                    user_data_changed.insert(unit.to_string());
                }
            }
            Some(_) => {}
        }
    }
    for (path, text) in a {
        if !b.contains_key(path) {
            files.push(OutputChange {
                path: path.clone(),
                change: FileChange::Removed,
                lines_added: 0,
                lines_removed: text.lines().count(),
            });
        }
    }
    files.sort_by(|x, y| x.path.cmp(&y.path));
    Outputs {
        compared: true,
        files,
        user_data_changed,
    }
}

/// `name` is NEW's file name for both sides: the provenance headers name
/// the spec, and a renamed file is not a change of every output.
fn build(side: &Loaded, name: &str, c: &Checked) -> Option<BTreeMap<String, String>> {
    let (Some(model), Some(graph)) = (&c.model, &c.graph) else {
        return None;
    };
    if c.errors() > 0 {
        return None;
    }
    let secrets = Secrets::Placeholders;
    let ctx = EmitContext::new(model, graph, name, &side.source, &secrets);
    Some(
        emit::emit_all(&ctx)
            .into_iter()
            .map(|a| (a.path, a.contents))
            .collect(),
    )
}

/// Lines added and removed, as `diff` counts them. Lines both texts
/// begin or end with are set aside first: they are in a longest common
/// subsequence, so the counts are the same, and a large file with a small
/// change (hosts.tf, a host list) is not tokenized whole.
fn line_counts(old: &str, new: &str) -> (usize, usize) {
    let (old, new) = common_lines_trimmed(old, new);
    let d = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(std::time::Duration::from_secs(2))
        .diff_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for op in d.ops() {
        for c in d.iter_changes(op) {
            match c.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
    }
    (added, removed)
}

/// `a` and `b` without the whole lines they both begin and end with.
fn common_lines_trimmed<'t>(a: &'t str, b: &'t str) -> (&'t str, &'t str) {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Back to the start of the line the first difference is in.
    let start = a.as_bytes()[..same]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let (a, b) = (&a[start..], &b[start..]);
    let same = (a.bytes().rev().zip(b.bytes().rev()))
        .take_while(|(x, y)| x == y)
        .count()
        .min(a.len().min(b.len()));
    // From just after the first newline of the common end: it ends a line
    // in both texts, so what follows is whole lines in both.
    let tail = &a.as_bytes()[a.len() - same..];
    match tail.iter().position(|&c| c == b'\n') {
        Some(k) => {
            let keep = same - (k + 1);
            (&a[..a.len() - keep], &b[..b.len() - keep])
        }
        None => (a, b),
    }
}

// ----- rendering -----------------------------------------------------------

fn lines(v: &[usize]) -> String {
    if v.is_empty() {
        "—".into()
    } else {
        v.iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn both(l: &diff::SpecLines) -> String {
    format!("{} → {}", lines(&l.old), lines(&l.new))
}

fn proto_port(e: &diff::Exposure) -> String {
    match &e.ports {
        Some(p) => format!("{}/{p}", e.proto),
        None => e.proto.to_string(),
    }
}

fn class_text(e: &diff::Exposure) -> String {
    let mut s = match e.class {
        Class::World => "world-open".to_string(),
        Class::External => "external".to_string(),
        Class::CrossNetwork => "cross-network".to_string(),
        Class::Internal => "internal".to_string(),
    };
    if matches!(e.class, Class::World | Class::External) {
        s.push_str(if e.destination_public {
            ", public address"
        } else {
            ", no public address"
        });
    }
    if e.partial {
        s.push_str(", some hosts");
    }
    s
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Opened => "opened",
        Change::Closed => "closed",
    }
}

fn effect_word(e: Effect) -> &'static str {
    match e {
        Effect::Replace => "forces replacement",
        Effect::Restart => "stop/start in place",
        Effect::Update => "in place",
        Effect::Ignored => "ignored for running hosts",
    }
}

fn host_kind_word(k: HostChangeKind) -> &'static str {
    match k {
        HostChangeKind::Replaced => "replaced",
        HostChangeKind::Added => "added",
        HostChangeKind::Removed => "removed",
        HostChangeKind::InPlace => "changed in place",
    }
}

/// The "after" cell of an HA row, with the `explain failures` verdicts
/// that changed (one per line; `|` would end the table cell).
fn failure_cell(after: &str, rows: &[String]) -> String {
    let mut out = after.to_string();
    for r in rows {
        out.push_str("<br>");
        out.push_str(&r.replace('|', "\\|"));
    }
    out
}

fn ha_text(h: &Option<diff::Ha>) -> String {
    let Some(h) = h else {
        return "—".into();
    };
    let mut s = format!(
        "{} voters, quorum {}, tolerates {} host(s) and {} of {} zone(s); {} members",
        h.voters, h.quorum, h.tolerates_hosts, h.tolerates_zones, h.zones, h.members
    );
    if let Some(ms) = h.failover_ms {
        s.push_str(&format!("; worst-case failover {}", seconds(ms)));
    }
    s
}

fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

/// One line of counts: the markdown headline and the human summary.
fn headline(r: &Report) -> String {
    let mut parts = Vec::new();
    let opened = r
        .exposure
        .iter()
        .filter(|e| e.change == Change::Opened)
        .count();
    let world = r
        .exposure
        .iter()
        .filter(|e| e.change == Change::Opened && e.class == Class::World)
        .count();
    let closed = r.exposure.len() - opened;
    if opened + closed > 0 {
        let mut s = format!("{opened} flow(s) opened");
        if world > 0 {
            s.push_str(&format!(" ({world} world-open)"));
        }
        s.push_str(&format!(", {closed} closed"));
        parts.push(s);
    }
    let count = |k| r.hosts.iter().filter(|h| h.change == k).count();
    for k in [
        HostChangeKind::Replaced,
        HostChangeKind::Added,
        HostChangeKind::Removed,
        HostChangeKind::InPlace,
    ] {
        let n = count(k);
        if n > 0 {
            parts.push(format!("{n} host(s) {}", host_kind_word(k)));
        }
    }
    let down: Vec<&str> =
        r.ha.iter()
            .filter(|c| c.quorum_down)
            .map(|c| c.name.as_str())
            .collect();
    if !down.is_empty() {
        parts.push(format!("quorum down: {}", down.join(", ")));
    } else if !r.ha.is_empty() {
        parts.push(format!("{} cluster(s) changed", r.ha.len()));
    }
    let new_diags = r
        .diagnostics
        .iter()
        .filter(|d| d.change == diff::Finding::New)
        .count();
    let fixed = r.diagnostics.len() - new_diags;
    if new_diags > 0 {
        parts.push(format!("{new_diags} new finding(s)"));
    }
    if fixed > 0 {
        parts.push(format!("{fixed} fixed"));
    }
    let secrets = r
        .secrets
        .iter()
        .filter(|s| s.change == diff::SecretChangeKind::Added)
        .count();
    if secrets > 0 {
        parts.push(format!("{secrets} new secret(s)"));
    }
    if !r.outputs.is_empty() {
        parts.push(format!("{} output file(s)", r.outputs.len()));
    }
    if r.new_errors > 0 {
        parts.push(format!("NEW has {} error(s)", r.new_errors));
    }
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join(" · ")
    }
}

/// Hosts with the same change (kind and attribute values) in one row:
/// a resized group is one line, not sixty.
struct HostRow<'r> {
    change: HostChangeKind,
    names: Vec<&'r str>,
    attributes: &'r [diff::AttributeChange],
    lines: diff::SpecLines,
}

fn host_rows(r: &Report) -> Vec<HostRow<'_>> {
    let mut rows: Vec<HostRow> = Vec::new();
    let mut at: BTreeMap<(HostChangeKind, String), usize> = BTreeMap::new();
    for h in &r.hosts {
        let key = (h.change, format!("{:?}", h.attributes));
        let i = *at.entry(key).or_insert_with(|| {
            rows.push(HostRow {
                change: h.change,
                names: Vec::new(),
                attributes: &h.attributes,
                lines: diff::SpecLines::default(),
            });
            rows.len() - 1
        });
        let row = &mut rows[i];
        row.names.push(&h.name);
        for (into, from) in [
            (&mut row.lines.old, &h.lines.old),
            (&mut row.lines.new, &h.lines.new),
        ] {
            for l in from {
                if !into.contains(l) {
                    into.push(*l);
                }
            }
        }
    }
    for row in &mut rows {
        row.lines.old.sort_unstable();
        row.lines.new.sort_unstable();
    }
    rows
}

fn human(r: &Report, old: &str, new: &str) -> String {
    let mut s = format!("infragen diff {old} → {new}: {}\n", headline(r));
    if !r.compared_models {
        s.push_str("\n(a side is not valid KDL: only the findings are compared)\n");
    }
    if !r.exposure.is_empty() {
        s.push_str(&format!("\nexposure ({}):\n", r.exposure.len()));
        for e in &r.exposure {
            s.push_str(&format!(
                "  {:<6} {} → {} {} [{}] (lines {})\n",
                change_word(e.change),
                e.source,
                e.destination,
                proto_port(e),
                class_text(e),
                both(&e.lines)
            ));
        }
    }
    if !r.hosts.is_empty() {
        s.push_str(&format!("\nhosts ({}):\n", r.hosts.len()));
        for h in host_rows(r) {
            s.push_str(&format!(
                "  {} {} (lines {})\n",
                host_kind_word(h.change),
                h.names.join(", "),
                both(&h.lines)
            ));
            for a in h.attributes {
                s.push_str(&format!(
                    "      {}: {} → {} ({})\n",
                    a.attribute,
                    a.old,
                    a.new,
                    effect_word(a.effect)
                ));
            }
        }
    }
    if !r.ha.is_empty() {
        s.push_str(&format!("\nHA ({}):\n", r.ha.len()));
        for c in &r.ha {
            s.push_str(&format!(
                "  {} {}{} (lines {})\n      before: {}\n      after:  {}\n",
                c.kind,
                c.name,
                if c.quorum_down {
                    " — QUORUM DOWN"
                } else {
                    ""
                },
                both(&c.lines),
                ha_text(&c.old),
                ha_text(&c.new)
            ));
            for row in &c.failure_rows {
                s.push_str(&format!("      failure: {row}\n"));
            }
        }
    }
    if !r.diagnostics.is_empty() {
        s.push_str(&format!("\nfindings ({}):\n", r.diagnostics.len()));
        for d in &r.diagnostics {
            s.push_str(&format!(
                "  {} {}[{}]: {} (lines {})\n",
                match d.change {
                    diff::Finding::New => "new  ",
                    diff::Finding::Fixed => "fixed",
                },
                d.severity,
                d.rule,
                d.message,
                both(&d.lines)
            ));
        }
    }
    if !r.secrets.is_empty() {
        s.push_str(&format!("\nsecrets ({}):\n", r.secrets.len()));
        for x in &r.secrets {
            s.push_str(&format!(
                "  {} {} (lines {})\n",
                match x.change {
                    diff::SecretChangeKind::Added => "new, the deploy must provide",
                    diff::SecretChangeKind::Removed => "no longer read:",
                },
                x.variable,
                both(&x.lines)
            ));
        }
    }
    if !r.outputs_compared {
        s.push_str("\noutputs: not compared (a side has errors and does not build)\n");
    } else if !r.outputs.is_empty() {
        s.push_str(&format!("\noutputs ({}):\n", r.outputs.len()));
        for o in &r.outputs {
            s.push_str(&format!("  {}\n", output_text(o)));
        }
    }
    s
}

fn output_text(o: &OutputChange) -> String {
    let word = match o.change {
        FileChange::Added => "added  ",
        FileChange::Removed => "removed",
        FileChange::Changed => "changed",
    };
    format!(
        "{word} {} (+{} −{})",
        o.path, o.lines_added, o.lines_removed
    )
}

/// Inside a code span only a backtick could end it early.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'"))
}

/// Text from the spec lands in a table cell of a PR comment: no HTML, no
/// cell breaks, no line breaks.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '`' => out.push('\''),
            '\n' | '\r' => out.push(' '),
            '*' | '_' | '[' | ']' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn details(s: &mut String, title: &str, head: &str, rows: Vec<String>) {
    let n = rows.len();
    details_n(s, title, n, head, rows);
}

/// A collapsible section: `n` changes, in `rows`.
fn details_n(s: &mut String, title: &str, n: usize, head: &str, rows: Vec<String>) {
    if rows.is_empty() {
        return;
    }
    s.push_str(&format!(
        "\n<details><summary><b>{title}</b> ({n})</summary>\n\n{head}\n"
    ));
    let sep: String = head
        .matches('|')
        .skip(1)
        .map(|_| "|---")
        .collect::<String>()
        + "|";
    s.push_str(&sep);
    s.push('\n');
    for r in rows {
        s.push_str(&r);
        s.push('\n');
    }
    s.push_str("\n</details>\n");
}

fn markdown(r: &Report, old: &str, new: &str) -> String {
    let mut s = format!(
        "### infragen diff: {} → {}\n\n**{}**\n",
        code(old),
        code(new),
        md(&headline(r))
    );
    if r.has(Risk::ExposureWorld) || r.has(Risk::Replace) || r.has(Risk::QuorumDown) {
        let risks: Vec<&str> = Risk::ALL
            .iter()
            .filter(|(_, k)| r.has(*k))
            .map(|(n, _)| *n)
            .collect();
        s.push_str(&format!("\n> [!WARNING]\n> Risks: {}\n", risks.join(", ")));
    }
    if !r.compared_models {
        s.push_str("\nA side is not valid KDL: only the findings are compared.\n");
    }
    let rows = r
        .exposure
        .iter()
        .map(|e| {
            format!(
                "| {} | {} | {} | {} | {} | {} |",
                change_word(e.change),
                md(&e.source),
                md(&e.destination),
                proto_port(e),
                class_text(e),
                both(&e.lines)
            )
        })
        .collect();
    details(
        &mut s,
        "Exposure",
        "| | source | destination | proto/port | class | spec lines (old → new) |",
        rows,
    );
    let rows = host_rows(r)
        .into_iter()
        .map(|h| {
            let attrs: Vec<String> = h
                .attributes
                .iter()
                .map(|a| {
                    format!(
                        "{}: {} → {} ({})",
                        code(a.attribute),
                        md(&a.old),
                        md(&a.new),
                        effect_word(a.effect)
                    )
                })
                .collect();
            format!(
                "| {} | {} | {} | {} |",
                host_kind_word(h.change),
                md(&h.names.join(", ")),
                attrs.join("<br>"),
                both(&h.lines)
            )
        })
        .collect();
    details_n(
        &mut s,
        "Hosts",
        r.hosts.len(),
        "| | hosts | what changes | spec lines (old → new) |",
        rows,
    );
    let rows =
        r.ha.iter()
            .map(|c| {
                format!(
                    "| {} {}{} | {} | {} | {} |",
                    c.kind,
                    code(&c.name),
                    if c.quorum_down {
                        " **quorum down**"
                    } else {
                        ""
                    },
                    ha_text(&c.old),
                    failure_cell(&ha_text(&c.new), &c.failure_rows),
                    both(&c.lines)
                )
            })
            .collect();
    details(
        &mut s,
        "HA",
        "| cluster | before | after | spec lines (old → new) |",
        rows,
    );
    let rows = r
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "| {} | {} | `{}` | {} | {} |",
                match d.change {
                    diff::Finding::New => "new",
                    diff::Finding::Fixed => "fixed",
                },
                d.severity,
                d.rule,
                md(&d.message),
                both(&d.lines)
            )
        })
        .collect();
    details(
        &mut s,
        "Findings",
        "| | severity | rule | message | spec lines (old → new) |",
        rows,
    );
    let rows = r
        .secrets
        .iter()
        .map(|x| {
            format!(
                "| {} | {} | {} |",
                match x.change {
                    diff::SecretChangeKind::Added => "new: the deploy must provide it",
                    diff::SecretChangeKind::Removed => "no longer read",
                },
                code(&x.variable),
                both(&x.lines)
            )
        })
        .collect();
    details(
        &mut s,
        "Secrets",
        "| | variable | spec lines (old → new) |",
        rows,
    );
    if !r.outputs_compared {
        s.push_str("\nOutputs not compared: a side has errors and does not build.\n");
    }
    let rows = r
        .outputs
        .iter()
        .map(|o| {
            format!(
                "| {} | {} | +{} −{} |",
                match o.change {
                    FileChange::Added => "added",
                    FileChange::Removed => "removed",
                    FileChange::Changed => "changed",
                },
                code(&o.path),
                o.lines_added,
                o.lines_removed
            )
        })
        .collect();
    details(&mut s, "Outputs", "| | file | lines |", rows);
    s
}

fn json(r: &Report, old: &str, new: &str) -> String {
    let v = serde_json::json!({
        "old": old,
        "new": new,
        "summary": headline(r),
        "risks": Risk::ALL.iter().filter(|(_, k)| r.has(*k)).map(|(n, _)| *n).collect::<Vec<_>>(),
        "report": r,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted_whole(old: &str, new: &str) -> (usize, usize) {
        let d = similar::TextDiff::configure()
            .algorithm(similar::Algorithm::Myers)
            .diff_lines(old, new);
        let (mut added, mut removed) = (0, 0);
        for c in d.iter_all_changes() {
            match c.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        (added, removed)
    }

    /// Setting the common lines aside changes no count.
    #[test]
    fn common_lines_aside_the_counts_are_the_same() {
        let cases = [
            ("", ""),
            ("a\n", ""),
            ("", "a\n"),
            ("a\nb\nc\n", "a\nb\nc\n"),
            ("a\nb\nc\n", "a\nx\nc\n"),
            ("a\nb", "a\nb\n"),
            ("a\nb\n", "a\nb"),
            ("ab\ncd\n", "ab\nd\n"),
            ("x\nab\n", "y\nb\n"),
            ("a\nb\nc\nd\n", "a\nc\nd\n"),
            ("same\nsame\n", "same\nsame\nsame\n"),
            ("p\nq\nr", "p\nQ\nr"),
            ("one line", "one line!"),
            ("é\nü\n", "é\nö\n"),
        ];
        for (old, new) in cases {
            assert_eq!(
                line_counts(old, new),
                counted_whole(old, new),
                "{old:?} {new:?}"
            );
        }
        let long: String = (0..500).map(|i| format!("host-{i} 10.0.0.{i}\n")).collect();
        let longer = long.replacen("host-250 ", "host-250 x\nhost-250b ", 1);
        assert_eq!(line_counts(&long, &longer), counted_whole(&long, &longer));
    }
}
