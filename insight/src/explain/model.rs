//! The explanation as data: what `journey explain --format json` prints, key order fixed by the
//! order of the fields below (`at` and `kind` first in every decision).

use serde::Serialize;

/// Every decision the engine made for one contact, and what it waits for at the end.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The contact id.
    pub contact: String,
    /// The run's clock at the end (RFC 3339).
    pub end: Option<String>,
    /// The decisions in the order made.
    pub decisions: Vec<Decision>,
    /// The contact's live timers at the end, by due time.
    pub pending: Vec<Waiting>,
}

impl Explanation {
    /// The explanation as one JSON object (no trailing newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The explanation for a person (see [`super::text`]).
    pub fn to_text(&self) -> String {
        super::text::render(self)
    }
}

/// One decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// When it was made (RFC 3339), on the run's clock.
    pub at: String,
    /// What was decided.
    #[serde(flatten)]
    pub what: What,
}

/// A value an expression read: the leaf in the language's syntax and its value as JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Read {
    /// The leaf (`profile.consent_email`, `value`, `count(email.opened within 7d)`).
    pub expr: String,
    /// Its value, as action records write values.
    pub value: serde_json::Value,
}

/// A live timer of the contact at the end of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Waiting {
    /// The journey.
    pub journey: String,
    /// When it fires (RFC 3339).
    pub due: String,
    /// `time` (a wait), `event` (a `wait for` deadline), `send_at`, `quiet_hours`, `schedule`,
    /// `inactive` or `once`.
    pub waits_for: &'static str,
    /// The waiting step.
    pub step: Option<u32>,
    /// The event a `wait for` waits for.
    pub event: Option<String>,
}

/// The kinds of decision, each with its fields (`kind` in JSON, snake case).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum What {
    /// An input line of the contact.
    Input {
        /// Its line number.
        line: Option<u64>,
        /// `track` or `identify`.
        input: &'static str,
        /// The event (track and page).
        event: Option<String>,
        /// Its own timestamp (differs from `at` when it came late).
        sent_at: String,
    },
    /// The event joined a history aggregate.
    History {
        /// The aggregate.
        history: String,
    },
    /// A score's `on` rule awarded points.
    Score {
        /// The score.
        score: String,
        /// The rule's index among the score's `on` rules, from 0.
        rule: usize,
        /// The rule's event.
        event: String,
        /// The rule's points.
        points: i64,
        /// The points awarded.
        awarded: i64,
        /// Whether the rule's cap cut them.
        capped: bool,
        /// The score's event points afterwards.
        total: i64,
    },
    /// Decay periods applied to a score.
    Decay {
        /// The score.
        score: String,
        /// Periods applied.
        periods: i64,
        /// Event points before.
        before: i64,
        /// Event points after.
        after: i64,
    },
    /// An identify set a profile field.
    Profile {
        /// The field.
        field: String,
        /// The value given.
        value: serde_json::Value,
        /// Whether it changed.
        changed: bool,
    },
    /// A timer fired.
    Timer {
        /// The journey.
        journey: String,
        /// `wait`, `deadline`, `send_at`, `quiet_hours`, `schedule`, `inactive` or `once`.
        timer: &'static str,
        /// The step it resumes.
        step: Option<u32>,
    },
    /// The contact entered a journey.
    Entered {
        /// The journey.
        journey: String,
        /// The entry number, from 1.
        entry: u32,
        /// `on`, `when`, `inactive`, `schedule` or `once`.
        cause: &'static str,
        /// The event of `enter on`.
        event: Option<String>,
    },
    /// A trigger fired but the contact did not enter.
    NotEntered {
        /// The journey.
        journey: String,
        /// The trigger, as in `entered`.
        cause: &'static str,
        /// The event of `enter on`.
        event: Option<String>,
        /// `filter`, `reenter` or `inside`.
        reason: &'static str,
        /// The filter that was false.
        filter: Option<String>,
        /// What the filter read.
        reads: Vec<Read>,
        /// The `reenter` policy that refused.
        reenter: Option<String>,
        /// The last entry, when the policy refused.
        last_entry: Option<String>,
    },
    /// A step ran.
    Step {
        /// The journey.
        journey: String,
        /// The step, as `journey ir` numbers it.
        step: u32,
        /// What it is (`send`, `wait for`, `if`, ...).
        step_kind: &'static str,
    },
    /// A step started to wait.
    Wait {
        /// The journey.
        journey: String,
        /// The step.
        step: u32,
        /// As in [`Waiting::waits_for`].
        waits_for: &'static str,
        /// The event a `wait for` waits for.
        event: Option<String>,
        /// When the timer fires (for `wait for`, the deadline).
        until: String,
    },
    /// The event a `wait for` waited for came.
    Matched {
        /// The journey.
        journey: String,
        /// The step.
        step: u32,
        /// The event.
        event: String,
    },
    /// An `if` chose its branch.
    Branch {
        /// The journey.
        journey: String,
        /// The step.
        step: u32,
        /// Whether the condition held.
        held: bool,
        /// The condition.
        condition: String,
        /// What it read.
        reads: Vec<Read>,
    },
    /// A split chose an arm.
    Split {
        /// The journey.
        journey: String,
        /// The step.
        step: u32,
        /// The arm's index, from 0.
        arm: usize,
        /// Its name.
        arm_name: String,
        /// Its share.
        percent: f64,
    },
    /// A send's channel has no consent.
    NoConsent {
        /// The journey.
        journey: String,
        /// The send step.
        step: u32,
        /// The channel.
        channel: String,
        /// What the consent conditions read.
        reads: Vec<Read>,
    },
    /// An action record.
    Action {
        /// The journey.
        journey: String,
        /// `send`, `suppressed`, `notify`, `goal`, `set`, `tag` or `untag`.
        action: &'static str,
        /// The record's id.
        id: String,
        /// The record as `journey run` writes it.
        record: serde_json::Value,
    },
    /// The contact left a journey.
    Left {
        /// The journey.
        journey: String,
        /// `goal`, `exit_rule`, `exit_step` (an `exit` or the end of the steps) or `no_arm`.
        reason: &'static str,
        /// The goal's name, or the exit rule.
        rule: Option<String>,
        /// The step.
        step: Option<u32>,
    },
}
