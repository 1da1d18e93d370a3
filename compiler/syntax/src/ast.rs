//! The abstract syntax tree: one node type per construct, every node with a [`Span`].
//!
//! The tree keeps everything the formatter needs to print the program back (parentheses,
//! the order of journey items, literal units) and nothing about meaning: names are plain
//! strings here and are resolved by the checker.

use crate::span::{FileId, Span};

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The text of the name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// One parsed file: its declarations and comments.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    /// The file these declarations came from.
    pub file: FileId,
    /// Top-level declarations in source order.
    pub decls: Vec<Decl>,
    /// Every comment of the file, in source order (doc comments included).
    pub comments: Vec<Comment>,
}

/// A comment kept for the formatter and for hover.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// The comment's full text including its `//`, `///` or `/* */` markers.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

impl Comment {
    /// Whether this is a `///` doc comment.
    pub fn is_doc(&self) -> bool {
        self.text.starts_with("///") && !self.text.starts_with("////")
    }
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Decl {
    /// The `///` doc comment right above it, markers stripped.
    pub doc: Option<String>,
    /// What is declared.
    pub kind: DeclKind,
    /// From the keyword to the closing brace.
    pub span: Span,
}

/// The kinds of top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    /// `event NAME { fields }`
    Event(EventDecl),
    /// `profile { fields }`
    Profile(ProfileDecl),
    /// `policy { rules }`
    Policy(PolicyDecl),
    /// `segment NAME = EXPR`
    Segment(SegmentDecl),
    /// `score NAME { rules }`
    Score(ScoreDecl),
    /// `journey NAME { clauses and steps }`
    Journey(JourneyDecl),
    /// `conversion NAME on EVENT [where COND] [value FIELD] [within D]`
    Conversion(ConversionDecl),
    /// `test "name" { items }`
    Test(TestDecl),
    /// A declaration that did not parse; its name, when one could be read, keeps other
    /// declarations' references to it from being reported as unknown.
    Broken(BrokenDecl),
}

/// What could be salvaged of a declaration with a syntax error.
#[derive(Clone, Debug, PartialEq)]
pub struct BrokenDecl {
    /// The declaration keyword (`event`, `journey`, ...).
    pub keyword: String,
    /// The declared name, if it could be read.
    pub name: Option<Ident>,
}

/// `event email.opened { campaign: string }`
#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    /// The dotted event name.
    pub name: Ident,
    /// Declared properties.
    pub fields: Vec<FieldDecl>,
}

/// `name: type` in an event.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    /// Field name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
    /// The whole field.
    pub span: Span,
}

/// A written type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// The type without its `?`.
    pub kind: TypeExprKind,
    /// Whether `?` follows.
    pub optional: bool,
    /// The whole type.
    pub span: Span,
}

/// The shapes of a written type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `int`, `string`, ...: checked against the known names by the checker.
    Named(Ident),
    /// `enum { a, b }`
    Enum(Vec<Ident>),
    /// `list<T>`
    List(Box<TypeExpr>),
}

/// `profile { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileDecl {
    /// The profile's fields.
    pub fields: Vec<ProfileField>,
}

/// `name: type [= default]`
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileField {
    /// Field name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
    /// Default value, if any.
    pub default: Option<Expr>,
    /// The whole field.
    pub span: Span,
}

/// `policy { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDecl {
    /// The rules in source order.
    pub rules: Vec<PolicyRule>,
}

/// One rule of a policy block.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyRule {
    /// What the rule says.
    pub kind: PolicyRuleKind,
    /// The whole rule.
    pub span: Span,
}

/// The kinds of policy rule.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyRuleKind {
    /// `quiet hours 21:00 to 08:00 local`
    QuietHours {
        /// Start of the window.
        from: TimeOfDay,
        /// End of the window (exclusive).
        to: TimeOfDay,
        /// `local` or `utc`.
        zone: Zone,
    },
    /// `cap email 3 per 7d`
    Cap {
        /// The capped channel.
        channel: Ident,
        /// Sends allowed per window.
        limit: IntLit,
        /// The rolling window.
        per: DurationLit,
    },
    /// `consent email when COND`
    Consent {
        /// The channel.
        channel: Ident,
        /// Consent holds while this is true.
        condition: Expr,
    },
}

/// `segment NAME = EXPR`
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentDecl {
    /// Segment name.
    pub name: Ident,
    /// Its condition.
    pub condition: Expr,
}

/// `conversion NAME on EVENT [where COND] [value FIELD] [within D]`: an event that campaign
/// reports credit to the sends before it (an extension; it changes no action).
#[derive(Clone, Debug, PartialEq)]
pub struct ConversionDecl {
    /// The conversion's name.
    pub name: Ident,
    /// The event that converts.
    pub event: Ident,
    /// Optional filter over the event's fields.
    pub filter: Option<Expr>,
    /// The numeric field that carries the conversion's value.
    pub value: Option<Ident>,
    /// The attribution window (default 7 days).
    pub within: Option<DurationLit>,
}

/// `score NAME { rules }`
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreDecl {
    /// Score name.
    pub name: Ident,
    /// The rules in source order.
    pub rules: Vec<ScoreRule>,
}

/// One rule of a score.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreRule {
    /// What the rule says.
    pub kind: ScoreRuleKind,
    /// The whole rule.
    pub span: Span,
}

/// The kinds of score rule.
#[derive(Clone, Debug, PartialEq)]
pub enum ScoreRuleKind {
    /// `on EVENT [where COND] => +N [cap N per D]`
    On {
        /// The event that awards points.
        event: Ident,
        /// Optional filter over the event's fields.
        filter: Option<Expr>,
        /// Signed points.
        points: Points,
        /// Optional cap over a rolling window.
        cap: Option<ScoreCap>,
    },
    /// `while COND => +N`
    While {
        /// The condition.
        condition: Expr,
        /// Signed points that hold while it is true.
        points: Points,
    },
    /// `decay 10% every 30d`
    Decay {
        /// Share lost each period.
        percent: PercentLit,
        /// The period.
        every: DurationLit,
    },
}

/// `+10` or `-50`.
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    /// The signed value.
    pub value: i64,
    /// Where it was written.
    pub span: Span,
}

/// `cap 30 per 7d` on a score rule.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreCap {
    /// Points allowed per window.
    pub limit: IntLit,
    /// The rolling window.
    pub per: DurationLit,
}

/// `journey NAME { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct JourneyDecl {
    /// Journey name.
    pub name: Ident,
    /// Header clauses and steps, in source order (the checker enforces that clauses come first).
    pub items: Vec<JourneyItem>,
}

/// A header clause or a step, as written in a journey body.
#[derive(Clone, Debug, PartialEq)]
pub enum JourneyItem {
    /// `enter`, `reenter`, `goal ... on`, `exit on`.
    Clause(Clause),
    /// Any step.
    Step(Step),
}

/// A journey header clause.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// What the clause says.
    pub kind: ClauseKind,
    /// The whole clause.
    pub span: Span,
}

/// The kinds of header clause.
#[derive(Clone, Debug, PartialEq)]
pub enum ClauseKind {
    /// `enter ...`
    Enter(Entry),
    /// `reenter never | always | after D`
    Reenter(Reenter),
    /// `goal NAME on EVENT [as B] [where COND]`
    Goal {
        /// The goal's name.
        name: Ident,
        /// The event that reaches it.
        event: Ident,
        /// Optional binding of that event.
        binding: Option<Ident>,
        /// Optional filter.
        filter: Option<Expr>,
    },
    /// `exit on EVENT [where COND]`
    Exit {
        /// The event that ends the journey.
        event: Ident,
        /// Optional filter.
        filter: Option<Expr>,
    },
}

/// How a contact enters a journey.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// `enter on EVENT [as NAME] [where COND]`
    On {
        /// The triggering event.
        event: Ident,
        /// Optional binding of the triggering event.
        binding: Option<Ident>,
        /// Optional filter.
        filter: Option<Expr>,
    },
    /// `enter when COND`
    When(Expr),
    /// `enter when inactive D`
    Inactive(DurationLit),
    /// `enter daily at T [where COND]`
    Daily {
        /// Local or UTC time of day.
        at: LocalTime,
        /// Optional filter.
        filter: Option<Expr>,
    },
    /// `enter weekly on DAY at T [where COND]`
    Weekly {
        /// Weekday name, checked by the checker.
        day: Ident,
        /// Time of day.
        at: LocalTime,
        /// Optional filter.
        filter: Option<Expr>,
    },
    /// `enter monthly on day N at T [where COND]`
    Monthly {
        /// Day of month.
        day: IntLit,
        /// Time of day.
        at: LocalTime,
        /// Optional filter.
        filter: Option<Expr>,
    },
    /// `enter yearly on profile.FIELD at T [where COND]`
    Yearly {
        /// The date field of the profile.
        field: Ident,
        /// Time of day.
        at: LocalTime,
        /// Optional filter.
        filter: Option<Expr>,
    },
    /// `enter once at INSTANT [where COND]`
    Once {
        /// When.
        at: InstantLit,
        /// Optional filter.
        filter: Option<Expr>,
    },
}

/// `reenter` policies.
#[derive(Clone, Debug, PartialEq)]
pub enum Reenter {
    /// `reenter never` (the default).
    Never,
    /// `reenter always`.
    Always,
    /// `reenter after D`.
    After(DurationLit),
}

/// A block of steps in braces.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The steps.
    pub steps: Vec<Step>,
    /// From `{` to `}`.
    pub span: Span,
}

/// A journey step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// The whole step.
    pub span: Span,
}

/// The kinds of step.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// `send CHANNEL "template" [with {...}] [at TIMESPEC]`
    Send {
        /// The channel or `best_channel(...)`.
        channel: ChannelSpec,
        /// The template name.
        template: StrLit,
        /// Optional payload.
        payload: Option<Payload>,
        /// Optional delivery time.
        at: Option<TimeSpec>,
    },
    /// `notify TEAM "template" [with {...}]`
    Notify {
        /// The team notified.
        team: Ident,
        /// The template name.
        template: StrLit,
        /// Optional payload.
        payload: Option<Payload>,
    },
    /// `wait DURATION`
    Wait(Expr),
    /// `wait until TIMESPEC`
    WaitUntil(TimeSpec),
    /// `wait for EVENT [as B] [where COND] within D { ... } [else { ... }]`
    WaitFor {
        /// The awaited event.
        event: Ident,
        /// Optional binding, visible in the first block.
        binding: Option<Ident>,
        /// Optional filter.
        filter: Option<Expr>,
        /// The deadline.
        within: DurationLit,
        /// Runs when the event comes in time.
        then: Block,
        /// Runs when the deadline passes.
        otherwise: Option<Block>,
    },
    /// `if C { } else if C { } else { }`
    If {
        /// Each condition with its block, the `if` first.
        branches: Vec<(Expr, Block)>,
        /// The final `else`.
        otherwise: Option<Block>,
    },
    /// `split { 50% a { } 50% b { } }`
    Split(Vec<SplitArm>),
    /// `set profile.FIELD = EXPR`
    Set {
        /// The profile field.
        field: Ident,
        /// The new value.
        value: Expr,
    },
    /// `score NAME += N`
    AdjustScore {
        /// The score.
        score: Ident,
        /// Signed change.
        delta: i64,
        /// The operator and number.
        delta_span: Span,
    },
    /// `tag "x"`
    Tag(StrLit),
    /// `untag "x"`
    Untag(StrLit),
    /// `goal NAME`
    Goal(Ident),
    /// `exit`
    Exit,
}

/// One arm of a split.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitArm {
    /// Its share.
    pub percent: PercentLit,
    /// Its name.
    pub name: Ident,
    /// Its steps.
    pub block: Block,
    /// The whole arm.
    pub span: Span,
}

/// The channel of a send.
#[derive(Clone, Debug, PartialEq)]
pub enum ChannelSpec {
    /// A channel by name.
    Named(Ident),
    /// `best_channel(a, b, ...)`
    Best {
        /// Candidate channels, in preference order for ties.
        channels: Vec<Ident>,
        /// The whole call.
        span: Span,
    },
}

/// `with { k: EXPR, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// The fields.
    pub fields: Vec<FieldInit>,
    /// From `with` to `}`.
    pub span: Span,
}

/// `name: EXPR` in a payload or test record.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldInit {
    /// Key.
    pub name: Ident,
    /// Value.
    pub value: Expr,
    /// The whole entry.
    pub span: Span,
}

/// When a send or a wait happens.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeSpec {
    /// `09:00 local` or `09:00 utc`: the next occurrence.
    Clock(LocalTime),
    /// `best_time`
    BestTime(Span),
    /// Any expression of type `time`.
    Instant(Expr),
}

/// `09:00 local`
#[derive(Clone, Debug, PartialEq)]
pub struct LocalTime {
    /// Time of day.
    pub time: TimeOfDay,
    /// Zone it is read in.
    pub zone: Zone,
    /// The whole phrase.
    pub span: Span,
}

/// `local` (the contact's zone) or `utc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// The contact's `profile.timezone`.
    Local,
    /// UTC.
    Utc,
}

/// `test "name" { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    /// The test's name.
    pub name: StrLit,
    /// Givens, events and expectations in source order.
    pub items: Vec<TestItem>,
}

/// One line of a test.
#[derive(Clone, Debug, PartialEq)]
pub struct TestItem {
    /// What the line says.
    pub kind: TestItemKind,
    /// The whole line.
    pub span: Span,
}

/// The kinds of test line.
#[derive(Clone, Debug, PartialEq)]
pub enum TestItemKind {
    /// `given CONTACT { trait: value }`
    Given {
        /// The contact.
        contact: Ident,
        /// Profile traits.
        fields: Vec<FieldInit>,
    },
    /// `at INSTANT CONTACT EVENT { ... }`
    Event {
        /// When.
        at: InstantLit,
        /// Who.
        contact: Ident,
        /// The event name.
        event: Ident,
        /// Its properties.
        fields: Vec<FieldInit>,
    },
    /// `at INSTANT CONTACT identify { ... }`
    Identify {
        /// When.
        at: InstantLit,
        /// Who.
        contact: Ident,
        /// Profile traits.
        fields: Vec<FieldInit>,
    },
    /// `expect INSTANT CONTACT ...`
    Expect {
        /// When.
        at: InstantLit,
        /// Who.
        contact: Ident,
        /// The record expected.
        expectation: Expectation,
    },
}

/// A record a test expects.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// `send CHANNEL "template"`
    Send {
        /// Channel.
        channel: Ident,
        /// Template.
        template: StrLit,
    },
    /// `notify TEAM "template"`
    Notify {
        /// Team.
        team: Ident,
        /// Template.
        template: StrLit,
    },
    /// `goal NAME`
    Goal(Ident),
    /// `suppressed CHANNEL "template" REASON`
    Suppressed {
        /// Channel.
        channel: Ident,
        /// Template.
        template: StrLit,
        /// `consent` or `cap`, checked by the checker.
        reason: Ident,
    },
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The shapes of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A bare name: a field in `where`, a score, a segment, a binding or an enum value.
    Name(Ident),
    /// The keyword `profile` (meaningful only with `.field`).
    Profile,
    /// `now`
    Now,
    /// `base.field`
    Member(Box<Expr>, Ident),
    /// `-x` or `not x`
    Unary(UnaryOp, Box<Expr>),
    /// `a OP b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `x is set` / `x is not set`
    IsSet {
        /// The tested value.
        operand: Box<Expr>,
        /// `is not set`.
        negated: bool,
    },
    /// `( x )`, kept so that the formatter prints it back.
    Paren(Box<Expr>),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `count(...)`, `sum(...)`, `last(...)`, `since(...)`.
    History(Box<History>),
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `not`
    Not,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
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
    /// `in`
    In,
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
    /// `??`
    Coalesce,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Contains => "contains",
            BinaryOp::StartsWith => "starts_with",
            BinaryOp::EndsWith => "ends_with",
            BinaryOp::Coalesce => "??",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    /// Whether this is one of the non-associative comparison operators.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::Ne
                | BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::In
                | BinaryOp::Contains
                | BinaryOp::StartsWith
                | BinaryOp::EndsWith
        )
    }
}

/// A history function call.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// Which function.
    pub function: HistoryFn,
    /// The event name as written; for `sum`/`min`/`max`/`avg` it ends in `.field`, which the
    /// checker splits off.
    pub target: Ident,
    /// Optional filter over the event's fields.
    pub filter: Option<Expr>,
    /// The window: required for `count` and the aggregates, absent for `last` and `since`.
    pub window: Option<Window>,
}

/// History functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFn {
    /// `count`
    Count,
    /// `sum`
    Sum,
    /// `min`
    Min,
    /// `max`
    Max,
    /// `avg`
    Avg,
    /// `last`
    Last,
    /// `since`
    Since,
}

impl HistoryFn {
    /// The function's name.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryFn::Count => "count",
            HistoryFn::Sum => "sum",
            HistoryFn::Min => "min",
            HistoryFn::Max => "max",
            HistoryFn::Avg => "avg",
            HistoryFn::Last => "last",
            HistoryFn::Since => "since",
        }
    }
}

/// The window of a history function.
#[derive(Clone, Debug, PartialEq)]
pub enum Window {
    /// `within D`
    Within(DurationLit),
    /// `since enter`
    SinceEnter(Span),
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `42`
    Int(i64),
    /// `0.5`
    Float(f64),
    /// `"text"`, escapes decoded.
    String(String),
    /// `true` / `false`
    Bool(bool),
    /// `3d`
    Duration(Duration),
    /// `1d 12h`: not valid, kept so that the checker can explain it.
    CompoundDuration(Vec<Duration>),
    /// `09:00`
    TimeOfDay(TimeOfDay),
    /// `2026-12-24`
    Date(Date),
    /// `2026-12-24T09:00:00Z`
    Instant(Instant),
}

/// A duration in one unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duration {
    /// The number as written.
    pub amount: u64,
    /// The unit as written.
    pub unit: DurationUnit,
}

impl Duration {
    /// Total seconds, saturating.
    pub fn seconds(self) -> i64 {
        i64::try_from(self.amount.saturating_mul(self.unit.seconds())).unwrap_or(i64::MAX)
    }
}

/// Duration units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    /// `s`
    Seconds,
    /// `m`
    Minutes,
    /// `h`
    Hours,
    /// `d`
    Days,
    /// `w`
    Weeks,
}

impl DurationUnit {
    /// Seconds in one unit.
    pub fn seconds(self) -> u64 {
        match self {
            DurationUnit::Seconds => 1,
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3_600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 604_800,
        }
    }

    /// The unit's suffix.
    pub fn suffix(self) -> char {
        match self {
            DurationUnit::Seconds => 's',
            DurationUnit::Minutes => 'm',
            DurationUnit::Hours => 'h',
            DurationUnit::Days => 'd',
            DurationUnit::Weeks => 'w',
        }
    }
}

/// A time of day, `HH:MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeOfDay {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
    /// Where it was written.
    pub span: Span,
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    /// Year.
    pub year: i16,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
}

/// An instant, kept as written and as seconds since the Unix epoch (UTC).
#[derive(Clone, Debug, PartialEq)]
pub struct Instant {
    /// The literal's text.
    pub text: String,
    /// Seconds since 1970-01-01T00:00:00Z.
    pub epoch_seconds: i64,
    /// Nanoseconds past that second.
    pub nanos: u32,
}

/// An integer literal with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct IntLit {
    /// Its value.
    pub value: i64,
    /// Where it was written.
    pub span: Span,
}

/// A duration literal with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationLit {
    /// Its value.
    pub value: Duration,
    /// Where it was written.
    pub span: Span,
}

/// A percentage literal with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct PercentLit {
    /// The number before `%`.
    pub value: f64,
    /// The text before `%`, as written (so `12.50%` prints back unchanged).
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A string literal with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    /// The decoded value.
    pub value: String,
    /// Where it was written (quotes included).
    pub span: Span,
}

/// An instant literal with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct InstantLit {
    /// Its value.
    pub value: Instant,
    /// Where it was written.
    pub span: Span,
}
