//! A state written by one version of a program, carried over to another (`docs/reference.md`
//! §8, "A changed program at restart"): declarations are matched by name and compared by their
//! structural description; unchanged ones carry over untouched, new ones start empty, removed
//! ones are dropped, and a journey whose description changed is refused unless `--on-change`
//! says whether its contacts leave or keep their step. Nothing is reinterpreted silently: the
//! [`Report`] names every declaration whose state does not carry over as it was.
//!
//! [`migrate`] works on data only. A new or re-planned entry (`enter daily`, `yearly`, `when
//! inactive`, `once`) needs the engine to plan it: the caller hands [`Migrated::to_arm`] to
//! [`Engine::arm_entries`](crate::Engine::arm_entries) once the engine runs the new program.

mod compare;
mod report;

use journey_ir::{JourneyId, Program};
use serde::Serialize;

pub use report::{Fate, Instances, Item, Kind, Report};

use crate::scheduler::timers::TimerKind;
use crate::store::{Contacts, Moves, RunState};

/// What a restart does with the contacts of a journey whose description changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnChange {
    /// Refuses the state, naming the journeys (the default).
    #[default]
    Refuse,
    /// Its contacts leave the journey (as an `exit` would take them out).
    Exit,
    /// Its contacts stay at the same step number where the new journey has a step of the same
    /// kind there and the same bindings; the others leave.
    Keep,
}

/// A state carried over to a new program.
pub struct Migrated {
    /// The state, laid out for the new program; every contact counts as changed, so that the
    /// next checkpoint stores all of them.
    pub state: RunState,
    /// What happened to each declaration.
    pub report: Report,
    /// The journeys whose entry must be planned by the engine running the new program.
    pub to_arm: Vec<JourneyId>,
}

/// Carries `state`, written by `old`, over to `new`. Under [`OnChange::Refuse`] with a changed
/// journey the result is what [`OnChange::Exit`] would do; the report says it is refused.
pub fn migrate(
    old: &Program,
    mut state: RunState,
    new: &Program,
    on_change: OnChange,
) -> Result<Migrated, String> {
    state.contacts.adopt(old)?;
    let comparison = compare::compare(old, new, on_change);
    let carry = &comparison.carry;
    let mut contacts = Contacts::new(new);
    contacts.track_changes();
    let mut moves = vec![Moves::default(); new.journeys.len()];
    for c in 0..state.contacts.len() {
        contacts.carry_from(&state.contacts, c, carry, &mut moves)?;
    }
    let removed_inside: Vec<u64> = comparison
        .removed_journeys
        .iter()
        .map(|&j| {
            (0..state.contacts.len())
                .filter(|&c| state.contacts.inside(c, j))
                .count() as u64
        })
        .collect();
    // Per old journey: the new journey it became, and whether its entry timers still hold.
    let mut to_new: Vec<Option<(JourneyId, bool)>> = vec![None; old.journeys.len()];
    for (j, journey) in carry.journeys.iter().enumerate() {
        if let Some(o) = journey.old {
            to_new[o.index()] = Some((JourneyId(j as u32), !journey.rearm));
        }
    }
    let timers = state.timers.remapped(|timer| {
        let (j, entry_holds) = to_new.get(timer.journey.index()).copied().flatten()?;
        let entry_timer = !matches!(timer.kind, TimerKind::Resume(_));
        (entry_holds || !entry_timer).then_some(j)
    });
    let new_to_old: Vec<Option<JourneyId>> = carry
        .journeys
        .iter()
        .map(|journey| journey.old.filter(|_| !journey.rearm))
        .collect();
    let zoned = state.zoned.remapped(&new_to_old);
    let to_arm: Vec<JourneyId> = carry
        .journeys
        .iter()
        .enumerate()
        .filter(|(_, journey)| journey.rearm)
        .map(|(j, _)| JourneyId(j as u32))
        .collect();
    let mut items = comparison.items;
    for item in items.iter_mut().filter(|item| item.kind == Kind::Journey) {
        if let Some(j) = new.journeys.iter().position(|j| j.name == item.name) {
            item.instances = Some(moves[j].into());
        } else if let Some(k) = comparison
            .removed_journeys
            .iter()
            .position(|&o| old.journeys[o.index()].name == item.name)
        {
            item.instances = Some(Instances {
                stay: 0,
                leave: removed_inside[k],
            });
        }
    }
    let once_passed = to_arm
        .iter()
        .filter_map(|&j| match new.journeys[j.index()].entry {
            journey_ir::Entry::Once { at, .. } if state.clock.is_some_and(|now| at < now) => {
                Some(new.journeys[j.index()].name.clone())
            }
            _ => None,
        })
        .collect();
    let report = Report {
        on_change,
        items,
        contacts: contacts.len() as u64,
        once_passed,
    };
    Ok(Migrated {
        state: RunState {
            contacts,
            timers,
            zones: state.zones,
            zoned,
            clock: state.clock,
            stats: state.stats,
        },
        report,
        to_arm,
    })
}
