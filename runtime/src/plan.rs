//! The plan: tables derived once from the program (which rules look at which event, the
//! journeys of each kind of entry, the profile's defaults), read-only during a run.

use journey_ir::eval::{Evaluator, Value};
use journey_ir::{
    Calendar, Channel, Entry, EventId, HistoryId, HistoryWindow, JourneyId, ProfileSlot, Program,
    ScoreId, Step, TimeSpec,
};

use crate::scope::EmptyEnv;

/// Tables derived once from the program: which rules look at which event, and so on.
pub(crate) struct Plan {
    /// Per event type: the history aggregates it joins.
    pub(crate) histories_of: Vec<Vec<HistoryId>>,
    /// Per event type: the score `on` rules that look at it, as (score, rule).
    pub(crate) score_rules_of: Vec<Vec<(ScoreId, usize)>>,
    /// Per score, per `on` rule: its window number among all capped rules, if it has a cap.
    pub(crate) award_windows: Vec<Vec<Option<u32>>>,
    /// Per event type: the journeys with a `goal ... on` or `exit on` rule for it.
    pub(crate) rules_of: Vec<Vec<JourneyId>>,
    /// Per event type: the journeys with a `wait for` step for it.
    pub(crate) waits_of: Vec<Vec<JourneyId>>,
    /// Per event type: the journeys it enters (`enter on`).
    pub(crate) entries_of: Vec<Vec<JourneyId>>,
    /// The journeys entered by `enter when`, in declaration order.
    pub(crate) when_journeys: Vec<JourneyId>,
    /// The journeys entered by `enter when inactive D`, with D.
    pub(crate) inactive_journeys: Vec<(JourneyId, i64)>,
    /// The journeys with a yearly scheduled entry (on a profile date), planned per contact.
    pub(crate) yearly_journeys: Vec<JourneyId>,
    /// The journeys with a daily, weekly or monthly scheduled entry, planned per time zone.
    pub(crate) zoned_journeys: Vec<JourneyId>,
    /// Per journey: the `since enter` aggregates reset at each entry.
    pub(crate) since_enter: Vec<Vec<HistoryId>>,
    /// Per event type: the channel it engages with (`email.opened`), if any.
    pub(crate) engagement_channel: Vec<Option<Channel>>,
    /// Whether `best_time` or `best_channel` is used, so engagement is counted.
    pub(crate) uses_engagement: bool,
    /// The profile's default values, in slot order.
    pub(crate) defaults: Box<[Value]>,
    /// The profile field `timezone`, if declared.
    pub(crate) timezone: Option<ProfileSlot>,
    /// The profile field `tags`, if declared.
    pub(crate) tags: Option<ProfileSlot>,
}

impl Plan {
    pub(crate) fn new(program: &Program, evaluator: &dyn Evaluator) -> Plan {
        let events = program.events.len();
        let journeys = program.journeys.len();
        let mut plan = Plan {
            histories_of: vec![Vec::new(); events],
            score_rules_of: vec![Vec::new(); events],
            award_windows: Vec::new(),
            rules_of: vec![Vec::new(); events],
            waits_of: vec![Vec::new(); events],
            entries_of: vec![Vec::new(); events],
            when_journeys: Vec::new(),
            inactive_journeys: Vec::new(),
            yearly_journeys: Vec::new(),
            zoned_journeys: Vec::new(),
            since_enter: vec![Vec::new(); journeys],
            engagement_channel: program
                .events
                .iter()
                .map(|e| {
                    let (channel, what) = e.name.split_once('.')?;
                    matches!(what, "opened" | "clicked")
                        .then(|| Channel::from_name(channel))
                        .flatten()
                })
                .collect(),
            uses_engagement: false,
            defaults: Box::default(),
            timezone: find_slot(program, "timezone"),
            tags: find_slot(program, "tags"),
        };
        for (i, history) in program.histories.iter().enumerate() {
            plan.histories_of[history.event.index()].push(HistoryId(i as u32));
            if let HistoryWindow::SinceEnter(journey) = history.window {
                plan.since_enter[journey.index()].push(HistoryId(i as u32));
            }
        }
        let mut windows = 0;
        for (s, score) in program.scores.iter().enumerate() {
            let mut of_score = Vec::with_capacity(score.on_rules.len());
            for (r, rule) in score.on_rules.iter().enumerate() {
                plan.score_rules_of[rule.event.index()].push((ScoreId(s as u32), r));
                of_score.push(rule.cap.map(|_| {
                    windows += 1;
                    windows - 1
                }));
            }
            plan.award_windows.push(of_score);
        }
        for (j, journey) in program.journeys.iter().enumerate() {
            let id = JourneyId(j as u32);
            let mut rule_events: Vec<EventId> = journey
                .goal_rules
                .iter()
                .chain(&journey.exit_rules)
                .map(|r| r.event)
                .collect();
            rule_events.sort();
            rule_events.dedup();
            for event in rule_events {
                plan.rules_of[event.index()].push(id);
            }
            let mut wait_events: Vec<EventId> = journey
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::WaitFor { event, .. } => Some(*event),
                    _ => None,
                })
                .collect();
            wait_events.sort();
            wait_events.dedup();
            for event in wait_events {
                plan.waits_of[event.index()].push(id);
            }
            match &journey.entry {
                Entry::On { event, .. } => plan.entries_of[event.index()].push(id),
                Entry::When(_) => plan.when_journeys.push(id),
                Entry::Inactive(duration) => plan.inactive_journeys.push((id, *duration)),
                Entry::Schedule {
                    calendar: Calendar::Yearly(_),
                    ..
                } => plan.yearly_journeys.push(id),
                Entry::Schedule { .. } => plan.zoned_journeys.push(id),
                Entry::Once { .. } => {}
            }
            plan.uses_engagement |= journey.steps.iter().any(|s| match s {
                Step::Send(send) => {
                    send.best_channel || matches!(send.at, Some(TimeSpec::BestTime))
                }
                Step::WaitUntil { until, .. } => matches!(until, TimeSpec::BestTime),
                _ => false,
            });
        }
        // Defaults are constants: evaluate them once, outside any contact.
        let empty = EmptyEnv;
        plan.defaults = program
            .profile
            .iter()
            .map(|field| {
                field
                    .default
                    .map_or(Value::Missing, |d| evaluator.eval(d, &empty))
            })
            .collect();
        plan
    }
}

fn find_slot(program: &Program, name: &str) -> Option<ProfileSlot> {
    program
        .profile
        .iter()
        .position(|f| f.name == name)
        .map(|i| ProfileSlot(i as u32))
}
