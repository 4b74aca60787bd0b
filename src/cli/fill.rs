//! `infragen fill SPEC [--out DIR | --vars | --as NAME]`: fills the `${VAR}`
//! placeholders of a built tree with secrets from the environment.
//!
//! `envsubst` rewrites every `$word` of a file, so it also eats the `$user`
//! of `parameter "search_path" "\"$user\", public"`; and it pastes values in
//! unescaped, so a password holding `"` breaks the YAML around it. `fill`
//! substitutes only the placeholders infragen writes: `"${VAR}"`, a double-
//! quoted string holding nothing else, for the variables the spec names
//! (`psk-env`, `password-env`), and encodes each value for the file it lands
//! in: a YAML/JSON double-quoted string, or for `ipsec.secrets` the quoted or
//! `0x…` hex form strongSwan reads (as `build --secrets-from-env` does).
//! A placeholder in any other kind of file is refused, never guessed at;
//! stdin is read as YAML unless `--as NAME` says what it stands for.
//!
//! It fails, writing nothing, when a variable it needs is unset or empty, or
//! when one of the spec's variables appears outside that quoted form (it
//! could not escape it). Messages name variables and files, never values.
//! `--vars` prints the exact list for `envsubst '${A} ${B}'` instead.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::pipeline;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub struct FillArgs {
    pub spec: PathBuf,
    /// A tree `infragen build` wrote; without it, stdin → stdout.
    pub out: Option<PathBuf>,
    /// Print `${A} ${B} …` (the spec's variables) and exit.
    pub vars: bool,
    /// With stdin: the file name the text stands for (e.g. `ipsec.secrets`).
    pub as_name: Option<String>,
}

type Failure = (i32, String);

pub fn run(args: &FillArgs) -> i32 {
    match fill(args) {
        Ok(code) => code,
        Err((code, msg)) => {
            eprintln!("infragen fill: {msg}");
            code
        }
    }
}

fn fill(args: &FillArgs) -> Result<i32, Failure> {
    let vars = spec_vars(&args.spec)?;
    if args.vars {
        let list: Vec<String> = vars.iter().map(|v| format!("${{{v}}}")).collect();
        println!("{}", list.join(" "));
        return Ok(EXIT_OK);
    }
    let env = |v: &str| std::env::var(v).ok().filter(|s| !s.is_empty());
    match &args.out {
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| (EXIT_USAGE, format!("cannot read stdin: {e}")))?;
            let kind = Kind::of(args.as_name.as_deref().unwrap_or("stdin.yml"));
            let filled = substitute(&text, &vars, kind, &env).map_err(|e| e.failure("stdin"))?;
            std::io::stdout()
                .write_all(filled.text.as_bytes())
                .map_err(|e| (EXIT_USAGE, format!("cannot write stdout: {e}")))?;
            Ok(EXIT_OK)
        }
        Some(dir) => fill_tree(dir, &vars, &env),
    }
}

/// The secret variables of the spec (it must lint without errors).
fn spec_vars(spec: &Path) -> Result<BTreeSet<String>, Failure> {
    let (source, lock) = super::load_spec(spec).map_err(|e| (EXIT_USAGE, e))?;
    let checked = pipeline::check(&source, &lock);
    match &checked.model {
        Some(model) if checked.errors() == 0 => Ok(model.secret_vars().into_iter().collect()),
        _ => Err((
            EXIT_FAILED,
            format!(
                "{} has errors (see `infragen lint`); nothing was filled",
                spec.display()
            ),
        )),
    }
}

fn fill_tree(
    dir: &Path,
    vars: &BTreeSet<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<i32, Failure> {
    let mut files = Vec::new();
    walk(dir, &mut files)
        .map_err(|e| (EXIT_USAGE, format!("cannot read {}: {e}", dir.display())))?;
    files.sort();
    // Everything is checked before anything is written.
    let mut changes: Vec<(PathBuf, String)> = Vec::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut count = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not text: infragen writes no placeholder there
        };
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match substitute(&text, vars, Kind::of(name), env) {
            Ok(f) if f.count == 0 => {}
            Ok(f) => {
                count += f.count;
                used.extend(f.used);
                changes.push((path, f.text));
            }
            Err(FillError::Unset(vs)) => missing.extend(vs),
            Err(e) => return Err(e.failure(&rel)),
        }
    }
    if !missing.is_empty() {
        let list: Vec<&str> = missing.iter().map(String::as_str).collect();
        return Err((
            EXIT_FAILED,
            format!("not set: {}; nothing was filled", list.join(", ")),
        ));
    }
    for (path, text) in &changes {
        write_keeping_mode(path, text)
            .map_err(|e| (EXIT_USAGE, format!("cannot write {}: {e}", path.display())))?;
    }
    let list: Vec<&str> = used.iter().map(String::as_str).collect();
    eprintln!(
        "infragen fill: filled {count} placeholders ({}) in {} files of {}",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        },
        changes.len(),
        dir.display()
    );
    Ok(EXIT_OK)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), out)?;
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

/// Replaces the file through a temporary beside it, keeping its mode (a
/// secrets file stays 0600, and is never readable by others in between).
fn write_keeping_mode(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let perms = std::fs::metadata(path)?.permissions();
    let tmp = path.with_extension("fill.tmp");
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::set_permissions(&tmp, perms)?;
    std::fs::rename(&tmp, path)
}

/// How a value is written where its placeholder was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A YAML or JSON double-quoted string (patroni.yml, …).
    Quoted,
    /// strongSwan's ipsec.secrets: `"…"`, or `0x…` when quotes cannot carry it.
    IpsecSecrets,
}

impl Kind {
    /// The kind of file by its name; `None` for a file whose quoting fill
    /// does not know (a placeholder there is refused, not guessed at).
    fn of(file_name: &str) -> Option<Kind> {
        if file_name.ends_with("ipsec.secrets") {
            Some(Kind::IpsecSecrets)
        } else if [".yml", ".yaml", ".json"]
            .iter()
            .any(|ext| file_name.ends_with(ext))
        {
            Some(Kind::Quoted)
        } else {
            None
        }
    }

    /// The quoted placeholder `"${VAR}"` replaced by the value.
    fn encode(self, value: &str) -> String {
        match self {
            Kind::Quoted => {
                // JSON string escapes are valid YAML double-quoted escapes.
                serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into())
            }
            Kind::IpsecSecrets if value.contains(['"', '\n', '\r']) => {
                let mut hex = String::from("0x");
                for b in value.bytes() {
                    hex.push_str(&format!("{b:02x}"));
                }
                hex
            }
            Kind::IpsecSecrets => format!("\"{value}\""),
        }
    }
}

#[derive(Debug)]
struct Filled {
    text: String,
    count: usize,
    used: BTreeSet<String>,
}

#[derive(Debug, PartialEq)]
enum FillError {
    Unset(BTreeSet<String>),
    /// A spec variable outside the `"${VAR}"` form, at this 1-based line.
    Unquoted {
        var: String,
        line: usize,
    },
    /// A placeholder in a file whose quoting fill does not know.
    UnknownFile {
        var: String,
        line: usize,
    },
}

impl FillError {
    fn failure(self, what: &str) -> Failure {
        match self {
            FillError::Unset(vs) => {
                let list: Vec<&str> = vs.iter().map(String::as_str).collect();
                (
                    EXIT_FAILED,
                    format!("not set: {}; nothing was filled", list.join(", ")),
                )
            }
            FillError::Unquoted { var, line } => (
                EXIT_FAILED,
                format!(
                    "{what}:{line}: ${{{var}}} is not a placeholder infragen wrote (`\"${{{var}}}\"`), so fill cannot escape a value for it; nothing was filled (use `infragen build --secrets-from-env`)"
                ),
            ),
            FillError::UnknownFile { var, line } => (
                EXIT_FAILED,
                format!(
                    "{what}:{line}: ${{{var}}} is in a file fill does not know how to quote for (it fills YAML, JSON and ipsec.secrets); nothing was filled (use `infragen build --secrets-from-env`)"
                ),
            ),
        }
    }
}

/// Substitutes every `"${VAR}"` of `text` whose VAR is one of `vars`;
/// leaves every other `$` alone.
fn substitute(
    text: &str,
    vars: &BTreeSet<String>,
    kind: Option<Kind>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Filled, FillError> {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut used = BTreeSet::new();
    let mut unset = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let closed = after[name_len..].starts_with('}');
        if !closed || !vars.contains(name) {
            out.push_str(&rest[..i + 2]);
            rest = after;
            continue;
        }
        let end = i + 2 + name_len + 1; // past `}`
        let quoted = rest[..i].ends_with('"') && rest[end..].starts_with('"');
        if !quoted {
            let line = text.len() - rest.len() + i;
            return Err(FillError::Unquoted {
                var: name.to_string(),
                line: text[..line].matches('\n').count() + 1,
            });
        }
        let Some(kind) = kind else {
            let line = text.len() - rest.len() + i;
            return Err(FillError::UnknownFile {
                var: name.to_string(),
                line: text[..line].matches('\n').count() + 1,
            });
        };
        out.push_str(&rest[..i - 1]);
        match env(name) {
            Some(v) => {
                out.push_str(&kind.encode(&v));
                used.insert(name.to_string());
            }
            None => {
                unset.insert(name.to_string());
            }
        }
        count += 1;
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    if !unset.is_empty() {
        return Err(FillError::Unset(unset));
    }
    Ok(Filled {
        text: out,
        count,
        used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeSet<String> {
        ["PG_PASSWORD", "IPSEC_PSK"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn env(v: &str) -> Option<String> {
        match v {
            "PG_PASSWORD" => Some("p\"a$s\\w'd".into()),
            "IPSEC_PSK" => Some("k\"ey".into()),
            _ => None,
        }
    }

    #[test]
    fn only_the_specs_quoted_placeholders_are_filled() {
        let text = "a: \"${PG_PASSWORD}\"\nsearch_path: '\"$user\", public'\nb: \"${HOME} $PG_PASSWORD\"\n";
        let f = substitute(text, &vars(), Some(Kind::Quoted), &env).unwrap();
        assert_eq!(
            f.text,
            "a: \"p\\\"a$s\\\\w'd\"\nsearch_path: '\"$user\", public'\nb: \"${HOME} $PG_PASSWORD\"\n"
        );
        assert_eq!(f.count, 1);
        let v: serde_yaml::Value = serde_yaml::from_str(&f.text).unwrap();
        assert_eq!(v["a"].as_str(), Some("p\"a$s\\w'd"));
        assert_eq!(v["search_path"].as_str(), Some("\"$user\", public"));
    }

    #[test]
    fn ipsec_secrets_hex_encode_what_quotes_cannot_carry() {
        let f = substitute(
            "a b : PSK \"${IPSEC_PSK}\"\n",
            &vars(),
            Some(Kind::IpsecSecrets),
            &env,
        )
        .unwrap();
        assert_eq!(f.text, "a b : PSK 0x6b226579\n");
    }

    #[test]
    fn unset_and_unquoted_fail_without_values() {
        let none = |_: &str| None;
        let e =
            substitute("x: \"${PG_PASSWORD}\"", &vars(), Some(Kind::Quoted), &none).unwrap_err();
        assert_eq!(e, FillError::Unset(["PG_PASSWORD".to_string()].into()));
        let e = substitute("\nx: ${PG_PASSWORD}", &vars(), Some(Kind::Quoted), &env).unwrap_err();
        assert_eq!(
            e,
            FillError::Unquoted {
                var: "PG_PASSWORD".into(),
                line: 2
            }
        );
        assert!(!e.failure("f").1.contains("p\"a"));
        let e = substitute("X=\"${PG_PASSWORD}\"", &vars(), None, &env).unwrap_err();
        assert!(matches!(e, FillError::UnknownFile { line: 1, .. }), "{e:?}");
    }
}
