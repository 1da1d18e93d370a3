//! Comparing two versions of a program declaration by declaration, by name and structural
//! description ([`journey_ir::structure`]): what the old state of each may carry over, as a
//! [`Carry`], and what the report says of each.

use journey_ir::eval::{Evaluator, Interpreter, Value};
use journey_ir::structure;
use journey_ir::{HistoryId, JourneyId, ProfileSlot, Program, ScoreId, Type};

use super::report::{Fate, Item, Kind};
use super::OnChange;
use crate::scope::EmptyEnv;
use crate::store::{Carry, JourneyCarry, ProfileCarry};

/// What two versions of a program share, and what the report says of each declaration.
pub(super) struct Comparison {
    pub(super) carry: Carry,
    /// Per declaration that is not carried over untouched, and per journey.
    pub(super) items: Vec<Item>,
    /// The old journeys no longer declared.
    pub(super) removed_journeys: Vec<JourneyId>,
}

pub(super) fn compare(old: &Program, new: &Program, on_change: OnChange) -> Comparison {
    let mut items = Vec::new();
    let profile = profile(old, new, &mut items);
    let scores = scores(old, new, &mut items);
    let histories = histories(old, new, &mut items);
    let (journeys, removed_journeys) = journeys(old, new, on_change, &mut items);
    let award_windows = award_windows(old, new);
    let caps = caps(old, new, &mut items);
    Comparison {
        carry: Carry {
            profile,
            scores,
            histories,
            journeys,
            award_windows,
            caps,
        },
        items,
        removed_journeys,
    }
}

fn profile(old: &Program, new: &Program, items: &mut Vec<Item>) -> Vec<ProfileCarry> {
    let interpreter = Interpreter::new(new);
    let mut carried = Vec::with_capacity(new.profile.len());
    for field in &new.profile {
        let default = field
            .default
            .map_or(Value::Missing, |d| interpreter.eval(d, &EmptyEnv));
        let mut carry = ProfileCarry {
            old: None,
            variants: None,
            optional: field.ty.is_optional(),
            default,
        };
        let was = old.profile.iter().position(|f| f.name == field.name);
        match was {
            None => items.push(Item::new(Kind::ProfileField, &field.name, Fate::Added)),
            Some(slot) => {
                let before = &old.profile[slot].ty;
                let retyped = |dropped: Vec<String>| Fate::Retyped {
                    before: before.display(&old.enums).to_string(),
                    after: field.ty.display(&new.enums).to_string(),
                    dropped,
                };
                let optionality_changed = before.is_optional() != field.ty.is_optional();
                // Types compare by how they are written: an enum's number is the program's own.
                let same_base = before.unwrap_optional().display(&old.enums).to_string()
                    == field.ty.unwrap_optional().display(&new.enums).to_string();
                let fate = match (before.unwrap_optional(), field.ty.unwrap_optional()) {
                    (Type::Enum(a), Type::Enum(b)) => {
                        let (a, b) = (&old.enums[a.index()], &new.enums[b.index()]);
                        let variants: Vec<Option<u32>> = a
                            .iter()
                            .map(|v| b.iter().position(|w| w == v).map(|i| i as u32))
                            .collect();
                        let dropped = a
                            .iter()
                            .zip(&variants)
                            .filter(|(_, to)| to.is_none())
                            .map(|(v, _)| v.clone())
                            .collect();
                        carry.old = Some(ProfileSlot(slot as u32));
                        carry.variants = Some(variants);
                        (!same_base || optionality_changed).then(|| retyped(dropped))
                    }
                    _ if same_base => {
                        carry.old = Some(ProfileSlot(slot as u32));
                        optionality_changed.then(|| retyped(Vec::new()))
                    }
                    _ => Some(Fate::Replaced {
                        before: before.display(&old.enums).to_string(),
                        after: field.ty.display(&new.enums).to_string(),
                    }),
                };
                if let Some(fate) = fate {
                    items.push(Item::new(Kind::ProfileField, &field.name, fate));
                }
            }
        }
        carried.push(carry);
    }
    for field in &old.profile {
        if !new.profile.iter().any(|f| f.name == field.name) {
            items.push(Item::new(Kind::ProfileField, &field.name, Fate::Removed));
        }
    }
    carried
}

fn scores(old: &Program, new: &Program, items: &mut Vec<Item>) -> Vec<Option<ScoreId>> {
    let rules = |program: &Program, s: usize| -> Vec<String> {
        let score = &program.scores[s];
        let mut rules: Vec<String> = (0..score.on_rules.len())
            .map(|i| structure::score_rule(program, ScoreId(s as u32), i))
            .collect();
        rules.extend(
            score
                .decay
                .map(|d| format!("decay {}% every {}s", d.percent, d.every)),
        );
        rules
    };
    let mut carried = Vec::with_capacity(new.scores.len());
    for (s, score) in new.scores.iter().enumerate() {
        let was = old.scores.iter().position(|o| o.name == score.name);
        match was {
            None => items.push(Item::new(Kind::Score, &score.name, Fate::Added)),
            Some(o) if rules(old, o) != rules(new, s) => {
                items.push(Item::new(Kind::Score, &score.name, Fate::RulesChanged));
            }
            Some(_) => {}
        }
        carried.push(was.map(|o| ScoreId(o as u32)));
    }
    for score in &old.scores {
        if !new.scores.iter().any(|s| s.name == score.name) {
            items.push(Item::new(Kind::Score, &score.name, Fate::Removed));
        }
    }
    carried
}

fn histories(old: &Program, new: &Program, items: &mut Vec<Item>) -> Vec<Option<HistoryId>> {
    let described = |program: &Program| -> Vec<String> {
        (0..program.histories.len())
            .map(|h| structure::history(program, HistoryId(h as u32)))
            .collect()
    };
    let (before, after) = (described(old), described(new));
    for text in &before {
        if !after.contains(text) {
            items.push(Item::new(Kind::Aggregate, text, Fate::Removed));
        }
    }
    after
        .iter()
        .map(|text| {
            let was = before.iter().position(|b| b == text);
            if was.is_none() {
                items.push(Item::new(Kind::Aggregate, text, Fate::Added));
            }
            was.map(|h| HistoryId(h as u32))
        })
        .collect()
}

fn journeys(
    old: &Program,
    new: &Program,
    on_change: OnChange,
    items: &mut Vec<Item>,
) -> (Vec<JourneyCarry>, Vec<JourneyId>) {
    let mut carried = Vec::with_capacity(new.journeys.len());
    for (j, journey) in new.journeys.iter().enumerate() {
        let j = JourneyId(j as u32);
        let Some(o) = old.journeys.iter().position(|o| o.name == journey.name) else {
            items.push(Item::new(Kind::Journey, &journey.name, Fate::Added));
            carried.push(JourneyCarry {
                old: None,
                stays: Vec::new(),
                rearm: true,
            });
            continue;
        };
        let o = JourneyId(o as u32);
        let steps = old.journeys[o.index()].steps.len();
        let rearm = structure::journey_entry(old, o) != structure::journey_entry(new, j);
        if structure::journey(old, o) == structure::journey(new, j) {
            items.push(Item::new(Kind::Journey, &journey.name, Fate::Unchanged));
            carried.push(JourneyCarry {
                old: Some(o),
                stays: vec![true; steps],
                rearm,
            });
            continue;
        }
        items.push(Item::new(Kind::Journey, &journey.name, Fate::Changed));
        let stays = match on_change {
            OnChange::Refuse | OnChange::Exit => vec![false; steps],
            OnChange::Keep => {
                let same_bindings =
                    structure::journey_bindings(old, o) == structure::journey_bindings(new, j);
                old.journeys[o.index()]
                    .steps
                    .iter()
                    .zip(
                        journey
                            .steps
                            .iter()
                            .map(Some)
                            .chain(std::iter::repeat(None)),
                    )
                    .map(|(before, after)| {
                        same_bindings
                            && after.is_some_and(|after| {
                                std::mem::discriminant(before) == std::mem::discriminant(after)
                            })
                    })
                    .collect()
            }
        };
        carried.push(JourneyCarry {
            old: Some(o),
            stays,
            rearm,
        });
    }
    let mut removed = Vec::new();
    for (o, journey) in old.journeys.iter().enumerate() {
        if !new.journeys.iter().any(|j| j.name == journey.name) {
            items.push(Item::new(Kind::Journey, &journey.name, Fate::Removed));
            removed.push(JourneyId(o as u32));
        }
    }
    (carried, removed)
}

/// Per capped rule of the old program (in window order): the new rule's window, when the
/// score and the rule are still there.
fn award_windows(old: &Program, new: &Program) -> Vec<Option<u32>> {
    let windows = |program: &Program| -> Vec<(String, String)> {
        program
            .scores
            .iter()
            .enumerate()
            .flat_map(|(s, score)| {
                score
                    .on_rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| rule.cap.is_some())
                    .map(move |(i, _)| {
                        let rule = structure::score_rule(program, ScoreId(s as u32), i);
                        (score.name.clone(), rule)
                    })
            })
            .collect()
    };
    let after = windows(new);
    windows(old)
        .iter()
        .map(|rule| after.iter().position(|r| r == rule).map(|w| w as u32))
        .collect()
}

fn caps(old: &Program, new: &Program, items: &mut Vec<Item>) -> Vec<Option<u32>> {
    let text = |(channel, limit, per): &(journey_ir::Channel, i64, i64)| {
        format!("{} {limit} per {per}s", channel.as_str())
    };
    for cap in &new.policy.caps {
        if !old.policy.caps.contains(cap) {
            items.push(Item::new(Kind::Cap, &text(cap), Fate::Added));
        }
    }
    old.policy
        .caps
        .iter()
        .map(|cap| {
            let to = new.policy.caps.iter().position(|c| c == cap);
            if to.is_none() {
                items.push(Item::new(Kind::Cap, &text(cap), Fate::Removed));
            }
            to.map(|c| c as u32)
        })
        .collect()
}
