//! `journey state`: a stopped service's checkpointed state. `show` prints one contact — profile,
//! score points, journeys with their step, pending timers — as a readable table or JSON;
//! `forget` erases contacts from the state and its database file, with an audit line each;
//! `diff` (in `state/diff.rs`) shows what a restart with a changed program would do.
//!
//! The state keeps the source files of the program that wrote it, so no program path is
//! needed: rows are read with the layout of the program that laid them out.

use std::fmt::Write as _;
use std::path::PathBuf;

use journey_ir::eval::Interpreter;
use journey_ir::Program;
use journey_runtime::output::{format_instant, value_json};
use journey_runtime::store::Phase;
use journey_runtime::trace::{Fired, Pending};
use journey_runtime::{Engine, Options, RunState};
use journey_service::store::{Positions, StateStore};

use crate::Exit;

mod diff;

/// The arguments of `journey state`.
#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// What to do with the state.
    #[command(subcommand)]
    pub command: StateCommand,
}

/// The subcommands of `journey state`.
#[derive(Debug, clap::Subcommand)]
pub enum StateCommand {
    /// Print one contact: profile, score points, journeys and pending timers.
    Show(ShowArgs),
    /// Erase contacts (the right to erasure) from the state and its checkpoint, with an audit
    /// line each.
    Forget(ForgetArgs),
    /// Show what a restart with a changed program would do to the state, without doing it.
    Diff(diff::DiffArgs),
}

/// The arguments of `journey state forget`.
#[derive(Debug, clap::Args)]
pub struct ForgetArgs {
    /// The state directory of a stopped `journey serve` (a running one takes the same request
    /// on `POST /admin/forget` of its `--metrics` address).
    #[arg(long, value_name = "DIR", default_value = ".journey-state")]
    pub state: PathBuf,
    /// The audit file: one line per erased contact, the time and the SHA-256 of its id
    /// (default `DIR/erasures.ndjson`).
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,
    /// The ids of the contacts to erase.
    #[arg(value_name = "CONTACT", required = true)]
    pub contacts: Vec<String>,
}

/// The arguments of `journey state show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The state directory of `journey serve`.
    #[arg(long, value_name = "DIR", default_value = ".journey-state")]
    pub state: PathBuf,
    /// The contact's id.
    #[arg(value_name = "CONTACT")]
    pub contact: String,
    /// A readable table or one JSON object.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How `journey state show` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Sections of aligned lines, for people.
    Table,
    /// One JSON object, for tools.
    Json,
}

/// Runs `journey state`.
pub fn run(args: &StateArgs) -> Exit {
    match &args.command {
        StateCommand::Show(show) => show_contact(show),
        StateCommand::Forget(forget) => forget_contacts(forget),
        StateCommand::Diff(args) => diff::run(args),
    }
    .unwrap_or_else(|message| {
        eprintln!("error: {message}");
        Exit::Failure
    })
}

/// A checkpointed state with the program that wrote it.
struct Loaded {
    store: StateStore,
    positions: Positions,
    program: Program,
    state: RunState,
}

fn load(dir: &std::path::Path) -> Result<Loaded, String> {
    if !dir.join("state.redb").exists() {
        return Err(format!("{} holds no `journey serve` state", dir.display()));
    }
    let store = StateStore::open(dir).map_err(|e| e.to_string())?;
    let restored = store
        .restore()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{} has no checkpoint yet", dir.display()))?;
    let program = journey_service::program::stored(&store)?;
    let state =
        journey_service::driver::read_state(&store, &restored).map_err(|e| e.to_string())?;
    Ok(Loaded {
        store,
        positions: restored.positions,
        program,
        state,
    })
}

fn forget_contacts(args: &ForgetArgs) -> Result<Exit, String> {
    let Loaded {
        mut store,
        positions,
        program,
        state,
    } = load(&args.state)?;
    let evaluator = Interpreter::new(&program);
    let mut engine = Engine::from_state(&program, &evaluator, Options::default(), state)?;
    engine.track_changes();
    let (erased, unknown): (Vec<String>, Vec<String>) = args
        .contacts
        .iter()
        .cloned()
        .partition(|id| engine.forget(id));
    if !erased.is_empty() {
        let parts = engine.checkpoint()?;
        store
            .commit(&positions, &parts.shared, &parts.changed, None)
            .map_err(|e| e.to_string())?;
        store.compact().map_err(|e| e.to_string())?;
        let audit = args
            .audit
            .clone()
            .unwrap_or_else(|| args.state.join(journey_service::erasure::AUDIT_FILE));
        journey_service::erasure::record(&audit, &erased)
            .map_err(|e| format!("cannot write the audit file {}: {e}", audit.display()))?;
    }
    eprintln!(
        "erased {} contact{}",
        erased.len(),
        if erased.len() == 1 { "" } else { "s" }
    );
    for id in &unknown {
        eprintln!("error: no contact `{id}` in {}", args.state.display());
    }
    Ok(if unknown.is_empty() {
        Exit::Clean
    } else {
        Exit::Problems
    })
}

fn show_contact(args: &ShowArgs) -> Result<Exit, String> {
    let Loaded { program, state, .. } = load(&args.state)?;
    let evaluator = Interpreter::new(&program);
    let engine = Engine::from_state(&program, &evaluator, Options::default(), state)?;
    let contacts = &engine.state().contacts;
    let Some(c) = contacts.find(&args.contact) else {
        eprintln!(
            "error: no contact `{}` in {}",
            args.contact,
            args.state.display()
        );
        return Ok(Exit::Failure);
    };
    let view = View::of(&program, &engine, c, &args.contact);
    let text = match args.format {
        Format::Json => view.json(),
        Format::Table => view.table(),
    };
    print!("{text}");
    Ok(Exit::Clean)
}

/// One contact as `show` prints it, every value already JSON text.
struct View {
    contact: String,
    profile: Vec<(String, String)>,
    scores: Vec<(String, i64)>,
    journeys: Vec<JourneyView>,
    pending: Vec<(String, String, String)>,
}

struct JourneyView {
    name: String,
    inside: bool,
    entries: u32,
    last_entry: Option<String>,
    step: Option<u32>,
    phase: Option<&'static str>,
}

impl View {
    fn of(program: &Program, engine: &Engine<'_>, c: usize, id: &str) -> View {
        let contacts = &engine.state().contacts;
        let profile = program
            .profile
            .iter()
            .enumerate()
            .map(|(slot, field)| {
                let value = contacts.profile_value(c, journey_ir::ProfileSlot(slot as u32));
                (field.name.clone(), value_json(&value, &field.ty, program))
            })
            .collect();
        let scores = program
            .scores
            .iter()
            .enumerate()
            .map(|(s, score)| {
                let state = contacts.score(c, journey_ir::ScoreId(s as u32));
                (score.name.clone(), state.points)
            })
            .collect();
        let journeys = program
            .journeys
            .iter()
            .enumerate()
            .map(|(j, journey)| {
                let state = contacts.journey(c, journey_ir::JourneyId(j as u32));
                JourneyView {
                    name: journey.name.clone(),
                    inside: state.inside,
                    entries: state.entries,
                    last_entry: state.last_entry.get().map(format_instant),
                    step: state.inside.then_some(state.step.0),
                    phase: state.inside.then_some(phase_name(state.phase)),
                }
            })
            .collect();
        let pending = engine
            .pending_for(id)
            .iter()
            .map(|pending| {
                let journey = program
                    .journeys
                    .get(pending.journey.index())
                    .map_or_else(String::new, |j| j.name.clone());
                (format_instant(pending.due), journey, timer_text(pending))
            })
            .collect();
        View {
            contact: id.to_owned(),
            profile,
            scores,
            journeys,
            pending,
        }
    }

    fn json(&self) -> String {
        let quote = |text: &str| serde_json::Value::from(text).to_string();
        let mut out = format!("{{\"contact\":{},\"profile\":{{", quote(&self.contact));
        for (i, (name, value)) in self.profile.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let _ = write!(out, "{comma}{}:{value}", quote(name));
        }
        out.push_str("},\"score_points\":{");
        for (i, (name, points)) in self.scores.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let _ = write!(out, "{comma}{}:{points}", quote(name));
        }
        out.push_str("},\"journeys\":[");
        for (i, j) in self.journeys.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let last = j.last_entry.as_deref().map_or("null".to_owned(), quote);
            let step = j.step.map_or("null".to_owned(), |s| s.to_string());
            let phase = j.phase.map_or("null".to_owned(), quote);
            let _ = write!(
                out,
                "{comma}{{\"journey\":{},\"inside\":{},\"entries\":{},\"last_entry\":{last},\
                 \"step\":{step},\"phase\":{phase}}}",
                quote(&j.name),
                j.inside,
                j.entries
            );
        }
        out.push_str("],\"pending\":[");
        for (i, (due, journey, what)) in self.pending.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let _ = write!(
                out,
                "{comma}{{\"due\":{},\"journey\":{},\"timer\":{}}}",
                quote(due),
                quote(journey),
                quote(what)
            );
        }
        out.push_str("]}\n");
        out
    }

    fn table(&self) -> String {
        let mut out = format!("contact {}\n\nprofile\n", self.contact);
        let width = self.profile.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, value) in &self.profile {
            let _ = writeln!(out, "  {name:width$}  {value}");
        }
        out.push_str("\nscore points\n");
        let width = self.scores.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (name, points) in &self.scores {
            let _ = writeln!(out, "  {name:width$}  {points}");
        }
        out.push_str("\njourneys\n");
        let width = self
            .journeys
            .iter()
            .map(|j| j.name.len())
            .max()
            .unwrap_or(0);
        for j in &self.journeys {
            let standing = match (j.step, j.phase) {
                (Some(step), Some(phase)) => format!("inside at step {step} ({phase})"),
                _ => "outside".to_owned(),
            };
            let entries = match (&j.last_entry, j.entries) {
                (Some(last), 1) => format!("entered once, at {last}"),
                (Some(last), n) => format!("entered {n} times, the last at {last}"),
                (None, _) => "never entered".to_owned(),
            };
            let _ = writeln!(out, "  {:width$}  {standing}; {entries}", j.name);
        }
        out.push_str("\npending timers\n");
        if self.pending.is_empty() {
            out.push_str("  none\n");
        }
        for (due, journey, what) in &self.pending {
            let _ = writeln!(out, "  {due}  {journey}  {what}");
        }
        out
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Ready => "ready",
        Phase::Sleeping => "waiting",
        Phase::Awaiting => "waiting for an event",
        Phase::SendScheduled => "send scheduled",
        Phase::SendQuiet => "send held by quiet hours",
    }
}

fn timer_text(pending: &Pending) -> String {
    match pending.timer {
        Fired::Resume { step, phase } => format!("step {} ({})", step.0, phase_name(phase)),
        Fired::Scheduled => "scheduled entry".to_owned(),
        Fired::Inactive => "inactivity entry".to_owned(),
        Fired::Once => "`enter once` entry".to_owned(),
    }
}
