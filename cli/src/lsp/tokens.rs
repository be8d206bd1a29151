//! Semantic tokens: the words, numbers, rests and operators inside mini-notation strings,
//! so an editor colours a pattern's inside (the TextMate grammars colour the rest).

use lsp_types::{SemanticToken, SemanticTokenType, SemanticTokensLegend};
use phonon_compiler::mini::MiniToken;

/// The token types, in the order of their indices in the legend.
const TYPES: [SemanticTokenType; 4] = [
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
];

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

fn type_index(t: MiniToken) -> u32 {
    match t {
        MiniToken::Word => 0,
        MiniToken::Number => 1,
        MiniToken::Rest => 2,
        MiniToken::Operator => 3,
    }
}

/// The tokens of every string of `text`, relative to each other as the protocol encodes
/// them (lines, UTF-16 units).
pub fn semantic_tokens(text: &str) -> Vec<SemanticToken> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut out = Vec::new();
    let (mut last_line, mut last_start) = (0u32, 0u32);
    for literal in phonon_compiler::string_literals(text) {
        // The text between the quotes (an unclosed string runs to its line's end).
        let inner = literal.start + 1..literal.end.saturating_sub(1).max(literal.start + 1);
        let Some(inside) = text.get(inner.clone()) else {
            continue;
        };
        for (span, kind) in phonon_compiler::mini::tokens(inside, inner.start) {
            let line = line_starts.partition_point(|&s| s <= span.start) - 1;
            let start = text[line_starts[line]..span.start].encode_utf16().count() as u32;
            let length = text[span.clone()].encode_utf16().count() as u32;
            let line = line as u32;
            let delta_start = if line == last_line {
                start - last_start
            } else {
                start
            };
            out.push(SemanticToken {
                delta_line: line - last_line,
                delta_start,
                length,
                token_type: type_index(kind),
                token_modifiers_bitset: 0,
            });
            (last_line, last_start) = (line, start);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_relative_and_count_utf16_units() {
        let text = "d1: s \"bd*2 ~\" -- \"no\"\n~é: n \"0 c'maj\"\n";
        let t = semantic_tokens(text);
        let got: Vec<[u32; 4]> = t
            .iter()
            .map(|t| [t.delta_line, t.delta_start, t.length, t.token_type])
            .collect();
        assert_eq!(
            got,
            [
                [0, 7, 2, 0], // bd
                [0, 2, 1, 3], // *
                [0, 1, 1, 1], // 2
                [0, 2, 1, 2], // ~
                [1, 7, 1, 1], // 0 (after `~é: n "`, 7 units)
                [0, 2, 5, 0], // c'maj
            ]
        );
    }
}
