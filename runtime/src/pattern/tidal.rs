//! Transforms as Tidal defines them (`Sound.Tidal.UI`, `Sound.Tidal.Core`), for names Strudel
//! 1.2.6 lacks or whose Strudel form cannot be written with Phonon's one-argument
//! transforms: `within`, `trunc`, `ghostWith`, `stutWith`, `plyWith`, `quantise`, `every'`,
//! `foldEvery`. The comment on each gives Tidal's definition.

use super::arp::arpeggiate;
use super::library::{Func, superimpose, zoom};
use super::ops::{set, union};
use super::transform::{compress, late};
use super::value::Controls;
use super::{Pattern, Value, pure, silence, stack};
use crate::time::Rational;
use std::sync::Arc;

/// `within (s, e) f p = stack [filterWhen (in s e) (f p), filterWhen (not . in s e) p]`:
/// `f` applies to the events that start within [s, e) of a cycle, after it has acted.
pub fn within(pat: &Pattern, s: Rational, e: Rational, f: &Func) -> Pattern {
    let inside = move |h: &super::span::Hap| {
        let pos = h.whole_or_part().begin.cycle_pos();
        pos >= s && pos < e
    };
    stack(vec![
        f(pat.clone()).filter_haps(inside),
        pat.filter_haps(move |h| !inside(h)),
    ])
}

/// `trunc t = compress (0, t) . zoomArc (Arc 0 t)`: plays the first `t` of each cycle and
/// leaves the rest silent.
pub fn trunc(pat: &Pattern, t: Rational) -> Pattern {
    if t <= Rational::ZERO {
        return silence();
    }
    let t = t.min(Rational::ONE);
    compress(&zoom(pat, Rational::ZERO, t), Rational::ZERO, t)
}

/// `ghostWith a f p = superimpose (((a*2.5) `rotR`) . f) $ superimpose (((a*1.5) `rotR`) . f) p`
pub fn ghost_with(pat: &Pattern, a: Rational, f: &Func) -> Pattern {
    let shifted = |by: Rational| -> Func {
        let f = f.clone();
        Arc::new(move |p| late(&f(p), by))
    };
    let inner = superimpose(pat, &shifted(a * Rational::new(3, 2)));
    superimpose(&inner, &shifted(a * Rational::new(5, 2)))
}

/// `ghost = ghost' 0.125`, `ghost' a = ghostWith a ((|*| gain 0.7) . (|> end 0.2) .
/// (|*| speed 1.25))`: quieter, shorter, higher copies 3/16 and 5/16 of a cycle later.
pub fn ghost(pat: &Pattern, a: Rational) -> Pattern {
    let f: Func = Arc::new(|p| {
        let times = |name: &'static str, x: f64| {
            let c: Controls = std::iter::once((name, Value::Num(x))).collect();
            let c = pure(Value::map(c));
            move |p: &Pattern| {
                p.app_both(&c, |a, b| {
                    union(a, b, &|x, y| match (x.as_f64(), y.as_f64()) {
                        (Some(x), Some(y)) => Value::Num(x * y),
                        _ => x.clone(),
                    })
                })
            }
        };
        let end: Controls = std::iter::once(("end", Value::Num(0.2))).collect();
        let p = times("speed", 1.25)(&p);
        let p = set(&p, &pure(Value::map(end)));
        times("gain", 0.7)(&p)
    });
    ghost_with(pat, a, &f)
}

/// `_stutWith n t f p = overlay (f (t `rotR` _stutWith (n-1) t f p)) p` (p itself for
/// n <= 1): copy i is `t * i` later with `f` applied i times.
pub fn stut_with(pat: &Pattern, count: i64, time: Rational, f: &Func) -> Pattern {
    if count <= 1 {
        return pat.clone();
    }
    let rest = stut_with(pat, count - 1, time, f);
    stack(vec![f(late(&rest, time)), pat.clone()])
}

/// `_plyWith n f p = arpeggiate $ compound n` where `compound n = overlay p (f $ compound
/// (n-1))`: each event played n times in its span, the i-th with `f` applied i times.
pub fn ply_with(pat: &Pattern, count: i64, f: &Func) -> Pattern {
    fn compound(pat: &Pattern, n: i64, f: &Func) -> Pattern {
        if n <= 1 {
            return pat.clone();
        }
        stack(vec![pat.clone(), f(compound(pat, n - 1, f))])
    }
    arpeggiate(&compound(pat, count, f))
}

/// `quantise n = fmap ((/ n) . fromIntegral . round . (* n))`, with Haskell's `round` (a
/// half goes to the even neighbour).
pub fn quantise(pat: &Pattern, n: f64) -> Pattern {
    pat.fmap(move |v| match v {
        Value::Num(x) => Value::Num((x * n).round_ties_even() / n),
        other => other.clone(),
    })
}

/// `_every' n o = when ((== o) . (`mod` n))`: `f` on the cycles that are `o` modulo `n`.
pub fn every_offset(pat: &Pattern, n: i64, o: i64, f: &Func) -> Pattern {
    if n < 1 {
        return pat.clone();
    }
    let (plain, applied) = (pat.clone(), f(pat.clone()));
    Pattern::new(move |state| {
        let cycle = state.span.begin.floor().num();
        if cycle.rem_euclid(n) == o {
            applied.query(state)
        } else {
            plain.query(state)
        }
    })
    .split_queries()
}

/// `foldEvery ns f p = foldr (`_every` f) p ns`: Tidal's `every n f` for each n, the first
/// outermost (`_every n = when ((== 0) . (`mod` n))`, so negative cycles count as Haskell's
/// `mod` does).
pub fn fold_every(pat: &Pattern, ns: &[i64], f: &Func) -> Pattern {
    ns.iter()
        .rev()
        .fold(pat.clone(), |p, &n| every_offset(&p, n, 0, f))
}
