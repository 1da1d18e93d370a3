//! Every feature at every offset of files that do not parse, and of random token soup: nothing
//! may panic (the server would survive it, but the answer would be lost).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use journey_lsp::ide::{
    code_actions, completion, folding, hover, navigation, semantic_tokens, symbols, Db,
};
use journey_syntax::{FileId, SourceMap};

fn exercise(text: &str) {
    let mut sources = SourceMap::new();
    let file = sources.add("a.journey", text.to_string());
    let db = Db::new(sources);
    for offset in 0..=text.len() {
        if !text.is_char_boundary(offset) {
            continue;
        }
        at(&db, file, offset as u32);
    }
    at(&db, file, u32::MAX);
    semantic_tokens::semantic_tokens(&db, file);
    folding::folding_ranges(&db, file);
    symbols::document_symbols(&db, file);
    symbols::workspace_symbols(&db, "e");
}

fn at(db: &Db, file: FileId, offset: u32) {
    hover::hover(db, file, offset);
    completion::completions(db, file, offset, None);
    completion::completions(db, file, offset, Some(' '));
    navigation::definition(db, file, offset);
    navigation::references(db, file, offset, true);
    let _ = navigation::rename(db, file, offset, "renamed");
    code_actions::quick_fixes(db, file, offset, offset.saturating_add(3));
}

#[test]
fn files_with_syntax_errors() {
    let mut exercised = 0;
    for entry in std::fs::read_dir("../tests/check").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("000") && name.ends_with(".journey") {
            exercise(&std::fs::read_to_string(&path).unwrap());
            exercised += 1;
        }
    }
    assert!(exercised > 0, "no `tests/check/000*.journey` file found");
}

#[test]
fn token_soup() {
    const TOKENS: &[&str] = &[
        "event",
        "profile",
        "segment",
        "score",
        "journey",
        "test",
        "enter",
        "on",
        "where",
        "as",
        "within",
        "since",
        "send",
        "wait",
        "for",
        "if",
        "else",
        "split",
        "set",
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        ".",
        "=",
        "==",
        ">=",
        "??",
        "=>",
        "%",
        "email.opened",
        "profile.email",
        "x",
        "42",
        "2d",
        "20%",
        "09:00",
        "2026-12-24T09:00:00Z",
        "\"text\"",
        "\"open",
        "///",
        "//",
        "/*",
        "*/",
        "\n",
        "\n",
        "é",
        "\u{1F600}",
        "\\",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..40 {
        let count = 1 + next(60);
        let text: Vec<&str> = (0..count).map(|_| TOKENS[next(TOKENS.len())]).collect();
        let glue = if next(2) == 0 { " " } else { "" };
        exercise(&text.join(glue));
    }
}
