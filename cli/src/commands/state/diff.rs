//! `journey state diff`: what a restart of `journey serve` with the program at PATH would do to
//! a stopped service's state — carried over, refused, or migrated with `--on-change` — declaration
//! by declaration, without changing anything.

use std::path::PathBuf;

use journey_runtime::migrate::migrate;

use super::super::serve::OnChangeArg;
use super::{load, Loaded};
use crate::Exit;

/// The arguments of `journey state diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The state directory of a stopped `journey serve`.
    #[arg(long, value_name = "DIR", default_value = ".journey-state")]
    pub state: PathBuf,
    /// The program a restart would run: a `.journey` file or a folder of them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// What the restart would be given for journeys whose steps changed.
    #[arg(long, value_enum, default_value_t = OnChangeArg::Refuse)]
    pub on_change: OnChangeArg,
    /// Lines for people, or the report as one JSON object.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// How `journey state diff` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// One line a declaration that changed, then what the restart does.
    Text,
    /// The report as one JSON object.
    Json,
}

/// Runs `journey state diff`: exit 0 when a restart would go on, 1 when it would refuse.
pub fn run(args: &DiffArgs) -> Result<Exit, String> {
    let Loaded {
        positions,
        program: old,
        state,
        ..
    } = load(&args.state)?;
    let (_, new) = match super::super::compile(std::slice::from_ref(&args.path)) {
        Ok(compiled) => compiled,
        Err(exit) => return Ok(exit),
    };
    let contacts = state.contacts.len();
    if journey_service::program::fingerprint(&new) == positions.fingerprint {
        match args.format {
            DiffFormat::Text => println!(
                "{} is the program that wrote the state in {} ({contacts} contacts): a restart \
                 resumes it as it is",
                args.path.display(),
                args.state.display()
            ),
            DiffFormat::Json => println!("{{\"unchanged\":true,\"contacts\":{contacts}}}"),
        }
        return Ok(Exit::Clean);
    }
    let migrated = migrate(&old, state, &new, args.on_change.into())?;
    let report = &migrated.report;
    match args.format {
        DiffFormat::Text => print!(
            "a restart of the state in {} ({contacts} contacts) with {}:\n{report}",
            args.state.display(),
            args.path.display()
        ),
        DiffFormat::Json => println!("{}", report.json()),
    }
    Ok(if report.refused() {
        Exit::Problems
    } else {
        Exit::Clean
    })
}
