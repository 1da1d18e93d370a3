//! The plain counters of a report, filled by [`super::Counters`]: per journey, step, sender,
//! goal or conversion, split, and day. A metrics endpoint would render the same struct.

use std::collections::BTreeMap;

use super::attribution::Credit;

/// Per (channel, template, journey) send counts and the engagement they earned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SenderCounts {
    /// Delivered sends.
    pub sends: u64,
    /// Sends suppressed for lack of consent.
    pub suppressed_consent: u64,
    /// Sends suppressed by a frequency cap.
    pub suppressed_cap: u64,
    /// Sends opened at least once (`CHANNEL.opened` while this was the latest send).
    pub opened: u64,
    /// Sends clicked at least once.
    pub clicked: u64,
    /// `CHANNEL.opened` events attributed to these sends.
    pub open_events: u64,
    /// `CHANNEL.clicked` events attributed to these sends.
    pub click_events: u64,
}

/// Per journey.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JourneyCounts {
    /// Entries.
    pub entries: u64,
    /// Distinct contacts that entered.
    pub contacts: u64,
    /// Departures by a `goal ... on` rule.
    pub left_goal: u64,
    /// Departures by an `exit on` rule.
    pub left_exit_rule: u64,
    /// Departures at an `exit` step or the end of the steps (lowering ends every path with
    /// an `exit` step), or at a split without arms.
    pub left_end: u64,
}

/// Per goal (and per conversion): how often it was reached and by whom.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutcomeCounts {
    /// Records (goals) or matching events (conversions).
    pub count: u64,
    /// Distinct contacts.
    pub contacts: u64,
    /// The sum of the values (conversions with `value`).
    pub value: f64,
    /// Seconds from the contact's entry to its first time (goals only), one per contact.
    pub times: Vec<i64>,
    /// How many had no send in their window.
    pub unattributed: u64,
    /// Credit per sender: first touch, last touch, linear.
    pub credit: Vec<[Credit; 3]>,
}

/// Per split: contacts and conversions per arm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SplitCounts {
    /// Distinct contacts per arm.
    pub contacts: Vec<u64>,
    /// Of those, the ones that reached a goal of the journey after taking the arm.
    pub converted: Vec<u64>,
}

/// Everything counted; [`Counters`] fills it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// Per journey.
    pub journeys: Vec<JourneyCounts>,
    /// Runs of each step (global step numbers, see [`Index::step_offset`]).
    pub step_runs: Vec<u64>,
    /// Distinct contacts at each step.
    pub step_contacts: Vec<u64>,
    /// Per sender.
    pub senders: Vec<SenderCounts>,
    /// Engagement events with no earlier send on their channel, per channel.
    pub unattributed_engagement: [u64; 6],
    /// Per goal, then per conversion.
    pub outcomes: Vec<OutcomeCounts>,
    /// Per split.
    pub splits: Vec<SplitCounts>,
    /// Actions per UTC day (days since the epoch), by kind (`ACTION_KINDS` order).
    pub timeline: BTreeMap<i64, [u64; 7]>,
    /// Distinct contacts seen.
    pub contacts: u64,
}
