//! Document symbols (the outline of one file) and workspace symbols (search across files).

use journey_syntax::ast::{DeclKind, FieldDecl, ProfileField, TypeExpr};
use journey_syntax::{FileId, Span};

use super::Db;

/// What a symbol is, for its icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// An event type.
    Event,
    /// A field of an event or of the profile.
    Field,
    /// The profile block.
    Profile,
    /// The policy block.
    Policy,
    /// A segment.
    Segment,
    /// A score.
    Score,
    /// A journey.
    Journey,
    /// A test block.
    Test,
    /// A `conversion` declaration.
    Conversion,
}

/// One entry of a file's outline.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentSymbol {
    /// The name shown.
    pub name: String,
    /// A type or short description.
    pub detail: Option<String>,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The name within it.
    pub selection: Span,
    /// Fields of events and of the profile.
    pub children: Vec<DocumentSymbol>,
}

/// One workspace search hit.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkspaceSymbol {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: SymbolKind,
    /// Where it is declared.
    pub span: Span,
    /// What it belongs to (`profile` for profile fields).
    pub container: Option<String>,
}

/// The outline of `file`, in source order.
pub fn document_symbols(db: &Db, file: FileId) -> Vec<DocumentSymbol> {
    let Some(module) = db.module(file) else {
        return Vec::new();
    };
    let keyword = |span: Span, len: u32| Span {
        end: (span.start + len).min(span.end),
        ..span
    };
    module
        .decls
        .iter()
        .filter_map(|decl| {
            let (name, kind, selection, children) = match &decl.kind {
                DeclKind::Event(event) => (
                    event.name.name.clone(),
                    SymbolKind::Event,
                    event.name.span,
                    event.fields.iter().map(|f| event_field(db, f)).collect(),
                ),
                DeclKind::Profile(profile) => (
                    "profile".to_string(),
                    SymbolKind::Profile,
                    keyword(decl.span, 7),
                    profile
                        .fields
                        .iter()
                        .map(|f| profile_field(db, f))
                        .collect(),
                ),
                DeclKind::Policy(_) => (
                    "policy".to_string(),
                    SymbolKind::Policy,
                    keyword(decl.span, 6),
                    Vec::new(),
                ),
                DeclKind::Segment(segment) => (
                    segment.name.name.clone(),
                    SymbolKind::Segment,
                    segment.name.span,
                    Vec::new(),
                ),
                DeclKind::Score(score) => (
                    score.name.name.clone(),
                    SymbolKind::Score,
                    score.name.span,
                    Vec::new(),
                ),
                DeclKind::Journey(journey) => (
                    journey.name.name.clone(),
                    SymbolKind::Journey,
                    journey.name.span,
                    Vec::new(),
                ),
                DeclKind::Conversion(conversion) => (
                    conversion.name.name.clone(),
                    SymbolKind::Conversion,
                    conversion.name.span,
                    Vec::new(),
                ),
                DeclKind::Test(test) => (
                    format!("test \"{}\"", test.name.value),
                    SymbolKind::Test,
                    test.name.span,
                    Vec::new(),
                ),
                DeclKind::Broken(broken) => {
                    let kind = match broken.keyword.as_str() {
                        "event" => SymbolKind::Event,
                        "profile" => SymbolKind::Profile,
                        "policy" => SymbolKind::Policy,
                        "segment" => SymbolKind::Segment,
                        "score" => SymbolKind::Score,
                        "test" => SymbolKind::Test,
                        "conversion" => SymbolKind::Conversion,
                        _ => SymbolKind::Journey,
                    };
                    let (name, selection) = match &broken.name {
                        Some(name) => (name.name.clone(), name.span),
                        None => (broken.keyword.clone(), keyword(decl.span, 0)),
                    };
                    (name, kind, selection, Vec::new())
                }
            };
            if name.is_empty() {
                return None;
            }
            Some(DocumentSymbol {
                name,
                detail: decl_detail(&decl.kind),
                kind,
                span: decl.span,
                selection,
                children,
            })
        })
        .collect()
}

fn decl_detail(kind: &DeclKind) -> Option<String> {
    match kind {
        DeclKind::Event(_) => Some("event".into()),
        DeclKind::Segment(_) => Some("segment: bool".into()),
        DeclKind::Score(_) => Some("score: int".into()),
        DeclKind::Journey(_) => Some("journey".into()),
        DeclKind::Conversion(c) => Some(format!("conversion on {}", c.event.name)),
        DeclKind::Broken(_) => Some("does not parse".into()),
        _ => None,
    }
}

fn written_type(db: &Db, ty: &TypeExpr) -> String {
    db.sources.slice(ty.span).to_string()
}

fn event_field(db: &Db, field: &FieldDecl) -> DocumentSymbol {
    DocumentSymbol {
        name: field.name.name.clone(),
        detail: Some(written_type(db, &field.ty)),
        kind: SymbolKind::Field,
        span: field.span,
        selection: field.name.span,
        children: Vec::new(),
    }
}

fn profile_field(db: &Db, field: &ProfileField) -> DocumentSymbol {
    DocumentSymbol {
        name: field.name.name.clone(),
        detail: Some(written_type(db, &field.ty)),
        kind: SymbolKind::Field,
        span: field.span,
        selection: field.name.span,
        children: Vec::new(),
    }
}

/// The declared names that match `query` (case-insensitive, letters in order), best first.
pub fn workspace_symbols(db: &Db, query: &str) -> Vec<WorkspaceSymbol> {
    const LIMIT: usize = 256;
    let program = db.program();
    let mut out = Vec::new();
    for event in program.events.values() {
        out.push(WorkspaceSymbol {
            name: event.name.clone(),
            kind: SymbolKind::Event,
            span: event.span,
            container: None,
        });
    }
    for (table, kind) in [
        (&program.segments, SymbolKind::Segment),
        (&program.scores, SymbolKind::Score),
        (&program.journeys, SymbolKind::Journey),
    ] {
        for named in table.values() {
            out.push(WorkspaceSymbol {
                name: named.name.clone(),
                kind,
                span: named.span,
                container: None,
            });
        }
    }
    for field in &program.profile {
        out.push(WorkspaceSymbol {
            name: field.name.clone(),
            kind: SymbolKind::Field,
            span: field.span,
            container: Some("profile".into()),
        });
    }
    let query = query.to_lowercase();
    let mut scored: Vec<(usize, WorkspaceSymbol)> = out
        .into_iter()
        .filter_map(|s| fuzzy_score(&query, &s.name.to_lowercase()).map(|score| (score, s)))
        .collect();
    scored.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.name.cmp(&y.name)));
    scored.into_iter().take(LIMIT).map(|(_, s)| s).collect()
}

/// Lower is better; `None` when the letters of `query` do not all appear in order.
fn fuzzy_score(query: &str, name: &str) -> Option<usize> {
    if query.is_empty() {
        return Some(0);
    }
    if name.contains(query) {
        return Some(if name.starts_with(query) { 0 } else { 1 });
    }
    let mut rest = name.chars();
    let matched = query.chars().all(|q| rest.any(|c| c == q));
    matched.then_some(2)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    #[test]
    fn outline_and_search() {
        let mut sources = SourceMap::new();
        let file = sources.add(
            "a.journey",
            "event email.opened { campaign: string }\nprofile {\n  plan: string?\n}\nsegment engaged = count(email.opened within 1d) > 0\njourney welcome {\n  enter when engaged\n  send email \"x\"\n}\njourney broken {\n  send\n}\n",
        );
        let db = Db::new(sources);
        let outline = document_symbols(&db, file);
        let names: Vec<&str> = outline.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["email.opened", "profile", "engaged", "welcome", "broken"]
        );
        assert_eq!(outline[0].children[0].name, "campaign");
        assert_eq!(outline[0].children[0].detail.as_deref(), Some("string"));
        let hits: Vec<String> = workspace_symbols(&db, "eng")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(hits, vec!["engaged"]);
        let hits: Vec<String> = workspace_symbols(&db, "emop")
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(hits, vec!["email.opened"]);
    }
}
