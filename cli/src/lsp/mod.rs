//! `phonon lsp`: a language server on stdin/stdout (JSON-RPC, lsp-server), so any editor
//! that speaks the Language Server Protocol gets Phonon's diagnostics as you type, hovers,
//! completion, an outline and keys that play with `phonon live`.
//!
//! - Diagnostics: every error and warning of the real compiler (front end and lowering,
//!   with the sample library's sound names), with its range and hint. They are computed on a
//!   thread of their own from the newest text of each document: typing never waits for a
//!   compile, and a version overtaken by another before its turn is skipped.
//! - Hover ([`hover`]), completion by place ([`complete`]), semantic tokens for the inside
//!   of mini-notation strings ([`tokens`]).
//! - Document symbols: the outputs, buses and functions.
//! - Go to a bus's definition, find where it is used, rename it everywhere.
//! - Commands ([`commands`]) carried to the `phonon live` playing the document's file.

mod commands;
mod complete;
mod hover;
mod text;
mod tokens;

use crate::audio::Compiler;
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::{
    CompletionOptions, Diagnostic, DiagnosticSeverity, DocumentSymbol, Hover, HoverContents,
    HoverProviderCapability, MarkupContent, MarkupKind, OneOf, PublishDiagnosticsParams,
    ServerCapabilities, SymbolKind, TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use phonon_compiler::ast::StatementKind;
use std::collections::HashMap;
use std::sync::mpsc;
use text::{offset, range};

/// The compiler's diagnostics of `text` as the protocol's.
pub fn diagnostics(with: &Compiler, text: &str) -> Vec<Diagnostic> {
    let found = match phonon_compiler::program::lower(
        text,
        &phonon_sounds::catalogue(&with.library),
        &with.options,
    ) {
        Ok(lowered) => lowered.warnings().to_vec(),
        Err(d) => d,
    };
    found
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(label) = &d.label {
                message += &format!(": {label}");
            }
            if let Some(hint) = &d.hint {
                message += &format!("\nhint: {hint}");
            }
            Diagnostic {
                range: range(text, &d.span),
                severity: Some(if d.is_error() {
                    DiagnosticSeverity::ERROR
                } else {
                    DiagnosticSeverity::WARNING
                }),
                source: Some("phonon".to_string()),
                message,
                ..Default::default()
            }
        })
        .collect()
}

/// The bus named at byte `at` (without its `~`), and every place it is written.
pub fn bus_places(text: &str, at: usize) -> Option<(String, Vec<std::ops::Range<usize>>)> {
    let all = phonon_compiler::bus_names(text);
    let (name, _) = all
        .iter()
        .find(|(_, span)| span.start <= at && at <= span.end)?
        .clone();
    let places = all
        .into_iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, span)| span)
        .collect();
    Some((name, places))
}

/// Where the bus named at byte `at` is defined.
pub fn definition(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let (name, _) = bus_places(text, at)?;
    let fe = phonon_compiler::front_end(text);
    fe.checked
        .program
        .statements
        .iter()
        .find_map(|s| match &s.kind {
            StatementKind::Bus { name: n, .. } | StatementKind::Function { name: n, .. }
                if n.text == name =>
            {
                Some(n.span.clone())
            }
            _ => None,
        })
}

/// The outputs, buses and functions of `text`.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must be given
pub fn symbols(text: &str) -> Vec<DocumentSymbol> {
    let fe = phonon_compiler::front_end(text);
    fe.checked
        .program
        .statements
        .iter()
        .filter_map(|s| {
            let (name, kind) = match &s.kind {
                StatementKind::Output { name, .. } => (name, SymbolKind::EVENT),
                StatementKind::Bus { name, .. } => (name, SymbolKind::VARIABLE),
                StatementKind::Function { name, .. } => (name, SymbolKind::FUNCTION),
                _ => return None,
            };
            let label = match &s.kind {
                StatementKind::Output { .. } => name.text.clone(),
                _ => format!("~{}", name.text),
            };
            Some(DocumentSymbol {
                name: label,
                detail: None,
                kind,
                tags: None,
                deprecated: None,
                range: range(text, &s.span),
                selection_range: range(text, &name.span),
                children: None,
            })
        })
        .collect()
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![
                "~".into(),
                "#".into(),
                " ".into(),
                "\"".into(),
                "'".into(),
            ]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp_types::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp_types::SemanticTokensOptions {
                    legend: tokens::legend(),
                    full: Some(lsp_types::SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    ..Default::default()
                },
            ),
        ),
        execute_command_provider: Some(lsp_types::ExecuteCommandOptions {
            commands: commands::NAMES.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn serve(with: Compiler) -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    // Hover and completion read the sample library too (the checker has its own copy).
    let with_answers = with.clone();
    connection
        .initialize(caps)
        .map_err(|e| format!("the editor did not initialise: {e}"))?;
    // Diagnostics on a thread of their own, newest text first.
    let (texts_tx, texts_rx) = mpsc::channel::<(Uri, String)>();
    let sender = connection.sender.clone();
    let checker = std::thread::spawn(move || {
        while let Ok(first) = texts_rx.recv() {
            // By the URI's text (a `Uri` is no hash key: it caches inside).
            let mut latest: HashMap<String, (Uri, String)> = HashMap::new();
            for (uri, text) in std::iter::once(first).chain(texts_rx.try_iter()) {
                latest.insert(uri.as_str().to_string(), (uri, text));
            }
            for (_, (uri, text)) in latest {
                let params = PublishDiagnosticsParams {
                    uri,
                    diagnostics: diagnostics(&with, &text),
                    version: None,
                };
                let note = Notification::new("textDocument/publishDiagnostics".to_string(), params);
                if sender.send(Message::Notification(note)).is_err() {
                    return;
                }
            }
        }
    });
    let mut documents: HashMap<String, String> = HashMap::new();
    // The document last opened or changed: the one a command without a URI is for.
    let mut recent: Option<String> = None;
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    break;
                }
                let response = answer(&with_answers, &documents, recent.as_deref(), req);
                let _ = connection.sender.send(Message::Response(response));
            }
            Message::Notification(n) => {
                if let Some((uri, text)) = changed(n) {
                    recent = Some(uri.as_str().to_string());
                    documents.insert(uri.as_str().to_string(), text.clone());
                    let _ = texts_tx.send((uri, text));
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(texts_tx);
    let _ = checker.join();
    // The writer thread ends when the last sender is gone.
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())
}

/// A document's new text, from `didOpen` or `didChange` (full text each time).
fn changed(n: Notification) -> Option<(Uri, String)> {
    match n.method.as_str() {
        "textDocument/didOpen" => {
            let p: lsp_types::DidOpenTextDocumentParams = serde_json::from_value(n.params).ok()?;
            Some((p.text_document.uri, p.text_document.text))
        }
        "textDocument/didChange" => {
            let p: lsp_types::DidChangeTextDocumentParams =
                serde_json::from_value(n.params).ok()?;
            let text = p.content_changes.into_iter().last()?.text;
            Some((p.text_document.uri, text))
        }
        _ => None,
    }
}

fn answer(
    with: &Compiler,
    documents: &HashMap<String, String>,
    recent: Option<&str>,
    req: Request,
) -> Response {
    let id = req.id.clone();
    let ok = |v: serde_json::Value| Response::new_ok(id.clone(), v);
    let text_of = |uri: &Uri| {
        documents
            .get(uri.as_str())
            .map(String::as_str)
            .unwrap_or("")
    };
    match req.method.as_str() {
        "textDocument/hover" => {
            let Ok(p) = serde_json::from_value::<lsp_types::HoverParams>(req.params) else {
                return ok(serde_json::Value::Null);
            };
            let text = text_of(&p.text_document_position_params.text_document.uri);
            let at = offset(text, p.text_document_position_params.position);
            match hover::hover(with, text, at) {
                Some(markdown) => ok(serde_json::to_value(Hover {
                    contents: HoverContents::Markup(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: markdown,
                    }),
                    range: None,
                })
                .unwrap_or_default()),
                None => ok(serde_json::Value::Null),
            }
        }
        "textDocument/completion" => {
            let Ok(p) = serde_json::from_value::<lsp_types::CompletionParams>(req.params) else {
                return ok(serde_json::Value::Null);
            };
            let text = text_of(&p.text_document_position.text_document.uri);
            let at = offset(text, p.text_document_position.position);
            ok(serde_json::to_value(complete::completions(with, text, at)).unwrap_or_default())
        }
        "textDocument/documentSymbol" => {
            let Ok(p) = serde_json::from_value::<lsp_types::DocumentSymbolParams>(req.params)
            else {
                return ok(serde_json::Value::Null);
            };
            ok(serde_json::to_value(symbols(text_of(&p.text_document.uri))).unwrap_or_default())
        }
        "textDocument/definition" => {
            let Ok(p) = serde_json::from_value::<lsp_types::GotoDefinitionParams>(req.params)
            else {
                return ok(serde_json::Value::Null);
            };
            let pos = p.text_document_position_params;
            let text = text_of(&pos.text_document.uri);
            match definition(text, offset(text, pos.position)) {
                Some(span) => ok(serde_json::to_value(lsp_types::Location::new(
                    pos.text_document.uri.clone(),
                    range(text, &span),
                ))
                .unwrap_or_default()),
                None => ok(serde_json::Value::Null),
            }
        }
        "textDocument/references" => {
            let Ok(p) = serde_json::from_value::<lsp_types::ReferenceParams>(req.params) else {
                return ok(serde_json::Value::Null);
            };
            let pos = p.text_document_position;
            let text = text_of(&pos.text_document.uri);
            let places = bus_places(text, offset(text, pos.position)).map_or(Vec::new(), |p| p.1);
            let locations: Vec<lsp_types::Location> = places
                .iter()
                .map(|span| {
                    lsp_types::Location::new(pos.text_document.uri.clone(), range(text, span))
                })
                .collect();
            ok(serde_json::to_value(locations).unwrap_or_default())
        }
        "textDocument/rename" => {
            let Ok(p) = serde_json::from_value::<lsp_types::RenameParams>(req.params) else {
                return ok(serde_json::Value::Null);
            };
            let pos = p.text_document_position;
            let text = text_of(&pos.text_document.uri);
            let new = p.new_name.trim_start_matches('~');
            let valid = new
                .chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && new.chars().all(|c| c.is_alphanumeric() || c == '_');
            if !valid {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::InvalidParams as i32,
                    format!(
                        "`{}` is no bus name: a letter, then letters, digits or _",
                        p.new_name
                    ),
                );
            }
            let Some((_, places)) = bus_places(text, offset(text, pos.position)) else {
                return ok(serde_json::Value::Null);
            };
            let edits: Vec<lsp_types::TextEdit> = places
                .iter()
                .map(|span| lsp_types::TextEdit::new(range(text, span), format!("~{new}")))
                .collect();
            #[allow(clippy::mutable_key_type)] // the protocol's own map, keyed by `Uri`
            let changes = HashMap::from([(pos.text_document.uri.clone(), edits)]);
            ok(serde_json::to_value(lsp_types::WorkspaceEdit::new(changes)).unwrap_or_default())
        }
        "textDocument/semanticTokens/full" => {
            let Ok(p) = serde_json::from_value::<lsp_types::SemanticTokensParams>(req.params)
            else {
                return ok(serde_json::Value::Null);
            };
            let data = tokens::semantic_tokens(text_of(&p.text_document.uri));
            ok(serde_json::to_value(lsp_types::SemanticTokens {
                result_id: None,
                data,
            })
            .unwrap_or_default())
        }
        "workspace/executeCommand" => {
            let Ok(p) = serde_json::from_value::<lsp_types::ExecuteCommandParams>(req.params)
            else {
                return ok(serde_json::Value::Null);
            };
            match commands::execute(&p.command, &p.arguments, recent, |uri| {
                documents.get(uri).map(String::as_str)
            }) {
                Ok(message) => ok(serde_json::Value::String(message)),
                Err(e) => Response::new_err(id, lsp_server::ErrorCode::RequestFailed as i32, e),
            }
        }
        _ => Response::new_err(
            id,
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("phonon lsp does not answer {}", req.method),
        ),
    }
}
