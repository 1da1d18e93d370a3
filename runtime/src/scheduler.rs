//! Timers and schedules: the queue of pending deadlines, the planning of scheduled entries and
//! inactivity, and the firing of due timers in the reference's order.

mod arm;
mod fire;
mod schedule;
pub mod timers;
mod wheel;
mod zoned;

pub use zoned::ZonedSchedules;
