//! The request handlers: each decodes positions with `convert`, asks the `ide` layer and encodes
//! the answer. A URI the server does not know gets an empty answer, not an error.

use std::collections::HashMap;

use lsp_types as lsp;

use crate::convert;
use crate::ide::{
    code_actions, completion, folding, graph, hover, navigation, semantic_tokens, symbols,
};
use crate::workspace::Snapshot;

/// A request that could not be answered, with the reason shown to the user.
#[derive(Debug)]
pub struct Failure(pub String);

/// The result of a handler.
pub type Result<T> = std::result::Result<T, Failure>;

/// What the server can do, announced in the `initialize` response; `prepare_rename` when the
/// client can ask whether a rename is possible before asking for the new name.
pub fn capabilities(prepare_rename: bool) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                will_save: None,
                will_save_wait_until: None,
                save: None,
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into(), "(".into()]),
            ..lsp::CompletionOptions::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        rename_provider: Some(if prepare_rename {
            lsp::OneOf::Right(lsp::RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
            })
        } else {
            lsp::OneOf::Left(true)
        }),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        folding_range_provider: Some(lsp::FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: lsp::SemanticTokensLegend {
                        token_types: semantic_tokens::TOKEN_TYPES
                            .iter()
                            .map(|t| lsp::SemanticTokenType::new(t))
                            .collect(),
                        token_modifiers: semantic_tokens::MODIFIERS
                            .iter()
                            .map(|m| lsp::SemanticTokenModifier::new(m))
                            .collect(),
                    },
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
                },
            ),
        ),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
                resolve_provider: None,
            },
        )),
        code_lens_provider: Some(lsp::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(lsp::ExecuteCommandOptions {
            commands: vec![graph::SHOW_GRAPH.into()],
            work_done_progress_options: lsp::WorkDoneProgressOptions::default(),
        }),
        workspace: Some(lsp::WorkspaceServerCapabilities {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..lsp::ServerCapabilities::default()
    }
}

/// Every diagnostic in LSP form, one list per file id.
pub fn diagnostics_by_file(snapshot: &Snapshot) -> Vec<Vec<lsp::Diagnostic>> {
    let sources = &snapshot.db.sources;
    let mut by_file: Vec<Vec<lsp::Diagnostic>> = vec![Vec::new(); snapshot.uris.len()];
    let uri_of = |file| snapshot.uri(file);
    for diagnostic in &snapshot.db.analysis.diagnostics {
        if let Some(list) = by_file.get_mut(diagnostic.span().file.0 as usize) {
            list.push(convert::diagnostic(sources, &uri_of, diagnostic));
        }
    }
    by_file
}

fn location(snapshot: &Snapshot, span: journey_syntax::Span) -> Option<lsp::Location> {
    Some(lsp::Location {
        uri: snapshot.uri(span.file)?,
        range: convert::span_range(&snapshot.db.sources, span),
    })
}

/// `textDocument/hover`.
pub fn hover(snapshot: &Snapshot, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
    let position = params.text_document_position_params;
    let Some((id, file)) = snapshot.file(&position.text_document.uri) else {
        return Ok(None);
    };
    let offset = convert::offset(file, position.position);
    Ok(hover::hover(&snapshot.db, id, offset).map(|h| lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: h.markdown,
        }),
        range: Some(convert::range(file, h.span)),
    }))
}

/// `textDocument/completion`.
pub fn completion(
    snapshot: &Snapshot,
    params: lsp::CompletionParams,
) -> Result<Option<lsp::CompletionResponse>> {
    let position = params.text_document_position;
    let Some((id, file)) = snapshot.file(&position.text_document.uri) else {
        return Ok(None);
    };
    let offset = convert::offset(file, position.position);
    let trigger = params
        .context
        .and_then(|c| c.trigger_character)
        .and_then(|t| t.chars().next());
    let items = completion::completions(&snapshot.db, id, offset, trigger);
    Ok(Some(lsp::CompletionResponse::List(lsp::CompletionList {
        is_incomplete: false,
        items: items
            .iter()
            .map(|item| convert::completion_item(file, item))
            .collect(),
    })))
}

/// `textDocument/definition`.
pub fn definition(
    snapshot: &Snapshot,
    params: lsp::GotoDefinitionParams,
) -> Result<Option<lsp::GotoDefinitionResponse>> {
    let position = params.text_document_position_params;
    let Some((id, file)) = snapshot.file(&position.text_document.uri) else {
        return Ok(None);
    };
    let offset = convert::offset(file, position.position);
    Ok(navigation::definition(&snapshot.db, id, offset)
        .and_then(|span| location(snapshot, span))
        .map(lsp::GotoDefinitionResponse::Scalar))
}

/// `textDocument/references`.
pub fn references(
    snapshot: &Snapshot,
    params: lsp::ReferenceParams,
) -> Result<Option<Vec<lsp::Location>>> {
    let position = params.text_document_position;
    let Some((id, file)) = snapshot.file(&position.text_document.uri) else {
        return Ok(None);
    };
    let offset = convert::offset(file, position.position);
    let spans =
        navigation::references(&snapshot.db, id, offset, params.context.include_declaration);
    Ok(Some(
        spans
            .into_iter()
            .filter_map(|s| location(snapshot, s))
            .collect(),
    ))
}

/// `textDocument/prepareRename`.
pub fn prepare_rename(
    snapshot: &Snapshot,
    params: lsp::TextDocumentPositionParams,
) -> Result<Option<lsp::PrepareRenameResponse>> {
    let Some((id, file)) = snapshot.file(&params.text_document.uri) else {
        return Ok(None);
    };
    let offset = convert::offset(file, params.position);
    let (span, placeholder) =
        navigation::prepare_rename(&snapshot.db, id, offset).map_err(Failure)?;
    Ok(Some(lsp::PrepareRenameResponse::RangeWithPlaceholder {
        range: convert::range(file, span),
        placeholder,
    }))
}

/// `textDocument/rename`.
pub fn rename(
    snapshot: &Snapshot,
    params: lsp::RenameParams,
) -> Result<Option<lsp::WorkspaceEdit>> {
    let position = params.text_document_position;
    let Some((id, file)) = snapshot.file(&position.text_document.uri) else {
        return Ok(None);
    };
    let offset = convert::offset(file, position.position);
    let edits = navigation::rename(&snapshot.db, id, offset, &params.new_name).map_err(Failure)?;
    Ok(Some(workspace_edit(snapshot, &edits)))
}

fn workspace_edit(
    snapshot: &Snapshot,
    edits: &[(journey_syntax::Span, String)],
) -> lsp::WorkspaceEdit {
    let mut changes: HashMap<lsp::Url, Vec<lsp::TextEdit>> = HashMap::new();
    for (span, text) in edits {
        if let Some(uri) = snapshot.uri(span.file) {
            changes.entry(uri).or_default().push(lsp::TextEdit {
                range: convert::span_range(&snapshot.db.sources, *span),
                new_text: text.clone(),
            });
        }
    }
    lsp::WorkspaceEdit {
        changes: Some(changes),
        ..lsp::WorkspaceEdit::default()
    }
}

/// `textDocument/documentSymbol`.
pub fn document_symbols(
    snapshot: &Snapshot,
    params: lsp::DocumentSymbolParams,
) -> Result<Option<lsp::DocumentSymbolResponse>> {
    let Some((id, file)) = snapshot.file(&params.text_document.uri) else {
        return Ok(None);
    };
    let outline = symbols::document_symbols(&snapshot.db, id);
    Ok(Some(lsp::DocumentSymbolResponse::Nested(
        outline
            .iter()
            .map(|s| convert::document_symbol(file, s))
            .collect(),
    )))
}

/// `workspace/symbol`.
pub fn workspace_symbols(
    snapshot: &Snapshot,
    params: lsp::WorkspaceSymbolParams,
) -> Result<Option<lsp::WorkspaceSymbolResponse>> {
    let hits = symbols::workspace_symbols(&snapshot.db, &params.query);
    #[allow(deprecated)]
    let found = hits
        .into_iter()
        .filter_map(|s| {
            Some(lsp::SymbolInformation {
                name: s.name,
                kind: convert::symbol_kind(s.kind),
                tags: None,
                deprecated: None,
                location: location(snapshot, s.span)?,
                container_name: s.container,
            })
        })
        .collect();
    Ok(Some(lsp::WorkspaceSymbolResponse::Flat(found)))
}

/// `textDocument/foldingRange`.
pub fn folding_ranges(
    snapshot: &Snapshot,
    params: lsp::FoldingRangeParams,
) -> Result<Option<Vec<lsp::FoldingRange>>> {
    let Some((id, _)) = snapshot.file(&params.text_document.uri) else {
        return Ok(None);
    };
    Ok(Some(
        folding::folding_ranges(&snapshot.db, id)
            .iter()
            .map(convert::folding_range)
            .collect(),
    ))
}

/// `textDocument/semanticTokens/full`.
pub fn semantic_tokens(
    snapshot: &Snapshot,
    params: lsp::SemanticTokensParams,
) -> Result<Option<lsp::SemanticTokensResult>> {
    let Some((id, file)) = snapshot.file(&params.text_document.uri) else {
        return Ok(None);
    };
    let tokens = semantic_tokens::semantic_tokens(&snapshot.db, id);
    Ok(Some(lsp::SemanticTokensResult::Tokens(
        lsp::SemanticTokens {
            result_id: None,
            data: convert::semantic_tokens(file, &tokens),
        },
    )))
}

/// `textDocument/formatting`: the whole document through the formatter; no edit when the
/// file has syntax errors (the formatter refuses them) or is already formatted.
pub fn formatting(
    snapshot: &Snapshot,
    params: lsp::DocumentFormattingParams,
) -> Result<Option<Vec<lsp::TextEdit>>> {
    let Some((_, file)) = snapshot.file(&params.text_document.uri) else {
        return Ok(None);
    };
    match journey_fmt::format_source(&file.text) {
        Ok(formatted) if formatted == file.text => Ok(Some(Vec::new())),
        Ok(formatted) => Ok(Some(vec![lsp::TextEdit {
            range: convert::whole_file(file),
            new_text: formatted,
        }])),
        Err(_) => Ok(None),
    }
}

/// `textDocument/codeAction`: the quick fixes of the diagnostics in the range.
pub fn code_actions(
    snapshot: &Snapshot,
    params: lsp::CodeActionParams,
) -> Result<Option<lsp::CodeActionResponse>> {
    let Some((id, file)) = snapshot.file(&params.text_document.uri) else {
        return Ok(None);
    };
    let wants_quickfix = params.context.only.as_ref().is_none_or(|only| {
        only.iter().any(|k| {
            lsp::CodeActionKind::QUICKFIX
                .as_str()
                .starts_with(k.as_str())
        })
    });
    if !wants_quickfix {
        return Ok(Some(Vec::new()));
    }
    let start = convert::offset(file, params.range.start);
    let end = convert::offset(file, params.range.end);
    let uri_of = |file| snapshot.uri(file);
    let actions = code_actions::quick_fixes(&snapshot.db, id, start, end)
        .into_iter()
        .map(|fix| {
            lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: fix.title.clone(),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(
                    &snapshot.db.sources,
                    &uri_of,
                    &fix.diagnostic,
                )]),
                edit: Some(workspace_edit(snapshot, &fix.edits)),
                is_preferred: Some(fix.preferred),
                ..lsp::CodeAction::default()
            })
        })
        .collect();
    Ok(Some(actions))
}

/// `textDocument/codeLens`: "Show journey graph" above each journey's name, running
/// `journey.showGraph` with the journey's name and the document's URI.
pub fn code_lenses(
    snapshot: &Snapshot,
    params: lsp::CodeLensParams,
) -> Result<Option<Vec<lsp::CodeLens>>> {
    let uri = params.text_document.uri;
    let Some((id, file)) = snapshot.file(&uri) else {
        return Ok(None);
    };
    let lenses = graph::journeys(&snapshot.db, id)
        .into_iter()
        .map(|(name, span)| lsp::CodeLens {
            range: convert::range(file, span),
            command: Some(lsp::Command {
                title: graph::LENS_TITLE.into(),
                command: graph::SHOW_GRAPH.into(),
                arguments: Some(vec![
                    serde_json::Value::String(name),
                    serde_json::Value::String(uri.to_string()),
                ]),
            }),
            data: None,
        })
        .collect();
    Ok(Some(lenses))
}

/// `workspace/executeCommand`: `journey.showGraph NAME [URI]` answers with the journey's SVG
/// (a string) from the current analysis; a program with errors is an error response saying so.
pub fn execute_command(
    snapshot: &Snapshot,
    params: lsp::ExecuteCommandParams,
) -> Result<Option<serde_json::Value>> {
    if params.command != graph::SHOW_GRAPH {
        return Err(Failure(format!("unknown command `{}`", params.command)));
    }
    let Some(name) = params.arguments.first().and_then(|a| a.as_str()) else {
        return Err(Failure(format!(
            "`{}` needs the journey's name as its first argument",
            graph::SHOW_GRAPH
        )));
    };
    graph::svg(&snapshot.db, name)
        .map(|svg| Some(serde_json::Value::String(svg)))
        .map_err(Failure)
}
