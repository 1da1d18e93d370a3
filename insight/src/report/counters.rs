//! The report's counters: a [`Sink`] that counts what the engine's trace says while the run
//! goes.
//!
//! Everything is a number in a table sized by the program ([`Index`]) or a flat vector indexed
//! by the contact's index in the run (the trace's [`Who::index`]); the only allocations are a
//! contact's first appearance (its rows grow by a fixed stride), its list of recent sends, one
//! duration per contact reaching a goal, and a new day of the timeline. This is also the plain
//! data a metrics endpoint would render.

use journey_ir::eval::{Evaluator, Interpreter, Value};
use journey_ir::{EventId, JourneyId, Program};
use journey_runtime::output::{Action, ActionKind, SuppressReason};
use journey_runtime::trace::{Leave, Trace, Who};
use journey_runtime::{Reject, Sink};

use super::attribution::{Credit, Touch, Touches};
use super::counts::{Counts, JourneyCounts, OutcomeCounts, SenderCounts, SplitCounts};
use super::index::{channel_index, Engagement, Index, GOAL_WINDOW};
use super::record_env::RecordEnv;

const NEVER: i64 = i64::MIN;
const OUTSIDE: i64 = i64::MIN + 1;
const ARM: u8 = 0x3f;
const IN_SPLIT: u8 = 0x40;
const CONVERTED: u8 = 0x80;
const OPENED: u32 = 1 << 31;
const CLICKED: u32 = 1 << 30;
const SENDER: u32 = CLICKED - 1;

/// The sink that counts: wrap it around nothing, hand it to a traced run.
pub struct Counters<'p> {
    program: &'p Program,
    /// The numbering of the program.
    pub index: Index,
    interpreter: Interpreter<'p>,
    /// The counts so far.
    pub counts: Counts,
    /// Per contact × channel: 1 + the sender of the latest send, with the opened/clicked bits.
    last_send: Vec<u32>,
    /// Per contact × journey: the time of the current entry, [`NEVER`] before the first,
    /// [`OUTSIDE`] between entries.
    entered_at: Vec<i64>,
    /// Per contact: bits of the steps run (words of `step_words`).
    step_bits: Vec<u64>,
    step_words: usize,
    /// Per contact: bits of the outcomes reached.
    outcome_bits: Vec<u64>,
    outcome_words: usize,
    /// Per contact × split: 1 + the arm taken in the low bits (0: none), [`IN_SPLIT`] while
    /// in the entry that took it, [`CONVERTED`] once it reached a goal after it.
    arm: Vec<u8>,
    /// Per contact: recent sends.
    touches: Vec<Touches>,
    /// The longest attribution window.
    horizon: i64,
}

impl<'p> Counters<'p> {
    /// Counters for a run of `program`.
    pub fn new(program: &'p Program) -> Counters<'p> {
        let index = Index::new(program);
        let outcomes = index.goals.len() + program.conversions.len();
        let counts = Counts {
            journeys: vec![JourneyCounts::default(); program.journeys.len()],
            step_runs: vec![0; index.steps],
            step_contacts: vec![0; index.steps],
            senders: vec![SenderCounts::default(); index.senders.len()],
            outcomes: (0..outcomes)
                .map(|_| OutcomeCounts {
                    credit: vec![[Credit::default(); 3]; index.senders.len()],
                    ..OutcomeCounts::default()
                })
                .collect(),
            splits: index
                .splits
                .iter()
                .map(|s| SplitCounts {
                    contacts: vec![0; s.arms.len()],
                    converted: vec![0; s.arms.len()],
                })
                .collect(),
            ..Counts::default()
        };
        let horizon = program
            .conversions
            .iter()
            .map(|c| c.within)
            .fold(GOAL_WINDOW, i64::max);
        Counters {
            program,
            step_words: index.steps.div_ceil(64),
            outcome_words: outcomes.div_ceil(64),
            index,
            interpreter: Interpreter::new(program),
            counts,
            last_send: Vec::new(),
            entered_at: Vec::new(),
            step_bits: Vec::new(),
            arm: Vec::new(),
            outcome_bits: Vec::new(),
            touches: Vec::new(),
            horizon,
        }
    }

    /// The attribution window of an outcome (goals first, then conversions).
    pub fn window(&self, outcome: usize) -> i64 {
        match outcome.checked_sub(self.index.goals.len()) {
            Some(c) => self
                .program
                .conversions
                .get(c)
                .map_or(GOAL_WINDOW, |c| c.within),
            None => GOAL_WINDOW,
        }
    }

    /// Makes room for contact `c` (contacts appear in index order).
    fn contact(&mut self, c: usize) {
        while self.touches.len() <= c {
            let journeys = self.program.journeys.len();
            let splits = self.index.splits.len();
            self.counts.contacts += 1;
            self.last_send.resize(self.last_send.len() + 6, 0);
            self.entered_at
                .resize(self.entered_at.len() + journeys, NEVER);
            self.step_bits
                .resize(self.step_bits.len() + self.step_words, 0);
            self.outcome_bits
                .resize(self.outcome_bits.len() + self.outcome_words, 0);
            self.arm.resize(self.arm.len() + splits, 0);
            self.touches.push(Touches::default());
        }
    }

    fn input(&mut self, who: Who<'_>, at: i64, event: EventId, record: &[Value]) {
        let c = who.index as usize;
        match self.index.engagement.get(event.index()).copied().flatten() {
            Some(Engagement::Opened(channel)) => self.engaged(c, channel_index(channel), OPENED),
            Some(Engagement::Clicked(channel)) => self.engaged(c, channel_index(channel), CLICKED),
            None => {}
        }
        let Some(conversions) = self.index.conversions_of.get(event.index()) else {
            return;
        };
        for k in 0..conversions.len() {
            let i = self.index.conversions_of[event.index()][k];
            let Some(conversion) = self.program.conversions.get(i) else {
                continue;
            };
            let env = RecordEnv { event, record, at };
            if let Some(filter) = conversion.filter {
                if !self.interpreter.eval_bool(filter, &env) {
                    continue;
                }
            }
            let value = conversion
                .value
                .and_then(|slot| match record.get(slot as usize) {
                    Some(Value::Int(n)) => Some(*n as f64),
                    Some(Value::Float(x)) => Some(*x),
                    _ => None,
                });
            let outcome = self.index.goals.len() + i;
            self.reached(c, outcome, at, value, None);
        }
    }

    fn engaged(&mut self, c: usize, channel: usize, bit: u32) {
        let slot = &mut self.last_send[c * 6 + channel];
        let sender = (*slot & SENDER) as usize;
        if sender == 0 {
            self.counts.unattributed_engagement[channel] += 1;
            return;
        }
        let counts = &mut self.counts.senders[sender - 1];
        let first = *slot & bit == 0;
        *slot |= bit;
        if bit == OPENED {
            counts.open_events += 1;
            counts.opened += u64::from(first);
        } else {
            counts.click_events += 1;
            counts.clicked += u64::from(first);
        }
    }

    /// Contact `c` reached `outcome` at `at`: counts, time from entry, attribution.
    fn reached(
        &mut self,
        c: usize,
        outcome: usize,
        at: i64,
        value: Option<f64>,
        entry: Option<i64>,
    ) {
        let word = c * self.outcome_words + outcome / 64;
        let bit = 1u64 << (outcome % 64);
        let first = self.outcome_bits[word] & bit == 0;
        self.outcome_bits[word] |= bit;
        let window = self.window(outcome);
        let counts = &mut self.counts.outcomes[outcome];
        counts.count += 1;
        counts.value += value.unwrap_or(0.0);
        if first {
            counts.contacts += 1;
            if let Some(entered) = entry {
                counts.times.push(at.saturating_sub(entered));
            }
        }
        if !self.touches[c].credit(at, window, value, &mut counts.credit) {
            counts.unattributed += 1;
        }
    }

    fn action(&mut self, who: Who<'_>, journey: JourneyId, action: &Action<'_>) {
        let c = who.index as usize;
        let day = action.at.div_euclid(86_400);
        self.counts.timeline.entry(day).or_insert([0; 7])[action.kind.index()] += 1;
        match &action.kind {
            ActionKind::Send {
                channel, template, ..
            } => {
                let Some(s) = self.index.sender(journey, *channel, template) else {
                    return;
                };
                self.counts.senders[s].sends += 1;
                self.last_send[c * 6 + channel_index(*channel)] = s as u32 + 1;
                self.touches[c].push(
                    Touch {
                        at: action.at,
                        sender: s as u32,
                    },
                    self.horizon,
                );
            }
            ActionKind::Suppressed {
                channel,
                template,
                reason,
                ..
            } => {
                if let Some(s) = self.index.sender(journey, *channel, template) {
                    let counts = &mut self.counts.senders[s];
                    match reason {
                        SuppressReason::Consent => counts.suppressed_consent += 1,
                        SuppressReason::Cap => counts.suppressed_cap += 1,
                    }
                }
            }
            ActionKind::Goal { goal } => {
                let Some(g) = self.index.goal(journey, goal) else {
                    return;
                };
                let entered = self.entered_at[c * self.program.journeys.len() + journey.index()];
                let entry = (entered > OUTSIDE).then_some(entered);
                self.reached(c, g, action.at, None, entry);
                let splits = self.index.splits.len();
                for &s in &self.index.splits_of[journey.index()] {
                    let arm = &mut self.arm[c * splits + s];
                    if *arm & (IN_SPLIT | CONVERTED) == IN_SPLIT {
                        *arm |= CONVERTED;
                        let taken = (*arm & ARM) as usize;
                        let slot = taken.checked_sub(1);
                        if let Some(n) =
                            slot.and_then(|a| self.counts.splits[s].converted.get_mut(a))
                        {
                            *n += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn left(&mut self, c: usize, journey: JourneyId, why: Leave) {
        let journeys = self.program.journeys.len();
        self.entered_at[c * journeys + journey.index()] = OUTSIDE;
        let splits = self.index.splits.len();
        for &s in &self.index.splits_of[journey.index()] {
            self.arm[c * splits + s] &= !IN_SPLIT;
        }
        let counts = &mut self.counts.journeys[journey.index()];
        match why {
            Leave::Goal(_) => counts.left_goal += 1,
            Leave::Exit(_) => counts.left_exit_rule += 1,
            Leave::Step(_) | Leave::NoArm(_) => counts.left_end += 1,
        }
    }
}

impl Sink for Counters<'_> {
    fn action(&mut self, _: &Program, _: &Action<'_>) {}

    fn reject(&mut self, _: &Reject) {}

    fn trace(&mut self, _: &Program, trace: &Trace<'_>) {
        match trace {
            Trace::Input {
                who,
                at,
                event,
                record,
                ..
            } => {
                self.contact(who.index as usize);
                if let (Some(event), Some(record)) = (event, record) {
                    self.input(*who, *at, *event, record);
                }
            }
            Trace::Entered {
                who, at, journey, ..
            } => {
                let c = who.index as usize;
                self.contact(c);
                let i = c * self.program.journeys.len() + journey.index();
                let counts = &mut self.counts.journeys[journey.index()];
                counts.entries += 1;
                if self.entered_at[i] == NEVER {
                    counts.contacts += 1;
                }
                self.entered_at[i] = *at;
            }
            Trace::Step {
                who, journey, step, ..
            } => {
                let Some(s) = self.index.step(self.program, *journey, *step) else {
                    return;
                };
                let c = who.index as usize;
                self.contact(c);
                self.counts.step_runs[s] += 1;
                let word = c * self.step_words + s / 64;
                let bit = 1u64 << (s % 64);
                if self.step_bits[word] & bit == 0 {
                    self.step_bits[word] |= bit;
                    self.counts.step_contacts[s] += 1;
                }
            }
            Trace::Split {
                who,
                journey,
                step,
                arm,
                ..
            } => {
                let Some(s) = self.index.split(*journey, *step) else {
                    return;
                };
                let c = who.index as usize;
                self.contact(c);
                let i = c * self.index.splits.len() + s;
                if self.arm[i] & ARM == 0 {
                    self.arm[i] |= u8::try_from(arm + 1).unwrap_or(ARM).min(ARM);
                    if let Some(n) = self.counts.splits[s].contacts.get_mut(*arm) {
                        *n += 1;
                    }
                }
                self.arm[i] |= IN_SPLIT;
            }
            Trace::Action {
                who,
                journey,
                action,
            } => {
                self.contact(who.index as usize);
                self.action(*who, *journey, action);
            }
            Trace::Left {
                who, journey, why, ..
            } => {
                let c = who.index as usize;
                self.contact(c);
                self.left(c, *journey, *why);
            }
            _ => {}
        }
    }
}
