//! The report as data: what `report.json` holds (keys in field order) and what the HTML shows.
//! Rates are fractions (0.25, not 25%), times are seconds, instants RFC 3339.

use serde::Serialize;

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The run: input, contacts, actions.
    pub run: Run,
    /// Per journey.
    pub journeys: Vec<JourneyReport>,
    /// Per channel, with its templates.
    pub channels: Vec<ChannelReport>,
    /// Per split.
    pub splits: Vec<SplitReport>,
    /// Goals and conversions credited to sends.
    pub attribution: Vec<Outcome>,
    /// Actions per UTC day.
    pub timeline: Vec<Day>,
}

/// The run as a whole.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// The run's clock at the end.
    pub end: Option<String>,
    /// Input lines.
    pub lines: u64,
    /// Track and page events.
    pub events: u64,
    /// Identify calls.
    pub identifies: u64,
    /// Rejected lines.
    pub rejected: u64,
    /// Contacts seen.
    pub contacts: u64,
    /// Actions by kind.
    pub actions: Vec<Count>,
}

/// A named count.
#[derive(Clone, Debug, Serialize)]
pub struct Count {
    /// What.
    pub name: String,
    /// How many.
    pub count: u64,
}

/// One journey.
#[derive(Clone, Debug, Serialize)]
pub struct JourneyReport {
    /// Its name.
    pub name: String,
    /// Entries (a contact may enter more than once).
    pub entries: u64,
    /// Distinct contacts that entered.
    pub contacts: u64,
    /// Contacts still inside at the end of the run.
    pub inside_at_end: u64,
    /// Every step, in the order `journey ir` numbers them.
    pub steps: Vec<StepReport>,
    /// Its goals.
    pub goals: Vec<GoalReport>,
    /// Departures by reason.
    pub exits: Exits,
}

/// One step.
#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    /// The step number (`sN` in `journey ir`).
    pub step: u32,
    /// `send`, `wait`, `if`, ...
    pub kind: &'static str,
    /// A short label in the language's words.
    pub label: String,
    /// Distinct contacts that reached it.
    pub contacts: u64,
    /// Times it ran.
    pub runs: u64,
    /// Contacts waiting at it at the end.
    pub waiting_at_end: u64,
}

/// One goal of a journey.
#[derive(Clone, Debug, Serialize)]
pub struct GoalReport {
    /// Its name.
    pub name: String,
    /// Goal records.
    pub reached: u64,
    /// Distinct contacts that reached it.
    pub contacts: u64,
    /// `contacts ÷ contacts that entered the journey`.
    pub conversion_rate: f64,
    /// Median seconds from the entry to the goal (each contact's first time).
    pub median_seconds: Option<f64>,
}

/// Departures by reason.
#[derive(Clone, Debug, Serialize)]
pub struct Exits {
    /// By a `goal ... on` rule.
    pub goal_rule: u64,
    /// By an `exit on` rule.
    pub exit_rule: u64,
    /// At an `exit` step or the end of the steps.
    pub end: u64,
}

/// One channel.
#[derive(Clone, Debug, Serialize)]
pub struct ChannelReport {
    /// Its name.
    pub channel: String,
    /// The channel's totals (`template` is empty).
    pub total: TemplateReport,
    /// Per template.
    pub templates: Vec<TemplateReport>,
    /// Engagement events with no earlier send on the channel.
    pub unattributed_engagement: u64,
}

/// Sends and engagement of one template on one channel (all journeys).
#[derive(Clone, Debug, Serialize, Default)]
pub struct TemplateReport {
    /// The template.
    pub template: String,
    /// The journeys that send it.
    pub journeys: Vec<String>,
    /// Delivered sends.
    pub sends: u64,
    /// Suppressed sends by reason.
    pub suppressed: Suppressed,
    /// Sends opened at least once.
    pub opened: u64,
    /// Sends clicked at least once.
    pub clicked: u64,
    /// `opened ÷ sends`.
    pub open_rate: f64,
    /// `clicked ÷ sends`.
    pub click_rate: f64,
    /// Open events attributed.
    pub open_events: u64,
    /// Click events attributed.
    pub click_events: u64,
}

/// Suppressed sends by reason.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Suppressed {
    /// No consent.
    pub consent: u64,
    /// Over a cap.
    pub cap: u64,
}

/// One split.
#[derive(Clone, Debug, Serialize)]
pub struct SplitReport {
    /// The journey.
    pub journey: String,
    /// The split's step number.
    pub step: u32,
    /// The arms.
    pub arms: Vec<ArmReport>,
    /// What counts as converted.
    pub outcome: String,
    /// The test, when two arms have contacts.
    pub test: Option<TestReport>,
    /// The result in one sentence.
    pub summary: String,
}

/// One arm of a split.
#[derive(Clone, Debug, Serialize)]
pub struct ArmReport {
    /// Its name.
    pub name: String,
    /// Its share (percent).
    pub share: f64,
    /// Distinct contacts.
    pub contacts: u64,
    /// Of those, the ones that reached a goal of the journey afterwards.
    pub converted: u64,
    /// `converted ÷ contacts`.
    pub conversion_rate: f64,
}

/// A test between arms.
#[derive(Clone, Debug, Serialize)]
pub struct TestReport {
    /// `z` or `chi_square`.
    pub method: &'static str,
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom (chi-square).
    pub df: Option<u64>,
    /// The p-value.
    pub p_value: f64,
    /// The arm with the lower (or first) rate.
    pub baseline: String,
    /// The arm compared with it.
    pub variant: String,
    /// `variant − baseline` rates.
    pub difference: f64,
    /// Its 95% confidence interval `[low, high]`.
    pub ci95: [f64; 2],
    /// Whether p < 0.05.
    pub significant: bool,
    /// Contacts per arm for 80% power at the observed rates.
    pub needed_per_arm: Option<u64>,
}

/// A goal or a conversion, credited to sends.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The goal's or conversion's name.
    pub name: String,
    /// `goal` or `conversion`.
    pub kind: &'static str,
    /// The goal's journey, or the conversion's event.
    pub source: String,
    /// The window, seconds.
    pub window_seconds: i64,
    /// Occurrences.
    pub count: u64,
    /// Distinct contacts.
    pub contacts: u64,
    /// The sum of the values.
    pub value: f64,
    /// Occurrences with no send in the window.
    pub unattributed: u64,
    /// Credit by model.
    pub models: Vec<Model>,
}

/// One attribution model's credit.
#[derive(Clone, Debug, Serialize)]
pub struct Model {
    /// `first_touch`, `last_touch` or `linear`.
    pub model: &'static str,
    /// By journey.
    pub by_journey: Vec<Credited>,
    /// By template (`channel "template"`).
    pub by_template: Vec<Credited>,
    /// By channel.
    pub by_channel: Vec<Credited>,
}

/// Credit given to one journey, template or channel.
#[derive(Clone, Debug, Serialize)]
pub struct Credited {
    /// The journey, template or channel.
    pub name: String,
    /// Conversions credited.
    pub conversions: f64,
    /// Value credited.
    pub value: f64,
}

/// Actions of one UTC day.
#[derive(Clone, Debug, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// By kind, in the order of the action kinds.
    pub actions: Vec<Count>,
}
