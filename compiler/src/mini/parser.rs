//! Mini-notation parser (chumsky over the characters of one string), following Strudel's
//! krill grammar rule by rule so that the same text means the same thing.

use super::ast::{Elem, Group, MiniPattern, Op, Sequence, Step};
use crate::diagnostic::{Diagnostic, Span};
use chumsky::prelude::*;

type Extra<'a> = extra::Err<Rich<'a, char>>;

use super::tokens::is_step_char;

/// Characters with a meaning in mini-notation besides words and whitespace.
pub(super) const OPERATOR_CHARS: &str = "[]{}<>,|@!?*/:()%";

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\n' | '\r' | '\t' | '\u{a0}')
}

/// Parses the text of a string literal. `offset` is the byte position of the text's first
/// character in the file, so diagnostics point into the file.
pub fn parse_mini(text: &str, offset: usize) -> Result<MiniPattern, Vec<Diagnostic>> {
    let unknown = unknown_operators(text, offset);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    if let Some(at) = too_deep(text) {
        return Err(vec![
            Diagnostic::error(
                offset + at..offset + at + 1,
                format!("mini-notation nested more than {MAX_NESTING} levels deep"),
            )
            .with_label("too deep")
            .with_hint("flatten the pattern or split it into several strings"),
        ]);
    }
    if text.trim_matches(is_ws).is_empty() {
        return Err(vec![
            Diagnostic::error(
                offset.saturating_sub(1)..offset + text.len() + 1,
                "empty pattern string",
            )
            .with_label("nothing to play here")
            .with_hint("write at least one step, or `\"~\"` for silence"),
        ]);
    }
    match parser().parse(text).into_result() {
        Ok(root) => {
            let mut pattern = MiniPattern {
                root,
                span: offset..offset + text.len(),
            };
            shift_group(&mut pattern.root, offset);
            pattern.assign_seeds();
            let mut bad = bad_chords(&pattern, text, offset);
            bad.extend(bad_numbers(&pattern, text, offset));
            if !bad.is_empty() {
                bad.sort_by_key(|d| d.span.start);
                return Err(bad);
            }
            Ok(pattern)
        }
        Err(errors) => Err(errors
            .into_iter()
            .take(1)
            .map(|e| rich_to_diagnostic(&e, text, offset))
            .collect()),
    }
}

fn unknown_operators(text: &str, offset: usize) -> Vec<Diagnostic> {
    text.char_indices()
        .filter(|&(_, c)| !(is_ws(c) || is_step_char(c) || OPERATOR_CHARS.contains(c)))
        .map(|(i, c)| {
            let at = offset + i;
            Diagnostic::error(
                at..at + c.len_utf8(),
                format!("unknown mini-notation operator `{c}`"),
            )
            .with_label("not mini-notation")
            .with_hint(
                "mini-notation has ~ [ ] < > { } , | . @ _ ! ? * / : ( ) and `%` after `{...}`",
            )
        })
        .collect()
}

/// Bracket nesting beyond this is refused before parsing: the passes over the tree recurse.
const MAX_NESTING: usize = 100;

fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '<' | '{' | '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            ']' | '>' | '}' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn rich_to_diagnostic(e: &Rich<'_, char>, text: &str, offset: usize) -> Diagnostic {
    let span = e.span();
    let start = offset + span.start;
    let end = (offset + span.end).max(start + 1);
    let found = e.found().copied();
    let expected: Vec<String> = e
        .expected()
        .map(|p| p.to_string())
        .filter(|s| !s.contains("whitespace"))
        .collect();
    // An unclosed bracket is best shown where it opens, not where the text runs out.
    if let Some((at, hint)) = unbalanced(text) {
        let message = if found.is_none() {
            "mini-notation ends too early".to_string()
        } else {
            "unbalanced brackets in mini-notation".to_string()
        };
        return Diagnostic::error(offset + at..offset + at + 1, message)
            .with_label("this bracket is not matched")
            .with_hint(hint);
    }
    let (message, hint) = match found {
        None => (
            "mini-notation ends too early".to_string(),
            "the pattern is incomplete".to_string(),
        ),
        Some('%') => (
            "`%` here is not mini-notation".to_string(),
            "`%` sets the steps of a polymeter: `{a b c}%4`".to_string(),
        ),
        Some(c) => (
            format!("unexpected `{c}` in mini-notation"),
            if expected.is_empty() {
                "check the brackets and operators around here".to_string()
            } else {
                format!("expected {}", expected.join(", "))
            },
        ),
    };
    Diagnostic::error(start..end, message)
        .with_label("mini-notation error here")
        .with_hint(hint)
}

/// A word with a `'` is a chord (`c'maj'ii`): one that is not (an unknown name or modifier)
/// is an error at the word, never silence.
fn bad_chords(pattern: &MiniPattern, text: &str, offset: usize) -> Vec<Diagnostic> {
    use phonon_runtime::pattern::chords;
    pattern
        .atoms()
        .into_iter()
        .filter(|(word, _)| chords::is_chord(word))
        .filter_map(|(word, span)| {
            let e = chords::parse(word).err()?;
            // The word within its step (whose span may hold spaces before it).
            let step = &text[span.start - offset..span.end - offset];
            let at = span.start + step.find(word).unwrap_or(0);
            Some(
                Diagnostic::error(at..at + word.len(), e.to_string())
                    .with_label("not a chord")
                    .with_hint(e.hint()),
            )
        })
        .collect()
}

/// A word where a number must stand (`a*x`, `a/E`, `a(3,x)`, `{a b}%x`): an error at the
/// word (Strudel stops with "Invalid argument"), never silence.
fn bad_numbers(pattern: &MiniPattern, text: &str, offset: usize) -> Vec<Diagnostic> {
    pattern
        .number_words()
        .into_iter()
        .filter(|(word, _)| *word != "~" && *word != "-" && word.parse::<f64>().is_err())
        .map(|(word, span)| {
            let step = &text[span.start - offset..span.end - offset];
            let at = span.start + step.find(word).unwrap_or(0);
            Diagnostic::error(at..at + word.len(), format!("`{word}` is not a number"))
                .with_label("a number must stand here")
                .with_hint("`*`, `/`, `(pulses,steps,rotation)` and a polymeter's `%` take numbers, or patterns of them: `a*2`, `a/<2 4>`, `a(3,8)`")
        })
        .collect()
}

/// The byte position of the first unbalanced bracket and a hint about it, if there is one.
fn unbalanced(text: &str) -> Option<(usize, String)> {
    let mut stack = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '[' | '<' | '{' | '(' => stack.push((i, c)),
            ']' | '>' | '}' | ')' => {
                let open = match c {
                    ']' => '[',
                    '>' => '<',
                    '}' => '{',
                    _ => '(',
                };
                if stack.pop().map(|(_, o)| o) != Some(open) {
                    return Some((i, format!("`{c}` closes nothing that is open")));
                }
            }
            _ => {}
        }
    }
    stack.pop().map(|(i, open)| {
        let close = match open {
            '[' => ']',
            '<' => '>',
            '{' => '}',
            _ => ')',
        };
        (i, format!("`{open}` is never closed: add `{close}`"))
    })
}

fn number<'a>() -> impl Parser<'a, &'a str, f64, Extra<'a>> + Clone {
    let digits = any()
        .filter(|c: &char| c.is_ascii_digit())
        .repeated()
        .at_least(1);
    let frac = just('.').then(digits);
    let exp = one_of("eE").then(one_of("+-").or_not()).then(digits);
    just('-')
        .or_not()
        .then(digits)
        .then(frac.or_not())
        .then(exp.or_not())
        .to_slice()
        .map(|s: &str| s.parse::<f64>().unwrap_or(f64::NAN))
        .labelled("a number")
}

/// How a parsed step operator changes the step (krill's closures).
#[derive(Clone)]
enum RawOp {
    Weight(Option<f64>),
    Replicate(Option<f64>),
    Push(Box<Op>),
}

fn parser<'a>() -> impl Parser<'a, &'a str, Group, Extra<'a>> {
    // The grammar is mutually recursive (a group holds steps, a step can hold a group).
    // `recursive` hands each definition a weak handle to itself: with `Recursive::declare`
    // the parser would hold itself strongly and leak on every string parsed (found by the
    // front-end fuzzer: about 7 KB a string).
    let group = recursive(|group| {
        let step = recursive(|step| step_parser(group, step));
        group_parser(step)
    });
    ws().ignore_then(group).then_ignore(ws()).then_ignore(end())
}

fn ws<'a>() -> impl Parser<'a, &'a str, (), Extra<'a>> + Clone {
    any().filter(|c: &char| is_ws(*c)).repeated()
}

fn comma<'a>() -> impl Parser<'a, &'a str, (), Extra<'a>> + Clone {
    ws().then(just(',')).then(ws()).ignored()
}

/// Steps one after another: `a b [c d]`, with Strudel's `^` marker allowed in front.
fn sequence<'a>(
    step: impl Parser<'a, &'a str, Step, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, &'a str, Sequence, Extra<'a>> + Clone {
    let sequence = step
        .repeated()
        .at_least(1)
        .collect::<Vec<Step>>()
        .map_with(|steps, e| {
            let s: SimpleSpan = e.span();
            Sequence {
                steps,
                span: s.start..s.end,
            }
        });
    just('^').or_not().ignore_then(sequence)
}

/// One step with its operators (`bd*2`, `[a b]@3`, `c(3,8)`).
fn step_parser<'a>(
    group: impl Parser<'a, &'a str, Group, Extra<'a>> + Clone + 'a,
    slice_with_ops: impl Parser<'a, &'a str, Step, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, &'a str, Step, Extra<'a>> + Clone {
    let ws = ws();
    let comma = comma();
    let word = any()
        .filter(|c: &char| is_step_char(*c))
        .repeated()
        .at_least(1)
        .to_slice()
        .try_map(|s: &str, span| {
            if s == "." || s == "_" {
                Err(Rich::custom(span, format!("`{s}` is not a step")))
            } else {
                Ok(s.to_string())
            }
        })
        .labelled("a step");

    let sequence = sequence(slice_with_ops.clone());
    let stack_tail = comma
        .clone()
        .ignore_then(sequence.clone())
        .repeated()
        .collect::<Vec<_>>();

    // `{...}` and `<...>` contain sequences joined by `,` only.
    let polymeter_stack = sequence
        .clone()
        .then(stack_tail.clone())
        .map(|(head, mut tail)| {
            tail.insert(0, head);
            tail
        });

    let step_elem = ws
        .clone()
        .ignore_then(word)
        .then_ignore(ws.clone())
        .map(Elem::Atom);
    let sub_cycle = group
        .delimited_by(just('[').then(ws.clone()), ws.clone().then(just(']')))
        .padded_by(ws.clone())
        .map(|g| Elem::Sub(Box::new(g)));
    let slow_sequence = polymeter_stack
        .clone()
        .delimited_by(just('<').then(ws.clone()), ws.clone().then(just('>')))
        .padded_by(ws.clone())
        .map(Elem::Alt);
    // The steps of a polymeter are a bare slice, as in krill: in `{a b}%3*2` the `*2` is the
    // whole polymeter's (`({a b}%3)*2`), not the step count's.
    let steps_per_cycle = choice((step_elem.clone(), sub_cycle.clone(), slow_sequence.clone()))
        .map_with(|elem, e| {
            let s: SimpleSpan = e.span();
            Box::new(Step {
                elem,
                ops: Vec::new(),
                weight: 1.0,
                span: s.start..s.end,
            })
        });
    let polymeter = polymeter_stack
        .clone()
        .delimited_by(just('{').then(ws.clone()), ws.clone().then(just('}')))
        .then(just('%').ignore_then(steps_per_cycle).or_not())
        .padded_by(ws.clone())
        .map(|(sequences, steps_per_cycle)| Elem::Poly {
            sequences,
            steps_per_cycle,
        });
    let slice = choice((step_elem, sub_cycle, polymeter, slow_sequence));

    // An operator's argument is a bare slice (no operators of its own), as in krill.
    let slice_arg = slice.clone().map_with(|elem, e| {
        let s: SimpleSpan = e.span();
        Step {
            elem,
            ops: Vec::new(),
            weight: 1.0,
            span: s.start..s.end,
        }
    });

    let op_weight = ws
        .clone()
        .ignore_then(one_of("@_"))
        .ignore_then(number().or_not())
        .map(RawOp::Weight);
    let op_replicate = ws
        .clone()
        .ignore_then(just('!'))
        .ignore_then(number().or_not())
        .map(RawOp::Replicate);
    let op_euclid = just('(')
        .ignore_then(ws.clone())
        .ignore_then(slice_with_ops.clone())
        .then_ignore(comma)
        .then(slice_with_ops.clone())
        .then_ignore(ws.clone().then(just(',')).or_not())
        .then_ignore(ws.clone())
        .then(slice_with_ops.clone().or_not())
        .then_ignore(ws.clone().then(just(')')))
        .map(|((pulses, steps), rotation)| {
            RawOp::Push(Box::new(Op::Euclid {
                pulses,
                steps,
                rotation,
            }))
        });
    let op_slow = just('/')
        .ignore_then(slice_arg.clone())
        .map(|s| RawOp::Push(Box::new(Op::Slow(s))));
    let op_fast = just('*')
        .ignore_then(slice_arg.clone())
        .map(|s| RawOp::Push(Box::new(Op::Fast(s))));
    let op_degrade = just('?')
        .ignore_then(number().or_not())
        .map(|amount| RawOp::Push(Box::new(Op::Degrade { amount, seed: 0 })));
    let op_tail = just(':')
        .ignore_then(slice_arg.clone())
        .map(|s| RawOp::Push(Box::new(Op::Tail(s))));
    let op_range = just("..")
        .ignore_then(slice_arg)
        .map(|s| RawOp::Push(Box::new(Op::Range(s))));
    let slice_op = choice((
        op_weight,
        op_euclid,
        op_slow,
        op_fast,
        op_replicate,
        op_degrade,
        op_tail,
        op_range,
    ));

    slice
        .then(slice_op.repeated().collect::<Vec<RawOp>>())
        .map_with(|(elem, raw_ops), e| {
            let s: SimpleSpan = e.span();
            build_step(elem, raw_ops, s.start..s.end)
        })
}

/// A group: a sequence, or sequences joined by `,` (stack), `|` (random choice) or `.`
/// (feet).
fn group_parser<'a>(
    step: impl Parser<'a, &'a str, Step, Extra<'a>> + Clone + 'a,
) -> impl Parser<'a, &'a str, Group, Extra<'a>> + Clone {
    #[derive(Clone)]
    enum Tail {
        Stack(Vec<Sequence>),
        Choose(Vec<Sequence>),
        Feet(Vec<Sequence>),
    }
    let sequence = sequence(step);
    let joined = |sep: char| {
        ws().then(just(sep))
            .then(ws())
            .ignore_then(sequence.clone())
            .repeated()
            .at_least(1)
            .collect::<Vec<_>>()
    };
    sequence
        .clone()
        .then(
            choice((
                joined(',').map(Tail::Stack),
                joined('|').map(Tail::Choose),
                joined('.').map(Tail::Feet),
            ))
            .or_not(),
        )
        .map(|(head, tail)| match tail {
            None => Group::Seq(head),
            Some(Tail::Stack(mut t)) => {
                t.insert(0, head);
                Group::Stack(t)
            }
            Some(Tail::Choose(mut t)) => {
                t.insert(0, head);
                Group::Choose {
                    alternatives: t,
                    seed: 0,
                }
            }
            Some(Tail::Feet(mut t)) => {
                t.insert(0, head);
                Group::Feet { feet: t, seed: 0 }
            }
        })
}

/// Applies krill's operator rules: `@n` adds n-1 to the weight (bare `@`/`_` adds 1); `!n`
/// accumulates repetitions, keeps a single replicate operator at the end, and sets the weight.
fn build_step(elem: Elem, raw_ops: Vec<RawOp>, span: Span) -> Step {
    let mut weight = 1.0;
    let mut reps = 1.0;
    let mut ops = Vec::new();
    for raw in raw_ops {
        match raw {
            RawOp::Weight(a) => weight += a.unwrap_or(2.0) - 1.0,
            RawOp::Replicate(a) => {
                reps += a.unwrap_or(2.0) - 1.0;
                ops.retain(|o| !matches!(o, Op::Replicate(_)));
                ops.push(Op::Replicate(reps.max(0.0) as u32));
                weight = reps;
            }
            RawOp::Push(op) => ops.push(*op),
        }
    }
    Step {
        elem,
        ops,
        weight,
        span,
    }
}

fn shift_span(span: &mut Span, by: usize) {
    span.start += by;
    span.end += by;
}

fn shift_group(group: &mut Group, by: usize) {
    match group {
        Group::Seq(s) => shift_seq(s, by),
        Group::Stack(seqs)
        | Group::Choose {
            alternatives: seqs, ..
        }
        | Group::Feet { feet: seqs, .. } => seqs.iter_mut().for_each(|s| shift_seq(s, by)),
    }
}

fn shift_seq(seq: &mut Sequence, by: usize) {
    shift_span(&mut seq.span, by);
    seq.steps.iter_mut().for_each(|s| shift_step(s, by));
}

fn shift_step(step: &mut Step, by: usize) {
    shift_span(&mut step.span, by);
    match &mut step.elem {
        Elem::Atom(_) => {}
        Elem::Sub(g) => shift_group(g, by),
        Elem::Alt(seqs) => seqs.iter_mut().for_each(|s| shift_seq(s, by)),
        Elem::Poly {
            sequences,
            steps_per_cycle,
        } => {
            sequences.iter_mut().for_each(|s| shift_seq(s, by));
            if let Some(s) = steps_per_cycle {
                shift_step(s, by);
            }
        }
    }
    for op in &mut step.ops {
        match op {
            Op::Fast(s) | Op::Slow(s) | Op::Tail(s) | Op::Range(s) => shift_step(s, by),
            Op::Euclid {
                pulses,
                steps,
                rotation,
            } => {
                shift_step(pulses, by);
                shift_step(steps, by);
                if let Some(r) = rotation {
                    shift_step(r, by);
                }
            }
            Op::Replicate(_) | Op::Degrade { .. } => {}
        }
    }
}
