//! The checker: name resolution, type checking and lints over a whole program, producing the
//! compiler's diagnostics.
//!
//! Pure: no file, network or clock access. The caller hands in a [`SourceMap`] and gets back the
//! parsed modules, what the names mean, and every diagnostic, sorted by position.

pub mod diagnostic;
pub mod messages;

use journey_syntax::ast::Module;
use journey_syntax::SourceMap;

pub use diagnostic::{Code, Diagnostic, Fix, Label, Severity};

/// Everything the checker learnt about a program.
#[derive(Debug)]
pub struct Analysis {
    /// One parsed module per file, in source-map order.
    pub modules: Vec<Module>,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Parses and checks every file of `sources` as one program.
pub fn check(sources: &SourceMap) -> Analysis {
    let mut modules = Vec::new();
    let mut diagnostics = Vec::new();
    for file in sources.files() {
        let parsed = journey_syntax::parse(file.id, &file.text);
        diagnostics.extend(parsed.errors.iter().map(messages::syntax_error));
        modules.push(parsed.module);
    }
    sort(&mut diagnostics);
    Analysis { modules, diagnostics }
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        let span = d.span();
        (span.file, span.start, span.end, d.code)
    });
}
