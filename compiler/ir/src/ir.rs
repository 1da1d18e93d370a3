//! The IR: a checked program as data the runtime can execute without the AST.
//!
//! Everything is numbered. Events, profile fields, segments, scores, history aggregates and
//! journeys are indices into the program's tables; expressions live in one arena and refer to
//! each other by [`ExprId`]; a journey is a state machine whose steps refer to their successors by
//! [`StepId`]. Expressions read *slots*: a field of the event being handled, a field of an event
//! bound with `as`, a profile field, a score, a segment or a history aggregate.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::types::Type;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into its table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id!(
    /// An event type.
    EventId
);
id!(
    /// A profile field.
    ProfileSlot
);
id!(
    /// A segment.
    SegmentId
);
id!(
    /// A score.
    ScoreId
);
id!(
    /// A history aggregate that some expression reads.
    HistoryId
);
id!(
    /// A journey.
    JourneyId
);
id!(
    /// A step of a journey.
    StepId
);
id!(
    /// An `as` binding of a journey.
    BindingId
);
id!(
    /// An expression in the program's arena.
    ExprId
);

/// A whole program, lowered.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Event types; their fields are the slots of an event record.
    pub events: Vec<EventType>,
    /// Profile fields.
    pub profile: Vec<ProfileField>,
    /// Variant names of each enum type.
    pub enums: Vec<Vec<String>>,
    /// Segments.
    pub segments: Vec<Segment>,
    /// Scores.
    pub scores: Vec<Score>,
    /// The history aggregates that expressions read; the runtime keeps only these.
    pub histories: Vec<History>,
    /// Delivery policy.
    pub policy: Policy,
    /// Journeys, in declaration order (which breaks ties between timers).
    pub journeys: Vec<Journey>,
    /// Every expression.
    pub exprs: Vec<Expr>,
    /// The `test` blocks, in declaration order.
    pub tests: Vec<TestCase>,
    /// The `conversion` declarations, in declaration order (read by reports, not by the engine).
    pub conversions: Vec<Conversion>,
    /// The event filters of each event type, derived once at the end of lowering and shared by
    /// every side that evaluates them (the interpreter, the JIT, the runtime, the printer).
    pub filters: crate::filters::EventFilters,
}

/// `conversion NAME on EVENT [where C] [value FIELD] [within D]`: an event that a campaign
/// report credits to the sends before it. It changes no action.
#[derive(Clone, Debug)]
pub struct Conversion {
    /// Its name.
    pub name: String,
    /// The event that converts.
    pub event: EventId,
    /// The filter, over that event's record.
    pub filter: Option<ExprId>,
    /// The slot of the numeric field that carries the conversion's value.
    pub value: Option<u32>,
    /// The attribution window in seconds: sends in `(at - within, at]` are credited.
    pub within: i64,
}

impl Program {
    /// The string literals of the program (equal ones share one allocation): a decoder that
    /// hands out these for equal input strings makes comparisons against literals
    /// pointer-equal.
    pub fn string_literals(&self) -> impl Iterator<Item = &Arc<str>> {
        self.exprs.iter().filter_map(|e| match &e.kind {
            ExprKind::Const(Const::String(s)) => Some(s),
            _ => None,
        })
    }

    /// The expression with this id.
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.index()]
    }

    /// The event type with this name.
    pub fn event_named(&self, name: &str) -> Option<EventId> {
        self.events
            .iter()
            .position(|e| e.name == name)
            .map(|i| EventId(i as u32))
    }
}

/// An event type and the layout of its records.
#[derive(Clone, Debug)]
pub struct EventType {
    /// The dotted name.
    pub name: String,
    /// Fields in slot order: declared ones first, then `at`, `contact`, `account`.
    pub fields: Vec<Field>,
}

impl EventType {
    /// The slot of a field.
    pub fn slot(&self, name: &str) -> Option<u32> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .map(|i| i as u32)
    }
}

/// A typed field of an event record.
#[derive(Clone, Debug)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// A profile field with its default.
#[derive(Clone, Debug)]
pub struct ProfileField {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// The value it starts with (constant); `None` starts missing.
    pub default: Option<ExprId>,
}

/// `segment NAME = EXPR`
#[derive(Clone, Debug)]
pub struct Segment {
    /// Its name.
    pub name: String,
    /// Its condition.
    pub condition: ExprId,
}

/// `score NAME { ... }`
#[derive(Clone, Debug)]
pub struct Score {
    /// Its name.
    pub name: String,
    /// Points per matching event.
    pub on_rules: Vec<ScoreOn>,
    /// Points that hold while a condition holds.
    pub while_rules: Vec<ScoreWhile>,
    /// `decay P% every D`.
    pub decay: Option<Decay>,
}

/// `on EVENT [where C] => N [cap N per D]`
#[derive(Clone, Debug)]
pub struct ScoreOn {
    /// The event.
    pub event: EventId,
    /// The filter, over that event's record.
    pub filter: Option<ExprId>,
    /// Signed points.
    pub points: i64,
    /// `(limit, window in seconds)`.
    pub cap: Option<(i64, i64)>,
}

/// `while C => N`
#[derive(Clone, Debug)]
pub struct ScoreWhile {
    /// The condition.
    pub condition: ExprId,
    /// Signed points.
    pub points: i64,
}

/// `decay P% every D`
#[derive(Clone, Copy, Debug)]
pub struct Decay {
    /// The share lost each period, 0–100.
    pub percent: f64,
    /// The period in seconds.
    pub every: i64,
}

/// A history aggregate over one event type.
#[derive(Clone, Debug)]
pub struct History {
    /// What is computed.
    pub function: HistoryFunction,
    /// Over which events.
    pub event: EventId,
    /// Which of them count, evaluated over each event's record when it arrives, or, when
    /// `key` is set, when the aggregate is read.
    pub filter: Option<ExprId>,
    /// The field aggregated (sum/min/max/avg/last).
    pub field: Option<u32>,
    /// The window.
    pub window: HistoryWindow,
    /// For a filter that reads a binding: the event's slots the filter reads. The runtime
    /// keeps the events grouped by the values of these slots and evaluates the filter per
    /// group when the aggregate is read, with the bindings of that moment
    /// ([`crate::filters::read_time_key`]).
    pub key: Option<Vec<u32>>,
}

/// The functions of history aggregates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFunction {
    /// Number of events.
    Count,
    /// Sum of a numeric field.
    Sum,
    /// Least value of a numeric field.
    Min,
    /// Greatest value of a numeric field.
    Max,
    /// Mean of a numeric field.
    Avg,
    /// A field of the latest event.
    Last,
    /// Time since the latest event.
    Since,
}

/// The window of a history aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryWindow {
    /// `(now - D, now]`, D in seconds.
    Within(i64),
    /// Since the contact's latest entry into this journey.
    SinceEnter(JourneyId),
    /// All of the contact's history (`last`, `since`).
    All,
}

/// The delivery policy.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// `[from, to)` minutes of the day, and whether in the contact's zone.
    pub quiet_hours: Option<QuietHours>,
    /// `(channel, limit, window seconds)`.
    pub caps: Vec<(Channel, i64, i64)>,
    /// `(channel, condition)`.
    pub consent: Vec<(Channel, ExprId)>,
}

/// `quiet hours FROM to TO ZONE`
#[derive(Clone, Copy, Debug)]
pub struct QuietHours {
    /// Start, minutes after midnight.
    pub from: u32,
    /// End (exclusive), minutes after midnight.
    pub to: u32,
    /// Local or UTC.
    pub zone: ClockZone,
}

/// Which clock a time of day is read on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockZone {
    /// The contact's `profile.timezone`.
    Local,
    /// UTC.
    Utc,
}

/// A time of day on a clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockTime {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// Local or UTC.
    pub zone: ClockZone,
}

/// Delivery channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Channel {
    /// Email.
    Email,
    /// Text message.
    Sms,
    /// Mobile push.
    Push,
    /// In-app message.
    InApp,
    /// Webhook.
    Webhook,
    /// Postal mail.
    Mail,
}

impl Channel {
    /// The channel's name in the language.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
            Channel::InApp => "in_app",
            Channel::Webhook => "webhook",
            Channel::Mail => "mail",
        }
    }

    /// The channel with this name.
    pub fn from_name(name: &str) -> Option<Channel> {
        Some(match name {
            "email" => Channel::Email,
            "sms" => Channel::Sms,
            "push" => Channel::Push,
            "in_app" => Channel::InApp,
            "webhook" => Channel::Webhook,
            "mail" => Channel::Mail,
            _ => return None,
        })
    }
}

/// A journey as a state machine.
#[derive(Clone, Debug)]
pub struct Journey {
    /// Its name.
    pub name: String,
    /// How contacts enter.
    pub entry: Entry,
    /// Whether they may enter again.
    pub reenter: Reenter,
    /// `goal NAME on EVENT [where C]` rules.
    pub goal_rules: Vec<EventRule>,
    /// `exit on EVENT [where C]` rules.
    pub exit_rules: Vec<EventRule>,
    /// The `as` bindings, each holding one event record per journey instance.
    pub bindings: Vec<Binding>,
    /// The steps; [`Journey::start`] is the first.
    pub steps: Vec<Step>,
    /// The first step.
    pub start: StepId,
}

/// An `as` binding.
#[derive(Clone, Debug)]
pub struct Binding {
    /// Its name.
    pub name: String,
    /// The event type it holds.
    pub event: EventId,
}

/// How contacts enter a journey.
#[derive(Clone, Debug)]
pub enum Entry {
    /// `enter on EVENT [as B] [where C]`
    On {
        /// The event.
        event: EventId,
        /// Where the triggering event is kept.
        binding: Option<BindingId>,
        /// The filter.
        filter: Option<ExprId>,
    },
    /// `enter when C`: on the condition turning from false to true.
    When(ExprId),
    /// `enter when inactive D` (seconds).
    Inactive(i64),
    /// `enter daily/weekly/monthly/yearly ... at T [where C]`
    Schedule {
        /// Which days.
        calendar: Calendar,
        /// The time of day.
        at: ClockTime,
        /// Which contacts.
        filter: Option<ExprId>,
    },
    /// `enter once at INSTANT [where C]`
    Once {
        /// Seconds since the epoch.
        at: i64,
        /// Which contacts.
        filter: Option<ExprId>,
    },
}

/// The days a scheduled entry fires on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calendar {
    /// Every day.
    Daily,
    /// One weekday, 0 = Monday.
    Weekly(u8),
    /// One day of the month, past the end meaning the last day.
    Monthly(u8),
    /// Each year on the date in a profile field.
    Yearly(ProfileSlot),
}

/// `reenter` policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reenter {
    /// Never again (the default).
    Never,
    /// Whenever the trigger fires and the contact is not inside.
    Always,
    /// Only once this many seconds have passed since the last entry.
    After(i64),
}

/// A `goal ... on` or `exit on` rule.
#[derive(Clone, Debug)]
pub struct EventRule {
    /// The goal's name (empty for exits).
    pub name: String,
    /// The event.
    pub event: EventId,
    /// Where the matching event is kept while the filter runs.
    pub binding: Option<BindingId>,
    /// The filter.
    pub filter: Option<ExprId>,
}

/// A step.
#[derive(Clone, Debug)]
pub enum Step {
    /// Send a message.
    Send(Send),
    /// Notify a team.
    Notify {
        /// The team.
        team: String,
        /// The template.
        template: String,
        /// Payload fields.
        payload: Vec<(String, ExprId)>,
        /// Then.
        next: StepId,
    },
    /// Wait a duration.
    Wait {
        /// The duration.
        duration: ExprId,
        /// Then.
        next: StepId,
    },
    /// Wait for a time.
    WaitUntil {
        /// When.
        until: TimeSpec,
        /// Then.
        next: StepId,
    },
    /// Wait for an event or a deadline.
    WaitFor {
        /// The event.
        event: EventId,
        /// Where the event is kept.
        binding: Option<BindingId>,
        /// The filter.
        filter: Option<ExprId>,
        /// The deadline, seconds after the wait starts.
        within: i64,
        /// When the event comes.
        then: StepId,
        /// When the deadline passes.
        otherwise: StepId,
    },
    /// Two-way branch.
    Branch {
        /// The condition.
        condition: ExprId,
        /// When true.
        then: StepId,
        /// When false.
        otherwise: StepId,
    },
    /// Deterministic split per contact.
    Split {
        /// `(percent, arm name, first step)`.
        arms: Vec<(f64, String, StepId)>,
    },
    /// `set profile.FIELD = EXPR`
    Set {
        /// The field.
        slot: ProfileSlot,
        /// The value.
        value: ExprId,
        /// Then.
        next: StepId,
    },
    /// `score NAME += N`
    AdjustScore {
        /// The score.
        score: ScoreId,
        /// Signed change.
        delta: i64,
        /// Then.
        next: StepId,
    },
    /// `tag "x"` (`add`) or `untag "x"`.
    Tag {
        /// The tag.
        tag: String,
        /// `true` for `tag`, `false` for `untag`.
        add: bool,
        /// Then.
        next: StepId,
    },
    /// `goal NAME` (stays in the journey).
    Goal {
        /// The goal.
        name: String,
        /// Then.
        next: StepId,
    },
    /// Leave the journey (`exit`, and the end of the steps).
    Exit,
}

impl Step {
    /// The steps that can follow this one, in the order a reader follows them (the main path
    /// before an `else`, arms in order).
    pub fn successors(&self) -> Vec<StepId> {
        match self {
            Step::Send(send) => vec![send.next],
            Step::Notify { next, .. }
            | Step::Wait { next, .. }
            | Step::WaitUntil { next, .. }
            | Step::Set { next, .. }
            | Step::AdjustScore { next, .. }
            | Step::Tag { next, .. }
            | Step::Goal { next, .. } => vec![*next],
            Step::WaitFor {
                then, otherwise, ..
            }
            | Step::Branch {
                then, otherwise, ..
            } => vec![*then, *otherwise],
            Step::Split { arms } => arms.iter().map(|(_, _, s)| *s).collect(),
            Step::Exit => Vec::new(),
        }
    }
}

/// A send step.
#[derive(Clone, Debug)]
pub struct Send {
    /// One channel, or the candidates of `best_channel(...)`.
    pub channels: Vec<Channel>,
    /// Whether this is `best_channel(...)`.
    pub best_channel: bool,
    /// The template.
    pub template: String,
    /// Payload fields.
    pub payload: Vec<(String, ExprId)>,
    /// `at TIMESPEC`.
    pub at: Option<TimeSpec>,
    /// Then.
    pub next: StepId,
}

/// When a send or wait happens.
#[derive(Clone, Copy, Debug)]
pub enum TimeSpec {
    /// The next occurrence of a time of day.
    Clock(ClockTime),
    /// The contact's best hour (reference §5).
    BestTime,
    /// An instant expression.
    Instant(ExprId),
}

/// An expression: a typed node.
#[derive(Clone, Debug)]
pub struct Expr {
    /// Its type.
    pub ty: Type,
    /// What it computes.
    pub kind: ExprKind,
}

/// A constant value in an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    /// `true`/`false`.
    Bool(bool),
    /// 64-bit integer.
    Int(i64),
    /// 64-bit float.
    Float(f64),
    /// A string. Lowering shares one allocation among equal literals, so that a value that
    /// came from a literal compares by pointer first (see `Program::string_literals`).
    String(Arc<str>),
    /// Seconds.
    Duration(i64),
    /// Seconds since the epoch.
    Time(i64),
    /// Days since 1970-01-01.
    Date(i32),
    /// An enum variant index.
    Enum(u32),
}

/// The shapes of expression.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A constant.
    Const(Const),
    /// A field (slot) of the event being matched.
    EventField(EventId, u32),
    /// A field (slot) of the event of type `EventId` held by a binding.
    BindingField(BindingId, EventId, u32),
    /// A profile field.
    Profile(ProfileSlot),
    /// A score's value.
    Score(ScoreId),
    /// A segment's value.
    Segment(SegmentId),
    /// A history aggregate.
    History(HistoryId),
    /// The current event time.
    Now,
    /// `not x`
    Not(ExprId),
    /// `-x`
    Neg(ExprId),
    /// `a and b` (short-circuit).
    And(ExprId, ExprId),
    /// `a or b` (short-circuit).
    Or(ExprId, ExprId),
    /// A comparison.
    Compare(CompareOp, ExprId, ExprId),
    /// Arithmetic.
    Arith(ArithOp, ExprId, ExprId),
    /// `a ?? b`
    Coalesce(ExprId, ExprId),
    /// `x is set` (`negated`: `is not set`).
    IsSet(ExprId, bool),
    /// `x in list`
    In(ExprId, ExprId),
    /// `a contains b`
    Contains(ExprId, ExprId),
    /// `a starts_with b`
    StartsWith(ExprId, ExprId),
    /// `a ends_with b`
    EndsWith(ExprId, ExprId),
    /// `[a, b]`
    List(Vec<ExprId>),
}

/// Whether two expressions compute the same thing in any scope: the same types, the same
/// operators and constants, the same slots. A binding field is never taken as the same (its
/// id means something only within one journey).
pub fn same_tree(exprs: &[Expr], a: ExprId, b: ExprId) -> bool {
    let (Some(x), Some(y)) = (exprs.get(a.index()), exprs.get(b.index())) else {
        return false;
    };
    let same_node = match (&x.kind, &y.kind) {
        (ExprKind::Const(c), ExprKind::Const(d)) => c == d,
        (ExprKind::EventField(e, s), ExprKind::EventField(f, t)) => (e, s) == (f, t),
        (ExprKind::Profile(p), ExprKind::Profile(q)) => p == q,
        (ExprKind::Score(p), ExprKind::Score(q)) => p == q,
        (ExprKind::Segment(p), ExprKind::Segment(q)) => p == q,
        (ExprKind::History(p), ExprKind::History(q)) => p == q,
        (ExprKind::Compare(o, ..), ExprKind::Compare(p, ..)) => o == p,
        (ExprKind::Arith(o, ..), ExprKind::Arith(p, ..)) => o == p,
        (ExprKind::IsSet(_, n), ExprKind::IsSet(_, m)) => n == m,
        (ExprKind::List(p), ExprKind::List(q)) => p.len() == q.len(),
        (ExprKind::Now, ExprKind::Now)
        | (ExprKind::Not(_), ExprKind::Not(_))
        | (ExprKind::Neg(_), ExprKind::Neg(_))
        | (ExprKind::And(..), ExprKind::And(..))
        | (ExprKind::Or(..), ExprKind::Or(..))
        | (ExprKind::Coalesce(..), ExprKind::Coalesce(..))
        | (ExprKind::In(..), ExprKind::In(..))
        | (ExprKind::Contains(..), ExprKind::Contains(..))
        | (ExprKind::StartsWith(..), ExprKind::StartsWith(..))
        | (ExprKind::EndsWith(..), ExprKind::EndsWith(..)) => true,
        _ => false,
    };
    same_node
        && x.ty == y.ty
        && x.kind
            .children()
            .zip(y.kind.children())
            .all(|(c, d)| same_tree(exprs, c, d))
}

impl ExprKind {
    /// The operands of this node, in order (none for a leaf: segments and scores are
    /// references to other trees, not operands).
    pub fn children(&self) -> impl Iterator<Item = ExprId> + '_ {
        let (pair, list): ([Option<ExprId>; 2], &[ExprId]) = match self {
            ExprKind::Not(x) | ExprKind::Neg(x) | ExprKind::IsSet(x, _) => ([Some(*x), None], &[]),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::Arith(_, a, b)
            | ExprKind::Coalesce(a, b)
            | ExprKind::In(a, b)
            | ExprKind::Contains(a, b)
            | ExprKind::StartsWith(a, b)
            | ExprKind::EndsWith(a, b) => ([Some(*a), Some(*b)], &[]),
            ExprKind::List(items) => ([None, None], items),
            ExprKind::Const(_)
            | ExprKind::EventField(..)
            | ExprKind::BindingField(..)
            | ExprKind::Profile(_)
            | ExprKind::Score(_)
            | ExprKind::Segment(_)
            | ExprKind::History(_)
            | ExprKind::Now => ([None, None], &[]),
        };
        pair.into_iter().flatten().chain(list.iter().copied())
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as the language writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// The operator as the language writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }
}

/// A `test` block: inputs to feed a fresh run and the records it must produce.
#[derive(Clone, Debug)]
pub struct TestCase {
    /// The test's name.
    pub name: String,
    /// The whole block, for reports.
    pub span: journey_syntax::Span,
    /// `given`, `at ... EVENT` and `at ... identify` lines, in order (givens first).
    pub inputs: Vec<TestInput>,
    /// The `expect` lines, in order.
    pub expected: Vec<Expected>,
    /// The latest instant of any line: time runs to it.
    pub until: i64,
}

/// One input line of a test.
#[derive(Clone, Debug)]
pub struct TestInput {
    /// When, seconds since the epoch.
    pub at: i64,
    /// Who.
    pub contact: String,
    /// What.
    pub kind: TestInputKind,
}

/// The kinds of test input.
#[derive(Clone, Debug)]
pub enum TestInputKind {
    /// A track event: `(slot, value)` of the properties written.
    Track {
        /// The event.
        event: EventId,
        /// Property values, constant expressions.
        fields: Vec<(u32, ExprId)>,
    },
    /// An `identify` (also `given`): profile values, constant expressions.
    Identify(Vec<(ProfileSlot, ExprId)>),
}

/// One `expect` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// When, seconds since the epoch.
    pub at: i64,
    /// Who.
    pub contact: String,
    /// The record.
    pub record: ExpectedRecord,
}

/// The records a test can expect.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExpectedRecord {
    /// `send CHANNEL "template"`
    Send {
        /// Channel.
        channel: Channel,
        /// Template.
        template: String,
    },
    /// `notify TEAM "template"`
    Notify {
        /// Team.
        team: String,
        /// Template.
        template: String,
    },
    /// `goal NAME`
    Goal(String),
    /// `suppressed CHANNEL "template" REASON`
    Suppressed {
        /// Channel.
        channel: Channel,
        /// Template.
        template: String,
        /// `consent` or `cap`.
        reason: String,
    },
}

impl std::fmt::Display for ExpectedRecord {
    /// As a test line writes it: `send email "welcome"`, `goal recovered`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedRecord::Send { channel, template } => {
                write!(f, "send {} {template:?}", channel.as_str())
            }
            ExpectedRecord::Notify { team, template } => write!(f, "notify {team} {template:?}"),
            ExpectedRecord::Goal(goal) => write!(f, "goal {goal}"),
            ExpectedRecord::Suppressed {
                channel,
                template,
                reason,
            } => write!(f, "suppressed {} {template:?} {reason}", channel.as_str()),
        }
    }
}
