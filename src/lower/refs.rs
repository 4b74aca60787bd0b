//! Name tables and reference resolution with "did you mean".

use crate::diagnostic::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::span::Span;
use std::collections::{HashMap, HashSet};

/// One namespace of entity names, remembering where each was declared.
///
/// A name may be declared *poisoned*: its node had an invalid or missing
/// value (already reported), so its entity was not built. The name still
/// counts as declared: references to it resolve quietly to nothing, and the
/// referring entity is then poisoned in turn, so one mistake gives one error.
#[derive(Debug)]
pub struct Namespace<T> {
    kind: &'static str,
    /// `None`: declared, but poisoned.
    map: HashMap<String, (Option<T>, Span)>,
    /// Poisoned groups: `NAME-<digits>` are their hosts, whatever their count.
    families: HashSet<String>,
    /// Every name is poisoned: the namespace's owner could not be built.
    opaque: bool,
}

impl<T: Copy> Namespace<T> {
    pub fn new(kind: &'static str) -> Self {
        Namespace {
            kind,
            map: HashMap::new(),
            families: HashSet::new(),
            opaque: false,
        }
    }

    /// A namespace whose owner is poisoned: every reference into it resolves
    /// quietly to nothing.
    pub fn opaque(kind: &'static str) -> Self {
        Namespace {
            opaque: true,
            ..Namespace::new(kind)
        }
    }

    /// Declares a name; reports `duplicate-name` and returns false when taken.
    pub fn declare(&mut self, name: &str, id: T, span: Span, diags: &mut Diagnostics) -> bool {
        if let Some((_, first)) = self.map.get(name) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    format!("{} `{name}` is declared twice", self.kind),
                )
                .label(span, "declared again here")
                .label(*first, "first declared here")
                .help(format!("give each {} a unique name", self.kind)),
            );
            return false;
        }
        self.map.insert(name.to_string(), (Some(id), span));
        true
    }

    /// Declares a name whose entity could not be built (its error is
    /// reported). Keeps an existing declaration: a duplicate was reported by
    /// `declare`, and the first entity owns the name.
    pub fn declare_poisoned(&mut self, name: &str, span: Span) {
        self.map.entry(name.to_string()).or_insert((None, span));
    }

    /// Marks a declared name poisoned: its entity is not built after all.
    pub fn poison(&mut self, name: &str) {
        if let Some(entry) = self.map.get_mut(name) {
            entry.0 = None;
        }
    }

    /// Poisons every name `PREFIX-<digits>`: the hosts of a group that could
    /// not be expanded.
    pub fn poison_family(&mut self, prefix: &str) {
        self.families.insert(prefix.to_string());
    }

    /// Whether some name is poisoned (or all are): checks that need the whole
    /// namespace (e.g. "is there any contact point") stay quiet.
    pub fn any_poisoned(&self) -> bool {
        self.opaque || !self.families.is_empty() || self.map.values().any(|(id, _)| id.is_none())
    }

    /// The entity of a name; None when it is unknown or poisoned.
    pub fn get(&self, name: &str) -> Option<T> {
        self.map.get(name).and_then(|(id, _)| *id)
    }

    /// Whether the name is declared, poisoned or not.
    pub fn contains(&self, name: &str) -> bool {
        self.opaque || self.map.contains_key(name) || self.in_family(name)
    }

    /// One lookup, however many groups are poisoned.
    fn in_family(&self, name: &str) -> bool {
        name.rsplit_once('-').is_some_and(|(prefix, n)| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && self.families.contains(prefix)
        })
    }

    /// Looks a name up; reports `unresolved-reference` when it is unknown.
    /// A poisoned name gives None quietly: its error is reported already.
    pub fn resolve(&self, name: &str, span: Span, diags: &mut Diagnostics) -> Option<T> {
        if let Some(id) = self.get(name) {
            return Some(id);
        }
        if self.contains(name) {
            return None;
        }
        let mut names: Vec<&str> = self.map.keys().map(String::as_str).collect();
        names.sort_unstable();
        let help = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                format!("the spec declares no {}", self.kind)
            } else {
                format!(
                    "declare {} `{name}`, or use one of: {}",
                    self.kind,
                    preview(&names)
                )
            }
        });
        diags.push(
            Diagnostic::error(
                Code::UnresolvedReference,
                format!("no {} named `{name}`", self.kind),
            )
            .label(span, "referenced here")
            .help(help),
        );
        None
    }
}

fn preview(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    if names.len() > 8 {
        format!("{}, …", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span::new(0, 1)
    }

    #[test]
    fn poisoned_names_resolve_quietly() {
        let mut diags = Diagnostics::default();
        let mut ns: Namespace<u32> = Namespace::new("subnet");
        ns.declare("main/private-b", 1, span(), &mut diags);
        ns.declare_poisoned("main/private-a", span());
        assert_eq!(ns.resolve("main/private-b", span(), &mut diags), Some(1));
        assert_eq!(ns.resolve("main/private-a", span(), &mut diags), None);
        assert!(!diags.has_errors(), "a poisoned name is not unresolved");
        // A name that really is missing still gets its did-you-mean.
        assert_eq!(ns.resolve("main/private-c", span(), &mut diags), None);
        let d = diags.into_vec();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rule, Code::UnresolvedReference);
    }

    #[test]
    fn poisoning_keeps_the_first_declaration() {
        let mut diags = Diagnostics::default();
        let mut ns: Namespace<u32> = Namespace::new("host");
        ns.declare("web", 7, span(), &mut diags);
        ns.declare_poisoned("web", span());
        assert_eq!(ns.resolve("web", span(), &mut diags), Some(7));
        ns.poison("web");
        assert_eq!(ns.resolve("web", span(), &mut diags), None);
        assert!(!diags.has_errors());
        // A later real declaration of a poisoned name is still a duplicate.
        assert!(!ns.declare("web", 8, span(), &mut diags));
        assert_eq!(diags.into_vec()[0].rule, Code::DuplicateName);
    }

    #[test]
    fn families_and_opaque_namespaces() {
        let mut diags = Diagnostics::default();
        let mut hosts: Namespace<u32> = Namespace::new("host");
        hosts.poison_family("web");
        hosts.poison_family("es-master");
        for quiet in ["web-1", "web-01", "web-100", "es-master-01"] {
            assert_eq!(hosts.resolve(quiet, span(), &mut diags), None);
        }
        assert!(!diags.has_errors());
        for missing in ["web", "web-", "web-a", "webx-1", "es-01", "web-1-01"] {
            hosts.resolve(missing, span(), &mut diags);
        }
        assert_eq!(diags.into_vec().len(), 6);

        let mut diags = Diagnostics::default();
        let contacts: Namespace<u32> = Namespace::opaque("contact point");
        assert_eq!(contacts.resolve("ops", span(), &mut diags), None);
        assert!(!diags.has_errors());
    }
}
