//! Continuous patterns (signals) and Strudel's randomness, which is a pure function of time:
//! the same query always gives the same numbers, and they match Strudel's bit for bit.

use super::{Hap, Pattern, Value, fastcat, transform};
use crate::time::Rational;
use std::sync::Arc;

/// A continuous pattern: one event without a whole per query, its value sampled at the start
/// of the queried span (as Strudel does).
pub fn signal(f: impl Fn(Rational, Option<f64>) -> f64 + Send + Sync + 'static) -> Pattern {
    Pattern::new(move |state| {
        vec![Hap::new(
            None,
            state.span,
            Value::Num(f(state.span.begin, state.seed)),
        )]
    })
}

pub fn saw() -> Pattern {
    signal(|t, _| t.to_f64() % 1.0)
}

pub fn isaw() -> Pattern {
    signal(|t, _| 1.0 - t.to_f64() % 1.0)
}

pub fn sine() -> Pattern {
    signal(|t, _| (std::f64::consts::PI * 2.0 * t.to_f64()).sin()).fmap(from_bipolar)
}

pub fn cosine() -> Pattern {
    transform::early(&sine(), Rational::new(1, 4))
}

pub fn square() -> Pattern {
    signal(|t, _| ((t.to_f64() * 2.0) % 2.0).floor())
}

pub fn tri() -> Pattern {
    fastcat(vec![saw(), isaw()])
}

fn from_bipolar(v: &Value) -> Value {
    match v {
        Value::Num(x) => Value::Num((x + 1.0) / 2.0),
        other => other.clone(),
    }
}

/// Strudel's `xorwise` on JavaScript 32-bit integers.
fn xorwise(x: i32) -> i32 {
    let a = x.wrapping_shl(13) ^ x;
    let b = (a >> 17) ^ a;
    b.wrapping_shl(5) ^ b
}

const TWO_POW_29: f64 = 536_870_912.0;

fn time_to_int_seed(x: f64) -> i32 {
    let y = x / 300.0;
    let frac = y - y.trunc();
    xorwise((frac * TWO_POW_29).trunc() as i32)
}

fn int_seed_to_rand(x: i32) -> f64 {
    (x % 536_870_912) as f64 / TWO_POW_29
}

/// One random number in [0, 1) for time `t` (Strudel's legacy `getRandsAtTime(t, 1, seed)`).
pub fn rand_at(t: f64, seed: f64) -> f64 {
    int_seed_to_rand(time_to_int_seed(t + seed)).abs()
}

/// `n` random numbers for time `t` (used by `randrun`/`shuffle`): no `abs`, re-seeded between.
pub fn rands_at(t: f64, n: usize, seed: f64) -> Vec<f64> {
    if n == 1 {
        return vec![rand_at(t, seed)];
    }
    let mut s = time_to_int_seed(t + seed);
    (0..n)
        .map(|_| {
            let r = int_seed_to_rand(s);
            s = xorwise(s);
            r
        })
        .collect()
}

/// Random values in [0, 1), continuous.
pub fn rand() -> Pattern {
    signal(|t, seed| rand_at(t.to_f64(), seed.unwrap_or(0.0)))
}

/// Random integers 0..n-1, continuous.
pub fn irand(n: f64) -> Pattern {
    rand().fmap(move |v| match v {
        Value::Num(x) => Value::Num((x * n).trunc()),
        other => other.clone(),
    })
}

/// Smooth noise: random values at integer times, interpolated with a smootherstep.
pub fn perlin() -> Pattern {
    signal(|t, seed| perlin_at(t.to_f64(), seed.unwrap_or(0.0)))
}

/// Perlin noise at `t`: draws at the integers around it, joined with a smootherstep.
pub fn perlin_at(t: f64, seed: f64) -> f64 {
    let ta = t.floor();
    let ra = rand_at(ta, seed);
    let rb = rand_at(ta + 1.0, seed);
    let x = t - ta;
    let smoother = 6.0 * x.powi(5) - 15.0 * x.powi(4) + 10.0 * x.powi(3);
    ra + smoother * (rb - ra)
}

/// Perlin noise read at the values of `pat` instead of at time (Strudel's `perlinWith`).
pub fn perlin_with(pat: &Pattern) -> Pattern {
    pat.fmap(|v| match v {
        Value::Num(t) => Value::Num(perlin_at(*t, 0.0)),
        other => other.clone(),
    })
}

/// Picks one of `choices` with the values of `pat` (0..1), structure from the chosen pattern
/// (Strudel's `chooseInWith`).
pub fn choose_in_with(pat: &Pattern, choices: Vec<Pattern>) -> Pattern {
    if choices.is_empty() {
        return super::silence();
    }
    let choices = Arc::new(choices);
    let n = choices.len();
    let scaled = range(pat, 0.0, n as f64);
    scaled.inner_bind(move |v| {
        let i = v.as_f64().unwrap_or(0.0).floor().clamp(0.0, (n - 1) as f64) as usize;
        choices[i].clone()
    })
}

/// Scales numbers from 0..1 to lo..hi (`pat * (hi - lo) + lo`).
pub fn range(pat: &Pattern, lo: f64, hi: f64) -> Pattern {
    pat.fmap(move |v| match v {
        Value::Num(x) => Value::Num(x * (hi - lo) + lo),
        other => other.clone(),
    })
}

/// Sets the random seed for everything inside (Strudel's `seed`).
pub fn with_seed(pat: &Pattern, seed: f64) -> Pattern {
    let p = pat.clone();
    Pattern::new(move |state| {
        let mut s = *state;
        s.seed = Some(seed);
        p.query(&s)
    })
    .with_steps(pat.steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rand_matches_strudel() {
        // rand(0) = 0; the oracle's rng_reference.py gives these for the first events of
        // `rand.segment(8)` (tf_sig_07).
        assert_eq!(rand_at(0.0, 0.0), 0.0);
        assert_eq!(rand_at(0.125, 0.0), 0.6852155700325966);
        assert_eq!(rand_at(0.25, 0.0), 0.36975969187915325);
    }
}
