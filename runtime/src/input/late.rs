//! Late events: how far an event may be older than the run's clock and still be handled.

use super::RejectReason;

/// The time an input at `at` is handled at, given the run's `clock`: its own time, or the
/// clock's when it is late by no more than `lateness` seconds (time never goes back); an input
/// later than that is refused.
pub fn admit(at: i64, clock: Option<i64>, lateness: i64) -> Result<i64, RejectReason> {
    match clock {
        Some(clock) if at < clock => {
            if clock - at > lateness {
                return Err(RejectReason::Late {
                    by: clock - at,
                    allowed: lateness,
                });
            }
            Ok(clock)
        }
        _ => Ok(at),
    }
}

/// Refuses an input at `at` that is further ahead of the wall clock than `horizon` allows:
/// `horizon` is `(wall clock, allowed lead)`, set only by a service on the wall clock.
pub fn within_horizon(at: i64, horizon: Option<(i64, i64)>) -> Result<(), RejectReason> {
    match horizon {
        Some((wall, allowed)) if at.saturating_sub(wall) > allowed => Err(RejectReason::Future {
            by: at.saturating_sub(wall),
            allowed,
        }),
        _ => Ok(()),
    }
}
