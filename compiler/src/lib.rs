//! The Phonon compiler: `.ph` text to a program the runtime can run.
//!
//! Front end: `lexer` (logos) → `parser` (layout + chumsky) → `resolve` (names, arity, kinds,
//! `$` subjects, mini-notation via `mini`). Every stage reports `diagnostic::Diagnostic`s with
//! spans and keeps going, so one run reports every error in the file.

// The public API: the front end (`front_end`, the syntax tree and its dumps, mini-notation,
// the built-in table), `program` (compile a program, with the sounds checked against a
// `catalogue`), `query` (a pattern's events), `diagnostic`. Everything between text and
// native code is the crate's own.
pub mod ast;
pub mod ast_dump;
pub mod builtins;
pub mod catalogue;
pub mod diagnostic;
pub mod functions;
pub mod mini;
pub mod program;
pub mod query;
pub mod resolve;

pub(crate) mod codegen;
pub(crate) mod dsp;
pub(crate) mod fixity;
pub mod interp;
pub(crate) mod ir;
pub(crate) mod lexer;
pub(crate) mod lower;
pub(crate) mod parser;
pub(crate) mod schedule;
pub(crate) mod strudel_habits;
pub(crate) mod suggest;

use diagnostic::Diagnostic;
use resolve::Checked;

/// Runs a step of a recursive pass with enough stack: bus references chain without a limit
/// of their own (a bus through a thousand others), and compiles run on threads with small
/// stacks (a live compiler thread, rayon workers), so the passes that follow expressions and
/// buses grow their stack on the heap when it runs low instead of overflowing.
pub(crate) fn deep<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}

/// The largest program the compiler reads (1 MiB, some 30,000 statements): beyond it,
/// compiling would take seconds and gigabytes, and no one writes such a file by hand.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// The result of the front end: the checked program (meaningful only when `diagnostics` holds
/// no error) and every error and warning found.
#[derive(Debug)]
pub struct FrontEnd {
    pub checked: Checked,
    pub diagnostics: Vec<Diagnostic>,
}

impl FrontEnd {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Every bus name written in `src` (`~name`, where it is defined and where it is used; not
/// inside strings or comments), with its span, `~` included.
pub fn bus_names(src: &str) -> Vec<(String, diagnostic::Span)> {
    lexer::lex(src)
        .0
        .into_iter()
        .filter_map(|l| match l.token {
            lexer::Token::Bus(name) => Some((name, l.span)),
            _ => None,
        })
        .collect()
}

/// Every string literal of `src` (mini-notation), with its span (quotes included), from the
/// lexer alone: so also in a file that does not parse.
pub fn string_literals(src: &str) -> Vec<diagnostic::Span> {
    lexer::lex(src)
        .0
        .into_iter()
        .filter_map(|l| matches!(l.token, lexer::Token::Str(_)).then_some(l.span))
        .collect()
}

/// Lexes, parses and checks a whole file. Never panics, whatever the input.
pub fn front_end(src: &str) -> FrontEnd {
    if src.len() > MAX_SOURCE_BYTES {
        let (tokens, _) = lexer::lex("");
        let (program, _) = parser::parse_program(&tokens, "");
        let (checked, _) = resolve::check(program, "", true);
        let diagnostic = diagnostic::Diagnostic::error(
            0..0,
            format!(
                "this file is {:.1} MB: a program may be at most {} MiB",
                src.len() as f64 / 1e6,
                MAX_SOURCE_BYTES >> 20
            ),
        )
        .with_label("too large to compile")
        .with_hint("a program this size is generated, not written: generate fewer statements, or put the sound in sample files");
        return FrontEnd {
            checked,
            diagnostics: vec![diagnostic],
        };
    }
    let (tokens, mut diagnostics) = lexer::lex(src);
    let (program, mut parse_diags) = parser::parse_program(&tokens, src);
    parse_diags.extend(fixity::warnings(&program, src));
    // A statement that did not parse is missing from `program`; do not also complain that,
    // say, the program has no output.
    let statements_lost = !diagnostics.is_empty()
        || parse_diags
            .iter()
            .any(|d| d.severity == diagnostic::Severity::Error);
    diagnostics.append(&mut parse_diags);
    let (checked, mut check_diags) = resolve::check(program, src, statements_lost);
    diagnostics.append(&mut check_diags);
    // A Strudel method chain is one error with the Tidal form; what the parser and checker
    // made of it would only confuse.
    let chains = strudel_habits::method_chains(&tokens, src);
    if !chains.is_empty() {
        diagnostics.retain(|d| {
            !chains
                .iter()
                .any(|c| d.span.start < c.span.end && c.span.start < d.span.end)
        });
        diagnostics.extend(chains);
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    FrontEnd {
        checked,
        diagnostics,
    }
}
