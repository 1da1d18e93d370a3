//! The engine's [`Sink`] for a service: actions as JSON lines into the actions output, rejects
//! as JSON lines into the rejects output, or described on stderr when no rejects output is
//! given. The first write error is kept for the loop to report.

use std::io::{self, Write};

use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::{Reject, Sink};

use crate::metrics::OutputCounts;
use crate::sink::Output;

/// Actions and rejects on their way out.
pub struct Outputs {
    /// Where actions go.
    pub actions: Box<dyn Output>,
    /// Where rejects go as JSON; `None` describes them on stderr.
    pub rejects: Option<Box<dyn Output>>,
    /// The first write error.
    pub error: Option<io::Error>,
    /// What went out, by kind, for the metrics.
    pub counts: OutputCounts,
    line: String,
}

impl Outputs {
    /// Actions to `actions`, rejects to `rejects` (or stderr).
    pub fn new(actions: Box<dyn Output>, rejects: Option<Box<dyn Output>>) -> Outputs {
        Outputs {
            actions,
            rejects,
            error: None,
            counts: OutputCounts::default(),
            line: String::with_capacity(256),
        }
    }

    /// Makes both outputs durable; their lengths, for a checkpoint.
    pub fn sync(&mut self) -> io::Result<(Option<u64>, Option<u64>)> {
        let actions = self.actions.sync()?;
        let rejects = match &mut self.rejects {
            Some(rejects) => rejects.sync()?,
            None => None,
        };
        Ok((actions, rejects))
    }
}

impl Sink for Outputs {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.counts.action(action.journey, action.kind.index());
        self.line.clear();
        action.write_json(program, &mut self.line);
        self.line.push('\n');
        if let Err(error) = self.actions.write(self.line.as_bytes()) {
            self.error.get_or_insert(error);
        }
    }

    fn reject(&mut self, reject: &Reject) {
        self.counts.reject(reject.reason.code());
        let written = match &mut self.rejects {
            Some(rejects) => {
                let mut line = reject.to_json();
                line.push('\n');
                rejects.write(line.as_bytes())
            }
            None => writeln!(
                io::stderr(),
                "rejected line {} ({}): {}",
                reject.line,
                reject.reason.code(),
                reject.reason
            ),
        };
        if let Err(error) = written {
            self.error.get_or_insert(error);
        }
    }
}
