//! From the counters and the engine's final state to the [`Report`] model.

use std::collections::BTreeMap;

use journey_ir::{JourneyId, Program, StepId};
use journey_runtime::output::{format_instant, ACTION_KINDS};
use journey_runtime::RunState;

use super::attribution::{Credit, MODELS};
use super::counters::Counters;
use super::index::{step_label, CHANNELS};
use super::model::*;
use super::stats::{self, Arm};

/// Rounds to 6 decimals, so that the JSON is stable and readable.
fn round(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        0.0
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        round(a as f64 / b as f64)
    }
}

fn median(values: &[i64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if !n.is_multiple_of(2) => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0),
    }
}

/// The report of a finished run.
pub fn build(counters: &Counters<'_>, program: &Program, state: &RunState) -> Report {
    let counts = &counters.counts;
    let index = &counters.index;
    let stats = &state.stats;
    let run = Run {
        end: state.clock.map(format_instant),
        lines: stats.lines,
        events: stats.events,
        identifies: stats.identifies,
        rejected: stats.rejected,
        contacts: counts.contacts,
        actions: ACTION_KINDS
            .iter()
            .zip(stats.actions)
            .map(|(name, count)| Count {
                name: (*name).to_string(),
                count,
            })
            .collect(),
    };
    // Who is still inside, and where.
    let mut inside = vec![0u64; program.journeys.len()];
    let mut waiting = vec![0u64; index.steps];
    for (j, step) in state.contacts.instances() {
        inside[j.index()] += 1;
        if let Some(s) = index.step(program, j, step) {
            waiting[s] += 1;
        }
    }
    let journeys = program
        .journeys
        .iter()
        .enumerate()
        .map(|(j, journey)| {
            let id = JourneyId(j as u32);
            let c = &counts.journeys[j];
            let offset = index.step_offset[j];
            let steps = (0..journey.steps.len())
                .map(|s| {
                    let (kind, label) = step_label(program, id, StepId(s as u32));
                    StepReport {
                        step: s as u32,
                        kind,
                        label,
                        contacts: counts.step_contacts[offset + s],
                        runs: counts.step_runs[offset + s],
                        waiting_at_end: waiting[offset + s],
                    }
                })
                .collect();
            let goals = index.goals_of[j]
                .iter()
                .map(|&g| {
                    let o = &counts.outcomes[g];
                    GoalReport {
                        name: index.goals[g].name.clone(),
                        reached: o.count,
                        contacts: o.contacts,
                        conversion_rate: ratio(o.contacts, c.contacts),
                        median_seconds: median(&o.times),
                    }
                })
                .collect();
            JourneyReport {
                name: journey.name.clone(),
                entries: c.entries,
                contacts: c.contacts,
                inside_at_end: inside[j],
                steps,
                goals,
                exits: Exits {
                    goal_rule: c.left_goal,
                    exit_rule: c.left_exit_rule,
                    end: c.left_end,
                },
            }
        })
        .collect();
    Report {
        run,
        journeys,
        channels: channels(counters, program),
        splits: splits(counters, program),
        attribution: attribution(counters, program),
        timeline: counts
            .timeline
            .iter()
            .map(|(day, kinds)| Day {
                date: format_instant(day * 86_400).chars().take(10).collect(),
                actions: ACTION_KINDS
                    .iter()
                    .zip(kinds)
                    .map(|(name, count)| Count {
                        name: (*name).to_string(),
                        count: *count,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn add(total: &mut TemplateReport, s: &super::counts::SenderCounts) {
    total.sends += s.sends;
    total.suppressed.consent += s.suppressed_consent;
    total.suppressed.cap += s.suppressed_cap;
    total.opened += s.opened;
    total.clicked += s.clicked;
    total.open_events += s.open_events;
    total.click_events += s.click_events;
}

fn rates(mut t: TemplateReport) -> TemplateReport {
    t.open_rate = ratio(t.opened, t.sends);
    t.click_rate = ratio(t.clicked, t.sends);
    t
}

fn channels(counters: &Counters<'_>, program: &Program) -> Vec<ChannelReport> {
    let index = &counters.index;
    let mut out = Vec::new();
    for (ci, channel) in CHANNELS.iter().enumerate() {
        let mut templates: BTreeMap<&str, TemplateReport> = BTreeMap::new();
        for (s, sender) in index.senders.iter().enumerate() {
            if sender.channel != *channel {
                continue;
            }
            let t = templates
                .entry(&sender.template)
                .or_insert_with(|| TemplateReport {
                    template: sender.template.clone(),
                    ..TemplateReport::default()
                });
            let journey = program.journeys[sender.journey.index()].name.clone();
            if !t.journeys.contains(&journey) {
                t.journeys.push(journey);
            }
            add(t, &counters.counts.senders[s]);
        }
        let unattributed = counters.counts.unattributed_engagement[ci];
        if templates.is_empty() && unattributed == 0 {
            continue;
        }
        let mut total = TemplateReport::default();
        for t in templates.values() {
            total.sends += t.sends;
            total.suppressed.consent += t.suppressed.consent;
            total.suppressed.cap += t.suppressed.cap;
            total.opened += t.opened;
            total.clicked += t.clicked;
            total.open_events += t.open_events;
            total.click_events += t.click_events;
        }
        out.push(ChannelReport {
            channel: channel.as_str().to_string(),
            total: rates(total),
            templates: templates.into_values().map(rates).collect(),
            unattributed_engagement: unattributed,
        });
    }
    out
}

fn splits(counters: &Counters<'_>, program: &Program) -> Vec<SplitReport> {
    let index = &counters.index;
    index
        .splits
        .iter()
        .enumerate()
        .map(|(s, split)| {
            let c = &counters.counts.splits[s];
            let arms: Vec<Arm> = (0..split.arms.len())
                .map(|a| Arm {
                    n: c.contacts[a],
                    x: c.converted[a],
                })
                .collect();
            let names: Vec<String> = split.arms.iter().map(|(n, _)| n.clone()).collect();
            let goals: Vec<&str> = index.goals_of[split.journey.index()]
                .iter()
                .map(|&g| index.goals[g].name.as_str())
                .collect();
            let test = stats::test(&arms);
            let summary = if goals.is_empty() {
                "The journey declares no goal, so its arms cannot be compared.".to_string()
            } else {
                stats::sentence(test.as_ref(), &arms, &names)
            };
            SplitReport {
                journey: program.journeys[split.journey.index()].name.clone(),
                step: split.step.0,
                arms: split
                    .arms
                    .iter()
                    .zip(&arms)
                    .map(|((name, share), arm)| ArmReport {
                        name: name.clone(),
                        share: *share,
                        contacts: arm.n,
                        converted: arm.x,
                        conversion_rate: ratio(arm.x, arm.n),
                    })
                    .collect(),
                outcome: if goals.is_empty() {
                    "no goal".into()
                } else {
                    format!("any goal of the journey ({})", goals.join(", "))
                },
                test: test.map(|t| TestReport {
                    method: t.method,
                    statistic: round(t.statistic),
                    df: t.df,
                    p_value: round(t.p_value),
                    baseline: names[t.compared.0].clone(),
                    variant: names[t.compared.1].clone(),
                    difference: round(t.difference),
                    ci95: [round(t.ci95.0), round(t.ci95.1)],
                    significant: t.significant,
                    needed_per_arm: t.needed_per_arm,
                }),
                summary,
            }
        })
        .collect()
}

fn attribution(counters: &Counters<'_>, program: &Program) -> Vec<Outcome> {
    let index = &counters.index;
    let goals = index.goals.len();
    counters
        .counts
        .outcomes
        .iter()
        .enumerate()
        .map(|(o, counts)| {
            let (name, kind, source) = match o.checked_sub(goals) {
                None => {
                    let g = &index.goals[o];
                    let journey = program.journeys[g.journey.index()].name.clone();
                    (g.name.clone(), "goal", journey)
                }
                Some(c) => {
                    let conversion = &program.conversions[c];
                    let event = program.events[conversion.event.index()].name.clone();
                    (conversion.name.clone(), "conversion", event)
                }
            };
            let models = MODELS
                .iter()
                .enumerate()
                .map(|(m, model)| {
                    let by = |key: &dyn Fn(usize) -> String| -> Vec<Credited> {
                        let mut sums: BTreeMap<String, Credit> = BTreeMap::new();
                        for (s, credit) in counts.credit.iter().enumerate() {
                            let entry = sums.entry(key(s)).or_default();
                            entry.conversions += credit[m].conversions;
                            entry.value += credit[m].value;
                        }
                        sums.into_iter()
                            .filter(|(_, c)| c.conversions > 0.0)
                            .map(|(name, c)| Credited {
                                name,
                                conversions: round(c.conversions),
                                value: round(c.value),
                            })
                            .collect()
                    };
                    let sender = |s: usize| &index.senders[s];
                    Model {
                        model,
                        by_journey: by(&|s| {
                            program.journeys[sender(s).journey.index()].name.clone()
                        }),
                        by_template: by(&|s| {
                            format!("{} {:?}", sender(s).channel.as_str(), sender(s).template)
                        }),
                        by_channel: by(&|s| sender(s).channel.as_str().to_string()),
                    }
                })
                .collect();
            Outcome {
                name,
                kind,
                source,
                window_seconds: counters.window(o),
                count: counts.count,
                contacts: counts.contacts,
                value: round(counts.value),
                unattributed: counts.unattributed,
                models,
            }
        })
        .collect()
}
