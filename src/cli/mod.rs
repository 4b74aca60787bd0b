//! The command line: argument parsing, reading files, printing reports,
//! exit codes (0 clean, 1 errors, 2 usage or I/O problems).

mod build;
mod graph;
mod input;
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
        Command::Graph { spec, format } => graph::run(&spec, format),
        Command::Rules { json } => rules::list(json),
        Command::Explain { rule, name, spec } if rule == "cluster" => {
            rules::explain_cluster(name.as_deref(), spec.as_deref())
        }
        Command::Explain { rule, .. } => rules::explain(&rule),
        Command::Schema => {
            print!("{}", crate::schema::json_schema::render());
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
    let bytes = input::read_regular(spec, crate::syntax::limits::MAX_SOURCE_BYTES)
        .map_err(|e| e.message(spec))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", spec.display()))?;
    Ok((text, read_lock(spec)?))
}

/// Reads a spec's lock, if it has one.
pub fn read_lock(spec: &Path) -> Result<crate::lock::AddressLock, String> {
    let path = lock_path(spec);
    match input::read_regular(&path, input::MAX_LOCK_BYTES) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
            crate::lock::AddressLock::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(input::ReadError::NotFound) => Ok(Default::default()),
        Err(e) => Err(e.message(&path)),
    }
}
