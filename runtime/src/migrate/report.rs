//! What carrying a state over to a changed program does, declaration by declaration: for
//! people (`journey state diff`, the service's log) and as JSON (the state's change log).

use std::fmt::{self, Write as _};

use serde::Serialize;

use super::OnChange;
use crate::store::Moves;

/// What a restart with a changed program does to the state.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// What `--on-change` asked for.
    pub on_change: OnChange,
    /// Per declaration that changed, and per journey.
    pub items: Vec<Item>,
    /// Contacts in the state (erased ones included).
    pub contacts: u64,
    /// `enter once` journeys, new or with a changed entry, whose time is already past: they
    /// never enter anyone.
    pub once_passed: Vec<String>,
}

/// One declaration's fate.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// What it declares.
    pub kind: Kind,
    /// Its name (an aggregate's or a cap's description).
    pub name: String,
    /// What happens to its state.
    #[serde(flatten)]
    pub fate: Fate,
    /// For a journey: the instances that stay at their step and those that leave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<Instances>,
}

/// How many contacts inside a journey stay and leave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Instances {
    /// Carried over at their step.
    pub stay: u64,
    /// Taken out of the journey.
    pub leave: u64,
}

impl From<Moves> for Instances {
    fn from(moves: Moves) -> Self {
        Instances {
            stay: moves.stayed,
            leave: moves.left,
        }
    }
}

/// The kinds of declarations with state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `journey`
    Journey,
    /// A `profile` field.
    ProfileField,
    /// `score`
    Score,
    /// A history aggregate (`count`, `sum`, `last`, ... of events).
    Aggregate,
    /// A policy `cap`.
    Cap,
}

/// What happens to a declaration's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "fate")]
pub enum Fate {
    /// The same in both programs: carried over untouched.
    Unchanged,
    /// Its description changed (a journey): refused, or its contacts leave or stay as
    /// `--on-change` says.
    Changed,
    /// New: starts empty.
    Added,
    /// No longer declared: its state is dropped.
    Removed,
    /// A score whose rules or decay changed: points carried over, the new rules apply from now.
    RulesChanged,
    /// A profile field whose type changed in a way its values survive (optional or not, enum
    /// variants matched by name); the values of `dropped` variants give way to the default.
    Retyped {
        /// The old type.
        before: String,
        /// The new type.
        after: String,
        /// Enum variants no longer declared.
        dropped: Vec<String>,
    },
    /// A profile field whose new type cannot hold its old values: every contact takes the
    /// default.
    Replaced {
        /// The old type.
        before: String,
        /// The new type.
        after: String,
    },
}

impl Item {
    /// An item without instance counts.
    pub fn new(kind: Kind, name: &str, fate: Fate) -> Item {
        Item {
            kind,
            name: name.to_owned(),
            fate,
            instances: None,
        }
    }
}

impl Report {
    /// The journeys whose description changed.
    pub fn changed_journeys(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter(|item| item.kind == Kind::Journey && item.fate == Fate::Changed)
            .map(|item| item.name.as_str())
            .collect()
    }

    /// Whether a restart refuses the state: a journey changed and `--on-change` was not given.
    pub fn refused(&self) -> bool {
        self.on_change == OnChange::Refuse && !self.changed_journeys().is_empty()
    }

    /// Whether the program changed nothing that has state.
    pub fn is_unchanged(&self) -> bool {
        self.items.iter().all(|item| item.fate == Fate::Unchanged)
    }

    /// The report as one line of JSON.
    pub fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Display for Report {
    /// One line per declaration that changed (unchanged journeys included, with their
    /// contacts), then what a restart does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .items
            .iter()
            .map(|item| kind_text(item.kind).len() + 1 + item.name.len())
            .max()
            .unwrap_or(0);
        for item in &self.items {
            let name = format!("{} {}", kind_text(item.kind), item.name);
            writeln!(f, "  {name:width$}  {}", self.fate_text(item))?;
        }
        for name in &self.once_passed {
            writeln!(
                f,
                "  journey `{name}`: its `enter once` time has passed, it enters no one"
            )?;
        }
        if self.refused() {
            let names: Vec<String> = self
                .changed_journeys()
                .iter()
                .map(|n| format!("`{n}`"))
                .collect();
            writeln!(
                f,
                "a restart refuses this state: {} changed; restart with `--on-change exit` \
                 (their contacts leave) or `--on-change keep` (contacts stay at the same step \
                 where it is still the same kind of step)",
                names.join(", ")
            )?;
        } else if self.is_unchanged() {
            writeln!(
                f,
                "a restart carries every declaration's state over untouched"
            )?;
        } else {
            writeln!(f, "a restart carries the state over as above")?;
        }
        Ok(())
    }
}

impl Report {
    fn fate_text(&self, item: &Item) -> String {
        let instances = item.instances.unwrap_or_default();
        let inside = contacts(instances.stay + instances.leave);
        match &item.fate {
            Fate::Unchanged => format!("unchanged ({} inside)", contacts(instances.stay)),
            Fate::Changed => match self.on_change {
                OnChange::Exit | OnChange::Keep if instances == Instances::default() => {
                    "changed: no contact inside".to_owned()
                }
                OnChange::Refuse => {
                    format!("changed: refused without --on-change ({inside} inside)")
                }
                OnChange::Exit => format!(
                    "changed: {inside} inside; {} the journey",
                    verb(instances.leave, "leaves", "leave")
                ),
                OnChange::Keep => format!(
                    "changed: {inside} inside; {} at the same step, {} (the step is gone or of \
                     another kind, or the bindings changed)",
                    verb(instances.stay, "stays", "stay"),
                    verb(instances.leave, "leaves", "leave")
                ),
            },
            Fate::Added => match item.kind {
                Kind::Journey => "new: starts empty".to_owned(),
                Kind::ProfileField => "new: every contact takes its default".to_owned(),
                Kind::Score => "new: every contact starts with no points".to_owned(),
                Kind::Aggregate => "new: counts events from the restart on".to_owned(),
                Kind::Cap => "new: counts sends from the restart on".to_owned(),
            },
            Fate::Removed => match item.kind {
                Kind::Journey => format!(
                    "removed: {} inside; {} the journey",
                    contacts(instances.leave),
                    verb(instances.leave, "leaves", "leave")
                ),
                _ => "removed: its state is dropped".to_owned(),
            },
            Fate::RulesChanged => {
                "rules changed: points carried over, the new rules apply from now".to_owned()
            }
            Fate::Retyped {
                before,
                after,
                dropped,
            } => {
                let mut text = format!("type {before} -> {after}: values carried over");
                if !dropped.is_empty() {
                    let names: Vec<String> = dropped.iter().map(|v| format!("`{v}`")).collect();
                    let _ = write!(
                        text,
                        "; contacts with {} take the default",
                        names.join(", ")
                    );
                }
                text
            }
            Fate::Replaced { before, after } => {
                format!("type {before} -> {after}: every contact takes the default")
            }
        }
    }
}

/// `n` and the verb that agrees with it.
fn verb(n: u64, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// `n` contacts, in words that agree.
fn contacts(n: u64) -> String {
    match n {
        1 => "1 contact".to_owned(),
        n => format!("{n} contacts"),
    }
}

fn kind_text(kind: Kind) -> &'static str {
    match kind {
        Kind::Journey => "journey",
        Kind::ProfileField => "profile field",
        Kind::Score => "score",
        Kind::Aggregate => "aggregate",
        Kind::Cap => "cap",
    }
}
