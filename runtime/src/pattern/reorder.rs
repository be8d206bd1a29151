//! Tidal's transforms that move a pattern's values or pieces around inside its structure:
//! `rot` (values shift along the events of each cycle), `chew` (`bite` with the playback
//! speed following the slices' squeeze) and `ur` (a pattern of named patterns). The comment
//! on each gives Tidal's definition.

use super::library::{Func, inside, zoom};
use super::ops::union;
use super::span::Hap;
use super::transform::{fast, late, slow, value_to_rational};
use super::value::Controls;
use super::{Pattern, Value, silence};
use crate::time::Rational;
use std::cmp::Ordering;
use std::sync::Arc;

/// `_rot i pat`: queries the whole cycle, sorts its events (fragments of one event joined),
/// gives each the value of the event `i` later (wrapping), then keeps what lies in the
/// query. Tidal's `drop (length es - abs i)` for negative `i` means a shift beyond the
/// event count left rotates nothing; so it is here.
pub fn rot(pat: &Pattern, i: i64) -> Pattern {
    let pat = pat.clone();
    Pattern::new(move |state| {
        let span = state.span;
        let sam = span.begin.sam();
        let cycle = super::TimeSpan::new(sam, sam + Rational::ONE);
        let mut haps = defrag(pat.query(&state.with_span(cycle)));
        haps.sort_by(order);
        let n = haps.len() as i64;
        if n == 0 {
            return Vec::new();
        }
        let offset = if i >= 0 { i } else { (n - i.abs()).max(0) };
        let values: Vec<Value> = haps.iter().map(|h| h.value.clone()).collect();
        haps.iter()
            .enumerate()
            .filter_map(|(j, h)| {
                let part = h.part.intersection(&span)?;
                let value = values[((j as i64 + offset) % n) as usize].clone();
                Some(Hap::new(h.whole, part, value))
            })
            .collect()
    })
    .split_queries()
}

/// Events in time order: by whole (continuous ones by part), then part.
fn order(a: &Hap, b: &Hap) -> Ordering {
    let key = |h: &Hap| (h.whole_or_part().begin, h.whole_or_part().end, h.part.begin);
    key(a).cmp(&key(b))
}

/// Tidal's `defragParts`: fragments of one event (same whole and value, parts that meet)
/// become one.
fn defrag(mut haps: Vec<Hap>) -> Vec<Hap> {
    let mut out: Vec<Hap> = Vec::with_capacity(haps.len());
    haps.sort_by(order);
    for h in haps {
        let joined = out.iter_mut().any(|o| {
            let meets = o.whole.is_some()
                && o.whole == h.whole
                && o.value == h.value
                && (o.part.end == h.part.begin || h.part.end == o.part.begin);
            if meets {
                o.part = super::TimeSpan::new(
                    o.part.begin.min(h.part.begin),
                    o.part.end.max(h.part.end),
                );
            }
            meets
        });
        if !joined {
            out.push(h);
        }
    }
    out
}

/// `chew npat ipat pat = innerJoin $ (\n -> _chew n ipat pat) <$> npat`, where
/// `_chew n ipat pat = squeezeJoinUp (zoomslice <$> ipat) |/ speed n`: as `bite`, each
/// event of `ipat` plays slice `i` of `n` squeezed into it, and `squeezeJoinUp` multiplies
/// its `speed` by 1 / (the event's length), so a slice stretched over twice its length plays
/// at half speed. An event without `speed` counts as speed 1 (Tidal's `|*` is a union).
pub fn chew(pat: &Pattern, n: &Pattern, ipat: &Pattern) -> Pattern {
    let (pat, ipat) = (pat.clone(), ipat.clone());
    n.inner_bind(move |n| match value_to_rational(n).map(|n| n.floor()) {
        Some(n) if n > Rational::ZERO => chew_n(&pat, n, &ipat),
        _ => silence(),
    })
}

fn chew_n(pat: &Pattern, n: Rational, ipat: &Pattern) -> Pattern {
    let pat = pat.clone();
    // Each index with the length of its event, which sets the speed of its slice.
    let with_length = ipat.filter_haps(|h| h.whole.is_some()).with_hap(|h| {
        let w = h.whole.expect("digital events only");
        let value = Value::List(Arc::new(vec![
            h.value.clone(),
            Value::Num((w.end - w.begin).to_f64()),
        ]));
        Hap::new(h.whole, h.part, value)
    });
    with_length.squeeze_bind(move |v| {
        let Value::List(pair) = v else {
            return silence();
        };
        let (Some(i), Some(length)) = (value_to_rational(&pair[0]), pair[1].as_f64()) else {
            return silence();
        };
        let i = i.floor();
        let i = i - (i / n).floor() * n;
        let slice = zoom(&pat, i / n, (i + Rational::ONE) / n);
        let factor = 1.0 / (length * n.to_f64());
        let speed: Controls = std::iter::once(("speed", Value::Num(factor))).collect();
        let speed = Value::map(speed);
        slice.fmap(move |v| {
            union(v, &speed, &|a, b| match (a.as_f64(), b.as_f64()) {
                (Some(a), Some(b)) => Value::Num(a * b),
                _ => a.clone(),
            })
        })
    })
}

/// `ur t outer_p ps fs = _slow t $ unwrap $ adjust <$> timedValues (getPat . split <$>
/// outer_p)`: over `t` cycles, each event of `outer` (a name, or `name:fx`) plays the named
/// pattern (`_fast t`, so that its cycles run at the pace of `ur`'s), within the event's
/// span (`unwrap`: wholes intersected); with `fx`, the named function is applied inside the
/// event (`s rotR inside (1 / (e - s)) f p`). An unknown name is silence, an unknown
/// function none (the checker makes both errors first).
pub fn ur(
    t: Rational,
    outer: &Pattern,
    pats: Vec<(String, Pattern)>,
    fxs: Vec<(String, Func)>,
) -> Pattern {
    let pats: Vec<(String, Pattern)> = pats.into_iter().map(|(n, p)| (n, fast(&p, t))).collect();
    let outer = outer.clone();
    let unwrapped = Pattern::new(move |state| {
        let mut out = Vec::new();
        for o in outer.query(state) {
            let Some(whole) = o.whole else {
                continue;
            };
            let (name, fx) = match &o.value {
                Value::List(parts) => (parts.first().cloned(), parts.get(1).cloned()),
                v => (Some(v.clone()), None),
            };
            let text = |v: Option<Value>| match v {
                Some(Value::Str(s)) => Some(s.to_string()),
                Some(Value::Num(n)) => Some(super::value::js_number(n)),
                _ => None,
            };
            let Some(p) = text(name).and_then(|n| pats.iter().find(|(k, _)| *k == n)) else {
                continue;
            };
            let mut p = p.1.clone();
            if let Some(f) = text(fx).and_then(|n| fxs.iter().find(|(k, _)| *k == n)) {
                let length = whole.end - whole.begin;
                p = late(&inside(&p, Rational::ONE / length, &f.1), whole.begin);
            }
            for i in p.query(&state.with_span(o.part)) {
                let Some(w) = i.whole.and_then(|w| w.intersection(&whole)) else {
                    continue;
                };
                if let Some(part) = i.part.intersection(&o.part) {
                    out.push(Hap::new(Some(w), part, i.value));
                }
            }
        }
        out
    });
    slow(&unwrapped, t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{fastcat, pure};

    fn values(p: &Pattern) -> Vec<String> {
        p.query_span(Rational::ZERO, Rational::ONE)
            .iter()
            .map(|h| h.value.to_json())
            .collect()
    }

    #[test]
    fn rot_shifts_values_along_the_events_as_tidals_example_says() {
        // `rot 1 "a ~ b c"` is `"b ~ c a"`.
        let word = |s: &str| pure(Value::str(s));
        let p = fastcat(vec![word("a"), silence(), word("b"), word("c")]);
        assert_eq!(values(&rot(&p, 1)), ["\"b\"", "\"c\"", "\"a\""]);
        assert_eq!(values(&rot(&p, -1)), ["\"c\"", "\"a\"", "\"b\""]);
        assert_eq!(values(&rot(&p, 4)), ["\"b\"", "\"c\"", "\"a\""]);
        // Tidal's quirk: a left shift past the count rotates nothing.
        assert_eq!(values(&rot(&p, -5)), ["\"a\"", "\"b\"", "\"c\""]);
        // A query of part of the cycle sees the values the whole cycle gives.
        let half = rot(&p, 1).query_span(Rational::new(1, 2), Rational::ONE);
        let got: Vec<String> = half.iter().map(|h| h.value.to_json()).collect();
        assert_eq!(got, ["\"c\"", "\"a\""]);
    }
}
