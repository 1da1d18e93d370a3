//! The scale-out tests' Kafka: librdkafka's mock cluster driven over stdin, a producer of NDJSON
//! files keyed like the service expects, a reader of whole topics, and Kafka's key partitioner.

mod args;
mod consume;
mod mock;
mod murmur2;
mod names;
mod produce;

use std::process::ExitCode;

/// What every subcommand accepts, printed on bad arguments.
const USAGE: &str = "\
usage:
  kafka-harness mock --brokers N TOPIC:PARTITIONS...
      prints `bootstrap=HOST:PORT,...`, then answers commands on stdin with `ok` or `error: ...`:
      broker-down ID | broker-up ID | leader TOPIC PARTITION BROKER | rtt BROKER MILLIS |
      request-errors API ERROR[,ERROR...] | clear-errors API | quit
  kafka-harness produce --bootstrap B --topic T FILE [--end-lines FILE2]
  kafka-harness consume --bootstrap B --topic T [--isolation read_committed|read_uncommitted]
                        [--timeout-secs 30]
  kafka-harness partition-of --partitions N ID...";

/// Why a subcommand did not succeed.
pub enum Failure {
    /// The arguments were wrong: usage is printed and the exit status is 2.
    Usage(String),
    /// The work failed: the exit status is 1.
    Failed(String),
}

impl Failure {
    /// A failure of the work itself, from anything printable.
    pub fn failed(message: impl std::fmt::Display) -> Failure {
        Failure::Failed(message.to_string())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) => match command.as_str() {
            "mock" => mock::run(rest),
            "produce" => produce::run(rest),
            "consume" => consume::run(rest),
            "partition-of" => murmur2::run(rest),
            other => Err(Failure::Usage(format!("unknown subcommand `{other}`"))),
        },
        None => Err(Failure::Usage("no subcommand".to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
