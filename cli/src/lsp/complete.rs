//! What completion offers where the cursor is: inside a string, the sound names after `s`,
//! the scale names after `scale` and the chord names after a `'`; after `#` (or an
//! operator such as `|+`), the per-event controls; elsewhere the built-ins and buses.

use super::text::{boundary, range};
use crate::audio::Compiler;
use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, TextEdit};
use phonon_compiler::ast::StatementKind;
use phonon_compiler::builtins::{self, BUILTINS};

/// Where the cursor at byte `at` is.
#[derive(Debug, PartialEq)]
enum Place<'a> {
    /// In a string literal after the word `function` (empty when none), completing the
    /// word that starts at `from`, `typed` so far.
    InString {
        function: &'a str,
        from: usize,
        typed: &'a str,
    },
    /// After `#` or another operator that combines patterns of controls (`|+`, `+|` ...).
    Control,
    Code,
}

fn place(text: &str, at: usize) -> Place<'_> {
    let at = boundary(text, at);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    if before.contains("--") {
        return Place::Code;
    }
    // An odd count of quotes before the cursor: it is in a string (closed or not yet).
    let quotes: Vec<usize> = before.match_indices('"').map(|(i, _)| i).collect();
    if quotes.len() % 2 == 1 {
        let open = quotes[quotes.len() - 1];
        let typed_from = before[open + 1..]
            .char_indices()
            .rev()
            .take_while(|(_, c)| phonon_compiler::mini::is_step_char(*c))
            .last()
            .map_or(before.len(), |(i, _)| open + 1 + i);
        let function = before[..open]
            .trim_end_matches([' ', '(', '$'])
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        return Place::InString {
            function,
            from: line_start + typed_from,
            typed: &before[typed_from..],
        };
    }
    // The text before the word being typed ends with `#` or a `|`-operator.
    let word_start = before
        .trim_end_matches(|c: char| c.is_alphanumeric() || c == '_')
        .trim_end();
    // `#`, or one of Tidal's operators on controls: `|+|`, `|+`, `+|`, `|<` ...
    let operator = word_start.rsplit(char::is_whitespace).next().unwrap_or("");
    if operator.ends_with('#')
        || (operator.len() > 1 && (operator.starts_with('|') || operator.ends_with('|')))
    {
        return Place::Control;
    }
    Place::Code
}

/// A completion that replaces `replace` (a byte range of `text`) with `label`.
fn replacing(
    text: &str,
    replace: std::ops::Range<usize>,
    label: &str,
    kind: CompletionItemKind,
    detail: Option<String>,
) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail,
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
            range(text, &replace),
            label.to_string(),
        ))),
        ..Default::default()
    }
}

/// What may be written at byte `at` of `text`.
pub fn completions(with: &Compiler, text: &str, at: usize) -> Vec<CompletionItem> {
    let at = boundary(text, at);
    match place(text, at) {
        Place::InString {
            function,
            from,
            typed,
        } => {
            // A chord's name follows its root and a `'`: `c4'ma` completes to `c4'major`.
            if let Some(q) = typed.rfind('\'') {
                let from = from + q + 1;
                return phonon_runtime::pattern::chords::names()
                    .map(|n| replacing(text, from..at, n, CompletionItemKind::ENUM_MEMBER, None))
                    .collect();
            }
            match function {
                "s" | "sound" => {
                    let known = phonon_sounds::catalogue(&with.library);
                    known
                        .names()
                        .map(|n| {
                            let detail = phonon_sounds::kit::lookup(n)
                                .map(|k| format!("the kit: {}", k.description));
                            replacing(text, from..at, n, CompletionItemKind::VALUE, detail)
                        })
                        .collect()
                }
                "scale" | "toScale" | "scaleList" => phonon_runtime::pattern::scales::SCALES
                    .iter()
                    .map(|(n, steps)| {
                        let detail = format!("{steps:?}");
                        replacing(
                            text,
                            from..at,
                            n,
                            CompletionItemKind::ENUM_MEMBER,
                            Some(detail),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            }
        }
        Place::Control => BUILTINS
            .iter()
            .filter(|b| builtins::dirt_control(b.name).is_some())
            .map(|b| builtin(b, CompletionItemKind::PROPERTY))
            .collect(),
        Place::Code => {
            let mut items: Vec<CompletionItem> = BUILTINS
                .iter()
                .map(|b| builtin(b, CompletionItemKind::FUNCTION))
                .collect();
            items.extend(buses(text));
            items
        }
    }
}

fn builtin(b: &builtins::Builtin, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        label: b.name.to_string(),
        kind: Some(kind),
        detail: Some(b.signature()),
        documentation: Some(Documentation::String(b.summary.to_string())),
        ..Default::default()
    }
}

/// The document's buses, each with the first line of its definition.
fn buses(text: &str) -> Vec<CompletionItem> {
    let fe = phonon_compiler::front_end(text);
    fe.checked
        .program
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Bus { name, .. } => Some(CompletionItem {
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
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> (String, usize) {
        let i = text.find('¦').unwrap();
        (text.replacen('¦', "", 1), i)
    }

    #[test]
    fn the_place_decides_what_is_offered() {
        let (t, i) = at("d1: s \"bd s¦");
        assert_eq!(
            place(&t, i),
            Place::InString {
                function: "s",
                from: 10,
                typed: "s"
            }
        );
        let (t, i) = at("d1: n (scale \"maj¦\" \"0 2\")");
        assert!(matches!(
            place(&t, i),
            Place::InString {
                function: "scale",
                typed: "maj",
                ..
            }
        ));
        let (t, i) = at("d1: n \"c4'ma¦j e\"");
        assert!(matches!(
            place(&t, i),
            Place::InString {
                function: "n",
                typed: "c4'ma",
                ..
            }
        ));
        let (t, i) = at("d1: s \"bd\" # ro¦");
        assert_eq!(place(&t, i), Place::Control);
        let (t, i) = at("d1: s \"bd\" |+ spe¦");
        assert_eq!(place(&t, i), Place::Control);
        let (t, i) = at("d1: fa¦");
        assert_eq!(place(&t, i), Place::Code);
        let (t, i) = at("-- s \"b¦");
        assert_eq!(place(&t, i), Place::Code);
    }
}
