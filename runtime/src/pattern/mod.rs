//! Patterns: functions from a query span to the events in it, with Tidal's semantics as
//! implemented by Strudel 1.2.6 (`pattern.mjs`), ported operation by operation so that the
//! same expression gives the same events, fragments included.

pub mod arp;
pub mod budget;
pub mod choice;
pub mod chords;
pub mod library;
pub mod once;
pub mod ops;
pub mod reorder;
pub mod scales;
pub mod signal;
pub mod source;
pub mod span;
pub mod tidal;
pub mod transform;
pub mod value;
pub mod voicing;

pub use span::{Hap, TimeSpan};
pub use value::Value;

use crate::time::Rational;
use std::sync::Arc;

/// The largest subdivision a pattern may ask for: steps of `euclid`, parts of `chop`,
/// `striate`, `iter`, `chunk`, `run`, copies of `echo`, and `fast`/`ply` factors. Beyond it a
/// single cycle would hold more events than anything can play, and building them would stall
/// or exhaust memory, so such values give silence, reported ([`capped`], [`budget`]; see
/// docs/patterns.md).
pub const MAX_SUBDIVISION: i64 = 1 << 16;

/// What a query asks for: a span, and the random seed set by `seed n` (Strudel's `randSeed`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct State {
    pub span: TimeSpan,
    pub seed: Option<f64>,
}

impl State {
    pub fn new(span: TimeSpan) -> State {
        State { span, seed: None }
    }

    pub fn with_span(&self, span: TimeSpan) -> State {
        State { span, ..*self }
    }
}

type QueryFn = dyn Fn(&State) -> Vec<Hap> + Send + Sync;

#[derive(Clone)]
pub struct Pattern {
    query: Arc<QueryFn>,
    /// Steps per cycle (Strudel's `_steps`), when known.
    pub steps: Option<Rational>,
    /// The value of a `pure` pattern (Strudel's `__pure`): patterned arguments that are pure
    /// take the direct path, as in Strudel's `register`. `fmap` drops it, as Strudel does.
    pub pure_value: Option<Value>,
    /// The value when the pattern is one value per cycle, whatever made it (kept by `fmap`):
    /// combining with it needs no queries.
    constant: Option<Value>,
    /// The summed weights of a mini-notation sequence (`__weight`), used by `{...}` polymeter.
    pub weight: Option<Rational>,
    /// When this pattern is another one seen through a time map `t -> scale * t + offset`
    /// (any chain of `fast`, `slow`, `early`, `late`): that pattern and the map, so that
    /// further time transforms fold into one map instead of stacking query layers.
    time_map: Option<Arc<TimeMap>>,
}

struct TimeMap {
    inner: Pattern,
    scale: Rational,
    offset: Rational,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "Pattern(steps: {:?})", self.steps)
    }
}

impl Pattern {
    pub fn new(query: impl Fn(&State) -> Vec<Hap> + Send + Sync + 'static) -> Pattern {
        Pattern {
            query: Arc::new(query),
            steps: None,
            pure_value: None,
            constant: None,
            weight: None,
            time_map: None,
        }
    }

    /// This pattern seen through `t -> scale * t + offset`: queries are mapped forwards, events
    /// back. Maps compose, so `fast 2 $ fast 3` is a single map with scale 6.
    pub fn time_mapped(&self, scale: Rational, offset: Rational) -> Pattern {
        let (inner, scale, offset) = match &self.time_map {
            Some(m) => (
                m.inner.clone(),
                m.scale * scale,
                m.scale * offset + m.offset,
            ),
            None => (self.clone(), scale, offset),
        };
        let base = inner.clone();
        let inverse = Rational::ONE / scale;
        let mut p = if scale == Rational::ONE {
            // A pure shift.
            Pattern::new(move |state| {
                let span = state.span.with_time(|t| t + offset);
                let mut haps = base.query(&state.with_span(span));
                haps.iter_mut()
                    .for_each(|h| h.map_span_in_place(|t| t - offset));
                haps
            })
        } else {
            Pattern::new(move |state| {
                let span = state.span.with_time(|t| t * scale + offset);
                let mut haps = base.query(&state.with_span(span));
                if offset.is_zero() {
                    haps.iter_mut()
                        .for_each(|h| h.map_span_in_place(|t| t * inverse));
                } else {
                    haps.iter_mut()
                        .for_each(|h| h.map_span_in_place(|t| (t - offset) * inverse));
                }
                haps
            })
        };
        p.steps = self.steps;
        p.time_map = Some(Arc::new(TimeMap {
            inner,
            scale,
            offset,
        }));
        p
    }

    /// The value of a pattern that is one constant value per cycle.
    pub fn constant_value(&self) -> Option<&Value> {
        self.constant.as_ref()
    }

    /// The folded time map `(scale, offset)`, when this pattern is a time-mapped view.
    pub fn time_map(&self) -> Option<(Rational, Rational)> {
        self.time_map.as_ref().map(|m| (m.scale, m.offset))
    }

    pub fn with_steps(mut self, steps: Option<Rational>) -> Pattern {
        self.steps = steps;
        self
    }

    pub fn query(&self, state: &State) -> Vec<Hap> {
        // Under a budget (see `budget`): a spent budget stops the query at every level.
        if budget::exhausted() {
            return Vec::new();
        }
        let haps = (self.query)(state);
        budget::spend(haps.len());
        haps
    }

    /// Every event in `[begin, end)`.
    pub fn query_span(&self, begin: Rational, end: Rational) -> Vec<Hap> {
        self.query(&State::new(TimeSpan::new(begin, end)))
    }

    /// Queries cycle by cycle, so the inner query never crosses a cycle boundary.
    pub fn split_queries(&self) -> Pattern {
        let pat = self.clone();
        Pattern::new(move |state| {
            let spans = state.span.span_cycles();
            if let [only] = spans.as_slice() {
                return pat.query(&state.with_span(*only));
            }
            concat(
                spans
                    .into_iter()
                    .map(|span| pat.query(&state.with_span(span))),
            )
        })
        .with_steps(self.steps)
    }

    pub fn with_query_span(
        &self,
        f: impl Fn(&TimeSpan) -> TimeSpan + Send + Sync + 'static,
    ) -> Pattern {
        let pat = self.clone();
        Pattern::new(move |state| pat.query(&state.with_span(f(&state.span))))
    }

    /// Like `with_query_span`, but `f` may decline to query at all.
    pub fn with_query_span_maybe(
        &self,
        f: impl Fn(&TimeSpan) -> Option<TimeSpan> + Send + Sync + 'static,
    ) -> Pattern {
        let pat = self.clone();
        Pattern::new(move |state| match f(&state.span) {
            Some(span) => pat.query(&state.with_span(span)),
            None => Vec::new(),
        })
    }

    pub fn with_query_time(
        &self,
        f: impl Fn(Rational) -> Rational + Send + Sync + 'static,
    ) -> Pattern {
        self.with_query_span(move |span| span.with_time(&f))
    }

    pub fn with_hap_span(
        &self,
        f: impl Fn(&TimeSpan) -> TimeSpan + Send + Sync + 'static,
    ) -> Pattern {
        let pat = self.clone();
        Pattern::new(move |state| {
            pat.query(state)
                .into_iter()
                .map(|hap| hap.with_span(&f))
                .collect()
        })
    }

    pub fn with_hap_time(
        &self,
        f: impl Fn(Rational) -> Rational + Send + Sync + 'static,
    ) -> Pattern {
        self.with_hap_span(move |span| span.with_time(&f))
    }

    pub fn with_haps(
        &self,
        f: impl Fn(Vec<Hap>, &State) -> Vec<Hap> + Send + Sync + 'static,
    ) -> Pattern {
        let pat = self.clone();
        Pattern::new(move |state| f(pat.query(state), state)).with_steps(self.steps)
    }

    pub fn with_hap(&self, f: impl Fn(Hap) -> Hap + Send + Sync + 'static) -> Pattern {
        self.with_haps(move |haps, _| haps.into_iter().map(&f).collect())
    }

    pub fn fmap(&self, f: impl Fn(&Value) -> Value + Send + Sync + 'static) -> Pattern {
        // A constant stays a constant: compute the new value once, not once per event.
        // (It is no longer marked pure: Strudel's `fmap` drops `__pure` too, which decides
        // how patterned arguments are joined.)
        if let Some(v) = &self.constant {
            let mut p = pure(f(v));
            p.pure_value = None;
            p.steps = self.steps;
            return p;
        }
        // Changing values commutes with changing time: keep the time map outermost so that
        // later time transforms can still fold into it.
        if let Some(m) = &self.time_map {
            return m
                .inner
                .fmap(f)
                .time_mapped(m.scale, m.offset)
                .with_steps(self.steps);
        }
        let pat = self.clone();
        Pattern::new(move |state| {
            let mut cache = LastValue::default();
            let mut haps = pat.query(state);
            for hap in &mut haps {
                hap.value = cache.get_or(&hap.value, |v| f(v));
            }
            haps
        })
        .with_steps(self.steps)
    }

    pub fn filter_haps(&self, f: impl Fn(&Hap) -> bool + Send + Sync + 'static) -> Pattern {
        let pat = self.clone();
        Pattern::new(move |state| pat.query(state).into_iter().filter(|h| f(h)).collect())
    }

    pub fn filter_values(&self, f: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Pattern {
        self.filter_haps(move |h| f(&h.value))
            .with_steps(self.steps)
    }

    pub fn onsets_only(&self) -> Pattern {
        self.filter_haps(Hap::has_onset)
    }

    pub fn discrete_only(&self) -> Pattern {
        self.filter_haps(|h| h.whole.is_some())
    }

    /// The same pattern, remembering its last result for one more reader: when it is queried
    /// again for the same span (as both sides of `jux` are), the events are handed over
    /// instead of computed again.
    pub fn memo_last(&self) -> Pattern {
        let inner = self.clone();
        let last: std::sync::Mutex<Option<(State, Vec<Hap>)>> = std::sync::Mutex::new(None);
        let mut p = Pattern::new(move |state| {
            let mut slot = last.lock().unwrap_or_else(|e| e.into_inner());
            // The second reader of the same span takes the stored events; a third would
            // compute them again (correct, only slower).
            if slot.as_ref().is_some_and(|(s, _)| s == state) {
                return slot.take().map(|(_, haps)| haps).unwrap_or_default();
            }
            let haps = inner.query(state);
            *slot = Some((*state, haps.clone()));
            haps
        });
        p.steps = self.steps;
        p
    }

    /// Structure from both sides: wholes intersect (Strudel `appBoth`).
    pub fn app_both(
        &self,
        other: &Pattern,
        f: impl Fn(&Value, &Value) -> Value + Send + Sync + 'static,
    ) -> Pattern {
        let (left, right) = (self.clone(), other.clone());
        Pattern::new(move |state| {
            let lefts = left.query(state);
            let rights = right.query(state);
            let mut out = Vec::new();
            for l in &lefts {
                for r in &rights {
                    let Some(part) = l.part.intersection(&r.part) else {
                        continue;
                    };
                    let whole = match (l.whole, r.whole) {
                        (Some(a), Some(b)) => match a.intersection(&b) {
                            Some(w) => Some(w),
                            // Strudel throws here; the parts meet, so the wholes do too.
                            None => continue,
                        },
                        _ => None,
                    };
                    out.push(Hap::new(whole, part, f(&l.value, &r.value)));
                }
            }
            out
        })
        .with_steps(lcm_opt(self.steps, other.steps))
    }

    /// Structure from the left: each left event takes the values of the right events it
    /// overlaps (Strudel `appLeft`).
    pub fn app_left(
        &self,
        other: &Pattern,
        f: impl Fn(&Value, &Value) -> Value + Send + Sync + 'static,
    ) -> Pattern {
        if let Some(constant) = other.constant.clone() {
            return self.app_left_const(constant, move |a, b| f(&a, b));
        }
        structured(self, other, move |outer, inner| f(outer, inner)).with_steps(self.steps)
    }

    /// `app_left` against `pure(constant)`, taking each left value by value (so `f` may reuse
    /// it). A pure pattern splits at cycle boundaries, so an event whose span crosses one comes
    /// out in fragments, exactly as Strudel returns it.
    pub fn app_left_const(
        &self,
        constant: Value,
        f: impl Fn(Value, &Value) -> Value + Send + Sync + 'static,
    ) -> Pattern {
        let left = self.clone();
        Pattern::new(move |state| {
            let mut cache = LastValue::default();
            let mut haps = left.query(state);
            // Usually no event crosses a cycle boundary: change the values in place.
            if haps.iter().all(covered_by_one_cycle) {
                for h in &mut haps {
                    let value = std::mem::replace(&mut h.value, Value::Num(0.0));
                    h.value = cache.get_or_owned(value, |v| f(v, &constant));
                }
                return haps;
            }
            let mut out = Vec::new();
            for l in haps {
                let span = l.whole_or_part();
                if covered_by_one_cycle(&l) {
                    let Hap { whole, part, value } = l;
                    let value = cache.get_or_owned(value, |v| f(v, &constant));
                    out.push(Hap::new(whole, part, value));
                    continue;
                }
                for cycle in span.span_cycles() {
                    if let Some(part) = l.part.intersection(&cycle) {
                        out.push(Hap::new(l.whole, part, f(l.value.clone(), &constant)));
                    }
                }
            }
            out
        })
        .with_steps(self.steps)
    }

    /// Structure from the right (Strudel `appRight`).
    pub fn app_right(
        &self,
        other: &Pattern,
        f: impl Fn(&Value, &Value) -> Value + Send + Sync + 'static,
    ) -> Pattern {
        structured(other, self, move |outer, inner| f(inner, outer)).with_steps(other.steps)
    }

    fn bind_whole(
        &self,
        choose: fn(Option<TimeSpan>, Option<TimeSpan>) -> Option<Option<TimeSpan>>,
        f: impl Fn(&Value) -> Pattern + Send + Sync + 'static,
    ) -> Pattern {
        let outer = self.clone();
        Pattern::new(move |state| {
            let mut out = Vec::new();
            for a in outer.query(state) {
                for b in f(&a.value).query(&state.with_span(a.part)) {
                    if let Some(whole) = choose(a.whole, b.whole) {
                        out.push(Hap::new(whole, b.part, b.value));
                    }
                }
            }
            out
        })
    }

    /// Wholes from both the outer and the inner pattern, intersected.
    pub fn bind(&self, f: impl Fn(&Value) -> Pattern + Send + Sync + 'static) -> Pattern {
        self.bind_whole(
            |a, b| match (a, b) {
                (Some(a), Some(b)) => a.intersection(&b).map(Some),
                _ => Some(None),
            },
            f,
        )
    }

    /// Wholes from the inner pattern (the structure comes from the patterns `f` returns).
    pub fn inner_bind(&self, f: impl Fn(&Value) -> Pattern + Send + Sync + 'static) -> Pattern {
        self.bind_whole(|_, b| Some(b), f)
    }

    /// Wholes from the outer pattern.
    pub fn outer_bind(&self, f: impl Fn(&Value) -> Pattern + Send + Sync + 'static) -> Pattern {
        self.bind_whole(|a, _| Some(a), f).with_steps(self.steps)
    }

    /// Each outer event plays a whole cycle of the pattern `f` returns, squeezed into it.
    pub fn squeeze_bind(&self, f: impl Fn(&Value) -> Pattern + Send + Sync + 'static) -> Pattern {
        let outer = self.discrete_only();
        Pattern::new(move |state| {
            let mut out = Vec::new();
            for o in outer.query(state) {
                let inner = f(&o.value).focus_span(o.whole_or_part());
                for i in inner.query(&state.with_span(o.part)) {
                    let whole = match (i.whole, o.whole) {
                        (Some(iw), Some(ow)) => match iw.intersection(&ow) {
                            Some(w) => Some(w),
                            None => continue,
                        },
                        _ => None,
                    };
                    if let Some(part) = i.part.intersection(&o.part) {
                        out.push(Hap::new(whole, part, i.value));
                    }
                }
            }
            out
        })
    }
}

/// One event as a JSON line in the oracle's format:
/// `{"whole":[bn,bd,en,ed] or null,"part":[bn,bd,en,ed],"value":...}`.
pub fn hap_to_json(h: &Hap) -> String {
    let span = |s: &TimeSpan| {
        format!(
            "[{},{},{},{}]",
            s.begin.num(),
            s.begin.den(),
            s.end.num(),
            s.end.den()
        )
    };
    format!(
        "{{\"whole\":{},\"part\":{},\"value\":{}}}",
        h.whole.as_ref().map_or("null".to_string(), span),
        span(&h.part),
        h.value.to_json()
    )
}

/// Joins query results, reusing the first result's allocation.
/// Whether the one `pure` event that `app_left_const` meets over this event's whole covers its
/// part: the whole lies within one cycle and holds the part. (A part outside its whole, which
/// Strudel's `zoom` makes of an event begun in an earlier cycle, meets nothing and is dropped,
/// as in Strudel.)
fn covered_by_one_cycle(h: &Hap) -> bool {
    let span = h.whole_or_part();
    span.end <= span.begin.next_sam() && h.part.intersection(&span) == Some(h.part)
}

fn concat(parts: impl Iterator<Item = Vec<Hap>>) -> Vec<Hap> {
    let mut out: Vec<Hap> = Vec::new();
    for mut part in parts {
        if out.is_empty() {
            out = part;
        } else {
            out.append(&mut part);
        }
    }
    out
}

/// The last input and output of a value function within one query. Events of one layer
/// usually share the same control map (one `Arc`), so a pure function of the value needs to
/// run once per distinct map, not once per event. The input is kept alive, so its address
/// cannot be reused by another map while it is cached.
#[derive(Default)]
struct LastValue {
    last: Option<(Value, Value)>,
}

impl LastValue {
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Map(x), Value::Map(y)) => Arc::ptr_eq(x, y),
            _ => false,
        }
    }

    fn get_or(&mut self, input: &Value, f: impl FnOnce(&Value) -> Value) -> Value {
        if let Some((i, o)) = &self.last
            && Self::same(i, input)
        {
            return o.clone();
        }
        let out = f(input);
        if matches!(input, Value::Map(_)) {
            self.last = Some((input.clone(), out.clone()));
        }
        out
    }

    fn get_or_owned(&mut self, input: Value, f: impl FnOnce(Value) -> Value) -> Value {
        if let Some((i, o)) = &self.last
            && Self::same(i, &input)
        {
            return o.clone();
        }
        if let Value::Map(_) = input {
            let kept = input.clone();
            let out = f(input);
            self.last = Some((kept, out.clone()));
            return out;
        }
        f(input)
    }
}

/// Structure from `outer`: each of its events takes values from the events of `inner` that
/// overlap it (queried over the outer event's whole), one fragment per overlap.
fn structured(
    outer: &Pattern,
    inner: &Pattern,
    f: impl Fn(&Value, &Value) -> Value + Send + Sync + 'static,
) -> Pattern {
    let (outer, inner) = (outer.clone(), inner.clone());
    Pattern::new(move |state| {
        let mut out = Vec::new();
        for o in outer.query(state) {
            for i in inner.query(&state.with_span(o.whole_or_part())) {
                if let Some(part) = o.part.intersection(&i.part) {
                    out.push(Hap::new(o.whole, part, f(&o.value, &i.value)));
                }
            }
        }
        out
    })
}

/// Least common multiple of two step counts, when both are known.
fn lcm_opt(a: Option<Rational>, b: Option<Rational>) -> Option<Rational> {
    let (a, b) = (a?, b?);
    Some(lcm(a, b))
}

/// lcm of rationals: lcm(a/b, c/d) = lcm(a, c) / gcd(b, d), as fraction.js computes it.
pub fn lcm(a: Rational, b: Rational) -> Rational {
    fn gcd(mut x: i64, mut y: i64) -> i64 {
        x = x.abs();
        y = y.abs();
        while y != 0 {
            (x, y) = (y, x % y);
        }
        x
    }
    if a.is_zero() || b.is_zero() {
        return Rational::ZERO;
    }
    let n = (a.num() / gcd(a.num(), b.num()))
        .saturating_mul(b.num())
        .abs();
    Rational::new(n, gcd(a.den(), b.den()))
}

/// A value repeated once per cycle.
pub fn pure(value: Value) -> Pattern {
    let v = value.clone();
    let mut p = Pattern::new(move |state| {
        state
            .span
            .span_cycles()
            .into_iter()
            .map(|part| Hap::new(Some(TimeSpan::whole_cycle(part.begin)), part, v.clone()))
            .collect()
    })
    .with_steps(Some(Rational::ONE));
    p.pure_value = Some(value.clone());
    p.constant = Some(value);
    p
}

/// No events, `steps` steps long.
pub fn gap(steps: Rational) -> Pattern {
    Pattern::new(|_| Vec::new()).with_steps(Some(steps))
}

pub fn silence() -> Pattern {
    gap(Rational::ONE)
}

/// What a transform gives for a factor beyond its cap: silence that reports itself to the
/// query budget whenever it is queried, so the cycle is refused and reported, not silent.
pub fn capped() -> Pattern {
    Pattern::new(|_| {
        budget::note_cap();
        Vec::new()
    })
}

/// All patterns at once.
pub fn stack(pats: Vec<Pattern>) -> Pattern {
    let steps = pats.iter().map(|p| p.steps).reduce(lcm_opt).flatten();
    Pattern::new(move |state| concat(pats.iter().map(|p| p.query(state)))).with_steps(steps)
}

/// One pattern per cycle, in turn; cycles of a pattern are not skipped (the n-th time a
/// pattern plays, it plays its n-th cycle).
pub fn slowcat(pats: Vec<Pattern>) -> Pattern {
    if pats.len() == 1 {
        return pats.into_iter().next().expect("one pattern");
    }
    if pats.is_empty() {
        return silence();
    }
    let steps = pats.iter().map(|p| p.steps).reduce(lcm_opt).flatten();
    let n = Rational::int(pats.len() as i64);
    Pattern::new(move |state| {
        let span = state.span;
        let index = span.begin.sam().num().rem_euclid(pats.len() as i64) as usize;
        let offset = span.begin.floor() - (span.begin / n).floor();
        pats[index]
            .query(&state.with_span(span.with_time(|t| t - offset)))
            .into_iter()
            .map(|h| h.with_span(|s| s.with_time(|t| t + offset)))
            .collect()
    })
    .split_queries()
    .with_steps(steps)
}

/// All patterns squeezed into one cycle, one step each.
pub fn fastcat(pats: Vec<Pattern>) -> Pattern {
    let n = pats.len();
    let mut result = slowcat(pats);
    if n > 1 {
        result = transform::fast(&result, Rational::int(n as i64));
        result.steps = Some(Rational::int(n as i64));
    }
    result
}

/// Patterns squeezed into one cycle in proportion to their weights (Strudel `stepcat`).
pub fn timecat(weighted: Vec<(Rational, Pattern)>) -> Pattern {
    if weighted.is_empty() {
        return gap(Rational::ZERO);
    }
    if weighted.len() == 1 {
        let (w, p) = weighted.into_iter().next().expect("one pattern");
        return p.with_steps(Some(w));
    }
    let total = weighted.iter().fold(Rational::ZERO, |acc, (w, _)| acc + *w);
    let mut begin = Rational::ZERO;
    let mut pats = Vec::new();
    for (w, p) in weighted {
        if w.is_zero() {
            continue;
        }
        let end = begin + w;
        pats.push(transform::compress(&p, begin / total, end / total));
        begin = end;
    }
    stack(pats).with_steps(Some(total))
}
