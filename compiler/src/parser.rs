//! Statements and expressions. The file is first cut into statements by layout (a statement
//! starts at column 0; indented lines and lines inside open brackets continue it), so one bad
//! statement never hides the errors of the others. Each statement's head (`out:`, `~bus:`,
//! `tempo:`, `hush`) is matched directly; its body is parsed by a chumsky expression parser.

use crate::ast::{
    Arg, BinOp, Expr, ExprKind, Name, OutputName, Playback, Program, SectionOp, Statement,
    StatementKind, TempoUnit,
};
use crate::diagnostic::{Diagnostic, Span};
use crate::lexer::{Lexeme, Token};
use crate::suggest::did_you_mean;
use chumsky::input::{Stream, ValueInput};
use chumsky::prelude::*;

/// Parses a token stream (from `lexer::lex`). Returns the statements that parsed and a
/// diagnostic for every statement that did not.
pub fn parse_program(tokens: &[Lexeme], src: &str) -> (Program, Vec<Diagnostic>) {
    let mut statements = Vec::new();
    let mut diags = Vec::new();
    for group in split_statements(tokens, src) {
        let first = &group[0].span;
        let at_col0 = first.start == 0 || src.as_bytes()[first.start - 1] == b'\n';
        if !at_col0 {
            diags.push(
                Diagnostic::error(first.clone(), "this line is not a statement")
                    .with_label("indented, but there is no statement before it to continue")
                    .with_hint(STATEMENT_HINT),
            );
            continue;
        }
        match parse_statement(&group, src) {
            Ok(s) => statements.push(s),
            Err(mut d) => diags.append(&mut d),
        }
    }
    (Program { statements }, diags)
}

/// Cuts the tokens into statements. A token at column 0 starts a statement when no bracket is
/// open, or when it looks like a statement head (`name:`), so an unclosed bracket does not
/// swallow the rest of the file.
fn split_statements(tokens: &[Lexeme], src: &str) -> Vec<Vec<Lexeme>> {
    let mut groups = Vec::new();
    let mut start: Option<usize> = None;
    let mut depth: i32 = 0;
    let mut prev_was_newline = true;
    for (i, lexeme) in tokens.iter().enumerate() {
        if lexeme.token == Token::Newline {
            prev_was_newline = true;
            continue;
        }
        let at_col0 = prev_was_newline
            && (lexeme.span.start == 0 || src.as_bytes()[lexeme.span.start - 1] == b'\n');
        prev_was_newline = false;
        if at_col0 && (depth <= 0 || looks_like_head(tokens, i)) {
            if let Some(s) = start {
                groups.push(s..i);
            }
            start = Some(i);
            depth = 0;
        } else if start.is_none() {
            // An indented first line: it continues nothing, report it as its own statement.
            start = Some(i);
        }
        match lexeme.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            _ => {}
        }
    }
    if let Some(s) = start {
        groups.push(s..tokens.len());
    }
    groups
        .into_iter()
        .map(|r| {
            // Newlines inside a statement mean nothing more.
            tokens[r]
                .iter()
                .filter(|l| l.token != Token::Newline)
                .cloned()
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect()
}

fn looks_like_head(tokens: &[Lexeme], i: usize) -> bool {
    let next = tokens.get(i + 1).map(|l| &l.token);
    match &tokens[i].token {
        Token::Bus(_) => matches!(next, Some(Token::Colon | Token::Dollar)),
        Token::Ident(name) => {
            COMMANDS.contains(&name.as_str())
                || matches!(next, Some(Token::Colon | Token::Dollar)) && !name.is_empty()
        }
        _ => false,
    }
}

/// `out` → main, `o3`/`out3`/`d3` → 3. Zero is not an output number.
pub fn output_name(name: &str) -> Option<OutputName> {
    if name == "out" {
        return Some(OutputName::Main);
    }
    let digits = name
        .strip_prefix("out")
        .or_else(|| name.strip_prefix('o'))
        .or_else(|| name.strip_prefix('d'))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.parse::<u32>() {
        Ok(n) if n >= 1 => Some(OutputName::Numbered(n)),
        _ => None,
    }
}

const STATEMENT_HINT: &str = "a statement starts at column 0 with `out:`, `o1:`, `~name:`, `tempo:`, `bpm:`, `once:` or a command (`hush`, `mute o1`, `solo o1`, `resetCycles`, `xfadeIn o1 4`, `setcps 0.5`); indent a line to continue the previous statement";

/// The statements that start with a word and no colon.
const COMMANDS: [&str; 9] = [
    "hush",
    "mute",
    "unmute",
    "solo",
    "unsolo",
    "resetCycles",
    "xfadeIn",
    "xfade",
    "setcps",
];

/// The output names after a playback command (`mute o1 d2`, `xfadeIn o1 4`): each must name
/// an output.
fn output_targets(command: &str, tokens: &[Lexeme]) -> Result<Vec<Name>, Vec<Diagnostic>> {
    let hint = format!("e.g. `{command} o1 d2`: outputs by name (`out`, `o1`, `d2`, `out3`)");
    let mut names = Vec::new();
    for l in tokens {
        match &l.token {
            Token::Ident(t) if output_name(t).is_some() => names.push(Name {
                text: t.clone(),
                span: l.span.clone(),
            }),
            other => {
                return Err(vec![
                    Diagnostic::error(l.span.clone(), format!("`{command}` takes output names"))
                        .with_label(format!("`{other}` is not an output name"))
                        .with_hint(hint),
                ]);
            }
        }
    }
    Ok(names)
}

/// `command` followed by nothing more.
fn alone(command: &str, tokens: &[Lexeme], span: &Span) -> Result<(), Vec<Diagnostic>> {
    match tokens.get(1) {
        Some(extra) => Err(vec![
            Diagnostic::error(
                extra.span.start..span.end,
                format!("`{command}` takes no arguments"),
            )
            .with_hint(format!("write `{command}` alone on its line")),
        ]),
        None => Ok(()),
    }
}

fn parse_statement(tokens: &[Lexeme], src: &str) -> Result<Statement, Vec<Diagnostic>> {
    let src_len = src.len();
    let first = &tokens[0];
    let span = first.span.start..tokens[tokens.len() - 1].span.end;
    let name = |text: &str| Name {
        text: text.to_string(),
        span: first.span.clone(),
    };
    let separator = tokens.get(1).map(|l| &l.token);
    let body = || parse_body(&tokens[2..], tokens[1].span.end, src_len);
    let kind = match &first.token {
        Token::Ident(word) if word == "hush" => {
            alone(word, tokens, &span)?;
            StatementKind::Hush
        }
        Token::Ident(word) if word == "resetCycles" => {
            alone(word, tokens, &span)?;
            StatementKind::ResetCycles
        }
        Token::Ident(word) if Playback::from_word(word).is_some() => {
            let targets = output_targets(word, &tokens[1..])?;
            if targets.is_empty() {
                return Err(vec![
                    Diagnostic::error(first.span.clone(), format!("`{word}` of which output?"))
                        .with_hint(format!("name the outputs: `{word} o1 d2`")),
                ]);
            }
            StatementKind::Playback {
                action: Playback::from_word(word).expect("checked by the guard"),
                targets,
            }
        }
        Token::Ident(word) if word == "xfadeIn" || word == "xfade" => {
            let target = match tokens.get(1) {
                Some(l) => output_targets(word, std::slice::from_ref(l))?.remove(0),
                None => {
                    return Err(vec![
                        Diagnostic::error(first.span.clone(), format!("`{word}` of which output?"))
                            .with_hint(
                                "e.g. `xfadeIn o1 8`: o1 crossfades over 8 cycles when it changes",
                            ),
                    ]);
                }
            };
            let cycles = if word == "xfade" {
                alone(word, &tokens[1..], &span)?;
                None
            } else if tokens.len() < 3 {
                return Err(vec![
                    Diagnostic::error(
                        tokens[1].span.end..tokens[1].span.end,
                        "`xfadeIn` needs a length in cycles",
                    )
                    .with_hint(format!(
                        "e.g. `xfadeIn {} 8`; `xfade {}` is 4 cycles",
                        target.text, target.text
                    )),
                ]);
            } else {
                Some(parse_body(&tokens[2..], tokens[1].span.end, src_len)?)
            };
            StatementKind::Xfade { target, cycles }
        }
        Token::Ident(word) if word == "setcps" => {
            if tokens.len() < 2 {
                return Err(vec![
                    Diagnostic::error(first.span.clone(), "`setcps` needs a tempo")
                        .with_hint("e.g. `setcps (130/60/4)`: cycles per second"),
                ]);
            }
            StatementKind::Tempo {
                unit: TempoUnit::Cps,
                value: parse_body(&tokens[1..], first.span.end, src_len)?,
            }
        }
        Token::Ident(word) if word == "once" || word == "first" => {
            if !matches!(separator, Some(Token::Colon | Token::Dollar)) {
                return Err(vec![expected_separator(tokens, word, ": or $")]);
            }
            let line = src[..first.span.start].matches('\n').count() as u32 + 1;
            StatementKind::Output {
                target: OutputName::Once {
                    first: word == "first",
                    line,
                },
                name: name(word),
                body: body()?,
            }
        }
        Token::Ident(word) if matches!(word.as_str(), "tempo" | "cps" | "bpm") => {
            if separator != Some(&Token::Colon) {
                return Err(vec![expected_separator(tokens, word, ":")]);
            }
            let unit = if word == "bpm" {
                TempoUnit::Bpm
            } else {
                TempoUnit::Cps
            };
            StatementKind::Tempo {
                unit,
                value: body()?,
            }
        }
        Token::Ident(word) if output_name(word).is_some() => {
            if !matches!(separator, Some(Token::Colon | Token::Dollar)) {
                return Err(vec![expected_separator(tokens, word, ": or $")]);
            }
            StatementKind::Output {
                target: output_name(word).expect("checked by the guard"),
                name: name(word),
                body: body()?,
            }
        }
        Token::Bus(bus) if matches!(separator, Some(Token::Ident(_))) => {
            // `~name p1 p2: body`: a function. Its parameters are names up to the `:`.
            let count = tokens[1..]
                .iter()
                .take_while(|l| matches!(l.token, Token::Ident(_)))
                .count();
            let at = 1 + count;
            if !matches!(
                tokens.get(at).map(|l| &l.token),
                Some(Token::Colon | Token::Dollar)
            ) {
                let where_ = tokens
                    .get(at)
                    .map_or(tokens[at - 1].span.end..tokens[at - 1].span.end, |l| {
                        l.span.clone()
                    });
                return Err(vec![
                    Diagnostic::error(where_, format!("expected `:` after `~{bus}` and its parameters"))
                        .with_label("a parameter is a plain name")
                        .with_hint(format!(
                            "a bus is `~{bus}: expr`; a function names its parameters before the colon: `~{bus} amount pat: fast amount pat`"
                        )),
                ]);
            }
            let params = tokens[1..at]
                .iter()
                .map(|l| Name {
                    text: match &l.token {
                        Token::Ident(t) => t.clone(),
                        _ => unreachable!("taken while names"),
                    },
                    span: l.span.clone(),
                })
                .collect();
            StatementKind::Function {
                name: Name {
                    text: bus.clone(),
                    span: first.span.clone(),
                },
                params,
                body: parse_body(&tokens[at + 1..], tokens[at].span.end, src_len)?,
            }
        }
        Token::Bus(bus) => {
            if !matches!(separator, Some(Token::Colon | Token::Dollar)) {
                return Err(vec![expected_separator(
                    tokens,
                    &format!("~{bus}"),
                    ": or $",
                )]);
            }
            StatementKind::Bus {
                name: Name {
                    text: bus.clone(),
                    span: first.span.clone(),
                },
                body: body()?,
            }
        }
        Token::Ident(word) if separator == Some(&Token::Colon) => {
            let mut d =
                Diagnostic::error(first.span.clone(), format!("unknown statement `{word}:`"))
                    .with_label("not an output, bus or setting");
            let heads = ["out", "o1", "d1", "tempo", "cps", "bpm", "once", "first"];
            d = match did_you_mean(word, heads.iter().copied()) {
                Some(s) => d.with_hint(format!(
                    "did you mean `{s}:`? A bus is written with a tilde: `~{word}:`"
                )),
                None => d.with_hint(format!(
                    "a bus is written with a tilde: `~{word}:`; outputs are `out:`, `o1:`, `d1:`"
                )),
            };
            return Err(vec![d]);
        }
        _ => {
            return Err(vec![
                Diagnostic::error(first.span.clone(), "this line is not a statement")
                    .with_label(format!("`{}` cannot start a statement", first.token))
                    .with_hint(STATEMENT_HINT),
            ]);
        }
    };
    Ok(Statement { kind, span })
}

fn expected_separator(tokens: &[Lexeme], head: &str, what: &str) -> Diagnostic {
    let at = tokens
        .get(1)
        .map_or(tokens[0].span.end..tokens[0].span.end, |l| l.span.clone());
    Diagnostic::error(at, format!("expected `{what}` after `{head}`"))
        .with_label(format!("`{head}` must be followed by `{what}`"))
        .with_hint(format!("write `{head}: ...`"))
}

/// Limits that keep every later pass (recursive by nature) far from the end of the stack.
/// Real programs stay an order of magnitude below them.
pub const MAX_STATEMENT_TOKENS: usize = 4096;
pub const MAX_NESTING: usize = 100;
pub const MAX_EXPR_DEPTH: usize = 200;

fn too_complex(span: Span, what: String) -> Diagnostic {
    Diagnostic::error(span, what)
        .with_label("too complex")
        .with_hint("split it into buses: `~part: ...`, then use `~part`")
}

/// Rejects statements that are too long or nest brackets or minus signs too deeply.
fn check_limits(tokens: &[Lexeme]) -> Result<(), Diagnostic> {
    if tokens.len() > MAX_STATEMENT_TOKENS {
        let span = tokens[0].span.start..tokens[tokens.len() - 1].span.end;
        return Err(too_complex(
            span,
            format!(
                "this statement has {} tokens; the limit is {MAX_STATEMENT_TOKENS}",
                tokens.len()
            ),
        ));
    }
    let mut depth = 0usize;
    let mut minus_run = 0usize;
    for l in tokens {
        match l.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        minus_run = if l.token == Token::Minus {
            minus_run + 1
        } else {
            0
        };
        if depth > MAX_NESTING || minus_run > MAX_NESTING {
            return Err(too_complex(
                l.span.clone(),
                format!("nested more than {MAX_NESTING} levels deep"),
            ));
        }
    }
    Ok(())
}

/// The depth of an expression tree, computed without recursion (the tree may be deep).
fn expr_depth(root: &Expr) -> usize {
    let mut deepest = 0;
    let mut stack: Vec<(&Expr, usize)> = vec![(root, 1)];
    while let Some((e, d)) = stack.pop() {
        deepest = deepest.max(d);
        let mut children: Vec<&Expr> = Vec::new();
        let mut push = |child| children.push(child);
        match &e.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) | ExprKind::Ident(_) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                items.iter().for_each(&mut push)
            }
            ExprKind::App { func, args } => {
                push(func);
                args.iter().map(Arg::value).for_each(push);
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                push(lhs);
                push(rhs);
            }
            ExprKind::Neg(inner) | ExprKind::Section { operand: inner, .. } => push(inner),
        }
        stack.extend(children.into_iter().map(|c| (c, d + 1)));
    }
    deepest
}

fn parse_body(tokens: &[Lexeme], after: usize, src_len: usize) -> Result<Expr, Vec<Diagnostic>> {
    check_limits(tokens).map_err(|d| vec![d])?;
    if tokens.is_empty() {
        return Err(vec![
            Diagnostic::error(after..after, "missing expression")
                .with_label("nothing after the `:`")
                .with_hint("give the statement a value, e.g. `out: s \"bd sn\"`"),
        ]);
    }
    let eoi: SimpleSpan = (src_len..src_len).into();
    let stream = Stream::from_iter(
        tokens
            .iter()
            .map(|l| (l.token.clone(), SimpleSpan::from(l.span.clone())))
            .collect::<Vec<_>>(),
    )
    .map(eoi, |(t, s): (_, _)| (t, s));
    let expr = expr_parser()
        .then_ignore(end())
        .parse(stream)
        .into_result()
        .map_err(|errors| {
            errors
                .into_iter()
                .take(1)
                .map(|e| syntax_error(&e, tokens))
                .collect::<Vec<_>>()
        })?;
    let depth = expr_depth(&expr);
    if depth > MAX_EXPR_DEPTH {
        return Err(vec![too_complex(
            expr.span.clone(),
            format!("this expression is {depth} levels deep; the limit is {MAX_EXPR_DEPTH}"),
        )]);
    }
    Ok(expr)
}

fn syntax_error(e: &Rich<'_, Token>, tokens: &[Lexeme]) -> Diagnostic {
    let span: Span = e.span().into_range();
    // The grammar's own errors carry "message: hint".
    if let chumsky::error::RichReason::Custom(text) = e.reason() {
        let (message, hint) = text.split_once(": ").unwrap_or((text.as_str(), ""));
        return Diagnostic::error(span, message.to_string())
            .with_label("parenthesise this")
            .with_hint(hint.to_string());
    }
    let expected: Vec<String> = e
        .expected()
        .map(|p| p.to_string())
        .filter(|s| s != "end of input")
        .collect();
    let expected_text = if expected.is_empty() {
        String::new()
    } else {
        format!("; expected {}", expected.join(" or "))
    };
    match e.found() {
        None => Diagnostic::error(span, "the expression ends too early")
            .with_label("something is missing here")
            .with_hint(format!("the statement is incomplete{expected_text}")),
        Some(Token::Error(c)) => Diagnostic::error(span, format!("unexpected character `{c}`"))
            .with_label("not part of the Phonon language"),
        Some(Token::Colon) => Diagnostic::error(span, "unexpected `:`")
            .with_label("`:` only follows a statement name")
            .with_hint("keyword arguments touch their name: `:mix 0.3`"),
        Some(Token::RParen | Token::RBracket) => {
            Diagnostic::error(span, format!("unexpected `{}`", e.found().unwrap()))
                .with_label("this closes nothing that is open")
        }
        Some(found) => {
            let unclosed = unclosed_bracket(tokens);
            let d = Diagnostic::error(span, format!("unexpected `{found}`"))
                .with_label(format!("`{found}` cannot appear here"));
            match unclosed {
                Some(open) => d.with_hint(format!("`{open}` is never closed")),
                None => d.with_hint(format!("check the expression around here{expected_text}")),
            }
        }
    }
}

fn unclosed_bracket(tokens: &[Lexeme]) -> Option<Token> {
    let mut stack = Vec::new();
    for l in tokens {
        match l.token {
            Token::LParen | Token::LBracket => stack.push(l.token.clone()),
            Token::RParen | Token::RBracket => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

type Extra<'t> = extra::Err<Rich<'t, Token>>;

fn spanned(kind: ExprKind, span: SimpleSpan) -> Expr {
    Expr::new(kind, span.into_range())
}

/// The expression grammar, Tidal's (Haskell's) fixities, lowest precedence first: the `$`
/// chain (right-associative: `f $ g $ p`, and Phonon's suffix form `p $ f $ g`), `+ -`
/// (level 6), `* /` (7), then at level 9 the left-associative pattern operators `#`, the
/// `|+|` family, `|<` `|>`, `<~` `~>`, and the right-associative `.` (mixing the two kinds
/// without parentheses is an error, as in GHC), unary `-`, application by juxtaposition,
/// atoms. `a <~ p` is `early a p`, `a ~> p` is `late a p`; `f . g` is the chain `f $ g`.
fn expr_parser<'t, I>() -> impl Parser<'t, I, Expr, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    recursive(|expr| {
        let literal = select! {
            Token::Number(n) => ExprKind::Number(n),
            Token::Str(s) => ExprKind::Str { text: s, pattern: None },
            Token::Bus(b) => ExprKind::Bus(b),
            Token::Ident(i) => ExprKind::Ident(i),
        }
        .labelled("a value");
        let list = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<Expr>>()
            .delimited_by(just(Token::LBracket), just(Token::RBracket))
            .map(ExprKind::List);
        // `(a)`, `(a, b)` (kept to report call syntax), and `(0.25 <~)`, `("<0 0.25>" ~>)`: a
        // shift waiting for its pattern (`early 0.25`). One rule, so a nested `(` is parsed
        // once, not once per reading.
        let shift = select! {
            Token::ShiftEarly => "early",
            Token::ShiftLate => "late",
        }
        .map_with(|name, e| {
            let span: SimpleSpan = e.span();
            Expr::new(ExprKind::Ident(name.to_string()), span.into_range())
        });
        let paren = expr
            .clone()
            .separated_by(just(Token::Comma))
            .at_least(1)
            .collect::<Vec<Expr>>()
            .then(shift.or_not())
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map(|(mut items, shift)| match shift {
                Some(func) if items.len() == 1 => Err(ExprKind::App {
                    func: Box::new(func),
                    args: vec![Arg::Positional(items.pop().expect("one item"))],
                }),
                // `(a, b <~)`: the tuple is reported as call syntax.
                _ if items.len() == 1 => Ok(items.pop().expect("one item")),
                _ => Err(ExprKind::Tuple(items)),
            });
        // `(# speed 2)`, `(|+ n 12)`. `-` is left out: `(-1)` and `(- x)` are negations.
        let section_op = select! {
            Token::Hash => SectionOp::Chain,
            Token::Plus => SectionOp::Binary(BinOp::from_text("+").expect("valid")),
            Token::Star => SectionOp::Binary(BinOp::from_text("*").expect("valid")),
            Token::Slash => SectionOp::Binary(BinOp::from_text("/").expect("valid")),
            Token::StructOp(s) => SectionOp::Binary(BinOp::from_text(&s).expect("lexed")),
            Token::Compare(s) => SectionOp::Compare(crate::ast::Cmp::from_text(&s).expect("lexed")),
        };
        let section = section_op
            .then(expr.clone())
            .delimited_by(just(Token::LParen), just(Token::RParen))
            .map(|(op, operand)| ExprKind::Section {
                op,
                operand: Box::new(operand),
            });
        let atom = choice((
            literal.map_with(|k, e| spanned(k, e.span())),
            section.map_with(|k, e| spanned(k, e.span())),
            list.map_with(|k, e| spanned(k, e.span())),
            paren.map_with(|r, e| match r {
                Ok(inner) => inner,
                Err(tuple) => spanned(tuple, e.span()),
            }),
        ));

        let keyword = select! { Token::Keyword(k) => k }
            .map_with(|text, e| {
                let span: SimpleSpan = e.span();
                Name {
                    text,
                    span: span.into_range(),
                }
            })
            .then(atom.clone())
            .map(|(name, value)| Arg::Keyword { name, value });
        let arg = keyword.or(atom.clone().map(Arg::Positional));
        let application =
            atom.then(arg.repeated().collect::<Vec<Arg>>())
                .map_with(|(func, args), e| {
                    if args.is_empty() {
                        func
                    } else {
                        spanned(
                            ExprKind::App {
                                func: Box::new(func),
                                args,
                            },
                            e.span(),
                        )
                    }
                });

        let unary = just(Token::Minus)
            .map_with(|_, e| e.span())
            .repeated()
            .foldr_with(application, |minus: SimpleSpan, operand: Expr, _| {
                let span = minus.start..operand.span.end;
                Expr::new(ExprKind::Neg(Box::new(operand)), span)
            });

        let binary = |lhs: Expr, (op, rhs): (BinOp, Expr)| {
            let span = lhs.span.start..rhs.span.end;
            Expr::new(
                ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            )
        };
        // Level 9: `#`, the structure operators and the shifts, left-associative; `.` on
        // the same level, right-associative.
        #[derive(Clone)]
        enum Op9 {
            Chain,
            Binary(BinOp),
            Shift(Expr),
        }
        let op9 = choice((
            just(Token::Hash).to(Op9::Chain),
            select! { Token::StructOp(s) => Op9::Binary(BinOp::from_text(&s).expect("lexed")) },
            shift.map(Op9::Shift),
        ));
        let level9 = unary
            .clone()
            .then(op9.then(unary).repeated().collect::<Vec<_>>())
            .map(|(first, rest)| {
                let operators = !rest.is_empty();
                let e = rest.into_iter().fold(first, |lhs, (op, rhs)| {
                    let span = lhs.span.start..rhs.span.end;
                    let kind = match op {
                        Op9::Chain => ExprKind::Chain {
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        Op9::Binary(op) => ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        Op9::Shift(func) => ExprKind::App {
                            func: Box::new(func),
                            args: vec![Arg::Positional(lhs), Arg::Positional(rhs)],
                        },
                    };
                    Expr::new(kind, span)
                });
                (e, operators)
            });
        let composed = level9
            .separated_by(just(Token::Dot))
            .at_least(1)
            .collect::<Vec<(Expr, bool)>>()
            .validate(|items, e, emitter| {
                let mut items = items;
                if items.len() == 1 {
                    return items.pop().expect("one item").0;
                }
                if let Some((mixed, _)) = items.iter().find(|(_, operators)| *operators) {
                    emitter.emit(Rich::custom(
                        mixed.span.clone().into(),
                        "`.` mixed with `#` (or `|+`, `<~`, ...) without parentheses: `.` is \
                         infixr 9 and the pattern operators infixl 9, so GHC refuses this too; \
                         parenthesise the operator's expression, as in `fast 2 . (# speed 2)` \
                         or `(s \"bd\" # n 1)`",
                    ));
                }
                spanned(
                    ExprKind::Dollar {
                        items: items.into_iter().map(|(x, _)| x).collect(),
                        subject: None,
                    },
                    e.span(),
                )
            });
        let mul_op = select! {
            Token::Star => BinOp::from_text("*").expect("valid"),
            Token::Slash => BinOp::from_text("/").expect("valid"),
        };
        let add_op = select! {
            Token::Plus => BinOp::from_text("+").expect("valid"),
            Token::Minus => BinOp::from_text("-").expect("valid"),
        };
        let product = composed
            .clone()
            .foldl(mul_op.then(composed).repeated(), binary);
        let sum = product
            .clone()
            .foldl(add_op.then(product).repeated(), binary);

        // The `$` chain, loosest.
        sum.separated_by(just(Token::Dollar))
            .at_least(1)
            .collect::<Vec<Expr>>()
            .map_with(|mut items, e| {
                // `const $ x` is `const x`, as in Haskell: what follows is its argument,
                // not its input (`every 3 (const $ s "cp*4")`).
                if let Some(i) = items[..items.len() - 1]
                    .iter()
                    .position(|x| matches!(&x.kind, ExprKind::Ident(n) if n == "const"))
                {
                    let rest: Vec<Expr> = items.split_off(i + 1);
                    let func = items.pop().expect("the const");
                    let span = func.span.start..rest.last().expect("a rest").span.end;
                    let arg = if rest.len() == 1 {
                        rest.into_iter().next().expect("one")
                    } else {
                        let rest_span = rest[0].span.start..span.end;
                        spanned(
                            ExprKind::Dollar {
                                items: rest,
                                subject: None,
                            },
                            SimpleSpan::from(rest_span),
                        )
                    };
                    items.push(spanned(
                        ExprKind::App {
                            func: Box::new(func),
                            args: vec![Arg::Positional(arg)],
                        },
                        SimpleSpan::from(span),
                    ));
                }
                if items.len() == 1 {
                    items.pop().expect("one item")
                } else {
                    spanned(
                        ExprKind::Dollar {
                            items,
                            subject: None,
                        },
                        e.span(),
                    )
                }
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::lex;

    fn parse_ok(src: &str) -> Program {
        let (tokens, d) = lex(src);
        assert!(d.is_empty(), "{d:?}");
        let (p, d) = parse_program(&tokens, src);
        assert!(d.is_empty(), "{src}: {d:?}");
        p
    }

    fn body(src: &str) -> Expr {
        match parse_ok(src).statements.remove(0).kind {
            StatementKind::Output { body, .. } | StatementKind::Bus { body, .. } => body,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn output_names() {
        assert_eq!(output_name("out"), Some(OutputName::Main));
        assert_eq!(output_name("o3"), Some(OutputName::Numbered(3)));
        assert_eq!(output_name("out12"), Some(OutputName::Numbered(12)));
        assert_eq!(output_name("d1"), Some(OutputName::Numbered(1)));
        assert_eq!(output_name("d0"), None);
        assert_eq!(output_name("dx"), None);
        assert_eq!(output_name("output"), None);
    }

    /// An expression fully parenthesised: the tree the parser built.
    fn shape(e: &Expr) -> String {
        let arg = |a: &Arg| match a {
            Arg::Positional(x) => shape(x),
            Arg::Keyword { name, value } => format!(":{} {}", name.text, shape(value)),
        };
        match &e.kind {
            ExprKind::Number(n) => format!("{n}"),
            ExprKind::Str { text, .. } => format!("\"{text}\""),
            ExprKind::Bus(b) => format!("~{b}"),
            ExprKind::Ident(i) => i.clone(),
            ExprKind::List(items) => {
                format!(
                    "[{}]",
                    items.iter().map(shape).collect::<Vec<_>>().join(", ")
                )
            }
            ExprKind::Tuple(items) => {
                format!(
                    "({})",
                    items.iter().map(shape).collect::<Vec<_>>().join(", ")
                )
            }
            ExprKind::App { func, args } => format!(
                "({} {})",
                shape(func),
                args.iter().map(arg).collect::<Vec<_>>().join(" ")
            ),
            ExprKind::Binary { op, lhs, rhs } => {
                format!("({} {} {})", shape(lhs), op.text(), shape(rhs))
            }
            ExprKind::Neg(x) => format!("-{}", shape(x)),
            ExprKind::Chain { lhs, rhs } => format!("({} # {})", shape(lhs), shape(rhs)),
            ExprKind::Section { op, operand } => match op {
                SectionOp::Chain => format!("(# {})", shape(operand)),
                SectionOp::Binary(b) => format!("({} {})", b.text(), shape(operand)),
                SectionOp::Compare(c) => format!("({} {})", c.text(), shape(operand)),
            },
            ExprKind::Dollar { items, .. } => format!(
                "({})",
                items.iter().map(shape).collect::<Vec<_>>().join(" $ ")
            ),
        }
    }

    #[test]
    fn expressions_parse_as_tidal_parses_them() {
        // Haskell's fixities as Tidal declares them: `$` lowest (right), `+ -` 6, `* /` 7,
        // `#`, the `|+|` family and `<~ ~>` infixl 9, `.` infixr 9, application highest.
        // `a <~ p` is `early a p`; `f . g` is the chain `f $ g`.
        let cases = [
            (
                "jux rev $ s \"bd sn\" # pan 0.5",
                "((jux rev) $ ((s \"bd sn\") # (pan 0.5)))",
            ),
            (
                "every 2 (fast 2) $ s \"hh*8\" # gain \"0.5 0.3\"",
                "((every 2 (fast 2)) $ ((s \"hh*8\") # (gain \"0.5 0.3\")))",
            ),
            ("a + b # c", "(a + (b # c))"),
            ("a * b # c", "(a * (b # c))"),
            ("a # b # c", "((a # b) # c)"),
            ("a |+ b # c", "((a |+ b) # c)"),
            ("a # b |+ c", "((a # b) |+ c)"),
            ("a |+| b |> c", "((a |+| b) |> c)"),
            ("a |< b + c", "((a |< b) + c)"),
            ("a * b |* c", "(a * (b |* c))"),
            ("0.25 <~ p", "(early 0.25 p)"),
            ("0.25 ~> p", "(late 0.25 p)"),
            ("\"<0 0.25>\" <~ p", "(early \"<0 0.25>\" p)"),
            ("0.25 <~ p # speed 2", "((early 0.25 p) # (speed 2))"),
            ("p # n 1 <~ q", "(early (p # (n 1)) q)"),
            ("(0.25 <~)", "(early 0.25)"),
            ("(1/8 ~>)", "(late (1 / 8))"),
            ("every 2 (0.25 <~) $ p", "((every 2 (early 0.25)) $ p)"),
            ("a + b * c", "(a + (b * c))"),
            ("a - b - c", "((a - b) - c)"),
            ("a / b * c", "((a / b) * c)"),
            ("f . g . h", "(f $ g $ h)"),
            ("fast 2 . rev $ p", "(((fast 2) $ rev) $ p)"),
            ("f (g x) . h", "((f (g x)) $ h)"),
            ("(# speed 2) . fast 2", "((# (speed 2)) $ (fast 2))"),
            (
                "every 3 (fast 2 . (# speed 2)) $ s \"bd\"",
                "((every 3 ((fast 2) $ (# (speed 2)))) $ (s \"bd\"))",
            ),
            ("a $ b $ c", "(a $ b $ c)"),
            ("a + b $ c", "((a + b) $ c)"),
            (
                "s \"a\" # gain 1 $ fast 2",
                "(((s \"a\") # (gain 1)) $ (fast 2))",
            ),
            ("s \"a\" $ fast 2 $ rev", "((s \"a\") $ (fast 2) $ rev)"),
            (
                "n \"0 2\" + n \"<12 7>\" # s \"x\"",
                "((n \"0 2\") + ((n \"<12 7>\") # (s \"x\")))",
            ),
            (
                "s \"bd\" # n \"1\" + n \"2\"",
                "(((s \"bd\") # (n \"1\")) + (n \"2\"))",
            ),
            ("p # lpf 800 0.8 * 0.5", "((p # (lpf 800 0.8)) * 0.5)"),
            ("a # b * c # d", "((a # b) * (c # d))"),
            ("sine * 0.5 + 0.5", "((sine * 0.5) + 0.5)"),
            ("~a + ~b # reverb 0.3", "(~a + (~b # (reverb 0.3)))"),
            ("(|+ n 12)", "(|+ (n 12))"),
            ("off 0.25 (|+ 12) $ p", "((off 0.25 (|+ 12)) $ p)"),
        ];
        for (src, want) in cases {
            assert_eq!(shape(&body(&format!("out: {src}"))), want, "{src}");
        }
    }

    #[test]
    fn composition_mixed_with_a_pattern_operator_needs_parentheses() {
        for src in [
            "out: s \"bd\" # n 1 . rev",
            "out: fast 2 . p # n 1",
            "out: f . 0.25 <~ p",
        ] {
            let (tokens, d) = lex(src);
            assert!(d.is_empty());
            let (_, d) = parse_program(&tokens, src);
            assert_eq!(d.len(), 1, "{src}: {d:#?}");
            assert!(
                d[0].message.contains("without parentheses"),
                "{src}: {d:#?}"
            );
        }
        body("out: (s \"bd\" # n 1) . rev");
        body("out: fast 2 . (# n 1)");
    }

    #[test]
    fn multiplication_binds_tighter_than_addition() {
        let e = body("out: 1 + 2 * 3");
        let ExprKind::Binary { op, rhs, .. } = e.kind else {
            panic!()
        };
        assert_eq!(op.text(), "+");
        assert!(matches!(rhs.kind, ExprKind::Binary { op, .. } if op.text() == "*"));
    }

    #[test]
    fn application_takes_atoms_and_keywords() {
        let e = body("out: reverb 0.5 0.3 :mix 0.2");
        let ExprKind::App { args, .. } = e.kind else {
            panic!()
        };
        assert_eq!(args.len(), 3);
        assert!(matches!(&args[2], Arg::Keyword { name, .. } if name.text == "mix"));
    }

    #[test]
    fn continuation_lines_and_open_brackets() {
        let p = parse_ok("out: s \"bd sn\"\n  # gain 0.5\n~a: stack [s \"bd\",\ns \"hh\"]\nhush\n");
        assert_eq!(p.statements.len(), 3);
    }

    #[test]
    fn each_bad_statement_is_reported() {
        let src = "out: (s \"bd\"\n~x: 1 +\nfoo: 3\nout2: s \"hh\"\n";
        let (tokens, _) = lex(src);
        let (p, d) = parse_program(&tokens, src);
        assert_eq!(d.len(), 3, "{d:#?}");
        assert_eq!(p.statements.len(), 1);
    }

    #[test]
    fn operator_sections() {
        let e = body("out: off 0.25 (# speed 2) $ every 2 (|+ n 12) $ n \"0\"");
        let ExprKind::Dollar { items, .. } = e.kind else {
            panic!()
        };
        let ExprKind::App { args, .. } = &items[0].kind else {
            panic!()
        };
        assert!(matches!(
            args[1].value().kind,
            ExprKind::Section {
                op: SectionOp::Chain,
                ..
            }
        ));
        // `(-1)` stays a negative number.
        assert!(matches!(body("out: (-1)").kind, ExprKind::Number(n) if n == -1.0));
    }

    #[test]
    fn tuple_is_kept_for_the_resolver() {
        let e = body("out: lpf(800, 0.9)");
        let ExprKind::App { args, .. } = e.kind else {
            panic!()
        };
        assert!(matches!(args[0].value().kind, ExprKind::Tuple(_)));
    }
}
