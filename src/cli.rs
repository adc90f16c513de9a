//! The command line. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Lang;

/// Consolidates the Excel reports of reporting units into one city report.
///
/// With no command, runs the main job: reads every form under `inputs/`, checks it, sums the
/// accepted ones and writes the consolidated workbook, feedback for units with problems,
/// CSV/Parquet tables and run.json under `outputs/<period>/`.
///
/// Exit codes: 0 report written; 1 with --strict, written but with rejected submissions or
/// units missing past the deadline; 2 usage or configuration error; 3 I/O failure on the
/// inputs or outputs; 4 another run holds the lock.
#[derive(Debug, Parser)]
#[command(name = "tonghop", version, about, long_about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read, check and consolidate the forms, and write the report (the default).
    Run(RunArgs),
    /// The same checks, without writing the report: the issues go to stdout.
    Validate(RunArgs),
    /// Write blank forms, one per unit, pre-filled with its code and name.
    Template(TemplateArgs),
    /// Write a synthetic, seeded corpus of filled forms (for demos, tests and benchmarks).
    Sample(SampleArgs),
    /// Freeze the signed report of a period (chốt số liệu): a read-only copy that later
    /// runs compare with; `--list` shows the freezes.
    Freeze(FreezeArgs),
    /// Check or print the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Load and validate the configuration; every error names its file, line and key.
    Check,
    /// Print the effective configuration in the format it is read in.
    Show {
        /// Write the tables as files into this directory instead of printing them.
        #[arg(long, value_name = "DIR")]
        write: Option<PathBuf>,
    },
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Configuration directory; each file in it replaces the default table it names.
    #[arg(long, global = true, value_name = "DIR")]
    pub config: Option<PathBuf>,
    /// Only errors and the summary line on stderr.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail in the log.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Language of labels and messages in the outputs.
    #[arg(long, global = true, default_value = "vi", value_parser = EnumValueParser::<LangArg>::new().map(Lang::from))]
    pub lang: Lang,
}

/// `--lang` as typed: the command line's own copy of [`Lang`], so that the domain does not
/// depend on clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Vi,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Vi => Lang::Vi,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// Directory searched recursively for forms.
    #[arg(long, value_name = "DIR", default_value = "inputs")]
    pub inputs: PathBuf,
    /// Where the report is written (one folder per period).
    #[arg(long, value_name = "DIR", default_value = "outputs")]
    pub outputs: PathBuf,
    /// Period code (e.g. 2023-THD): that period only; default: every configured period the
    /// inputs hold a form of, each into its own folder.
    #[arg(long, value_name = "CODE")]
    pub period: Option<String>,
    /// The date the data are taken as of (dd/mm/yyyy or yyyy-mm-dd); default: today in Vietnam.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Files read at once (at most four per core); 1 reads sequentially (same outputs either way).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Exit 1 when submissions were rejected or expected units are missing past the deadline,
    /// in the latest period under way, or when a frozen period's figures changed since.
    #[arg(long)]
    pub strict: bool,
    /// Print the outcome as JSON on stdout (run.json's content).
    #[arg(long)]
    pub json: bool,
    /// Replace the report in place even when this run finds no file at all, or fewer than
    /// half the units with a submission that the report in place counted.
    #[arg(long)]
    pub allow_shrink: bool,
}

#[derive(Debug, Args, Clone)]
pub struct TemplateArgs {
    /// Where the forms go; default: <outputs>/<period>/bieu_mau/.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[arg(long, value_name = "DIR", default_value = "outputs")]
    pub outputs: PathBuf,
    /// Period code; default: the latest configured period.
    #[arg(long, value_name = "CODE")]
    pub period: Option<String>,
    /// Only these unit codes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub units: Option<Vec<String>>,
}

#[derive(Debug, Args, Clone)]
pub struct SampleArgs {
    /// Number of units (beyond the configured ones, synthetic units are made).
    #[arg(long, default_value_t = 51)]
    pub units: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Activity rows per form.
    #[arg(long, default_value_t = 5)]
    pub activities: usize,
    /// Writes DIR/inputs/<period>/ (and DIR/config/ when units are synthetic).
    #[arg(long, value_name = "DIR")]
    pub outputs: PathBuf,
    /// Period code; default: the latest configured period.
    #[arg(long, value_name = "CODE")]
    pub period: Option<String>,
    /// Units left without a form.
    #[arg(long, default_value_t = 0)]
    pub missing: usize,
    /// Units whose form has an error.
    #[arg(long, default_value_t = 0)]
    pub rejected: usize,
    /// Units that send a second, newer form.
    #[arg(long, default_value_t = 0)]
    pub resubmitted: usize,
    /// Units that report after the deadline.
    #[arg(long, default_value_t = 0)]
    pub late: usize,
    /// Units whose form has a warning.
    #[arg(long, default_value_t = 0)]
    pub warned: usize,
    /// `real` mixes in the conventions of forms as offices make them: column-numbering
    /// rows, the date in the signature line, the unit named only in the title, TCVN3 and
    /// VNI fonts, chart sheets.
    #[arg(long, value_enum, default_value_t = FormStyles::Template)]
    pub styles: FormStyles,
    /// The figures as a percentage of the usual (85: a quieter year).
    #[arg(long, default_value_t = 100, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub magnitude: u32,
}

#[derive(Debug, Args, Clone)]
pub struct FreezeArgs {
    /// The period whose current report is frozen.
    #[arg(long, value_name = "CODE", required_unless_present = "list")]
    pub period: Option<String>,
    /// The outputs folder the report is in.
    #[arg(long, default_value = "outputs", value_name = "DIR")]
    pub outputs: PathBuf,
    /// The date recorded as the freeze's (default: today in Vietnam).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Who signed the report (recorded in the freeze).
    #[arg(long, default_value = "", value_name = "NAME")]
    pub by: String,
    /// A note recorded with the freeze (the document number, why).
    #[arg(long, default_value = "", value_name = "TEXT")]
    pub note: String,
    /// List every period's freezes instead.
    #[arg(long, conflicts_with_all = ["period", "as_of", "by", "note"])]
    pub list: bool,
}

/// How sample forms are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormStyles {
    /// Exactly as `tonghop template` writes them.
    Template,
    /// With the conventions of real forms mixed in, seeded.
    Real,
}
