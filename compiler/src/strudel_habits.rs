//! Strudel written where Phonon expects Tidal: `note("c e g").s("piano").fast(2)` is a
//! JavaScript method chain, which Phonon's parser would read as a composition of odd calls
//! and report with errors that do not say what is wrong. This pass finds such chains in the
//! tokens (a name and `(` written together, then `.name(` after the `)`), reports one error
//! for the chain with the Tidal form as the hint, and the front end drops the other errors
//! inside it.

use crate::builtins::{self, Role};
use crate::diagnostic::{Diagnostic, Span};
use crate::lexer::{Lexeme, Token};

/// One call of a chain: the function's name and the source of its arguments.
struct Call<'a> {
    name: &'a str,
    args: Vec<&'a str>,
}

/// The diagnostics for every method chain in the tokens, each with its span.
pub fn method_chains(tokens: &[Lexeme], src: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match chain_at(tokens, i, src) {
            Some((calls, end)) if calls.len() >= 2 => {
                let span: Span = tokens[i].span.start..tokens[end - 1].span.end;
                out.push(
                    Diagnostic::error(
                        span,
                        "this is a Strudel (JavaScript) method chain; Phonon is written as Tidal",
                    )
                    .with_label("`f(x).g(y)`")
                    .with_hint(format!("write it as `{}`", tidal_form(&calls))),
                );
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// A call `name(args)` with the `(` written against the name, at token `i`: its name, the
/// source of each top-level argument, and the token after its `)`.
fn call_at<'a>(tokens: &[Lexeme], i: usize, src: &'a str) -> Option<(Call<'a>, usize)> {
    let (Some(Token::Ident(_)), Some(open)) = (tokens.get(i).map(|t| &t.token), tokens.get(i + 1))
    else {
        return None;
    };
    if open.token != Token::LParen || open.span.start != tokens[i].span.end {
        return None;
    }
    let mut depth = 0;
    let mut args = Vec::new();
    let mut arg_start = open.span.end;
    for (j, t) in tokens.iter().enumerate().skip(i + 1) {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => {
                depth -= 1;
                if depth == 0 {
                    let last = src[arg_start..t.span.start].trim();
                    if !last.is_empty() {
                        args.push(last);
                    }
                    let name = &src[tokens[i].span.clone()];
                    return Some((Call { name, args }, j + 1));
                }
            }
            Token::Comma if depth == 1 => {
                args.push(src[arg_start..t.span.start].trim());
                arg_start = t.span.end;
            }
            Token::Newline => return None,
            _ => {}
        }
    }
    None
}

/// The head of a chain at token `i`: a call `f(x)`, or a bare name or string (`sine.range(..)`,
/// `"c e".fast(2)`), as a call without arguments.
fn head_at<'a>(tokens: &[Lexeme], i: usize, src: &'a str) -> Option<(Call<'a>, usize)> {
    if let Some(call) = call_at(tokens, i, src) {
        return Some(call);
    }
    match tokens.get(i)?.token {
        Token::Ident(_) | Token::Str(_) => Some((
            Call {
                name: &src[tokens[i].span.clone()],
                args: Vec::new(),
            },
            i + 1,
        )),
        _ => None,
    }
}

/// `f(x).g(y)...` starting at token `i`: the calls and the token after the last `)`.
fn chain_at<'a>(tokens: &[Lexeme], i: usize, src: &'a str) -> Option<(Vec<Call<'a>>, usize)> {
    let (first, mut next) = head_at(tokens, i, src)?;
    let mut calls = vec![first];
    while let Some(dot) = tokens.get(next) {
        let joined = dot.token == Token::Dot && dot.span.start == tokens[next - 1].span.end;
        if !joined {
            break;
        }
        match call_at(tokens, next + 1, src) {
            Some((call, after)) => {
                calls.push(call);
                next = after;
            }
            None => break,
        }
    }
    Some((calls, next))
}

/// The Tidal form: the first call's pattern, per-event parameters and unknown names after
/// `#`, transforms in front with `$` (`fast 2 $ s "bd sn" # gain 0.8`).
fn tidal_form(calls: &[Call]) -> String {
    let applied = |c: &Call| {
        let args: Vec<String> = c.args.iter().map(|a| atom(a)).collect();
        if args.is_empty() {
            c.name.to_string()
        } else {
            format!("{} {}", c.name, args.join(" "))
        }
    };
    let mut front = Vec::new();
    let mut body = applied(&calls[0]);
    for c in &calls[1..] {
        let is_transform = builtins::lookup(c.name).is_some_and(|b| b.role == Role::Transform);
        if is_transform {
            front.insert(0, applied(c));
        } else {
            body = format!("{body} # {}", applied(c));
        }
    }
    front.push(body);
    front.join(" $ ")
}

/// An argument as a Tidal atom: a call or chain of its own in its Tidal form, a compound one in
/// parentheses, a single-quoted string in double quotes.
fn atom(a: &str) -> String {
    let a = a.trim();
    let (tokens, _) = crate::lexer::lex(a);
    if !tokens.is_empty()
        && let Some((calls, end)) = chain_at(&tokens, 0, a)
        && (calls.len() >= 2 || !calls[0].args.is_empty())
        && end == tokens.len()
    {
        return format!("({})", tidal_form(&calls));
    }
    if a.len() >= 2 && a.starts_with('\'') && a.ends_with('\'') {
        return format!("\"{}\"", &a[1..a.len() - 1]);
    }
    let simple =
        a.len() >= 2 && a.starts_with('"') && a.ends_with('"') && !a[1..a.len() - 1].contains('"')
            || a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if simple {
        a.to_string()
    } else {
        format!("({a})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    fn hints(src: &str) -> Vec<(String, Span)> {
        let (tokens, _) = lex(src);
        method_chains(&tokens, src)
            .into_iter()
            .map(|d| (d.hint.clone().unwrap_or_default(), d.span))
            .collect()
    }

    #[test]
    fn chains_get_the_tidal_form() {
        assert_eq!(
            hints("out: note(\"c e g\").s(\"piano\")"),
            [(
                "write it as `note \"c e g\" # s \"piano\"`".to_string(),
                5..29
            )]
        );
        assert_eq!(
            hints("out: s(\"bd sn\").fast(2).gain(0.8)")
                .first()
                .unwrap()
                .0,
            "write it as `fast 2 $ s \"bd sn\" # gain 0.8`"
        );
        assert_eq!(
            hints("out: n('0 2').every(4, rev).s('arpy')")
                .first()
                .unwrap()
                .0,
            "write it as `every 4 rev $ n \"0 2\" # s \"arpy\"`"
        );
        assert_eq!(
            hints("out: s(\"hh*8\").lpf(sine.range(200, 2000))")
                .first()
                .unwrap()
                .0,
            "write it as `s \"hh*8\" # lpf (range 200 2000 $ sine)`"
        );
    }

    #[test]
    fn a_string_or_a_bare_name_can_start_a_chain() {
        assert_eq!(
            hints("out: \"c e g\".fast(2)").first().unwrap().0,
            "write it as `fast 2 $ \"c e g\"`"
        );
    }

    #[test]
    fn tidal_code_is_left_alone() {
        for src in [
            "out: note \"c e g\" # s \"piano\"",
            "out: every 2 (fast 2 . rev) $ s \"bd sn\"",
            "out: lpf (800) (saw 55)",
            "out: jux (hurry 2 . (# speed 2)) $ s \"bd\"",
        ] {
            assert!(hints(src).is_empty(), "{src}");
        }
    }
}
