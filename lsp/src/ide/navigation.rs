//! Go to definition, find references and rename, across the files of the program.

use journey_check::Symbol;
use journey_syntax::{FileId, Span};

use super::context::{Cursor, TextBinding};
use super::hover::{target_at, Target};
use super::lexer::TokenKind;
use super::{is_identifier, is_keyword, symbol_name, Db};

/// Where the name at `offset` is declared.
pub fn definition(db: &Db, file: FileId, offset: u32) -> Option<Span> {
    match target_at(db, file, offset)?.1 {
        Target::Symbol(symbol) => db.definition(&symbol),
        Target::Binding(binding) => Some(Span::new(
            file,
            binding.start as usize,
            binding.end as usize,
        )),
        _ => None,
    }
}

/// Every use of the name at `offset`, and its declaration when `include_declaration`; sorted
/// by file and position.
pub fn references(db: &Db, file: FileId, offset: u32, include_declaration: bool) -> Vec<Span> {
    let Some((_, target)) = target_at(db, file, offset) else {
        return Vec::new();
    };
    let mut spans = match &target {
        Target::Symbol(symbol) => symbol_spans(db, symbol, include_declaration),
        Target::Binding(binding) => binding_spans(db, file, binding, include_declaration),
        _ => Vec::new(),
    };
    spans.sort_by_key(|s| s.range());
    spans.dedup_by_key(|s| s.range());
    spans
}

fn symbol_spans(db: &Db, symbol: &Symbol, include_declaration: bool) -> Vec<Span> {
    let name = symbol_name(symbol);
    let mut spans: Vec<Span> = db
        .program()
        .references
        .iter()
        .filter(|r| r.symbol == *symbol && db.sources.slice(r.span) == name)
        .map(|r| r.span)
        .collect();
    if include_declaration {
        if let Some(span) = db.definition(symbol) {
            if db.sources.slice(span) == name {
                spans.push(span);
            }
        }
    }
    spans
}

/// The binding's name where it is bound and every `NAME.` after it in its declaration.
fn binding_spans(
    db: &Db,
    file: FileId,
    binding: &TextBinding,
    include_declaration: bool,
) -> Vec<Span> {
    let text = db.text(file);
    let cursor = Cursor::new(text, binding.start);
    (cursor.decl_start..cursor.decl_end.min(cursor.tokens.len()))
        .filter(|&i| cursor.kind(i) == Some(TokenKind::Word) && cursor.tok(i) == binding.name)
        .filter(|&i| {
            let token = cursor.tokens[i];
            let is_definition = token.start == binding.start;
            let is_use = cursor.tok(i + 1) == "." && cursor.adjacent(i, i + 1);
            (is_definition && include_declaration) || (is_use && !is_definition)
        })
        .map(|i| {
            let token = cursor.tokens[i];
            Span::new(file, token.start as usize, token.end as usize)
        })
        .collect()
}

/// The name that a rename at `offset` would change, or why it cannot be renamed.
pub fn prepare_rename(db: &Db, file: FileId, offset: u32) -> Result<(Span, String), String> {
    let (span, target) =
        target_at(db, file, offset).ok_or_else(|| "there is no name here".to_string())?;
    match target {
        Target::Symbol(Symbol::EventField(event, field)) => {
            let implicit = db
                .event(&event)
                .and_then(|e| e.field(&field))
                .is_some_and(|f| f.implicit);
            if implicit {
                return Err(format!("`{field}` is an implicit field of every event"));
            }
            Ok((span, field))
        }
        Target::Symbol(Symbol::ProfileField(field)) => match special_profile_field(&field) {
            Some(role) => Err(format!("`{field}` cannot be renamed: {role}")),
            None => Ok((span, field)),
        },
        Target::Symbol(symbol) => Ok((span, symbol_name(&symbol).to_string())),
        Target::Binding(binding) => Ok((span, binding.name)),
        Target::Keyword(word) => Err(format!("`{word}` is a keyword")),
        _ => Err("only declared names and bindings can be renamed".to_string()),
    }
}

/// The edits that rename the name at `offset` to `new_name` everywhere, or why not.
pub fn rename(
    db: &Db,
    file: FileId,
    offset: u32,
    new_name: &str,
) -> Result<Vec<(Span, String)>, String> {
    let (_, old) = prepare_rename(db, file, offset)?;
    let Some((_, target)) = target_at(db, file, offset) else {
        return Err("there is no name here".to_string());
    };
    let new_name = new_name.trim();
    if new_name == old {
        return Ok(Vec::new());
    }
    let program = db.program();
    let spans = match &target {
        Target::Symbol(symbol) => {
            match symbol {
                Symbol::Event(_) => {
                    let valid = new_name.split('.').all(is_identifier) && !is_keyword(new_name);
                    if !valid {
                        return Err(format!(
                            "`{new_name}` is not a valid event name (dotted words such as `email.opened`)"
                        ));
                    }
                    global_clash(db, new_name)?;
                }
                Symbol::Segment(_) | Symbol::Score(_) | Symbol::Journey(_) => {
                    valid_identifier(new_name)?;
                    global_clash(db, new_name)?;
                }
                Symbol::ProfileField(_) => {
                    valid_identifier(new_name)?;
                    if program.profile_field(new_name).is_some() {
                        return Err(format!("the profile already has a field `{new_name}`"));
                    }
                }
                Symbol::EventField(event, _) => {
                    valid_identifier(new_name)?;
                    if db.event(event).and_then(|e| e.field(new_name)).is_some() {
                        return Err(format!("event `{event}` already has a field `{new_name}`"));
                    }
                }
            }
            symbol_spans(db, symbol, true)
        }
        Target::Binding(binding) => {
            valid_identifier(new_name)?;
            let cursor = Cursor::new(db.text(file), binding.start);
            let taken = cursor.bindings().iter().any(|b| b.name == new_name)
                || program.segments.contains_key(new_name)
                || program.scores.contains_key(new_name);
            if taken {
                return Err(format!("`{new_name}` is already used in this journey"));
            }
            binding_spans(db, file, binding, true)
        }
        _ => return Err("only declared names and bindings can be renamed".to_string()),
    };
    let mut edits: Vec<(Span, String)> = spans
        .into_iter()
        .filter(|s| db.sources.slice(*s) == old)
        .map(|s| (s, new_name.to_string()))
        .collect();
    edits.sort_by_key(|(s, _)| s.range());
    edits.dedup_by_key(|(s, _)| s.range());
    Ok(edits)
}

/// Profile fields whose names the language itself relies on.
fn special_profile_field(name: &str) -> Option<&'static str> {
    match name {
        "timezone" => Some("`local` times are read in this zone"),
        "tags" => Some("`tag` and `untag` edit this field"),
        _ => None,
    }
}

fn valid_identifier(name: &str) -> Result<(), String> {
    if !is_identifier(name) {
        return Err(format!("`{name}` is not a valid name"));
    }
    if is_keyword(name) {
        return Err(format!("`{name}` is a keyword"));
    }
    Ok(())
}

fn global_clash(db: &Db, name: &str) -> Result<(), String> {
    let program = db.program();
    if program.global(name).is_some() || program.is_broken(name) {
        return Err(format!("`{name}` is already declared"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    const SCHEMA: &str = "event cart.updated { cart: string  value: float }\nprofile {\n  plan: string?\n}\nsegment big = count(cart.updated where value > 100.0 within 7d) > 0\n";
    const MAIN: &str = "journey j {\n  enter on cart.updated as c where value > 1.0\n  if big and profile.plan == \"x\" {\n    send email \"t\" with { v: c.value }\n  }\n}\n";

    fn db() -> (Db, FileId, FileId) {
        let mut sources = SourceMap::new();
        let schema = sources.add("schema.journey", SCHEMA);
        let main = sources.add("main.journey", MAIN);
        (Db::new(sources), schema, main)
    }

    fn at(text: &str, needle: &str) -> u32 {
        text.find(needle).unwrap() as u32 + 1
    }

    #[test]
    fn definition_across_files() {
        let (db, schema, main) = db();
        let span = definition(&db, main, at(MAIN, "cart.updated")).unwrap();
        assert_eq!(span.file, schema);
        assert_eq!(db.sources.slice(span), "cart.updated");
        let span = definition(&db, main, at(MAIN, "big")).unwrap();
        assert_eq!(db.sources.slice(span), "big");
        let span = definition(&db, main, at(MAIN, "c.value")).unwrap();
        assert_eq!(span.file, main);
        assert_eq!(span.start, MAIN.find("c where").unwrap() as u32);
    }

    #[test]
    fn references_of_a_field() {
        let (db, _, main) = db();
        let spans = references(&db, main, at(MAIN, "value >"), true);
        // The declaration, the bare use in the segment, the bare use in `enter` and `c.value`.
        assert_eq!(spans.len(), 4, "{spans:?}");
        assert!(spans.iter().all(|s| db.sources.slice(*s) == "value"));
    }

    #[test]
    fn rename_event_across_files() {
        let (db, schema, main) = db();
        let edits = rename(&db, main, at(MAIN, "cart.updated"), "basket.changed").unwrap();
        let files: Vec<FileId> = edits.iter().map(|(s, _)| s.file).collect();
        assert_eq!(files, vec![schema, schema, main]);
        assert!(rename(&db, main, at(MAIN, "cart.updated"), "big").is_err());
        assert!(rename(&db, main, at(MAIN, "cart.updated"), "not a name").is_err());
    }

    #[test]
    fn rename_profile_field_and_binding() {
        let (db, _, main) = db();
        let edits = rename(&db, main, at(MAIN, "plan =="), "tier").unwrap();
        assert_eq!(edits.len(), 2);
        let edits = rename(&db, main, at(MAIN, "c.value"), "cart").unwrap();
        assert_eq!(edits.len(), 2);
        assert!(rename(&db, main, at(MAIN, "c.value"), "big").is_err());
        assert!(rename(&db, main, at(MAIN, "big"), "where").is_err());
        assert!(prepare_rename(&db, main, at(MAIN, "send")).is_err());
        let mut sources = SourceMap::new();
        let text = "profile {\n  timezone: string = \"UTC\"\n}\n";
        let file = sources.add("p.journey", text);
        let db = Db::new(sources);
        let error = prepare_rename(&db, file, at(text, "timezone")).unwrap_err();
        assert!(error.contains("`local` times"), "{error}");
    }
}
