//! Journeys: entering and leaving, the event phases that move instances (`goal`/`exit` rules,
//! `wait for`, `enter on`), and the step machine.

mod enter;
mod events;
mod steps;
