//! Mini-notation to runtime patterns, following Strudel's `patternifyAST` and `applyOptions`
//! (mini.mjs) step by step.

use crate::mini::ast::{Elem, Group, MiniPattern, Op, Sequence, Step};
use phonon_runtime::Rational;
use phonon_runtime::pattern::signal::{choose_in_with, rand};
use phonon_runtime::pattern::transform::{
    self, degrade_by_with, early, euclid_p, euclid_rot_p, fast, fast_p, repeat_cycles, slow_p,
};
use phonon_runtime::pattern::{Pattern, Value, fastcat, pure, silence, stack, timecat};
use std::sync::Arc;

/// Strudel offsets the random stream of each `?`, `|` and `.` by `0.0003 × seed`.
fn rand_offset(seed: u32) -> Rational {
    Rational::new(3 * seed as i64, 10_000)
}

pub fn lower_mini(p: &MiniPattern) -> Pattern {
    group(&p.root)
}

fn group(g: &Group) -> Pattern {
    match g {
        Group::Seq(s) => sequence(s),
        Group::Stack(seqs) => stack(seqs.iter().map(sequence).collect()),
        Group::Choose { alternatives, seed } => {
            let r = transform::segment(&early(&rand(), rand_offset(*seed)), Rational::ONE);
            choose_in_with(&r, alternatives.iter().map(sequence).collect())
        }
        Group::Feet { feet, .. } => fastcat(feet.iter().map(sequence).collect()),
    }
}

/// A sequence is a `timeCat` of its steps by weight; its `weight` is their sum. A weight that
/// comes to exactly 0 (`a@0`, `a@0.5@0.5`) counts as 1, as krill's `weight || 1` has it.
fn sequence(s: &Sequence) -> Pattern {
    let children: Vec<(Rational, Pattern)> = s
        .steps
        .iter()
        .map(|st| {
            let weight = if st.weight == 0.0 { 1.0 } else { st.weight };
            (Rational::from_f64(weight), step(st))
        })
        .collect();
    let total = children.iter().fold(Rational::ZERO, |acc, (w, _)| acc + *w);
    if total.is_zero() {
        let n = children.len() as i64;
        let mut p = fastcat(children.into_iter().map(|(_, p)| p).collect());
        p.steps = Some(Rational::int(n));
        return p;
    }
    let mut p = timecat(children);
    p.weight = Some(total);
    p.steps = Some(total);
    p
}

fn step(st: &Step) -> Pattern {
    let mut pat = elem(&st.elem);
    let weight = pat.weight;
    for op in &st.ops {
        pat = apply_op(pat, op);
    }
    pat.weight = pat.weight.or(weight);
    pat
}

/// An atom's value: a number when JavaScript's `Number()` would read one, else the word.
pub fn atom_value(text: &str) -> Value {
    js_number(text).map_or_else(|| Value::str(text), Value::Num)
}

/// JavaScript `Number(text)` for the forms mini-notation atoms take; `None` for NaN.
fn js_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return Some(0.0);
    }
    match t {
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0b", 2),
        ("0B", 2),
        ("0o", 8),
        ("0O", 8),
    ] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return u64::from_str_radix(digits, radix).ok().map(|v| v as f64);
        }
    }
    // Rust also accepts `inf` and `nan`, JavaScript does not.
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    t.parse::<f64>().ok()
}

fn elem(e: &Elem) -> Pattern {
    match e {
        Elem::Atom(text) if text == "~" || text == "-" => silence(),
        Elem::Atom(text) => pure(atom_value(text)),
        Elem::Sub(g) => group(g),
        Elem::Alt(seqs) => stack(
            seqs.iter()
                .map(|s| {
                    let p = sequence(s);
                    let w = p.weight.unwrap_or(Rational::ONE);
                    transform::slow(&p, w)
                })
                .collect(),
        ),
        Elem::Poly {
            sequences,
            steps_per_cycle,
        } => {
            let children: Vec<Pattern> = sequences.iter().map(sequence).collect();
            let steps = match steps_per_cycle {
                Some(s) => step(s),
                None => pure(Value::Num(
                    children
                        .first()
                        .and_then(|c| c.weight)
                        .map_or(1.0, Rational::to_f64),
                )),
            };
            stack(
                children
                    .iter()
                    .map(|child| {
                        let w = child.weight.unwrap_or(Rational::ONE);
                        let factor = steps.fmap(move |v| match v {
                            Value::Num(x) => Value::Num((Rational::from_f64(*x) / w).to_f64()),
                            other => other.clone(),
                        });
                        fast_p(child, &factor)
                    })
                    .collect(),
            )
        }
    }
}

fn apply_op(pat: Pattern, op: &Op) -> Pattern {
    match op {
        Op::Fast(arg) => fast_p(&pat, &step(arg)),
        Op::Slow(arg) => slow_p(&pat, &step(arg)),
        Op::Replicate(n) => {
            let n = Rational::int(*n as i64);
            fast(&repeat_cycles(&pat, n), n)
        }
        Op::Euclid {
            pulses,
            steps,
            rotation,
        } => match rotation {
            Some(r) => euclid_rot_p(&pat, &step(pulses), &step(steps), &step(r)),
            None => euclid_p(&pat, &step(pulses), &step(steps)),
        },
        Op::Degrade { amount, seed } => degrade_by_with(
            &pat,
            &early(&rand(), rand_offset(*seed)),
            amount.unwrap_or(0.5),
        ),
        Op::Tail(arg) => pat.app_left(&step(arg), |a, b| match a {
            Value::List(items) => {
                let mut v = (**items).clone();
                v.push(b.clone());
                Value::List(Arc::new(v))
            }
            _ => Value::List(Arc::new(vec![a.clone(), b.clone()])),
        }),
        Op::Range(arg) => {
            let friend = step(arg);
            pat.squeeze_bind(move |a| {
                let a = a.clone();
                friend.bind(move |b| match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => fastcat(
                        array_range(x, y)
                            .into_iter()
                            .map(|v| pure(Value::Num(v)))
                            .collect(),
                    ),
                    _ => silence(),
                })
            })
        }
    }
}

/// `start..=stop` in steps of one, counting down when `stop < start` (Strudel's arrayRange).
fn array_range(start: f64, stop: f64) -> Vec<f64> {
    let len = ((stop - start).abs() + 1.0).floor().max(0.0) as usize;
    (0..len)
        .map(|i| {
            if start < stop {
                start + i as f64
            } else {
                start - i as f64
            }
        })
        .collect()
}
