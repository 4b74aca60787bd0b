//! The command line: argument parsing, reading files, printing reports,
//! exit codes (0 clean, 1 errors, 2 usage or I/O problems; the table is in
//! README.md).

mod build;
pub mod diff;
mod explain_slo;
mod failures;
mod fill;
mod graph;
mod init;
mod input;
mod lint;
mod output_dir;
pub mod report;
pub mod rules;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "infragen",
    version,
    about = "Declarative infrastructure compiler: one KDL spec, checked as a graph, rendered to configs",
    after_help = "Exit codes: 0 success; 1 the spec has errors, --check found drift, --locked lock would change; 2 usage errors, unknown names, unreadable files, refused output directories.\nDocs: docs/getting-started.md"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check specs and report every problem.
    Lint {
        /// Spec files, directories (every `*.kdl` below, hidden directories
        /// skipped) or `-` for standard input.
        #[arg(required = true, value_name = "SPEC|DIR|-")]
        specs: Vec<PathBuf>,
        /// Report format: human (stderr), json or sarif (stdout).
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check a spec and write every artifact to DIR (atomically).
    Build {
        /// The spec file; its lock is `SPEC` with the extension `.lock`.
        spec: PathBuf,
        /// Output directory (created; replaced only when infragen wrote it).
        #[arg(short, long, value_name = "DIR")]
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
        /// The spec the tree was built from (its placeholders are the only ones replaced).
        spec: PathBuf,
        /// The directory `infragen build` wrote.
        #[arg(short, long, value_name = "DIR")]
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
        /// The spec file.
        spec: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        /// Same as `--format json` (kept for old scripts).
        #[arg(long, hide = true)]
        json: bool,
    },
    /// Print a rule's documentation, what a cluster survives
    /// (`explain cluster NAME --spec SPEC`), or what each failure domain
    /// takes down (`explain failures SPEC [--format json]`).
    Explain {
        /// Rule name (e.g. cidr-overlap), `cluster` or `slo`.
        rule: String,
        /// With `cluster`: the cluster's name.
        name: Option<String>,
        /// With `cluster`: the spec that declares it.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// With `failures`: human (default) or json.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// With `failures`: also fail every pair of zones.
        #[arg(long)]
        two_zones: bool,
        /// With `failures`: assume one NAT gateway per zone.
        #[arg(long)]
        nat_per_zone: bool,
    },
    /// Write a commented starter spec to DIR/infra.kdl (never overwrites).
    Init {
        /// Directory to write the spec into (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Which starter estate.
        #[arg(long, value_enum, default_value_t = init::Template::Minimal)]
        template: init::Template,
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

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Human,
    Json,
}

/// Success.
pub const EXIT_OK: i32 = 0;
/// The spec has errors (or warnings under --deny-warnings), `--check` found
/// drift, `--locked` and the lock would change.
pub const EXIT_FAILED: i32 = 1;
/// Usage errors, unknown names, unreadable files, a refused output directory.
pub const EXIT_USAGE: i32 = 2;

/// Parses arguments and runs; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // clap's `error: …`, in the prefix style of every other error.
            let sub = std::env::args()
                .nth(1)
                .filter(|a| Cli::command().find_subcommand(a).is_some());
            let prefix = match sub {
                Some(sub) => format!("infragen {sub}: "),
                None => "infragen: ".to_string(),
            };
            let text = e.render().to_string();
            match text.strip_prefix("error: ") {
                Some(rest) => eprint!("{prefix}{rest}"),
                None => eprint!("{text}"),
            }
            return EXIT_USAGE;
        }
        Err(e) => {
            let _ = e.print();
            return EXIT_OK;
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
        Command::Rules { format, json } => rules::list(json || format == ListFormat::Json),
        Command::Explain {
            rule, name, spec, ..
        } if rule == "cluster" => rules::explain_cluster(name.as_deref(), spec.as_deref()),
        Command::Explain {
            rule, name, spec, ..
        } if rule == "slo" => explain_slo::run(name.as_deref(), spec.as_deref()),
        Command::Explain {
            rule,
            name,
            format,
            two_zones,
            nat_per_zone,
            ..
        } if rule == "failures" => failures::run(name.as_deref(), format, two_zones, nat_per_zone),
        Command::Explain { rule, .. } => rules::explain(&rule),
        Command::Init { dir, template } => init::run(&dir, template),
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
