//! Random choices, drawn as Strudel 1.2.6 draws them (its legacy generator, a pure function
//! of time): `choose`, `wchoose`, `randcat`, `wrandcat`, `shuffle`, `scramble`,
//! `someCyclesBy`; and Tidal's `chooseBy`, `cycleChoose`, `select`.

use super::library::{Func, zoom};
use super::signal::{irand, rand, rands_at, signal};
use super::transform::{degrade_by_with, fast, repeat_cycles, segment};
use super::{Pattern, Value, silence, stack};
use crate::time::Rational;
use std::sync::Arc;

fn index(v: &Value, n: usize) -> usize {
    (v.as_f64().unwrap_or(0.0) * n as f64)
        .floor()
        .clamp(0.0, (n - 1) as f64) as usize
}

/// A continuous pattern of one of `choices` at random (Strudel's `choose`: `chooseWith(rand)`,
/// structure from the random signal).
pub fn choose(choices: Vec<Pattern>) -> Pattern {
    if choices.is_empty() {
        return silence();
    }
    let choices = Arc::new(choices);
    rand().outer_bind(move |r| choices[index(r, choices.len())].clone())
}

/// The index `weights` (cumulative, as Strudel adds them) picks for a draw `r` in 0..1: the
/// first whose running total exceeds `r` times the total.
fn weighted(cumulative: &[f64], r: f64) -> Option<usize> {
    let total = *cumulative.last()?;
    let find = total * r;
    cumulative.iter().position(|&w| w > find)
}

fn cumulative(weights: &[f64]) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .iter()
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

/// `choose` with a weight for each choice (Strudel's `wchoose`).
pub fn wchoose(choices: Vec<(Pattern, f64)>) -> Pattern {
    let (pats, weights): (Vec<Pattern>, Vec<f64>) = choices.into_iter().unzip();
    let cumulative = cumulative(&weights);
    rand().outer_bind(
        move |r| match weighted(&cumulative, r.as_f64().unwrap_or(0.0)) {
            Some(i) => pats[i].clone(),
            None => silence(),
        },
    )
}

/// One of the patterns at random each cycle (Strudel's `randcat` = `chooseCycles`).
pub fn randcat(pats: Vec<Pattern>) -> Pattern {
    super::signal::choose_in_with(&segment(&rand(), Rational::ONE), pats)
}

/// `randcat` with a weight for each pattern (Strudel's `wrandcat`).
pub fn wrandcat(choices: Vec<(Pattern, f64)>) -> Pattern {
    let (pats, weights): (Vec<Pattern>, Vec<f64>) = choices.into_iter().unzip();
    let cumulative = cumulative(&weights);
    segment(&rand(), Rational::ONE).inner_bind(move |r| {
        match weighted(&cumulative, r.as_f64().unwrap_or(0.0)) {
            Some(i) => pats[i].clone(),
            None => silence(),
        }
    })
}

/// A random permutation of 0..n-1 each cycle, one per step (Strudel's `randrun`): the
/// indices sorted by draws at the middle of the cycle.
fn randrun(n: usize) -> Pattern {
    segment(
        &signal(move |t, seed| {
            let draws = rands_at(t.floor().to_f64() + 0.5, n, seed.unwrap_or(0.0));
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| draws[a].total_cmp(&draws[b]));
            let step = (t - t.floor()) * Rational::int(n as i64);
            order[(step.floor().num() as usize) % n] as f64
        }),
        Rational::int(n as i64),
    )
}

/// Plays the n parts of each cycle in the order `indices` gives (Strudel's `_rearrangeWith`).
fn rearrange(indices: &Pattern, n: i64, pat: &Pattern) -> Pattern {
    let parts: Arc<Vec<Pattern>> = Arc::new(
        (0..n)
            .map(|i| {
                let part = zoom(pat, Rational::new(i, n), Rational::new(i + 1, n));
                fast(&repeat_cycles(&part, Rational::int(n)), Rational::int(n))
            })
            .collect(),
    );
    indices.inner_bind(move |v| {
        let i = v.as_f64().unwrap_or(0.0);
        match parts.get(i as usize) {
            Some(p) if i >= 0.0 => p.clone(),
            _ => silence(),
        }
    })
}

/// The n parts of each cycle in a random order, each once (Strudel's `shuffle`).
pub fn shuffle(pat: &Pattern, n: i64) -> Pattern {
    if n < 1 {
        return silence();
    }
    rearrange(&randrun(n as usize), n, pat)
}

/// n parts drawn at random, with repeats (Strudel's `scramble`).
pub fn scramble(pat: &Pattern, n: i64) -> Pattern {
    if n < 1 {
        return silence();
    }
    rearrange(&segment(&irand(n as f64), Rational::int(n)), n, pat)
}

/// Applies `f` to whole cycles with probability `x` (one draw per cycle).
pub fn some_cycles_by(pat: &Pattern, x: f64, f: &Func) -> Pattern {
    let per_cycle = segment(&rand(), Rational::ONE);
    let inverse = segment(
        &rand().fmap(|v| Value::Num(1.0 - v.as_f64().unwrap_or(0.0))),
        Rational::ONE,
    );
    stack(vec![
        degrade_by_with(pat, &per_cycle, x),
        f(degrade_by_with(pat, &inverse, 1.0 - x)),
    ])
}

/// Tidal's `chooseBy f xs`: the choice at `floor(f * len)` for `f` in 0..1, structure from `f`.
pub fn choose_by(f: &Pattern, choices: Vec<Pattern>) -> Pattern {
    if choices.is_empty() {
        return silence();
    }
    let choices = Arc::new(choices);
    f.outer_bind(move |r| choices[index(r, choices.len())].clone())
}

/// Tidal's `cycleChoose = segment 1 . choose`: one random choice per cycle.
pub fn cycle_choose(choices: Vec<Pattern>) -> Pattern {
    segment(&choose(choices), Rational::ONE)
}

/// Tidal's `select f ps`: the pattern at `floor(clamp(f, 0, 1) * (len - 1))`, switching
/// with the events of `f`.
pub fn select(f: &Pattern, pats: Vec<Pattern>) -> Pattern {
    if pats.is_empty() {
        return silence();
    }
    let pats = Arc::new(pats);
    f.inner_bind(move |v| {
        let x = v.as_f64().unwrap_or(0.0).clamp(0.0, 1.0);
        pats[(x * (pats.len() - 1) as f64).floor() as usize].clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_pick_by_running_total() {
        let c = cumulative(&[1.0, 3.0]);
        assert_eq!(weighted(&c, 0.0), Some(0));
        assert_eq!(weighted(&c, 0.24), Some(0));
        assert_eq!(weighted(&c, 0.25), Some(1));
        assert_eq!(weighted(&c, 0.99), Some(1));
    }
}
