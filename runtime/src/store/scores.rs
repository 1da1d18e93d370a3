//! Score arithmetic: decay periods, capped awards and manual adjustments of event points.
//!
//! Decay is applied lazily: before a contact is handled at `now`, every full period that has
//! passed since the anchor is applied ([`ScoreState::settle`]), so a score read at `now` is
//! the one the reference defines without a timer per contact.

use journey_ir::{Decay, Score};
use smallvec::SmallVec;

use crate::store::contact::drop_expired;
use crate::store::{Award, ScoreState};

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
    /// `awards` is the contact's list of capped awards and the rule's window number in it, when
    /// the rule has a cap.
    pub fn award(
        &mut self,
        score: &Score,
        rule: usize,
        now: i64,
        awards: Option<(&mut SmallVec<[Award; 2]>, u32)>,
    ) {
        let Some(on) = score.on_rules.get(rule) else {
            return;
        };
        let mut points = on.points;
        if let (Some((limit, span)), Some((awards, window))) = (on.cap, awards) {
            drop_expired(awards, |a| a.window == window, |a| a.at <= now - span);
            let used: i64 = awards
                .iter()
                .filter(|a| a.window == window)
                .map(|a| a.points)
                .sum();
            let left = (limit.abs() - used).max(0);
            points = points.signum() * points.abs().min(left);
            if points != 0 {
                awards.push(Award {
                    at: now,
                    points: points.abs(),
                    window,
                });
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
