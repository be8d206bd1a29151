//! `phonon lsp`: a language server on stdin/stdout (JSON-RPC, lsp-server), so any editor
//! that speaks the Language Server Protocol gets Phonon's diagnostics as you type, hovers,
//! completion and an outline.
//!
//! - Diagnostics: every error and warning of the real compiler (front end and lowering,
//!   with the sample library's sound names), with its range and hint. They are computed on a
//!   thread of their own from the newest text of each document: typing never waits for a
//!   compile, and a version overtaken by another before its turn is skipped.
//! - Hover: a mini-notation string's first cycle of events; a built-in's signature, summary
//!   and example; a bus's definition.
//! - Completion: the built-ins with their signatures, and the document's buses.
//! - Document symbols: the outputs, buses and functions.
//! - Go to a bus's definition, find where it is used, rename it everywhere.

use crate::audio::Compiler;
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionOptions, Diagnostic, DiagnosticSeverity,
    DocumentSymbol, Hover, HoverContents, HoverProviderCapability, MarkupContent, MarkupKind,
    OneOf, Position, PublishDiagnosticsParams, Range, ServerCapabilities, SymbolKind,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use phonon_compiler::ast::StatementKind;
use phonon_compiler::builtins::BUILTINS;
use std::collections::HashMap;
use std::sync::mpsc;

/// The largest character boundary of `text` at or before byte `at`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A byte offset of `text` as an LSP position (line, UTF-16 code units).
pub fn position(text: &str, offset: usize) -> Position {
    let before = &text[..boundary(text, offset)];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].encode_utf16().count();
    Position::new(line as u32, character as u32)
}

/// An LSP position as a byte offset of `text`.
pub fn offset(text: &str, p: Position) -> usize {
    let mut at = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == p.line as usize {
            let mut units = 0;
            for (b, c) in line.char_indices() {
                if units >= p.character as usize {
                    return at + b;
                }
                units += c.len_utf16();
            }
            return at + line.trim_end_matches('\n').len();
        }
        at += line.len();
    }
    text.len()
}

fn range(text: &str, span: &std::ops::Range<usize>) -> Range {
    Range::new(
        position(text, span.start),
        position(text, span.end.max(span.start)),
    )
}

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

/// The word (a name, with a leading `~`) at byte `at`.
fn word_at(text: &str, at: usize) -> Option<(usize, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '~' || c == '\'';
    let at = boundary(text, at);
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| at + i);
    (start < end).then(|| (start, &text[start..end]))
}

/// The string literal (`"..."`, quotes included) around byte `at`, on its line.
fn string_at(text: &str, at: usize) -> Option<&str> {
    let at = boundary(text, at);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    // Quotes pair up from the line's start (a comment's quotes after `--` do not count).
    let code = line.find("--").map_or(line, |c| &line[..c]);
    let quotes: Vec<usize> = code
        .match_indices('"')
        .map(|(i, _)| line_start + i)
        .collect();
    quotes
        .chunks_exact(2)
        .find(|q| q[0] <= at && at <= q[1])
        .map(|q| &text[q[0]..=q[1]])
}

/// The first cycle of a mini-notation string, as its events: `0–1/4 bd`, ...
fn first_cycle(string: &str) -> Option<String> {
    let pattern = phonon_compiler::query::query_expression(string).ok()?;
    let mut haps: Vec<_> = pattern
        .query_span(
            phonon_runtime::Rational::ZERO,
            phonon_runtime::Rational::int(1),
        )
        .into_iter()
        .filter(|h| h.has_onset())
        .collect();
    haps.sort_by_key(|h| h.whole.map(|w| w.begin));
    let lines: Vec<String> = haps
        .iter()
        .take(32)
        .map(|h| {
            let w = h.whole.expect("onsets have wholes");
            format!("{}–{}  {}", w.begin, w.end, h.value.to_json())
        })
        .collect();
    let more = haps.len().saturating_sub(32);
    Some(format!(
        "{string}: {} event{} in the first cycle\n```\n{}{}\n```",
        haps.len(),
        if haps.len() == 1 { "" } else { "s" },
        lines.join("\n"),
        if more > 0 {
            format!("\n… {more} more")
        } else {
            String::new()
        }
    ))
}

/// The hover text at byte `at`: a mini-notation string's first cycle, a built-in's
/// signature, summary and example, or a bus's definition.
pub fn hover(text: &str, at: usize) -> Option<String> {
    if let Some(string) = string_at(text, at) {
        return first_cycle(string);
    }
    let (_, word) = word_at(text, at)?;
    if let Some(bus) = word.strip_prefix('~') {
        let fe = phonon_compiler::front_end(text);
        return fe
            .checked
            .program
            .statements
            .iter()
            .find_map(|s| match &s.kind {
                StatementKind::Bus { name, .. } | StatementKind::Function { name, .. }
                    if name.text == bus =>
                {
                    Some(format!(
                        "```phonon\n{}\n```",
                        text[s.span.clone()].trim_end()
                    ))
                }
                _ => None,
            });
    }
    let b = phonon_compiler::builtins::lookup(word)?;
    Some(format!(
        "```phonon\n{}\n```\n{}\n\nExample: `{}`",
        b.signature(),
        b.summary,
        b.example
    ))
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

/// What may be written at byte `at`: the built-ins and the document's buses.
pub fn completions(text: &str) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = BUILTINS
        .iter()
        .map(|b| CompletionItem {
            label: b.name.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(b.signature()),
            documentation: Some(lsp_types::Documentation::String(b.summary.to_string())),
            ..Default::default()
        })
        .collect();
    let fe = phonon_compiler::front_end(text);
    for s in &fe.checked.program.statements {
        if let StatementKind::Bus { name, .. } = &s.kind {
            items.push(CompletionItem {
                label: format!("~{}", name.text),
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some(
                    text[s.span.clone()]
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string(),
                ),
                ..Default::default()
            });
        }
    }
    items
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
            trigger_characters: Some(vec!["~".into(), "#".into(), " ".into()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn serve(with: Compiler) -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
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
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| e.to_string())?
                {
                    break;
                }
                let response = answer(&documents, req);
                let _ = connection.sender.send(Message::Response(response));
            }
            Message::Notification(n) => {
                if let Some((uri, text)) = changed(n) {
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

fn answer(documents: &HashMap<String, String>, req: Request) -> Response {
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
            match hover(text, at) {
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
            ok(serde_json::to_value(completions(text)).unwrap_or_default())
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
        _ => Response::new_err(
            id,
            lsp_server::ErrorCode::MethodNotFound as i32,
            format!("phonon lsp does not answer {}", req.method),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "a\n~é𝄞: sine 4\n";
        // `s` of `sine` is byte 11: line 1, after `~é𝄞: ` = 1 + 1 + 2 + 2 units.
        let s = text.find("sine").unwrap();
        assert_eq!(position(text, s), Position::new(1, 6));
        assert_eq!(offset(text, Position::new(1, 6)), s);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
    }
}
