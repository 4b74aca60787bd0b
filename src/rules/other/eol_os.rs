//! `eol-os`: Hosts run an OS release past its end of standard support.

use super::super::prelude::*;
use crate::span::Span;

pub static RULE: Rule = Rule {
    code: Code::EolOs,
    family: Family::Other,
    severity: Severity::Warning,
    summary: "Hosts run an OS release past its end of standard support.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns when a group or host runs (`os=`, directly or from `defaults`) an Ubuntu
release past the end of its standard support: `ubuntu-14.04` (April 2019),
`ubuntu-16.04` (April 2021), `ubuntu-18.04` (May 2023) and `ubuntu-20.04`
(May 2025). A group is reported once, with the number of hosts it runs.

The list is fixed in the compiler, so a spec lints the same way on every day;
it is updated with each infragen release.

## Why is this bad
After the end of standard support Canonical publishes no security updates
for the release's main archive, unless the hosts are enrolled in Ubuntu Pro
Expanded Security Maintenance. Kernel and OpenSSL fixes stop reaching the
fleet. It is a warning rather than an error because ESM or a planned
migration can make it a deliberate choice: suppress it with
`allow "eol-os" reason="…"` inside the group.

## Example
```kdl
fleet {
    group "legacy" count=8 type="t3.large" os="ubuntu-14.04" {
        subnets "core/private-a"
    }
}
```
Move to a supported LTS release:
```kdl
    group "legacy" count=8 type="t3.large" os="ubuntu-24.04" {
```

## Source
- Ubuntu release cycle (end of standard support per release): https://ubuntu.com/about/release-cycle
- Ubuntu Pro, Expanded Security Maintenance: https://ubuntu.com/security/esm
"#;

/// Releases past the end of standard support, with that date.
const EOL: &[(&str, &str)] = &[
    ("ubuntu-14.04", "April 2019"),
    ("ubuntu-16.04", "April 2021"),
    ("ubuntu-18.04", "May 2023"),
    ("ubuntu-20.04", "May 2025"),
];

const SUPPORTED: &str = "ubuntu-24.04";

fn end_of_support(os: &str) -> Option<&'static str> {
    EOL.iter()
        .find(|(name, _)| *name == os)
        .map(|(_, date)| *date)
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for g in &m.groups {
        let what = match g.hosts.len() {
            1 => format!("group `{}` runs", g.name),
            n => format!("group `{}` runs {n} hosts on", g.name),
        };
        let at = Entity {
            kind: "group",
            name: g.name_span,
            span: g.span,
        };
        report(&g.settings, &what, at, out);
    }
    // Group members were reported with their group.
    for h in m.hosts.iter().filter(|h| h.group.is_none()) {
        let what = format!("host `{}` runs", h.name);
        let at = Entity {
            kind: "host",
            name: h.name_span,
            span: h.span,
        };
        report(&h.settings, &what, at, out);
    }
}

/// The group or host a finding is about.
struct Entity {
    kind: &'static str,
    name: Span,
    span: Span,
}

fn report(s: &HostSettings, what: &str, at: Entity, out: &mut Vec<Diagnostic>) {
    let Some(os) = &s.os else {
        return; // The default OS is supported.
    };
    let Some(date) = end_of_support(&os.value) else {
        return;
    };
    let os_label = format!("no security updates since {date} without Ubuntu Pro ESM");
    let name_label = format!("this {}", at.kind);
    let d = Diagnostic::warning(
        RULE.code,
        format!(
            "{what} {}, past its end of standard support ({date})",
            os.value
        ),
    );
    // An `os=` inherited from `defaults` is shared by many entries: point at
    // the entry first, so the report (and an `allow` on it) belongs to it.
    let d = if at.span.contains(os.span) {
        d.label(os.span, os_label).label(at.name, name_label)
    } else {
        d.label(
            at.name,
            format!(
                "this {} inherits `os=\"{}\"` from `defaults`",
                at.kind, os.value
            ),
        )
        .label(os.span, os_label)
    };
    out.push(d.help(format!(
        "set `os=\"{SUPPORTED}\"`, or add `allow \"eol-os\" reason=\"…\"` here if the hosts have Ubuntu Pro ESM"
    )));
}
