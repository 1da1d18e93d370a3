//! The checker: name resolution, type checking and lints over a whole program, producing the
//! compiler's diagnostics.
//!
//! Pure: no file, network or clock access. The caller hands in a [`SourceMap`] and gets back the
//! parsed modules, what the names mean ([`Program`]), and every diagnostic, sorted by position.
//!
//! Passes, in order: parse every file; `collect` the global names; check declarations (profile
//! defaults, segments, scores, policy); check journeys; check tests against what the journeys can
//! produce; find cycles among segments and scores; run the lints.

mod checker;
mod collect;
mod conversions;
mod cycles;
pub mod diagnostic;
mod expr;
mod history_filter;
mod journeys;
pub mod lints;
pub mod messages;
pub mod program;
mod suggest;
mod tests_blocks;
pub mod types;

use journey_syntax::ast::{DeclKind, Module};
use journey_syntax::SourceMap;

pub use checker::CHANNELS;
pub use diagnostic::{Code, Diagnostic, Fix, Label, Severity};
pub use journeys::WEEKDAYS;
pub use program::{Program, Symbol};
pub use suggest::did_you_mean;

/// Everything the checker learnt about a program.
#[derive(Debug)]
pub struct Analysis {
    /// One parsed module per file, in source-map order.
    pub modules: Vec<Module>,
    /// The program's names, their types and every use of them.
    pub program: Program,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Parses and checks every file of `sources` as one program.
pub fn check(sources: &SourceMap) -> Analysis {
    let parsed = sources
        .files()
        .iter()
        .map(|file| journey_syntax::parse(file.id, &file.text))
        .collect();
    check_parsed(parsed)
}

/// Checks files that are parsed already, one per file of the source map and in its order (the
/// language server parses again only the files that changed).
pub fn check_parsed(files: Vec<journey_syntax::Parsed>) -> Analysis {
    let mut modules = Vec::new();
    let mut diagnostics = Vec::new();
    for parsed in files {
        diagnostics.extend(parsed.errors.iter().map(messages::syntax_error));
        modules.push(parsed.module);
    }
    let mut program = collect::collect(&modules, &mut diagnostics);
    let mut checker = checker::Checker::new(&mut program);
    let graph = checker.declarations(&modules);
    let mut outputs = journeys::Outputs::default();
    for decl in modules.iter().flat_map(|m| &m.decls) {
        if let DeclKind::Journey(journey) = &decl.kind {
            checker.journey(journey, &mut outputs);
        }
    }
    for decl in modules.iter().flat_map(|m| &m.decls) {
        if let DeclKind::Test(test) = &decl.kind {
            checker.test_block(test, &outputs);
        }
    }
    let comparisons = std::mem::take(&mut checker.score_comparisons);
    diagnostics.append(&mut checker.diagnostics);
    cycles::check(&graph, &program, &mut diagnostics);
    lints::unreachable_step::check(&modules, &mut diagnostics);
    let any_broken = modules
        .iter()
        .flat_map(|m| &m.decls)
        .any(|d| matches!(d.kind, DeclKind::Broken(_)));
    if !any_broken {
        // A declaration that failed to parse may be the one that uses the others.
        lints::unused_declaration::check(&program, &mut diagnostics);
    }
    lints::missing_consent::check(&modules, &outputs.sent_channels, &mut diagnostics);
    lints::wait_never_succeeds::check(&modules, &mut diagnostics);
    lints::conversion_without_sends::check(&modules, &outputs.sent_channels, &mut diagnostics);
    let bounds = lints::unreachable_threshold::bounds(&modules, &outputs.adjusted_scores);
    lints::unreachable_threshold::check(&bounds, &comparisons, &mut diagnostics);
    sort(&mut diagnostics);
    Analysis {
        modules,
        program,
        diagnostics,
    }
}

fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let (x, y) = (a.span(), b.span());
        (x.file, x.start, x.end, a.code, &a.message)
            .cmp(&(y.file, y.start, y.end, b.code, &b.message))
    });
    diagnostics.dedup_by(|a, b| {
        a.code == b.code && a.span().range() == b.span().range() && a.message == b.message
    });
}
