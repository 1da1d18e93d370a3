//! Score arithmetic: decay periods, capped awards and manual adjustments of event points.
//!
//! Decay is applied lazily: before a contact is handled at `now`, every full period that has
//! passed since the anchor is applied ([`ScoreState::settle`]), so a score read at `now` is
//! the one the reference defines without a timer per contact.

use std::collections::VecDeque;

use journey_ir::{Decay, Program, Score, ScoreId};

use crate::store::ScoreState;

/// Parts per million of a percentage, so that decay is exact integer arithmetic.
const MILLION: i128 = 1_000_000;

impl ScoreState {
    /// Applies the decay periods that end at or before `now`.
    pub fn settle(&mut self, decay: Option<Decay>, now: i64) {
        let (Some(decay), Some(anchor)) = (decay, self.anchor.get()) else {
            return;
        };
        if decay.every <= 0 {
            return;
        }
        let due = now.saturating_sub(anchor) / decay.every;
        let keep = MILLION - (decay.percent * 10_000.0).round() as i128;
        while self.periods < due && self.points != 0 {
            // Integer division truncates toward zero, as the reference asks.
            self.points = (i128::from(self.points) * keep / MILLION) as i64;
            self.periods += 1;
        }
        self.periods = self.periods.max(due);
    }

    /// Adds the points of `rule` (an index into `score.on_rules`), cut to what its cap leaves;
    /// `awards` is the rule's window of awards when it has a cap.
    pub fn award(
        &mut self,
        score: &Score,
        rule: usize,
        now: i64,
        awards: Option<&mut VecDeque<(i64, i64)>>,
    ) {
        let Some(on) = score.on_rules.get(rule) else {
            return;
        };
        let mut points = on.points;
        if let (Some((limit, window)), Some(awards)) = (on.cap, awards) {
            while awards.front().is_some_and(|(t, _)| *t <= now - window) {
                awards.pop_front();
            }
            let used: i64 = awards.iter().map(|(_, p)| p).sum();
            let left = (limit.abs() - used).max(0);
            points = points.signum() * points.abs().min(left);
            if points != 0 {
                awards.push_back((now, points.abs()));
            }
        }
        self.adjust(points, now);
    }

    /// Adds signed event points at `now` (an `on` rule's award or a `score +=` step).
    pub fn adjust(&mut self, points: i64, now: i64) {
        if self.anchor.is_none() {
            self.anchor = Some(now).into();
            self.periods = 0;
        }
        self.points = self.points.saturating_add(points);
    }
}

/// The position of score `s`'s capped rule `rule` among all capped rules of the program (the
/// index of its window in a contact's side storage), if it has a cap.
pub fn award_window(program: &Program, s: ScoreId, rule: usize) -> Option<usize> {
    let score = program.scores.get(s.index())?;
    score.on_rules.get(rule)?.cap?;
    let before: usize = program.scores[..s.index()]
        .iter()
        .map(|score| score.on_rules.iter().filter(|r| r.cap.is_some()).count())
        .sum();
    Some(
        before
            + score.on_rules[..rule]
                .iter()
                .filter(|r| r.cap.is_some())
                .count(),
    )
}

/// How many `on` rules of the program have a cap.
pub fn capped_rules(program: &Program) -> usize {
    program
        .scores
        .iter()
        .map(|score| score.on_rules.iter().filter(|r| r.cap.is_some()).count())
        .sum()
}
