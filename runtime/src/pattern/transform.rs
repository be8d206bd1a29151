//! Pattern transforms, ported from Strudel's `pattern.mjs`, `signal.mjs` and `euclid.mjs`.
//! Functions named `fast`, `late`, ... take plain arguments; `patterned` lifts any of them to
//! pattern arguments the way Strudel's `register` does (constant arguments take the direct
//! path, others are inner-joined).

use super::{
    Hap, MAX_SUBDIVISION, Pattern, TimeSpan, Value, capped, fastcat, pure, silence, timecat,
};
use crate::time::Rational;

/// A value as a time (Strudel's `Fraction(x)`); `None` for values that are not numbers.
pub fn value_to_rational(v: &Value) -> Option<Rational> {
    match v {
        Value::Num(n) if n.is_finite() => Some(Rational::from_f64(*n)),
        _ => None,
    }
}

/// Applies `f` with the values of a patterned argument. A constant argument is used directly;
/// otherwise each event of the argument pattern selects `f(value)` for its span (inner join).
pub fn patterned(
    arg: &Pattern,
    pat: &Pattern,
    f: impl Fn(&Value, &Pattern) -> Pattern + Send + Sync + 'static,
) -> Pattern {
    if let Some(v) = &arg.pure_value {
        return f(v, pat);
    }
    let pat = pat.clone();
    arg.inner_bind(move |v| f(v, &pat))
}

/// Two patterned arguments, combined structure-from-the-left as Strudel does.
pub fn patterned2(
    a: &Pattern,
    b: &Pattern,
    pat: &Pattern,
    f: impl Fn(&Value, &Value, &Pattern) -> Pattern + Send + Sync + 'static,
) -> Pattern {
    if let (Some(x), Some(y)) = (&a.pure_value, &b.pure_value) {
        return f(x, y, pat);
    }
    let pairs = a.app_left(b, |x, y| {
        Value::List(std::sync::Arc::new(vec![x.clone(), y.clone()]))
    });
    let pat = pat.clone();
    pairs.inner_bind(move |v| match v {
        Value::List(xy) => f(&xy[0], &xy[1], &pat),
        _ => silence(),
    })
}

/// Three patterned arguments.
pub fn patterned3(
    a: &Pattern,
    b: &Pattern,
    c: &Pattern,
    pat: &Pattern,
    f: impl Fn(&Value, &Value, &Value, &Pattern) -> Pattern + Send + Sync + 'static,
) -> Pattern {
    if let (Some(x), Some(y), Some(z)) = (&a.pure_value, &b.pure_value, &c.pure_value) {
        return f(x, y, z, pat);
    }
    // Pair first, then append: argument values may themselves be lists (`bd:3`).
    let pair = |x: &Value, y: &Value| Value::List(std::sync::Arc::new(vec![x.clone(), y.clone()]));
    let append = |xy: &Value, z: &Value| match xy {
        Value::List(items) => {
            let mut v = (**items).clone();
            v.push(z.clone());
            Value::List(std::sync::Arc::new(v))
        }
        other => other.clone(),
    };
    let triples = a.app_left(b, pair).app_left(c, append);
    let pat = pat.clone();
    triples.inner_bind(move |v| match v {
        Value::List(xyz) if xyz.len() == 3 => f(&xyz[0], &xyz[1], &xyz[2], &pat),
        _ => silence(),
    })
}

pub fn fast(pat: &Pattern, factor: Rational) -> Pattern {
    // In u128: a denominator near i64's range times the cap overflows u64 (found by fuzzing).
    if factor.num().unsigned_abs() as u128
        > MAX_SUBDIVISION as u128 * factor.den().unsigned_abs() as u128
    {
        return capped();
    }
    if factor.is_zero() {
        return silence();
    }
    pat.time_mapped(factor, Rational::ZERO)
}

pub fn slow(pat: &Pattern, factor: Rational) -> Pattern {
    if factor.is_zero() {
        return silence();
    }
    fast(pat, Rational::ONE / factor)
}

pub fn early(pat: &Pattern, offset: Rational) -> Pattern {
    pat.time_mapped(Rational::ONE, offset)
}

pub fn late(pat: &Pattern, offset: Rational) -> Pattern {
    early(pat, -offset)
}

/// `fast` with a patterned factor.
pub fn fast_p(pat: &Pattern, factor: &Pattern) -> Pattern {
    patterned(factor, pat, |v, p| match value_to_rational(v) {
        Some(f) => fast(p, f),
        None => silence(),
    })
    .with_steps(pat.steps)
}

pub fn slow_p(pat: &Pattern, factor: &Pattern) -> Pattern {
    patterned(factor, pat, |v, p| match value_to_rational(v) {
        Some(f) => slow(p, f),
        None => silence(),
    })
}

pub fn early_p(pat: &Pattern, offset: &Pattern) -> Pattern {
    patterned(offset, pat, |v, p| match value_to_rational(v) {
        Some(o) => early(p, o),
        None => silence(),
    })
    .with_steps(pat.steps)
}

pub fn late_p(pat: &Pattern, offset: &Pattern) -> Pattern {
    patterned(offset, pat, |v, p| match value_to_rational(v) {
        Some(o) => late(p, o),
        None => silence(),
    })
    .with_steps(pat.steps)
}

/// Speeds up by `factor` but only plays the first cycle of each, leaving a gap.
pub fn fast_gap(pat: &Pattern, factor: Rational) -> Pattern {
    let query_span = move |span: &TimeSpan| {
        let cycle = span.begin.sam();
        let bpos = ((span.begin - cycle) * factor).min(Rational::ONE);
        let epos = ((span.end - cycle) * factor).min(Rational::ONE);
        if bpos >= Rational::ONE {
            return None;
        }
        Some(TimeSpan::new(cycle + bpos, cycle + epos))
    };
    pat.with_query_span_maybe(query_span)
        .with_hap(move |hap| {
            let begin = hap.part.begin;
            let end = hap.part.end;
            let cycle = begin.sam();
            let begin_pos = ((begin - cycle) / factor).min(Rational::ONE);
            let end_pos = ((end - cycle) / factor).min(Rational::ONE);
            let part = TimeSpan::new(cycle + begin_pos, cycle + end_pos);
            let whole = hap.whole.map(|w| {
                TimeSpan::new(
                    part.begin - (begin - w.begin) / factor,
                    part.end + (w.end - end) / factor,
                )
            });
            Hap::new(whole, part, hap.value)
        })
        .split_queries()
}

/// Squeezes each cycle into the span `[b, e)` of the cycle, silent elsewhere.
pub fn compress(pat: &Pattern, b: Rational, e: Rational) -> Pattern {
    if b > e || b > Rational::ONE || e > Rational::ONE || b < Rational::ZERO || e < Rational::ZERO {
        return silence();
    }
    if b == e {
        return silence();
    }
    late(&fast_gap(pat, Rational::ONE / (e - b)), b)
}

/// Plays one cycle of the pattern in the span `[b, e)`, continuing outside it.
pub fn focus(pat: &Pattern, b: Rational, e: Rational) -> Pattern {
    late(&fast(&early(pat, b.sam()), Rational::ONE / (e - b)), b)
}

impl Pattern {
    pub fn focus_span(&self, span: TimeSpan) -> Pattern {
        focus(self, span.begin, span.end)
    }
}

/// Reverses each cycle.
pub fn rev(pat: &Pattern) -> Pattern {
    let p = pat.clone();
    Pattern::new(move |state| {
        let cycle = state.span.begin.sam();
        let next = state.span.begin.next_sam();
        // t -> cycle + (next - t), with the ends swapped.
        let mirror = cycle + next;
        let reflect = move |s: &TimeSpan| TimeSpan::new(mirror - s.end, mirror - s.begin);
        let mut haps = p.query(&state.with_span(reflect(&state.span)));
        for h in &mut haps {
            let same = h.whole == Some(h.part);
            h.part = reflect(&h.part);
            h.whole = if same {
                Some(h.part)
            } else {
                h.whole.map(|w| reflect(&w))
            };
        }
        haps
    })
    .split_queries()
    .with_steps(pat.steps)
}

/// Repeats each cycle `n` times.
pub fn repeat_cycles(pat: &Pattern, n: Rational) -> Pattern {
    let p = pat.clone();
    Pattern::new(move |state| {
        let cycle = state.span.begin.sam();
        let source = (cycle / n).sam();
        let delta = cycle - source;
        p.query(&state.with_span(state.span.with_time(|t| t - delta)))
            .into_iter()
            .map(|h| h.with_span(|s| s.with_time(|t| t + delta)))
            .collect()
    })
    .split_queries()
    .with_steps(pat.steps)
}

/// Keeps the values of `pat` where `bools` is truthy, with the structure of `bools`
/// (Strudel's `struct`, i.e. `keepif.out`).
pub fn struct_(pat: &Pattern, bools: &Pattern) -> Pattern {
    keep_if(pat, bools, true)
}

/// Keeps the events of `pat` (their structure) where `bools` is truthy (`keepif.in`).
pub fn mask(pat: &Pattern, bools: &Pattern) -> Pattern {
    keep_if(pat, bools, false)
}

/// `keepif`: a marker value stands for JavaScript's `undefined`, removed afterwards.
fn keep_if(pat: &Pattern, bools: &Pattern, structure_from_bools: bool) -> Pattern {
    const DROP: &str = "\u{0}phonon-drop";
    let op = |a: &Value, b: &Value| {
        if b.is_truthy() {
            a.clone()
        } else {
            Value::str(DROP)
        }
    };
    let combined = if structure_from_bools {
        pat.app_right(bools, op)
    } else {
        pat.app_left(bools, op)
    };
    combined.filter_values(|v| !matches!(v, Value::Str(s) if &**s == DROP))
}

/// The Bjorklund algorithm as Strudel implements it (negative `ons` inverts the pattern).
pub fn bjorklund(ons: i64, steps: i64) -> Vec<bool> {
    let inverted = ons < 0;
    let abs_ons = ons.unsigned_abs() as usize;
    if steps > MAX_SUBDIVISION {
        return Vec::new();
    }
    let steps = steps.max(0) as usize;
    if abs_ons > steps {
        // Strudel would build a negative-length array and fail; nothing sensible plays.
        return vec![!inverted; steps];
    }
    let offs = steps - abs_ons;
    let ones: Vec<Vec<bool>> = vec![vec![true]; abs_ons];
    let zeros: Vec<Vec<bool>> = vec![vec![false]; offs];
    let (_, (a, b)) = bjorklund_step((abs_ons, offs), (ones, zeros));
    let pattern: Vec<bool> = a.into_iter().chain(b).flatten().collect();
    if inverted {
        pattern.into_iter().map(|x| !x).collect()
    } else {
        pattern
    }
}

type Groups = (Vec<Vec<bool>>, Vec<Vec<bool>>);

fn bjorklund_step(n: (usize, usize), x: Groups) -> ((usize, usize), Groups) {
    let (mut n, mut x) = (n, x);
    loop {
        let (ons, offs) = n;
        if ons.min(offs) <= 1 {
            return (n, x);
        }
        let (xs, ys) = x;
        if ons > offs {
            // left: split xs at offs, zip the first part with ys.
            let (head, tail) = split_at(xs, offs);
            let zipped = head
                .into_iter()
                .zip(ys)
                .map(|(mut a, b)| {
                    a.extend(b);
                    a
                })
                .collect();
            n = (offs, ons - offs);
            x = (zipped, tail);
        } else {
            let (head, tail) = split_at(ys, ons);
            let zipped = xs
                .into_iter()
                .zip(head)
                .map(|(mut a, b)| {
                    a.extend(b);
                    a
                })
                .collect();
            n = (ons, offs - ons);
            x = (zipped, tail);
        }
    }
}

fn split_at(mut v: Vec<Vec<bool>>, at: usize) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
    let tail = v.split_off(at.min(v.len()));
    (v, tail)
}

/// Bjorklund rotated as Strudel does: `rotate(b, -r)`, onsets move later.
pub fn euclid_bools(pulses: i64, steps: i64, rotation: i64) -> Vec<bool> {
    let b = bjorklund(pulses, steps);
    if rotation == 0 || b.is_empty() {
        return b;
    }
    let n = b.len() as i64;
    // JavaScript's slice(-r) with r possibly beyond the length: normalise like slice does.
    let shift = (-rotation).clamp(-n, n);
    let start = if shift < 0 { n + shift } else { shift } as usize;
    let mut out = b[start..].to_vec();
    out.extend_from_slice(&b[..start]);
    out
}

fn bools_pattern(bools: &[bool]) -> Pattern {
    fastcat(
        bools
            .iter()
            .map(|&b| pure(Value::Num(if b { 1.0 } else { 0.0 })))
            .collect(),
    )
}

pub fn euclid_rot(pat: &Pattern, pulses: i64, steps: i64, rotation: i64) -> Pattern {
    if steps > MAX_SUBDIVISION {
        return capped();
    }
    struct_(pat, &bools_pattern(&euclid_bools(pulses, steps, rotation)))
}

/// Each pulse held until the next one.
pub fn euclid_legato_rot(pat: &Pattern, pulses: i64, steps: i64, rotation: i64) -> Pattern {
    if steps > MAX_SUBDIVISION {
        return capped();
    }
    if pulses < 1 {
        return silence();
    }
    let bools = euclid_bools(pulses, steps, 0);
    let text: String = bools.iter().map(|&b| if b { '1' } else { '0' }).collect();
    let gapless: Vec<(Rational, Pattern)> = text
        .split('1')
        .skip(1)
        .map(|s| (Rational::int(s.len() as i64 + 1), pure(Value::Num(1.0))))
        .collect();
    late(
        &struct_(pat, &timecat(gapless)),
        Rational::new(rotation, steps.max(1)),
    )
}

fn as_int(v: &Value) -> Option<i64> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .map(|x| x.trunc() as i64)
}

pub fn euclid_p(pat: &Pattern, pulses: &Pattern, steps: &Pattern) -> Pattern {
    patterned2(pulses, steps, pat, |k, n, p| match (as_int(k), as_int(n)) {
        (Some(k), Some(n)) => euclid_rot(p, k, n, 0),
        _ => silence(),
    })
}

pub fn euclid_rot_p(pat: &Pattern, pulses: &Pattern, steps: &Pattern, rot: &Pattern) -> Pattern {
    patterned3(pulses, steps, rot, pat, |k, n, r, p| {
        match (as_int(k), as_int(n), as_int(r)) {
            (Some(k), Some(n), Some(r)) => euclid_rot(p, k, n, r),
            _ => silence(),
        }
    })
}

pub fn euclid_legato_p(pat: &Pattern, pulses: &Pattern, steps: &Pattern, rot: &Pattern) -> Pattern {
    patterned3(pulses, steps, rot, pat, |k, n, r, p| {
        match (as_int(k), as_int(n), as_int(r)) {
            (Some(k), Some(n), Some(r)) => euclid_legato_rot(p, k, n, r),
            _ => silence(),
        }
    })
}

/// Keeps the events of `pat` for which the random pattern `with`, sampled over each event,
/// is above `x` (Strudel `_degradeByWith`).
pub fn degrade_by_with(pat: &Pattern, with: &Pattern, x: f64) -> Pattern {
    let filtered = with.filter_values(move |v| v.as_f64().is_some_and(|r| r > x));
    pat.app_left(&filtered, |a, _| a.clone())
        .with_steps(pat.steps)
}

/// Repeats each event `factor` times within its span.
pub fn ply(pat: &Pattern, factor: Rational) -> Pattern {
    if factor > Rational::int(MAX_SUBDIVISION) {
        return capped();
    }
    pat.squeeze_bind(move |v| fast(&pure(v.clone()), factor))
        .with_steps(pat.steps.map(|s| s * factor))
}

pub fn ply_p(pat: &Pattern, factor: &Pattern) -> Pattern {
    patterned(factor, pat, |v, p| match value_to_rational(v) {
        Some(f) => ply(p, f),
        None => silence(),
    })
}

/// Samples a pattern `rate` times per cycle.
pub fn segment(pat: &Pattern, rate: Rational) -> Pattern {
    struct_(pat, &fast(&pure(Value::Num(1.0)), rate)).with_steps(Some(rate))
}

pub fn segment_p(pat: &Pattern, rate: &Pattern) -> Pattern {
    patterned(rate, pat, |v, p| match value_to_rational(v) {
        Some(r) => segment(p, r),
        None => silence(),
    })
}

/// One pattern per cycle by absolute cycle number: unlike `slowcat`, cycles are skipped
/// (Strudel `slowcatPrime`). Negative cycles play nothing, as in Strudel.
pub fn slowcat_prime(pats: Vec<Pattern>) -> Pattern {
    Pattern::new(move |state| {
        let cycle = state.span.begin.floor().num();
        let n = pats.len() as i64;
        // JavaScript's `%` keeps the sign: a negative remainder (cycle -1 of two) selects
        // nothing, while a negative cycle that divides evenly (-2 of two) selects the first.
        match usize::try_from(cycle % n.max(1))
            .ok()
            .and_then(|i| pats.get(i))
        {
            Some(p) => p.query(state),
            None => Vec::new(),
        }
    })
    .split_queries()
}

/// Applies `f` on cycles 0, n, 2n, ... (`every` is Strudel's `firstOf`).
pub fn first_of(pat: &Pattern, n: i64, f: &dyn Fn(Pattern) -> Pattern) -> Pattern {
    if n < 1 {
        return silence();
    }
    let mut pats = vec![f(pat.clone())];
    pats.extend(std::iter::repeat_n(pat.clone(), (n - 1) as usize));
    slowcat_prime(pats)
}

/// Applies `f` on cycles n-1, 2n-1, ...
pub fn last_of(pat: &Pattern, n: i64, f: &dyn Fn(Pattern) -> Pattern) -> Pattern {
    if n < 1 {
        return silence();
    }
    let mut pats: Vec<Pattern> = std::iter::repeat_n(pat.clone(), (n - 1) as usize).collect();
    pats.push(f(pat.clone()));
    slowcat_prime(pats)
}

/// Applies `f` when the cycle number modulo `a` is at least `b`.
pub fn when_mod(pat: &Pattern, a: f64, b: f64, f: &dyn Fn(Pattern) -> Pattern) -> Pattern {
    let (p, applied) = (pat.clone(), f(pat.clone()));
    Pattern::new(move |state| {
        let cycle = state.span.begin.sam().to_f64();
        if ((cycle % a) + a) % a >= b {
            applied.query(state)
        } else {
            p.query(state)
        }
    })
    .split_queries()
}

/// Reversed every other cycle (`lastOf 2 rev`).
pub fn palindrome(pat: &Pattern) -> Pattern {
    last_of(pat, 2, &|p| rev(&p)).with_steps(pat.steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_with_a_huge_denominator_is_checked_without_overflow() {
        // Found by the compile fuzzer: the cap check overflowed u64 for such factors.
        let a = pure(Value::str("a"));
        let tiny = fast(&a, Rational::new(3, (1 << 62) + 1));
        assert_eq!(tiny.query_span(Rational::ZERO, Rational::ONE).len(), 1);
        let huge = fast(&a, Rational::new(i64::MAX, 3));
        let refused =
            crate::pattern::budget::run(|| huge.query_span(Rational::ZERO, Rational::ONE));
        assert_eq!(refused, Err(crate::pattern::budget::Exceeded::Factor));
    }

    #[test]
    fn time_transforms_fold_into_one_map() {
        let a = pure(Value::str("a"));
        let p = fast(&fast(&a, Rational::int(3)), Rational::int(2));
        assert_eq!(p.time_map(), Some((Rational::int(6), Rational::ZERO)));
        // late 1/4 of fast 2: query t -> 2 (t - 1/4) = 2t - 1/2.
        let q = fast(&late(&a, Rational::new(1, 4)), Rational::int(2));
        assert_eq!(q.time_map(), Some((Rational::int(2), Rational::new(-1, 4))));
        let r = late(&fast(&a, Rational::int(2)), Rational::new(1, 4));
        assert_eq!(r.time_map(), Some((Rational::int(2), Rational::new(-1, 2))));
        // Value maps do not get in the way.
        let s = fast(
            &fast(&a, Rational::int(3)).fmap(|v| v.clone()),
            Rational::int(2),
        );
        assert_eq!(s.time_map(), Some((Rational::int(6), Rational::ZERO)));
        assert_eq!(
            s.query_span(Rational::ZERO, Rational::ONE).len(),
            6,
            "six events per cycle"
        );
    }

    fn bits(b: &[bool]) -> String {
        b.iter().map(|&x| if x { 'x' } else { '.' }).collect()
    }

    #[test]
    fn bjorklund_matches_strudel() {
        assert_eq!(bits(&bjorklund(3, 8)), "x..x..x.");
        assert_eq!(bits(&bjorklund(5, 8)), "x.xx.xx.");
        assert_eq!(bits(&bjorklund(-3, 8)), ".xx.xx.x");
        assert_eq!(bits(&bjorklund(0, 8)), "........");
        assert_eq!(bits(&bjorklund(8, 8)), "xxxxxxxx");
        // Strudel rotates the other way from Tidal: onsets move later.
        assert_eq!(bits(&euclid_bools(3, 8, 2)), "x.x..x..");
    }
}
