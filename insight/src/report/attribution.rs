//! Attribution: a goal or conversion is credited to the contact's sends in the window before
//! it, by three models.
//!
//! - *first touch*: the earliest send of the window gets the whole conversion (and its value);
//! - *last touch*: the latest send gets it;
//! - *linear*: each of the `n` sends gets `1/n` of it.
//!
//! The window is `(at - within, at]`: a send at the same instant as the conversion counts (the
//! engine fires timers before an event of the same instant). A conversion with no send in its
//! window is *unattributed*.

/// The models, in the order of the credit arrays.
pub const MODELS: [&str; 3] = ["first_touch", "last_touch", "linear"];

/// A delivered send: when, and which sender ([`super::index::Index::senders`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Touch {
    /// The send's time.
    pub at: i64,
    /// Its sender.
    pub sender: u32,
}

/// Conversions and value credited to a sender by one model.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Credit {
    /// Conversions (fractions under the linear model).
    pub conversions: f64,
    /// Value.
    pub value: f64,
}

/// One contact's recent sends, oldest first, none older than the longest window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touches(Vec<Touch>);

impl Touches {
    /// Adds a send, dropping sends older than `horizon` before it.
    pub fn push(&mut self, touch: Touch, horizon: i64) {
        let oldest = touch.at.saturating_sub(horizon);
        let stale = self.0.iter().take_while(|t| t.at <= oldest).count();
        if stale > 0 {
            self.0.drain(..stale);
        }
        self.0.push(touch);
    }

    /// Credits a conversion at `at` (with `value`) to the sends of `(at - window, at]`, into
    /// `credit` (per sender: the three models); `false` when there is none.
    pub fn credit(
        &self,
        at: i64,
        window: i64,
        value: Option<f64>,
        credit: &mut [[Credit; 3]],
    ) -> bool {
        let oldest = at.saturating_sub(window);
        let inside = |t: &&Touch| t.at > oldest && t.at <= at;
        let n = self.0.iter().filter(inside).count();
        let value = value.unwrap_or(0.0);
        let mut add = |sender: u32, model: usize, share: f64| {
            if let Some(c) = credit.get_mut(sender as usize) {
                c[model].conversions += share;
                c[model].value += share * value;
            }
        };
        let (Some(first), Some(last)) =
            (self.0.iter().find(inside), self.0.iter().rev().find(inside))
        else {
            return false;
        };
        add(first.sender, 0, 1.0);
        add(last.sender, 1, 1.0);
        let share = 1.0 / n as f64;
        for touch in self.0.iter().filter(inside) {
            add(touch.sender, 2, share);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_models_over_a_window() {
        let mut touches = Touches::default();
        for (at, sender) in [(0, 0), (100, 1), (200, 2), (300, 1)] {
            touches.push(Touch { at, sender }, 1_000);
        }
        let mut credit = vec![[Credit::default(); 3]; 3];
        // Window (50, 300]: sends 1, 2, 1.
        assert!(touches.credit(300, 250, Some(30.0), &mut credit));
        assert_eq!(credit[1][0].conversions, 1.0);
        assert_eq!(credit[1][1].value, 30.0);
        assert!((credit[1][2].conversions - 2.0 / 3.0).abs() < 1e-12);
        assert!((credit[2][2].value - 10.0).abs() < 1e-12);
        assert_eq!(credit[0][2].conversions, 0.0);
        assert!(!touches.credit(1_000, 10, None, &mut credit));
    }
}
