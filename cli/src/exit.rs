//! The exit status every subcommand ends with.

use std::process::ExitCode;

/// How a command ended, as the process exit status scripts and CI rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Exit 0: nothing to report.
    Clean,
    /// Exit 1: the command ran and found problems (errors, denied warnings, unformatted files).
    Problems,
    /// Exit 2: the command could not do its job (a missing path, an unreadable file, bad usage).
    Failure,
}

impl Exit {
    /// The numeric status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Clean => 0,
            Exit::Problems => 1,
            Exit::Failure => 2,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}
