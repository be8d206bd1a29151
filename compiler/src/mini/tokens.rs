//! The words and operators of a mini-notation string, without parsing it: what an editor
//! colours (the language server's semantic tokens), also while the string is half typed.

use super::parser::OPERATOR_CHARS;
use crate::diagnostic::Span;

/// Characters a word may contain (krill's `step_char`, plus `'` for chords like `c4'maj`).
pub fn is_step_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '~' | '-' | '#' | '.' | '^' | '_' | '\'')
}

/// What a piece of a mini-notation string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiniToken {
    /// A sound, note, chord or other name.
    Word,
    Number,
    /// `~` or `-`.
    Rest,
    /// Brackets, `*`, `/`, `!`, `@`, `?`, `:`, `,`, `|`, `%`, `(`, `)`, and a lone `_` or `.`.
    Operator,
}

/// The tokens of the string literal's text `text`, whose first byte is at `offset` in the
/// file; whitespace and characters mini-notation does not know are left out.
pub fn tokens(text: &str, offset: usize) -> Vec<(Span, MiniToken)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if OPERATOR_CHARS.contains(c) {
            out.push((offset + i..offset + i + c.len_utf8(), MiniToken::Operator));
        } else if is_step_char(c) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if !is_step_char(d) {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            let word = &text[i..end];
            let kind = match word {
                "~" | "-" => MiniToken::Rest,
                "_" | "." | ".." => MiniToken::Operator,
                w if w.parse::<f64>().is_ok() => MiniToken::Number,
                _ => MiniToken::Word,
            };
            out.push((offset + i..offset + end, kind));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_numbers_rests_and_operators() {
        let text = "bd*2 [~ sn:3]@1.5 <c4'maj -0.5> _";
        let got: Vec<(&str, MiniToken)> = tokens(text, 10)
            .into_iter()
            .map(|(s, k)| (&text[s.start - 10..s.end - 10], k))
            .collect();
        use MiniToken::*;
        assert_eq!(
            got,
            [
                ("bd", Word),
                ("*", Operator),
                ("2", Number),
                ("[", Operator),
                ("~", Rest),
                ("sn", Word),
                (":", Operator),
                ("3", Number),
                ("]", Operator),
                ("@", Operator),
                ("1.5", Number),
                ("<", Operator),
                ("c4'maj", Word),
                ("-0.5", Number),
                (">", Operator),
                ("_", Operator),
            ]
        );
    }
}
