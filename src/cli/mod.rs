//! The command line: argument parsing, reading files, printing reports,
//! exit codes (0 clean, 1 errors, 2 usage or I/O problems).

mod build;
mod diff;
mod fill;
mod graph;
mod lint;
mod output_dir;
pub mod report;
pub mod rules;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "infragen",
    version,
    about = "Declarative infrastructure compiler: one KDL spec, checked as a graph, rendered to configs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check specs and report every problem.
    Lint {
        /// Spec files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check a spec and write every artifact to DIR (atomically).
    Build {
        spec: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Write nothing; exit 1 with a diff when DIR differs from the build.
        #[arg(long)]
        check: bool,
        /// Fail when the address lock would change (for CI).
        #[arg(long)]
        locked: bool,
        /// Fill secrets from the environment instead of `${VAR}` placeholders.
        #[arg(long)]
        secrets_from_env: bool,
    },
    /// Fill a built tree's `${VAR}` secret placeholders from the environment
    /// (only the spec's own, escaped for each file); stdin → stdout without --out.
    Fill {
        spec: PathBuf,
        /// The directory `infragen build` wrote.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the spec's variables as `${A} ${B}` (for `envsubst`) and exit.
        #[arg(long)]
        vars: bool,
        /// With stdin: the file name the text stands for (e.g. ipsec.secrets).
        #[arg(long = "as")]
        as_name: Option<String>,
    },
    /// Print the dependency graph with service flows.
    Graph {
        spec: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// List every rule.
    Rules {
        /// Print the registry as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a rule's documentation, or what a cluster survives
    /// (`explain cluster NAME --spec SPEC`).
    Explain {
        /// Rule name (e.g. cidr-overlap), or `cluster`.
        rule: String,
        /// With `cluster`: the cluster's name.
        name: Option<String>,
        /// With `cluster`: the spec that declares it.
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// What a change of the spec means: exposure, hosts replaced, HA,
    /// findings, secrets, outputs (docs/review.md).
    Diff(diff::DiffArgs),
    /// Print the JSON Schema of the spec's document tree (schema/README.md).
    #[command(hide = true)]
    Schema,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// Parses arguments and runs; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Lint {
            specs,
            format,
            deny_warnings,
        } => lint::run(&specs, format, deny_warnings),
        Command::Build {
            spec,
            out,
            check,
            locked,
            secrets_from_env,
        } => build::run(&build::BuildArgs {
            spec,
            out,
            check,
            locked,
            secrets_from_env,
        }),
        Command::Fill {
            spec,
            out,
            vars,
            as_name,
        } => fill::run(&fill::FillArgs {
            spec,
            out,
            vars,
            as_name,
        }),
        Command::Graph { spec, format } => graph::run(&spec, format),
        Command::Rules { json } => rules::list(json),
        Command::Explain { rule, name, spec } if rule == "cluster" => {
            rules::explain_cluster(name.as_deref(), spec.as_deref())
        }
        Command::Explain { rule, .. } => rules::explain(&rule),
        Command::Diff(args) => diff::run(&args),
        Command::Schema => {
            print!("{}", crate::emit::json_schema::render());
            EXIT_OK
        }
    }
}

/// Colour on a terminal, unless NO_COLOR is set (no-color.org).
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// The lock file that belongs to a spec: `name.kdl` → `name.lock`.
pub fn lock_path(spec: &Path) -> PathBuf {
    spec.with_extension("lock")
}

/// Reads a spec as UTF-8 text, and its lock if it has one. Every command
/// that takes a spec loads it here, so they fail alike (exit 2).
pub fn load_spec(spec: &Path) -> Result<(String, crate::lock::AddressLock), String> {
    let bytes = std::fs::read(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", spec.display()))?;
    Ok((text, read_lock(spec)?))
}

/// Reads a spec's lock, if it has one.
pub fn read_lock(spec: &Path) -> Result<crate::lock::AddressLock, String> {
    let path = lock_path(spec);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            crate::lock::AddressLock::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
