//! Conversions between the compiler's types (byte offsets, spans, diagnostics) and LSP's
//! (UTF-16 line/character positions, `lsp_types`). The only module besides the main loop that
//! knows the protocol.

use journey_check::{Diagnostic, Severity};
use journey_syntax::{FileId, SourceFile, SourceMap, Span};
use lsp_types as lsp;

use crate::ide::completion::{CompletionItem, CompletionKind};
use crate::ide::folding::Fold;
use crate::ide::semantic_tokens::SemanticToken;
use crate::ide::symbols::{DocumentSymbol, SymbolKind};

/// The LSP position (zero-based line, UTF-16 column) of a byte offset.
pub fn position(file: &SourceFile, offset: u32) -> lsp::Position {
    let text = file.text.as_str();
    let mut offset = (offset as usize).min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let starts = file.line_starts();
    let line = starts
        .partition_point(|&s| s as usize <= offset)
        .saturating_sub(1);
    let line_start = starts.get(line).copied().unwrap_or(0) as usize;
    let character = text
        .get(line_start..offset)
        .map_or(0, |s| s.encode_utf16().count());
    lsp::Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
    }
}

/// The byte offset of an LSP position, clamped to its line and the file.
pub fn offset(file: &SourceFile, position: lsp::Position) -> u32 {
    file.offset_of_utf16(position.line, position.character)
}

/// The LSP range of a span within its file.
pub fn range(file: &SourceFile, span: Span) -> lsp::Range {
    lsp::Range {
        start: position(file, span.start),
        end: position(file, span.end.max(span.start)),
    }
}

/// The LSP range of a span, looked up in the source map (an empty range if the file is gone).
pub fn span_range(sources: &SourceMap, span: Span) -> lsp::Range {
    sources
        .get(span.file)
        .map(|file| range(file, span))
        .unwrap_or_default()
}

/// The range of a whole file's text.
pub fn whole_file(file: &SourceFile) -> lsp::Range {
    lsp::Range {
        start: lsp::Position::default(),
        end: position(file, u32::try_from(file.text.len()).unwrap_or(u32::MAX)),
    }
}

/// A compiler diagnostic as LSP's: the message, the primary label and the help lines in the
/// message; other labels as related information (their files through `uri_of`).
pub fn diagnostic(
    sources: &SourceMap,
    uri_of: &dyn Fn(FileId) -> Option<lsp::Url>,
    d: &Diagnostic,
) -> lsp::Diagnostic {
    let primary = d.labels.iter().find(|l| l.primary);
    let mut message = d.message.clone();
    if let Some(label) = primary.filter(|l| !l.message.is_empty()) {
        message.push('\n');
        message.push_str(&label.message);
    }
    for help in &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.primary && !l.message.is_empty())
        .filter_map(|l| {
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location {
                    uri: uri_of(l.span.file)?,
                    range: span_range(sources, l.span),
                },
                message: l.message.clone(),
            })
        })
        .collect();
    let tags = match d.code.as_str() {
        "W0001" | "W0002" => Some(vec![lsp::DiagnosticTag::UNNECESSARY]),
        _ => None,
    };
    lsp::Diagnostic {
        range: span_range(sources, d.span()),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("journey".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}

/// A completion item.
pub fn completion_item(file: &SourceFile, item: &CompletionItem) -> lsp::CompletionItem {
    let kind = match item.kind {
        CompletionKind::Keyword => lsp::CompletionItemKind::KEYWORD,
        CompletionKind::Event => lsp::CompletionItemKind::EVENT,
        CompletionKind::Field => lsp::CompletionItemKind::FIELD,
        CompletionKind::ProfileField => lsp::CompletionItemKind::PROPERTY,
        CompletionKind::Segment => lsp::CompletionItemKind::CLASS,
        CompletionKind::Score => lsp::CompletionItemKind::VARIABLE,
        CompletionKind::Channel => lsp::CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Binding => lsp::CompletionItemKind::VARIABLE,
        CompletionKind::EnumValue => lsp::CompletionItemKind::ENUM_MEMBER,
        CompletionKind::Function => lsp::CompletionItemKind::FUNCTION,
        CompletionKind::Type => lsp::CompletionItemKind::TYPE_PARAMETER,
    };
    lsp::CompletionItem {
        label: item.label.clone(),
        kind: Some(kind),
        detail: item.detail.clone(),
        documentation: item.documentation.as_ref().map(|doc| {
            lsp::Documentation::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: doc.clone(),
            })
        }),
        sort_text: Some(format!("{}{}", item.group, item.label)),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
            range: range(file, item.replace),
            new_text: item.insert.clone(),
        })),
        ..lsp::CompletionItem::default()
    }
}

/// The outline of a file.
pub fn document_symbol(file: &SourceFile, symbol: &DocumentSymbol) -> lsp::DocumentSymbol {
    let full = range(file, symbol.span);
    let mut selection = range(file, symbol.selection);
    // The selection must lie inside the full range.
    if selection.start < full.start || selection.end > full.end {
        selection = lsp::Range {
            start: full.start,
            end: full.start,
        };
    }
    #[allow(deprecated)]
    lsp::DocumentSymbol {
        name: symbol.name.clone(),
        detail: symbol.detail.clone(),
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: full,
        selection_range: selection,
        children: (!symbol.children.is_empty()).then(|| {
            symbol
                .children
                .iter()
                .map(|c| document_symbol(file, c))
                .collect()
        }),
    }
}

/// LSP's symbol kind for ours.
pub fn symbol_kind(kind: SymbolKind) -> lsp::SymbolKind {
    match kind {
        SymbolKind::Event => lsp::SymbolKind::EVENT,
        SymbolKind::Field => lsp::SymbolKind::FIELD,
        SymbolKind::Profile => lsp::SymbolKind::STRUCT,
        SymbolKind::Policy => lsp::SymbolKind::OBJECT,
        SymbolKind::Segment => lsp::SymbolKind::BOOLEAN,
        SymbolKind::Score => lsp::SymbolKind::NUMBER,
        SymbolKind::Journey => lsp::SymbolKind::FUNCTION,
        SymbolKind::Test => lsp::SymbolKind::METHOD,
        SymbolKind::Conversion => lsp::SymbolKind::EVENT,
    }
}

/// Semantic tokens in LSP's relative encoding (UTF-16 lengths).
pub fn semantic_tokens(file: &SourceFile, tokens: &[SemanticToken]) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut column) = (0u32, 0u32);
    for token in tokens {
        let start = position(file, token.start);
        let end = position(file, token.end);
        let backwards = start.line < line || (start.line == line && start.character < column);
        if end.line != start.line || end.character <= start.character || backwards {
            continue;
        }
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 {
            start.character - column
        } else {
            start.character
        };
        out.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: token.ty as u32,
            token_modifiers_bitset: token.modifiers,
        });
        line = start.line;
        column = start.character;
    }
    out
}

/// A folding range.
pub fn folding_range(fold: &Fold) -> lsp::FoldingRange {
    lsp::FoldingRange {
        start_line: fold.start_line,
        start_character: None,
        end_line: fold.end_line,
        end_character: None,
        kind: Some(if fold.comment {
            lsp::FoldingRangeKind::Comment
        } else {
            lsp::FoldingRangeKind::Region
        }),
        collapsed_text: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let mut sources = SourceMap::new();
        let id = sources.add("a", "ab\n\u{1F600}x \"é\"\nlast");
        let file = sources.get(id).unwrap();
        let x = file.text.find('x').unwrap() as u32;
        assert_eq!(position(file, x), lsp::Position::new(1, 2));
        assert_eq!(offset(file, lsp::Position::new(1, 2)), x);
        let e = file.text.find('é').unwrap() as u32;
        assert_eq!(position(file, e + 2), lsp::Position::new(1, 6));
        assert_eq!(
            offset(file, lsp::Position::new(2, 99)),
            file.text.len() as u32
        );
        assert_eq!(offset(file, lsp::Position::new(0, 99)), 2);
        assert_eq!(position(file, 999), lsp::Position::new(2, 4));
        // An offset inside a character moves back to its start.
        assert_eq!(position(file, x - 1), lsp::Position::new(1, 0));
    }
}
