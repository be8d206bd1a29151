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

/// `whenT test f p`: Tidal tests the start of each query (`splitQueries`, then
/// `test (start $ arc st)`), which makes the result depend on how the scheduler slices time;
/// here the test is of each event's start (its whole's, or a continuous one's part), as
/// `within` tests its span, which is what Tidal's scheduler, querying about twenty slices a
/// second, amounts to for events.
pub fn when_t(
    pat: &Pattern,
    test: Arc<dyn Fn(Rational) -> bool + Send + Sync>,
    f: &Func,
) -> Pattern {
    let passes = move |h: &super::span::Hap| test(h.whole_or_part().begin);
    let fails = {
        let passes = passes.clone();
        move |h: &super::span::Hap| !passes(h)
    };
    stack(vec![
        f(pat.clone()).filter_haps(passes),
        pat.filter_haps(fails),
    ])
}

/// `within' (s, e) f p`: as `within`, but `f` sees only the span, stretched over the cycle
/// (`compress (s, e) $ f $ zoom (s, e) p`).
pub fn within_zoomed(pat: &Pattern, s: Rational, e: Rational, f: &Func) -> Pattern {
    let g: Func = {
        let f = f.clone();
        Arc::new(move |p| compress(&f(zoom(&p, s, e)), s, e))
    };
    within(pat, s, e, &g)
}

/// `pickF i fs p`: the transform of the list that each event of `i` names (wrapping),
/// switching with its events (Tidal's `innerJoin`).
pub fn pick_f(indices: &Pattern, fs: Vec<Func>, pat: &Pattern) -> Pattern {
    if fs.is_empty() {
        return silence();
    }
    let (fs, pat) = (Arc::new(fs), pat.clone());
    indices.inner_bind(move |v| {
        let i = v.as_f64().unwrap_or(0.0).floor() as i64;
        fs[i.rem_euclid(fs.len() as i64) as usize](pat.clone())
    })
}

/// `randslice n p`: each cycle one of n slices of the sample at random. Tidal joins with
/// `_irand n` unsegmented, so its draw depends on how the player cuts its queries; here it is
/// drawn once per cycle (`segment 1 $ irand n`), the same however the pattern is queried.
pub fn randslice(pat: &Pattern, n: i64) -> Pattern {
    if n < 1 {
        return silence();
    }
    let pat = pat.clone();
    let per_cycle = super::transform::segment(&super::signal::irand(n as f64), Rational::ONE);
    per_cycle.inner_bind(move |i| {
        let i = i.as_f64().unwrap_or(0.0);
        let range: Controls = [
            ("begin", Value::Num(i / n as f64)),
            ("end", Value::Num((i + 1.0) / n as f64)),
        ]
        .into_iter()
        .collect();
        set(&pat, &pure(Value::map(range)))
    })
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

/// `sew pb a b`: `a` where the booleans are true, `b` where false, each event cut to the
/// boolean's part but keeping its whole (structure from the sources).
pub fn sew(bools: &Pattern, a: &Pattern, b: &Pattern) -> Pattern {
    let (bools, a, b) = (bools.clone(), a.clone(), b.clone());
    Pattern::new(move |state| {
        let evs = bools.query(state);
        let (Some(begin), Some(end)) = (
            evs.iter().map(|e| e.part.begin).min(),
            evs.iter().map(|e| e.part.end).max(),
        ) else {
            return Vec::new();
        };
        let sub = state.with_span(super::span::TimeSpan::new(begin, end));
        let (on, off) = (a.query(&sub), b.query(&sub));
        let mut out = Vec::new();
        for ev in &evs {
            let source = if truth(&ev.value) { &on } else { &off };
            for x in source {
                if let Some(part) = ev.part.intersection(&x.part) {
                    out.push(super::span::Hap::new(x.whole, part, x.value.clone()));
                }
            }
        }
        out
    })
}

/// A boolean as Tidal parses one: `t`/`true`/`1` (any number but 0) are true, `f`/`false`/`0`
/// false. (Strudel's `struct` and `mask` use JavaScript's truth, where `"f"` is true.)
pub fn truth(v: &Value) -> bool {
    match v {
        Value::Str(s) => !matches!(&**s, "f" | "false" | ""),
        other => other.is_truthy(),
    }
}

/// `stitch pb a b = overlay (struct pb a) (struct (inv pb) b)`: structure from the booleans,
/// values from `a` where true and `b` where false (Tidal's `<*`: structure from the left).
pub fn stitch(bools: &Pattern, a: &Pattern, b: &Pattern) -> Pattern {
    let side = |want: bool, source: &Pattern| {
        bools
            .filter_values(move |v| truth(v) == want)
            .app_left(source, |_, v| v.clone())
    };
    stack(vec![side(true, a), side(false, b)])
}

/// `while b f pat = sew b (f pat) pat`.
pub fn while_(bools: &Pattern, f: &Func, pat: &Pattern) -> Pattern {
    sew(bools, &f(pat.clone()), pat)
}

/// Whether every control of `sub` is in `of` with an equal value (Tidal's `isSubmapOf`).
fn submap(sub: &Value, of: &Value) -> bool {
    match (sub, of) {
        (Value::Map(s), Value::Map(o)) => s.iter().all(|(k, v)| o.get(k) == Some(v)),
        _ => false,
    }
}

/// `contrast f g ctrls pat`: `f` on the events whose controls include those of `ctrls` at
/// the event's start, `g` on the others (Tidal's `contrastBy (==)` via `matchManyToOne`).
pub fn contrast(f: &Func, g: &Func, ctrls: &Pattern, pat: &Pattern) -> Pattern {
    let split = |want: bool| {
        let (ctrls, pat) = (ctrls.clone(), pat.clone());
        Pattern::new(move |state| {
            let mut haps = pat.query(state);
            haps.retain(|x| {
                let t = x.whole_or_part().begin;
                let at = ctrls.query(&state.with_span(super::span::TimeSpan::new(t, t)));
                at.iter().any(|c| submap(&c.value, &x.value)) == want
            });
            haps
        })
    };
    stack(vec![f(split(true)), g(split(false))])
}

/// `_striateBy n f p = fastcat [mergePlayRange (slot*i, slot*i + f) <$> p | i <- [0..n-1]]`
/// with `slot = (1 - f) / (n - 1)`: n slices of length f, their starts spread over the sample.
pub fn striate_by(pat: &Pattern, n: i64, f: f64) -> Pattern {
    if n < 1 {
        return silence();
    }
    let slot = if n > 1 {
        (1.0 - f) / (n - 1) as f64
    } else {
        0.0
    };
    super::fastcat(
        (0..n)
            .map(|i| {
                let (b, e) = (slot * i as f64, slot * i as f64 + f);
                pat.fmap(move |v| merge_play_range(v, b, e))
            })
            .collect(),
    )
}

/// Tidal's `mergePlayRange`: a range within the event's own begin..end.
fn merge_play_range(v: &Value, b: f64, e: f64) -> Value {
    let mut m = match v {
        Value::Map(m) => (**m).clone(),
        plain => std::iter::once(("s", plain.clone())).collect(),
    };
    let begin0 = m.get("begin").and_then(Value::as_f64).unwrap_or(0.0);
    let end0 = m.get("end").and_then(Value::as_f64).unwrap_or(1.0);
    let d = end0 - begin0;
    m.insert("begin", Value::Num(b * d + begin0));
    m.insert("end", Value::Num(e * d + begin0));
    Value::map(m)
}

/// `ascii`: each character's eight bits, most significant first, squeezed into its event.
pub fn ascii(pat: &Pattern) -> Pattern {
    pat.squeeze_bind(|v| match v {
        Value::Str(s) if !s.is_empty() => super::fastcat(
            s.bytes()
                .flat_map(|c| (0..8).rev().map(move |bit| (c >> bit) & 1))
                .map(|b| pure(Value::Num(b as f64)))
                .collect(),
        ),
        _ => silence(),
    })
}

/// `_scan n = slowcat (map _run [1 .. n])`: 0, then 0 1, then 0 1 2, ... one per cycle.
pub fn scan(n: i64) -> Pattern {
    if n < 1 {
        return silence();
    }
    super::slowcat(
        (1..=n)
            .map(|k| super::fastcat((0..k).map(|i| pure(Value::Num(i as f64))).collect()))
            .collect(),
    )
}

/// Tidal's envelopes over the first cycle, sampled where Phonon samples signals (at the
/// start of what is asked): `envL` rises 0..1 and stays, `envLR` falls, `envEq`/`envEqR` are
/// the equal-power pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    L,
    LR,
    Eq,
    EqR,
}

pub fn envelope(shape: Envelope) -> Pattern {
    super::signal::signal(move |t, _| {
        let x = t.to_f64().clamp(0.0, 1.0);
        let quarter = std::f64::consts::FRAC_PI_2 * (1.0 - x);
        match shape {
            Envelope::L => x,
            Envelope::LR => 1.0 - x,
            Envelope::Eq => quarter.sin().sqrt(),
            Envelope::EqR => quarter.cos().sqrt(),
        }
    })
}
