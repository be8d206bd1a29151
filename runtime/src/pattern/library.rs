//! Higher-level transforms built from the core ones, each ported from Strudel 1.2.6
//! (`pattern.mjs`, `signal.mjs`); the comment on each says what it does musically.

use super::ops::{mul_value, set, set_control, union};
use super::signal::rand;
use super::transform::{
    degrade_by_with, early, fast, late, repeat_cycles, slow, value_to_rational,
};
use super::value::Controls;
use super::{MAX_SUBDIVISION, Pattern, Value, capped, fastcat, pure, silence, slowcat, stack};
use crate::time::Rational;
use std::sync::Arc;

pub type Func = Arc<dyn Fn(Pattern) -> Pattern + Send + Sync>;

fn with_pan(pat: &Pattern, delta: f64) -> Pattern {
    pat.fmap(move |v| {
        let current = match v {
            Value::Map(m) => m.get("pan").and_then(Value::as_f64),
            _ => None,
        };
        let pan = Value::Num(current.unwrap_or(0.0) + delta);
        let mut m = match v {
            Value::Map(m) => (**m).clone(),
            plain => std::iter::once(("value", plain.clone())).collect(),
        };
        m.insert("pan", pan);
        Value::map(m)
    })
}

/// The original panned left, `f` of it panned right, by `amount` (1 = hard left/right).
/// Pan runs from -1 to 1 here, where Strudel uses 0 to 1.
pub fn jux_by(pat: &Pattern, amount: f64, f: &Func) -> Pattern {
    // Both sides query the input over the same spans (a whole-cycle query reflected by `rev`
    // is the same span): compute it once.
    let shared = pat.memo_last();
    stack(vec![
        with_pan(&shared, -amount),
        f(with_pan(&shared, amount)),
    ])
}

/// Adds a copy shifted later by `time` with `f` applied.
pub fn off(pat: &Pattern, time: &Pattern, f: &Func) -> Pattern {
    stack(vec![pat.clone(), f(super::transform::late_p(pat, time))])
}

pub fn superimpose(pat: &Pattern, f: &Func) -> Pattern {
    stack(vec![pat.clone(), f(pat.clone())])
}

/// The most copies `echo`/`stut` make; more would only stack inaudible repeats.
pub const MAX_ECHOES: i64 = 1024;

/// `count` copies, each `time` cycles later than the one before, with `gain` set to
/// `feedback^i` (set, not multiplied, as Strudel does).
pub fn echo(pat: &Pattern, count: i64, time: Rational, feedback: f64) -> Pattern {
    if count > MAX_ECHOES {
        return capped();
    }
    stack(
        (0..count.clamp(0, MAX_ECHOES))
            .map(|i| {
                let shifted = late(pat, time * Rational::int(i));
                set_control(&shifted, "gain", Value::Num(feedback.powi(i as i32)))
            })
            .collect(),
    )
}

fn slice_map(begin: f64, end: f64) -> Controls {
    let mut m = Controls::new();
    m.insert("begin", Value::Num(begin));
    m.insert("end", Value::Num(end));
    m
}

/// Cuts each event into `n` parts, each playing the matching part of its sample.
pub fn chop(pat: &Pattern, n: i64) -> Pattern {
    if n > MAX_SUBDIVISION {
        return capped();
    }
    if n < 1 {
        return silence();
    }
    pat.squeeze_bind(move |v| {
        let (b0, e0) = match v {
            Value::Map(m) => match (
                m.get("begin").and_then(Value::as_f64),
                m.get("end").and_then(Value::as_f64),
            ) {
                (Some(b), Some(e)) => (Some(b), Some(e)),
                _ => (None, None),
            },
            _ => (None, None),
        };
        fastcat(
            (0..n)
                .map(|i| {
                    let (mut b, mut e) = (i as f64 / n as f64, (i + 1) as f64 / n as f64);
                    if let (Some(b0), Some(e0)) = (b0, e0) {
                        let d = e0 - b0;
                        (b, e) = (b0 + b * d, b0 + e * d);
                    }
                    pure(union(v, &Value::map(slice_map(b, e)), &|_, y| y.clone()))
                })
                .collect(),
        )
    })
}

/// Plays slice i of every sample in the i-th repetition of the pattern, `n` times per cycle.
pub fn striate(pat: &Pattern, n: i64) -> Pattern {
    if n > MAX_SUBDIVISION {
        return capped();
    }
    if n < 1 {
        return silence();
    }
    let slices = slowcat(
        (0..n)
            .map(|i| {
                pure(Value::map(slice_map(
                    i as f64 / n as f64,
                    (i + 1) as f64 / n as f64,
                )))
            })
            .collect(),
    );
    fast(&set(pat, &slices), Rational::int(n))
}

/// Shifts the pattern by 1/n of a cycle more each cycle (earlier; `back` makes it later).
pub fn iter(pat: &Pattern, n: i64, back: bool) -> Pattern {
    if n > MAX_SUBDIVISION {
        return capped();
    }
    if n < 1 {
        return silence();
    }
    let times = Rational::int(n);
    slowcat(
        (0..n)
            .map(|i| {
                let shift = Rational::int(i) / times;
                if back {
                    late(pat, shift)
                } else {
                    early(pat, shift)
                }
            })
            .collect(),
    )
}

/// Plays the span `[s, e)` of each cycle stretched over the whole cycle.
pub fn zoom(pat: &Pattern, s: Rational, e: Rational) -> Pattern {
    if s >= e {
        return super::gap(Rational::ZERO);
    }
    let d = e - s;
    pat.with_query_span(move |span| span.with_cycle(|t| t * d + s))
        .with_hap_span(move |span| span.with_cycle(|t| (t - s) / d))
        .split_queries()
        .with_steps(pat.steps.map(|st| st * d))
}

/// Repeats the first fraction `t` of each cycle (the last `-t` when negative).
pub fn linger(pat: &Pattern, t: Rational) -> Pattern {
    if t.is_zero() {
        silence()
    } else if t < Rational::ZERO {
        slow(&zoom(pat, t + Rational::ONE, Rational::ONE), t)
    } else {
        slow(&zoom(pat, Rational::ZERO, t), t)
    }
}

/// Applies `f` to one of `n` parts of the cycle in turn (`back` goes the other way).
pub fn chunk(pat: &Pattern, n: i64, f: &Func, back: bool) -> Pattern {
    if n > MAX_SUBDIVISION {
        return capped();
    }
    if n < 1 {
        return silence();
    }
    let mut binary = vec![pure(Value::Num(1.0))];
    binary.extend((1..n).map(|_| pure(Value::Num(0.0))));
    let binary_pat = iter(&fastcat(binary), n, !back);
    let repeated = repeat_cycles(pat, Rational::int(n));
    let f = f.clone();
    binary_pat.inner_bind(move |on| {
        if on.is_truthy() {
            f(repeated.clone())
        } else {
            repeated.clone()
        }
    })
}

/// Applies `f` to a random selection of events with probability `x` (the same draw decides
/// which events are dropped from the original and which are transformed).
pub fn sometimes_by(pat: &Pattern, x: &Pattern, f: &Func) -> Pattern {
    let pat = pat.clone();
    let f = f.clone();
    x.inner_bind(move |v| {
        let x = v.as_f64().unwrap_or(0.0);
        let undegraded = degrade_by_with(&pat, &undegrade_rand(), 1.0 - x);
        stack(vec![degrade_by_with(&pat, &rand(), x), f(undegraded)])
    })
}

fn undegrade_rand() -> Pattern {
    rand().fmap(|v| match v {
        Value::Num(r) => Value::Num(1.0 - r),
        other => other.clone(),
    })
}

/// Keeps events where `1 - rand > x` (the complement of `degradeBy`).
pub fn undegrade_by(pat: &Pattern, x: f64) -> Pattern {
    degrade_by_with(pat, &undegrade_rand(), x)
}

/// `slow n`, then `f`, then `fast n`: `f` works on cycles n times longer.
pub fn inside(pat: &Pattern, n: Rational, f: &Func) -> Pattern {
    fast(&f(slow(pat, n)), n)
}

pub fn outside(pat: &Pattern, n: Rational, f: &Func) -> Pattern {
    inside(pat, Rational::ONE / n, f)
}

/// In each of `n` slices per cycle, events in the second half are delayed by `x/2` of a
/// slice (Strudel: `inside(n, late(seq(0, x/2)))`, so shifted events come back as fragments).
pub fn swing_by(pat: &Pattern, x: f64, n: Rational) -> Pattern {
    let shifts = fastcat(vec![pure(Value::Num(0.0)), pure(Value::Num(x / 2.0))]);
    let f: Func = Arc::new(move |p| super::transform::late_p(&p, &shifts));
    inside(pat, n, &f)
}

/// `fast r`, and `speed` multiplied by `r`.
pub fn hurry(pat: &Pattern, r: &Value) -> Pattern {
    let Some(factor) = value_to_rational(r) else {
        return silence();
    };
    let mut m = Controls::new();
    m.insert("speed", r.clone());
    let speed = pure(Value::map(m));
    fast(pat, factor).app_left(&speed, mul_value)
}

/// Scales 0..1 to lo..hi: `pat * (hi - lo) + lo`, structure from the pattern.
pub fn range(pat: &Pattern, lo: &Value, hi: &Value) -> Pattern {
    let (Some(lo), Some(hi)) = (lo.as_f64(), hi.as_f64()) else {
        return silence();
    };
    let scaled = pat.app_left(&pure(Value::Num(hi - lo)), |a, b| {
        union(a, b, &|x, y| match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Value::Num(x * y),
            _ => x.clone(),
        })
    });
    scaled.app_left(&pure(Value::Num(lo)), |a, b| {
        union(a, b, &|x, y| match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Value::Num(x + y),
            _ => x.clone(),
        })
    })
}

/// Fits each sample to `n` cycles: `slow n`, speed multiplied by `1/n`, `unit "c"` (Tidal's
/// definition; Strudel 1.2.6 sets speed to `cps/n` instead of multiplying).
pub fn loop_at(pat: &Pattern, n: Rational) -> Pattern {
    let mut m = Controls::new();
    m.insert("speed", Value::Num((Rational::ONE / n).to_f64()));
    let speed = pure(Value::map(m));
    let multiplied = slow(pat, n).app_left(&speed, |a, b| {
        union(a, b, &|x, y| match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Value::Num(x * y),
            _ => y.clone(),
        })
    });
    super::ops::set_control(&multiplied, "unit", Value::str("c"))
}

/// Every other cycle squashed into its first half and shifted a quarter later: a breakbeat
/// feel (Strudel's `brak`: `when(slowcat(false, true), x => fastcat(x, silence).late(1/4))`).
pub fn brak(pat: &Pattern) -> Pattern {
    let pat = pat.clone();
    slowcat(vec![pure(Value::Num(0.0)), pure(Value::Num(1.0))]).inner_bind(move |on| {
        if on.is_truthy() {
            late(&fastcat(vec![pat.clone(), silence()]), Rational::new(1, 4))
        } else {
            pat.clone()
        }
    })
}

/// Swaps true and false (Strudel's `inv`: `fmap(x => !x)`), as 1 and 0.
pub fn inv(pat: &Pattern) -> Pattern {
    pat.fmap(|v| Value::Num(if v.is_truthy() { 0.0 } else { 1.0 }))
}

/// Scales 0..1 to lo..hi exponentially (Strudel's `rangex`: `range(log lo, log hi)` then
/// `exp`).
pub fn rangex(pat: &Pattern, lo: &Value, hi: &Value) -> Pattern {
    let (Some(lo), Some(hi)) = (lo.as_f64(), hi.as_f64()) else {
        return silence();
    };
    range(pat, &Value::Num(lo.ln()), &Value::Num(hi.ln())).fmap(|v| match v {
        Value::Num(x) => Value::Num(x.exp()),
        other => other.clone(),
    })
}

/// The bits of `n`, most significant first, as `bits` steps of 1 and 0 (Strudel's
/// `binaryN`); `binary n` takes as many bits as `n` needs.
pub fn binary_n(n: f64, bits: i64) -> Pattern {
    if !(1..=MAX_SUBDIVISION).contains(&bits) {
        return if bits > MAX_SUBDIVISION {
            capped()
        } else {
            silence()
        };
    }
    let n = n as i64;
    fastcat(
        (0..bits)
            .map(|i| pure(Value::Num(((n >> (bits - 1 - i)) & 1) as f64)))
            .collect(),
    )
}

/// The number of bits `n` needs (Strudel's `log2(n).floor() + 1`; 1 for 0).
pub fn bits_of(n: f64) -> i64 {
    if n < 1.0 {
        1
    } else {
        n.log2().floor() as i64 + 1
    }
}

/// Plays slice `i` of `n` of the pattern for each event of `ipat`, squeezed into it
/// (Strudel's `bite`).
pub fn bite(pat: &Pattern, n: &Pattern, ipat: &Pattern) -> Pattern {
    let pat = pat.clone();
    ipat.app_left(n, |i, n| Value::List(Arc::new(vec![i.clone(), n.clone()])))
        .squeeze_bind(move |v| {
            let Value::List(pair) = v else {
                return silence();
            };
            let (Some(i), Some(n)) = (
                value_to_rational(&pair[0]),
                value_to_rational(&pair[1]).filter(|n| !n.is_zero()),
            ) else {
                return silence();
            };
            let a = i / n;
            let a = a - a.floor();
            zoom(&pat, a, a + Rational::ONE / n)
        })
}

/// The pattern of `pats` that each event of `ipat` names (rounded, wrapping), squeezed into
/// the event (Strudel's `squeeze`; Tidal's `squeeze`).
pub fn squeeze(ipat: &Pattern, pats: Vec<Pattern>) -> Pattern {
    if pats.is_empty() {
        return silence();
    }
    let pats = Arc::new(pats);
    ipat.squeeze_bind(move |v| {
        // JavaScript's Math.round: halves go up.
        let i = (v.as_f64().unwrap_or(0.0) + 0.5).floor() as i64;
        pats[i.rem_euclid(pats.len() as i64) as usize].clone()
    })
}

/// Sections of so many cycles each, one after another (Strudel's `arrange`).
pub fn arrange(sections: Vec<(Rational, Pattern)>) -> Pattern {
    let total = sections
        .iter()
        .fold(Rational::ZERO, |acc, (cycles, _)| acc + *cycles);
    if total.is_zero() {
        return silence();
    }
    let timed = sections
        .into_iter()
        .map(|(cycles, p)| (cycles, fast(&p, cycles)))
        .collect();
    slow(&super::timecat(timed), total)
}

/// Plays slice `i` of `n` of each sample, for each event of `ipat` (Strudel's `slice`:
/// `begin i/n`, `end (i+1)/n`, structure from the indices).
pub fn slice(n: &Pattern, ipat: &Pattern, pat: &Pattern) -> Pattern {
    let (ipat, pat) = (ipat.clone(), pat.clone());
    n.inner_bind(move |n| {
        let (n, pat) = (n.clone(), pat.clone());
        ipat.outer_bind(move |i| {
            let (Some(nf), Some(i)) = (n.as_f64(), i.as_f64()) else {
                return silence();
            };
            let (n, i) = (n.clone(), Value::Num(i));
            pat.outer_bind(move |o| {
                let mut m = match o {
                    Value::Map(m) => (**m).clone(),
                    plain => std::iter::once(("s", plain.clone())).collect(),
                };
                // `{begin, end, _slices, ...o}`: the event's own controls win.
                let i = i.as_f64().unwrap_or(0.0);
                let computed = [
                    ("begin", Value::Num(i / nf)),
                    ("end", Value::Num((i + 1.0) / nf)),
                    ("_slices", n.clone()),
                ];
                for (k, v) in computed {
                    if m.get(k).is_none() {
                        m.insert(k, v);
                    }
                }
                pure(Value::map(m))
            })
        })
    })
}

/// `slice` with each slice's speed fitted to its event, `unit "c"` (Strudel's `splice`:
/// speed `1 / n / duration` in cycles; a `speed` or `unit` the event already has is kept,
/// as Strudel's `{speed, unit, ...v}` keeps it).
pub fn splice(n: &Pattern, ipat: &Pattern, pat: &Pattern) -> Pattern {
    slice(n, ipat, pat).with_hap(|mut h| {
        if let (Some(whole), Value::Map(m)) = (h.whole, &h.value) {
            let mut m = (**m).clone();
            let slices = m.get("_slices").and_then(Value::as_f64).unwrap_or(1.0);
            let fit = 1.0 / slices / (whole.end - whole.begin).to_f64();
            if m.get("speed").is_none() {
                m.insert("speed", Value::Num(fit));
            }
            if m.get("unit").is_none() {
                m.insert("unit", Value::str("c"));
            }
            h.value = Value::map(m);
        }
        h
    })
}

/// The pattern of `pats` that each event of `indices` names, rounded and held to the list's
/// ends, structure from the chosen pattern (Strudel's `pick`).
pub fn pick(pats: Vec<Pattern>, indices: &Pattern) -> Pattern {
    if pats.is_empty() {
        return silence();
    }
    let pats = Arc::new(pats);
    indices.inner_bind(move |v| {
        let i = (v.as_f64().unwrap_or(0.0) + 0.5)
            .floor()
            .clamp(0.0, (pats.len() - 1) as f64);
        pats[i as usize].clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::transform::{late, rev};
    use crate::pattern::{Hap, timecat};

    fn sorted(mut haps: Vec<Hap>) -> Vec<String> {
        let mut v: Vec<String> = haps
            .drain(..)
            .map(|h| crate::pattern::hap_to_json(&h))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn jux_with_shared_input_equals_the_plain_definition() {
        let names = ["a", "b", "c"];
        let seq = timecat(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (Rational::int(i as i64 + 1), pure(Value::str(n))))
                .collect(),
        );
        let pat = echo(
            &late(&seq, Rational::new(1, 5)),
            3,
            Rational::new(1, 8),
            0.5,
        );
        let f: Func = Arc::new(|p| rev(&p));
        let juxed = jux_by(&pat, 1.0, &f);
        let plain = stack(vec![with_pan(&pat, -1.0), rev(&with_pan(&pat, 1.0))]);
        for (a, b) in [(0, 1), (1, 3), (-7, 3), (5, 4), (2, 11)] {
            let (begin, end) = (Rational::new(a, 3), Rational::new(b, 2));
            // Query twice in a row: the shared input must not hand out stale events.
            for _ in 0..2 {
                assert_eq!(
                    sorted(juxed.query_span(begin, end)),
                    sorted(plain.query_span(begin, end)),
                    "[{begin:?}, {end:?})"
                );
            }
        }
    }
}
