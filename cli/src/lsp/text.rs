//! Places in a document: byte offsets and the protocol's positions (lines and UTF-16
//! units), and the name or string literal at an offset.

use lsp_types::{Position, Range};

/// The largest character boundary of `text` at or before byte `at`.
pub fn boundary(text: &str, at: usize) -> usize {
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

pub fn range(text: &str, span: &std::ops::Range<usize>) -> Range {
    Range::new(
        position(text, span.start),
        position(text, span.end.max(span.start)),
    )
}

/// The run of characters that `is_part` accepts around byte `at` (a boundary) of `text`:
/// where it starts, and the run (`None` when empty).
fn run_at(text: &str, at: usize, is_part: impl Fn(char) -> bool) -> Option<(usize, &str)> {
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_part(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_part(*c))
        .map_or(text.len(), |(i, _)| at + i);
    (start < end).then(|| (start, &text[start..end]))
}

/// The word (a name, with a leading `~`) at byte `at`.
pub fn word_at(text: &str, at: usize) -> Option<(usize, &str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '~' || c == '\'';
    run_at(text, boundary(text, at), is_word)
}

/// The string literal (`"..."`, quotes included) around byte `at`, on its line, and where
/// it starts.
pub fn string_at(text: &str, at: usize) -> Option<(usize, &str)> {
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
        .map(|q| (q[0], &text[q[0]..=q[1]]))
}

/// The mini-notation word (a sound, note or chord name, a number) at byte `at` of the
/// string literal that starts at `start`, and where it starts.
pub fn step_word_at<'a>(
    text: &str,
    start: usize,
    literal: &'a str,
    at: usize,
) -> Option<(usize, &'a str)> {
    let inner = &literal[1..literal.len() - 1];
    let at = boundary(text, at).checked_sub(start + 1)?.min(inner.len());
    let (from, word) = run_at(inner, at, phonon_compiler::mini::is_step_char)?;
    Some((start + 1 + from, word))
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
