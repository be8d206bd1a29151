//! Tokens of a `.ph` file (logos), plus the two context rules a regular lexer cannot express:
//! negative literals (`saw 55 -1`) and `name:` statement heads versus `:kw` arguments.

use crate::diagnostic::{Diagnostic, Span};
use logos::Logos;
use std::fmt;

#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(skip r"[ \t\r\f]+")]
pub enum Token {
    #[regex(r"\n")]
    Newline,
    #[regex(r"--[^\n]*", allow_greedy = true)]
    #[regex(r"//[^\n]*", allow_greedy = true)]
    Comment,

    #[regex(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", number)]
    #[regex(r"\.[0-9]+([eE][+-]?[0-9]+)?", number)]
    Number(f64),
    #[regex(r"[A-Za-z_][A-Za-z0-9_']*", |lex| lex.slice().to_string())]
    Ident(String),
    #[regex(r"~[A-Za-z_][A-Za-z0-9_']*", |lex| lex.slice()[1..].to_string())]
    Bus(String),
    #[regex(r":[A-Za-z_][A-Za-z0-9_']*", |lex| lex.slice()[1..].to_string())]
    Keyword(String),
    /// The text between the quotes; the span covers the quotes too.
    #[regex(r#""[^"\n]*""#, |lex| { let s = lex.slice(); s[1..s.len() - 1].to_string() })]
    Str(String),

    #[token(":")]
    Colon,
    #[token("#")]
    Hash,
    #[token("$")]
    Dollar,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    /// Tidal's `<~`: shift a pattern earlier.
    #[token("<~")]
    ShiftEarly,
    /// Tidal's `~>`: shift a pattern later.
    #[token("~>")]
    ShiftLate,
    /// Function composition, `fast 2 . rev` (a `.` that starts no number).
    #[token(".")]
    Dot,
    /// Tidal structure operators: `|+`, `+|`, `|+|`, `|<`, ... The string is the operator.
    #[regex(r"\|[-+*/%<>]\|?", |lex| lex.slice().to_string())]
    #[regex(r"[-+*/%<>]\|", |lex| lex.slice().to_string())]
    StructOp(String),
    /// A comparison, `<` `>` `<=` `>=` `==` `/=`: only in a section that tests time
    /// (`whenT (< 0.5)`).
    #[regex(r"<=|>=|==|/=|<|>", |lex| lex.slice().to_string())]
    Compare(String),

    /// A character that starts no token; kept so the parser can report it in place.
    Error(char),
}

fn number(lex: &mut logos::Lexer<Token>) -> Option<f64> {
    lex.slice().parse().ok()
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Token::Newline => write!(f, "end of line"),
            Token::Comment => write!(f, "comment"),
            Token::Number(n) => write!(f, "{n}"),
            Token::Ident(s) => write!(f, "{s}"),
            Token::Bus(s) => write!(f, "~{s}"),
            Token::Keyword(s) => write!(f, ":{s}"),
            Token::Str(s) => write!(f, "\"{s}\""),
            Token::Colon => write!(f, ":"),
            Token::Hash => write!(f, "#"),
            Token::Dollar => write!(f, "$"),
            Token::LParen => write!(f, "("),
            Token::RParen => write!(f, ")"),
            Token::LBracket => write!(f, "["),
            Token::RBracket => write!(f, "]"),
            Token::Comma => write!(f, ","),
            Token::Plus => write!(f, "+"),
            Token::Minus => write!(f, "-"),
            Token::Star => write!(f, "*"),
            Token::Slash => write!(f, "/"),
            Token::ShiftEarly => write!(f, "<~"),
            Token::ShiftLate => write!(f, "~>"),
            Token::Dot => write!(f, "."),
            Token::StructOp(s) | Token::Compare(s) => write!(f, "{s}"),
            Token::Error(c) => write!(f, "{c}"),
        }
    }
}

/// A token with its byte span in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexeme {
    pub token: Token,
    pub span: Span,
}

/// Lexes a whole file. Comments are dropped, newlines kept (the layout pass needs them).
/// Unknown characters and unterminated strings become diagnostics and `Token::Error`.
pub fn lex(src: &str) -> (Vec<Lexeme>, Vec<Diagnostic>) {
    let mut out: Vec<Lexeme> = Vec::new();
    let mut diags = Vec::new();
    let mut lexer = Token::lexer(src);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        match result {
            Ok(Token::Comment) => {}
            Ok(token) => out.push(Lexeme { token, span }),
            Err(()) => {
                let c = src[span.start..].chars().next().unwrap_or('?');
                if c == '"' {
                    // An unterminated string: report it once and skip to the end of the line,
                    // so the rest of the line is not misread as code.
                    let end = src[span.start..]
                        .find('\n')
                        .map_or(src.len(), |i| span.start + i);
                    diags.push(
                        Diagnostic::error(span.start..end, "unterminated string")
                            .with_label("this string has no closing `\"`")
                            .with_hint("close the mini-notation string with `\"`"),
                    );
                    out.push(Lexeme {
                        token: Token::Error('"'),
                        span: span.start..end,
                    });
                    lexer.bump(end - span.end);
                } else {
                    diags.push(
                        Diagnostic::error(span.clone(), format!("unexpected character `{c}`"))
                            .with_label("not part of the Phonon language")
                            .with_hint(
                                "comments start with `--` or `//`; patterns go inside \"...\"",
                            ),
                    );
                    out.push(Lexeme {
                        token: Token::Error(c),
                        span,
                    });
                }
            }
        }
    }
    merge_negative_literals(&mut out);
    split_statement_heads(&mut out);
    (out, diags)
}

/// `-` directly touching a number becomes a negative literal when it starts an operand:
/// after whitespace (`saw 55 -1`), an opening bracket, a comma, an operator, or at the start.
/// `a-1` and `a - 1` stay subtractions.
fn merge_negative_literals(tokens: &mut Vec<Lexeme>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let touches_number = tokens[i].token == Token::Minus
            && matches!(tokens[i + 1].token, Token::Number(_))
            && tokens[i].span.end == tokens[i + 1].span.start;
        if touches_number {
            let starts_operand = match i.checked_sub(1).map(|p| &tokens[p]) {
                None => true,
                Some(prev) => {
                    prev.span.end < tokens[i].span.start
                        || matches!(
                            prev.token,
                            Token::LParen
                                | Token::LBracket
                                | Token::Comma
                                | Token::Newline
                                | Token::Colon
                                | Token::Hash
                                | Token::Dollar
                                | Token::Plus
                                | Token::Minus
                                | Token::Star
                                | Token::Slash
                                | Token::ShiftEarly
                                | Token::ShiftLate
                                | Token::Dot
                                | Token::StructOp(_)
                                | Token::Keyword(_)
                        )
                }
            };
            if starts_operand {
                let Token::Number(n) = tokens[i + 1].token else {
                    unreachable!("checked above")
                };
                let span = tokens[i].span.start..tokens[i + 1].span.end;
                tokens[i] = Lexeme {
                    token: Token::Number(-n),
                    span,
                };
                tokens.remove(i + 1);
            }
        }
        i += 1;
    }
}

/// `out:sine 440` lexes as `out` `:sine`; a keyword glued to the first word of a line is really
/// the statement colon followed by an identifier.
fn split_statement_heads(tokens: &mut Vec<Lexeme>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let at_line_start = i == 0 || tokens[i - 1].token == Token::Newline;
        if at_line_start
            && matches!(tokens[i].token, Token::Ident(_) | Token::Bus(_))
            && tokens[i].span.end == tokens[i + 1].span.start
            && let Token::Keyword(name) = tokens[i + 1].token.clone()
        {
            let span = tokens[i + 1].span.clone();
            tokens[i + 1] = Lexeme {
                token: Token::Colon,
                span: span.start..span.start + 1,
            };
            tokens.insert(
                i + 2,
                Lexeme {
                    token: Token::Ident(name),
                    span: span.start + 1..span.end,
                },
            );
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Token> {
        let (t, d) = lex(src);
        assert!(d.is_empty(), "{d:?}");
        t.into_iter().map(|l| l.token).collect()
    }

    #[test]
    fn negative_literal_rules() {
        use Token::*;
        assert_eq!(
            toks("saw 55 -1"),
            vec![Ident("saw".into()), Number(55.0), Number(-1.0)]
        );
        assert_eq!(toks("a - 1"), vec![Ident("a".into()), Minus, Number(1.0)]);
        assert_eq!(toks("a-1"), vec![Ident("a".into()), Minus, Number(1.0)]);
        assert_eq!(
            toks("(-1, [-2"),
            vec![LParen, Number(-1.0), Comma, LBracket, Number(-2.0)]
        );
        assert_eq!(toks("-.5"), vec![Number(-0.5)]);
    }

    #[test]
    fn numbers_and_comments() {
        use Token::*;
        assert_eq!(
            toks("12 0.5 .5 1e-3 -- a comment\n// another"),
            vec![
                Number(12.0),
                Number(0.5),
                Number(0.5),
                Number(0.001),
                Newline
            ]
        );
    }

    #[test]
    fn hash_is_chain_not_comment() {
        use Token::*;
        assert_eq!(
            toks("a # gain 1"),
            vec![Ident("a".into()), Hash, Ident("gain".into()), Number(1.0)]
        );
    }

    #[test]
    fn structure_operators() {
        use Token::*;
        assert_eq!(
            toks("a |+| b +| c |< d"),
            vec![
                Ident("a".into()),
                StructOp("|+|".into()),
                Ident("b".into()),
                StructOp("+|".into()),
                Ident("c".into()),
                StructOp("|<".into()),
                Ident("d".into())
            ]
        );
    }

    #[test]
    fn statement_head_colon_glued_to_body() {
        use Token::*;
        assert_eq!(
            toks("out:sine 440"),
            vec![
                Ident("out".into()),
                Colon,
                Ident("sine".into()),
                Number(440.0)
            ]
        );
        assert_eq!(
            toks("out: lpf 1 :q 2"),
            vec![
                Ident("out".into()),
                Colon,
                Ident("lpf".into()),
                Number(1.0),
                Keyword("q".into()),
                Number(2.0)
            ]
        );
    }

    #[test]
    fn unterminated_string_is_reported_once() {
        let (_, d) = lex("out: s \"bd sn\nout2: s \"x\"");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].message, "unterminated string");
    }
}
