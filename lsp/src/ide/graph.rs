//! Journey graphs in the editor: where the "Show journey graph" lenses go, and the SVG the
//! `journey.showGraph` command answers with (`journey_insight::graph`).

use journey_syntax::ast::DeclKind;
use journey_syntax::{FileId, Span};

use super::Db;

/// The command a lens runs; its arguments are the journey's name and the document's URI.
pub const SHOW_GRAPH: &str = "journey.showGraph";

/// The title of the lens above each journey.
pub const LENS_TITLE: &str = "Show journey graph";

/// Each journey declared in `file`: its name and the span of the name.
pub fn journeys(db: &Db, file: FileId) -> Vec<(String, Span)> {
    let Some(module) = db.module(file) else {
        return Vec::new();
    };
    module
        .decls
        .iter()
        .filter_map(|decl| match &decl.kind {
            DeclKind::Journey(journey) => Some((journey.name.name.clone(), journey.name.span)),
            _ => None,
        })
        .collect()
}

/// The SVG of the journey `name` of the current program, or why there is none.
pub fn svg(db: &Db, name: &str) -> Result<String, String> {
    let program = match journey_ir::lower(&db.analysis) {
        Ok(program) => program,
        Err(journey_ir::LowerError::HasErrors(n)) => {
            let errors = if n == 1 { "an error" } else { "errors" };
            return Err(format!(
                "the program has {errors}; fix {} to see the graph of `{name}`",
                if n == 1 { "it" } else { "them" }
            ));
        }
        Err(error) => return Err(error.to_string()),
    };
    let Some(journey) = program.journeys.iter().find(|j| j.name == name) else {
        return Err(format!("no journey named `{name}` in the program"));
    };
    let graph = journey_insight::graph::build(&program, journey);
    journey_insight::graph::svg::render(&graph).map_err(|e| e.to_string())
}
