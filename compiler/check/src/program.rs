//! The program's global names: what every event, profile field, segment, score and journey is,
//! and every place a name is used. Built by the collect pass, read by everything after it.

use std::collections::{HashMap, HashSet};

use journey_syntax::ast::{Decl, DeclKind, Module};
use journey_syntax::{FileId, Span};

use crate::types::{EnumId, Type};

/// Index of a declaration: module index and declaration index within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeclId {
    /// Module index.
    pub module: u32,
    /// Declaration index in the module.
    pub decl: u32,
}

/// A typed field of an event or of the profile.
#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// Field name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Where it is declared (the implicit fields point at the event name).
    pub span: Span,
    /// Whether the profile field has a default value.
    pub has_default: bool,
    /// Implicit fields (`at`, `contact`, `account`) are not declared.
    pub implicit: bool,
}

/// A declared event type.
#[derive(Clone, Debug)]
pub struct EventInfo {
    /// The dotted name.
    pub name: String,
    /// Where the name is declared.
    pub span: Span,
    /// The declaration.
    pub decl: DeclId,
    /// Declared fields followed by the implicit ones.
    pub fields: Vec<FieldInfo>,
    /// Doc comment.
    pub doc: Option<String>,
}

impl EventInfo {
    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// What a global name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalKind {
    /// An event.
    Event,
    /// A segment.
    Segment,
    /// A score.
    Score,
    /// A journey.
    Journey,
}

/// A named declaration other than an event.
#[derive(Clone, Debug)]
pub struct Named {
    /// Its name.
    pub name: String,
    /// Where the name is declared.
    pub span: Span,
    /// The declaration.
    pub decl: DeclId,
    /// Doc comment.
    pub doc: Option<String>,
}

/// Something a name in the source refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// An event type.
    Event(String),
    /// A field of an event type.
    EventField(String, String),
    /// A field of the profile.
    ProfileField(String),
    /// A segment.
    Segment(String),
    /// A score.
    Score(String),
    /// A journey.
    Journey(String),
}

/// A span's position, the key of the checker's side tables (spans themselves compare equal).
pub type SpanKey = (FileId, u32, u32);

/// The key of a span in the side tables.
pub fn span_key(span: Span) -> SpanKey {
    span.range()
}

/// What a name in an expression turned out to mean, for the stages after checking.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// A bare field of the event matched by the enclosing `where`.
    EventField {
        /// The event.
        event: String,
        /// The field.
        field: String,
    },
    /// `NAME.field` through an `as` binding.
    BindingField {
        /// The binding's name.
        binding: String,
        /// Where the binding is introduced.
        defined_at: Span,
        /// The bound event.
        event: String,
        /// The field.
        field: String,
    },
    /// A segment's value.
    Segment(String),
    /// A score's value.
    Score(String),
    /// A value of an enum type.
    EnumValue(EnumId, u32),
}

/// A use of a symbol.
#[derive(Clone, Debug)]
pub struct Reference {
    /// What is referred to.
    pub symbol: Symbol,
    /// Where.
    pub span: Span,
    /// Whether the use is inside a `test` block (tests do not count as uses for lints).
    pub in_test: bool,
}

/// The global names of a program.
#[derive(Debug, Default)]
pub struct Program {
    /// Events by name.
    pub events: HashMap<String, EventInfo>,
    /// Profile fields in declaration order.
    pub profile: Vec<FieldInfo>,
    /// The profile declaration, if any.
    pub profile_decl: Option<DeclId>,
    /// The policy declaration, if any.
    pub policy_decl: Option<DeclId>,
    /// Segments by name.
    pub segments: HashMap<String, Named>,
    /// Scores by name.
    pub scores: HashMap<String, Named>,
    /// Journeys by name.
    pub journeys: HashMap<String, Named>,
    /// Variant names of each enum type.
    pub enums: Vec<Vec<String>>,
    /// Names of declarations that did not parse: uses of them are not reported.
    pub broken_names: HashSet<String>,
    /// Every resolved use of a name.
    pub references: Vec<Reference>,
    /// Names offered as "did you mean" for a misspelt use: probably meant to be used, so they
    /// are not also reported as unused.
    pub suggested: HashSet<String>,
    /// Events read without being named: the `CHANNEL.opened` / `CHANNEL.clicked` events that
    /// `best_channel` and `best_time` look at. Not references (nothing to rename), but uses.
    pub implicitly_used: HashSet<String>,
    /// The type of every expression that was checked, by its span.
    pub types: HashMap<SpanKey, Type>,
    /// What every bare name and `binding.field` means, by the span of the expression.
    pub resolutions: HashMap<SpanKey, Resolution>,
}

impl Program {
    /// The profile field with this name.
    pub fn profile_field(&self, name: &str) -> Option<&FieldInfo> {
        self.profile.iter().find(|f| f.name == name)
    }

    /// What kind of declaration has this global name.
    pub fn global(&self, name: &str) -> Option<(GlobalKind, Span)> {
        if let Some(e) = self.events.get(name) {
            return Some((GlobalKind::Event, e.span));
        }
        [
            (GlobalKind::Segment, &self.segments),
            (GlobalKind::Score, &self.scores),
            (GlobalKind::Journey, &self.journeys),
        ]
        .into_iter()
        .find_map(|(kind, table)| table.get(name).map(|n| (kind, n.span)))
    }

    /// Registers an enum type and returns its id.
    pub fn add_enum(&mut self, variants: Vec<String>) -> EnumId {
        self.enums.push(variants);
        EnumId(u32::try_from(self.enums.len() - 1).unwrap_or(u32::MAX))
    }

    /// The variants of an enum.
    pub fn variants(&self, id: EnumId) -> &[String] {
        self.enums.get(id.0 as usize).map_or(&[], |v| v.as_slice())
    }

    /// The declaration with this id.
    pub fn decl<'m>(&self, modules: &'m [Module], id: DeclId) -> Option<&'m Decl> {
        modules.get(id.module as usize)?.decls.get(id.decl as usize)
    }

    /// Whether this is the name of a declaration that failed to parse.
    pub fn is_broken(&self, name: &str) -> bool {
        self.broken_names.contains(name)
    }

    /// Every event name, sorted (for suggestions).
    pub fn event_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.events.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Whether some event declares a field of this name.
    pub fn any_event_has_field(&self, name: &str) -> bool {
        self.events
            .values()
            .any(|e| e.fields.iter().any(|f| f.name == name && !f.implicit))
    }
}

/// Whether a declaration kind is one whose name lives in the global namespace.
pub fn global_name(decl: &Decl) -> Option<(&str, Span, GlobalKind)> {
    match &decl.kind {
        DeclKind::Event(e) => Some((&e.name.name, e.name.span, GlobalKind::Event)),
        DeclKind::Segment(s) => Some((&s.name.name, s.name.span, GlobalKind::Segment)),
        DeclKind::Score(s) => Some((&s.name.name, s.name.span, GlobalKind::Score)),
        DeclKind::Journey(j) => Some((&j.name.name, j.name.span, GlobalKind::Journey)),
        _ => None,
    }
}
