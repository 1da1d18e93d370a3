//! What the report counts, numbered once from the program: senders (journey, channel,
//! template), goals, splits, steps, and the events that are engagement or conversions.
//!
//! The counters look things up here by number while the run goes, so that a trace costs a few
//! array reads and no allocation.

use journey_ir::{Channel, EventId, JourneyId, Program, Step, StepId};

/// The channels, in the order of the report's per-channel arrays.
pub const CHANNELS: [Channel; 6] = [
    Channel::Email,
    Channel::Sms,
    Channel::Push,
    Channel::InApp,
    Channel::Webhook,
    Channel::Mail,
];

/// The position of a channel in [`CHANNELS`].
pub fn channel_index(channel: Channel) -> usize {
    CHANNELS.iter().position(|c| *c == channel).unwrap_or(0)
}

/// The default attribution window of goals (a `conversion` names its own): 7 days.
pub const GOAL_WINDOW: i64 = 7 * 86_400;

/// One (journey, channel, template) that sends: the unit of attribution.
#[derive(Clone, Debug)]
pub struct Sender {
    /// The journey.
    pub journey: JourneyId,
    /// The channel.
    pub channel: Channel,
    /// The template.
    pub template: String,
}

/// A goal of a journey (a `goal ... on` rule or a `goal` step; one entry per name).
#[derive(Clone, Debug)]
pub struct Goal {
    /// The journey.
    pub journey: JourneyId,
    /// The goal's name.
    pub name: String,
}

/// A split step and its arms.
#[derive(Clone, Debug)]
pub struct Split {
    /// The journey.
    pub journey: JourneyId,
    /// The step.
    pub step: StepId,
    /// `(name, percent)` of each arm.
    pub arms: Vec<(String, f64)>,
}

/// Engagement an event stands for (reference §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engagement {
    /// `CHANNEL.opened`.
    Opened(Channel),
    /// `CHANNEL.clicked`.
    Clicked(Channel),
}

/// The program's reportable things, numbered.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Every sender.
    pub senders: Vec<Sender>,
    /// Every goal.
    pub goals: Vec<Goal>,
    /// Every split.
    pub splits: Vec<Split>,
    /// The first global step number of each journey (steps are numbered across journeys).
    pub step_offset: Vec<usize>,
    /// The number of steps of all journeys.
    pub steps: usize,
    /// Per event: the engagement it stands for.
    pub engagement: Vec<Option<Engagement>>,
    /// Per event: the conversions it may be.
    pub conversions_of: Vec<Vec<usize>>,
    /// Per journey: its senders.
    senders_of: Vec<Vec<usize>>,
    /// Per journey: its goals.
    pub goals_of: Vec<Vec<usize>>,
    /// Per journey: its splits.
    pub splits_of: Vec<Vec<usize>>,
}

impl Index {
    /// Numbers everything the report counts in `program`.
    pub fn new(program: &Program) -> Index {
        let mut index = Index {
            engagement: program.events.iter().map(|e| engagement(&e.name)).collect(),
            conversions_of: vec![Vec::new(); program.events.len()],
            ..Index::default()
        };
        for (i, conversion) in program.conversions.iter().enumerate() {
            if let Some(list) = index.conversions_of.get_mut(conversion.event.index()) {
                list.push(i);
            }
        }
        for (j, journey) in program.journeys.iter().enumerate() {
            let id = JourneyId(j as u32);
            index.step_offset.push(index.steps);
            index.steps += journey.steps.len();
            let mut senders = Vec::new();
            let mut goals = Vec::new();
            let mut splits = Vec::new();
            let goal = |index: &mut Index, goals: &mut Vec<usize>, name: &str| {
                if !goals.iter().any(|&g| index.goals[g].name == name) {
                    goals.push(index.goals.len());
                    index.goals.push(Goal {
                        journey: id,
                        name: name.to_string(),
                    });
                }
            };
            for rule in &journey.goal_rules {
                goal(&mut index, &mut goals, &rule.name);
            }
            for (s, step) in journey.steps.iter().enumerate() {
                match step {
                    Step::Send(send) => {
                        for &channel in &send.channels {
                            let known = senders.iter().any(|&i: &usize| {
                                let sender = &index.senders[i];
                                sender.channel == channel && sender.template == send.template
                            });
                            if !known {
                                senders.push(index.senders.len());
                                index.senders.push(Sender {
                                    journey: id,
                                    channel,
                                    template: send.template.clone(),
                                });
                            }
                        }
                    }
                    Step::Goal { name, .. } => goal(&mut index, &mut goals, name),
                    Step::Split { arms } => {
                        splits.push(index.splits.len());
                        index.splits.push(Split {
                            journey: id,
                            step: StepId(s as u32),
                            arms: arms.iter().map(|(p, name, _)| (name.clone(), *p)).collect(),
                        });
                    }
                    _ => {}
                }
            }
            index.senders_of.push(senders);
            index.goals_of.push(goals);
            index.splits_of.push(splits);
        }
        index
    }

    /// The sender of a send record.
    pub fn sender(&self, journey: JourneyId, channel: Channel, template: &str) -> Option<usize> {
        self.senders_of
            .get(journey.index())?
            .iter()
            .copied()
            .find(|&i| {
                let sender = &self.senders[i];
                sender.channel == channel && sender.template == template
            })
    }

    /// The goal of a goal record.
    pub fn goal(&self, journey: JourneyId, name: &str) -> Option<usize> {
        self.goals_of
            .get(journey.index())?
            .iter()
            .copied()
            .find(|&g| self.goals[g].name == name)
    }

    /// The split at a step.
    pub fn split(&self, journey: JourneyId, step: StepId) -> Option<usize> {
        self.splits_of
            .get(journey.index())?
            .iter()
            .copied()
            .find(|&s| self.splits[s].step == step)
    }

    /// The global number of a journey's step, when it is one (not the end of the steps).
    pub fn step(&self, program: &Program, journey: JourneyId, step: StepId) -> Option<usize> {
        let steps = program.journeys.get(journey.index())?.steps.len();
        (step.index() < steps).then(|| self.step_offset[journey.index()] + step.index())
    }
}

/// The engagement an event name stands for: `CHANNEL.opened` or `CHANNEL.clicked`.
fn engagement(name: &str) -> Option<Engagement> {
    let (channel, what) = name.split_once('.')?;
    let channel = Channel::from_name(channel)?;
    match what {
        "opened" => Some(Engagement::Opened(channel)),
        "clicked" => Some(Engagement::Clicked(channel)),
        _ => None,
    }
}

/// The kind and a short label of a step, in the language's words.
pub fn step_label(program: &Program, journey: JourneyId, step: StepId) -> (&'static str, String) {
    let Some(s) = program
        .journeys
        .get(journey.index())
        .and_then(|j| j.steps.get(step.index()))
    else {
        return ("end", "end".into());
    };
    let expr = |e| crate::syntax::expr(program, Some(journey), e);
    let event = |e: EventId| {
        program
            .events
            .get(e.index())
            .map_or("?".to_string(), |e| e.name.clone())
    };
    match s {
        Step::Send(send) => {
            let channel = if send.best_channel {
                let names: Vec<&str> = send.channels.iter().map(|c| c.as_str()).collect();
                format!("best_channel({})", names.join(", "))
            } else {
                send.channels
                    .first()
                    .map_or("?".into(), |c| c.as_str().to_string())
            };
            ("send", format!("send {channel} {:?}", send.template))
        }
        Step::Notify { team, template, .. } => ("notify", format!("notify {team} {template:?}")),
        Step::Wait { duration, .. } => ("wait", format!("wait {}", expr(*duration))),
        Step::WaitUntil { .. } => ("wait until", "wait until".into()),
        Step::WaitFor {
            event: e, within, ..
        } => (
            "wait for",
            format!("wait for {} within {}", event(*e), duration(*within)),
        ),
        Step::Branch { condition, .. } => ("if", format!("if {}", expr(*condition))),
        Step::Split { arms } => {
            let names: Vec<&str> = arms.iter().map(|(_, n, _)| n.as_str()).collect();
            ("split", format!("split {}", names.join(" / ")))
        }
        Step::Set { slot, .. } => {
            let field = program
                .profile
                .get(slot.index())
                .map_or("?", |f| f.name.as_str());
            ("set", format!("set profile.{field}"))
        }
        Step::AdjustScore { score, delta, .. } => {
            let name = program
                .scores
                .get(score.index())
                .map_or("?", |s| s.name.as_str());
            let op = if *delta < 0 { "-=" } else { "+=" };
            (
                "score",
                format!("score {name} {op} {}", delta.unsigned_abs()),
            )
        }
        Step::Tag { tag, add, .. } => {
            let kind = if *add { "tag" } else { "untag" };
            (kind, format!("{kind} {tag:?}"))
        }
        Step::Goal { name, .. } => ("goal", format!("goal {name}")),
        Step::Exit => ("exit", "exit".into()),
    }
}

/// A duration in the language's largest exact unit (`90m` → `90m`, `86400` → `1d`).
pub fn duration(seconds: i64) -> String {
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds != 0 && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}
