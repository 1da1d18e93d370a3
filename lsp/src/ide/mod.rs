//! The editor features as pure functions over a checked program: they take a [`Db`] (the
//! sources and their [`Analysis`]), a file and a byte offset, and answer in the compiler's own
//! types (spans, symbols). Nothing here knows LSP; `convert` translates.

pub mod code_actions;
pub mod completion;
pub mod context;
pub mod folding;
pub mod graph;
pub mod hover;
pub mod keywords;
pub mod lexer;
pub mod navigation;
pub mod semantic_tokens;
pub mod symbols;

use journey_check::program::{EventInfo, FieldInfo, Named};
use journey_check::types::{Type, TypeDisplay};
use journey_check::{Analysis, Program, Symbol};
use journey_syntax::ast::Module;
use journey_syntax::{FileId, SourceFile, SourceMap, Span};

/// A program's sources and what the checker made of them: the snapshot every feature reads.
#[derive(Debug)]
pub struct Db {
    /// Every file of the workspace, open documents with their unsaved text.
    pub sources: SourceMap,
    /// The checker's result over all of them.
    pub analysis: Analysis,
}

impl Db {
    /// Checks `sources` and keeps both.
    pub fn new(sources: SourceMap) -> Db {
        let analysis = journey_check::check(&sources);
        Db { sources, analysis }
    }

    /// Checks `sources`, whose files are parsed already (one per file, in order).
    pub fn from_parsed(sources: SourceMap, parsed: Vec<journey_syntax::Parsed>) -> Db {
        let analysis = journey_check::check_parsed(parsed);
        Db { sources, analysis }
    }

    /// The program's global tables.
    pub fn program(&self) -> &Program {
        &self.analysis.program
    }

    /// The file with this id.
    pub fn file(&self, file: FileId) -> Option<&SourceFile> {
        self.sources.get(file)
    }

    /// The text of a file (empty for an unknown id).
    pub fn text(&self, file: FileId) -> &str {
        self.sources.get(file).map_or("", |f| f.text.as_str())
    }

    /// The parsed module of a file.
    pub fn module(&self, file: FileId) -> Option<&Module> {
        self.analysis.modules.get(file.0 as usize)
    }

    /// Shows a type as the user writes it.
    pub fn show(&self, ty: &Type) -> String {
        TypeDisplay {
            ty,
            enums: &self.program().enums,
        }
        .to_string()
    }

    /// The event with this name.
    pub fn event(&self, name: &str) -> Option<&EventInfo> {
        self.program().events.get(name)
    }

    /// Where a symbol is declared: the name in its declaration. Implicit event fields have no
    /// declaration of their own and point at the event's name.
    pub fn definition(&self, symbol: &Symbol) -> Option<Span> {
        let program = self.program();
        match symbol {
            Symbol::Event(name) => program.events.get(name).map(|e| e.span),
            Symbol::EventField(event, field) => {
                program.events.get(event)?.field(field).map(|f| f.span)
            }
            Symbol::ProfileField(name) => program.profile_field(name).map(|f| f.span),
            Symbol::Segment(name) => program.segments.get(name).map(|n| n.span),
            Symbol::Score(name) => program.scores.get(name).map(|n| n.span),
            Symbol::Journey(name) => program.journeys.get(name).map(|n| n.span),
        }
    }

    /// Every declared symbol with the span of its name, for lookups by position.
    pub fn declarations(&self) -> Vec<(Span, Symbol)> {
        let program = self.program();
        let mut out = Vec::new();
        for event in program.events.values() {
            out.push((event.span, Symbol::Event(event.name.clone())));
            for field in event.fields.iter().filter(|f| !f.implicit) {
                out.push((
                    field.span,
                    Symbol::EventField(event.name.clone(), field.name.clone()),
                ));
            }
        }
        for field in &program.profile {
            out.push((field.span, Symbol::ProfileField(field.name.clone())));
        }
        let named = |table: &std::collections::HashMap<String, Named>,
                     make: fn(String) -> Symbol,
                     out: &mut Vec<(Span, Symbol)>| {
            for n in table.values() {
                out.push((n.span, make(n.name.clone())));
            }
        };
        named(&program.segments, Symbol::Segment, &mut out);
        named(&program.scores, Symbol::Score, &mut out);
        named(&program.journeys, Symbol::Journey, &mut out);
        out
    }

    /// The symbol named at `offset` in `file` by a resolved use or a declaration, with the span
    /// of the name.
    pub fn symbol_at(&self, file: FileId, offset: u32) -> Option<(Span, Symbol)> {
        let hit = |span: Span| span.file == file && span.contains_offset(offset);
        // The narrowest span wins: `sum(cart.updated.value ...)` has the event and the field
        // as two uses inside one name.
        let reference = self
            .program()
            .references
            .iter()
            .filter(|r| hit(r.span) && !r.span.is_empty())
            // `tag` steps record their use of `profile.tags` on the whole step.
            .filter(|r| self.sources.slice(r.span) == symbol_name(&r.symbol))
            .min_by_key(|r| r.span.len())
            .map(|r| (r.span, r.symbol.clone()));
        reference.or_else(|| {
            self.declarations()
                .into_iter()
                .filter(|(span, _)| hit(*span))
                .min_by_key(|(span, _)| span.len())
        })
    }
}

/// The name a symbol is written with in the source (the field alone for fields).
pub fn symbol_name(symbol: &Symbol) -> &str {
    match symbol {
        Symbol::Event(name)
        | Symbol::ProfileField(name)
        | Symbol::Segment(name)
        | Symbol::Score(name)
        | Symbol::Journey(name)
        | Symbol::EventField(_, name) => name,
    }
}

/// `name: type` of a field.
pub fn field_signature(db: &Db, field: &FieldInfo) -> String {
    format!("{}: {}", field.name, db.show(&field.ty))
}

/// Whether `name` may be written as a plain identifier (segments, scores, journeys, fields).
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(lexer::is_word_start) && bytes.all(lexer::is_word_char)
}

/// Whether `name` is a reserved word of the language.
pub fn is_keyword(name: &str) -> bool {
    journey_syntax::KEYWORDS.contains(&name)
}
