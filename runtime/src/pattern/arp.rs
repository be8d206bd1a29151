//! Arpeggios as Tidal plays them (`Sound.Tidal.UI.arpWith`): events that share a whole (the
//! notes of a chord, the layers of a stack) are put in an order and played one after another
//! within that whole.

use super::chords::expand;
use super::span::{Hap, TimeSpan};
use super::{Pattern, Value, silence};
use crate::time::Rational;

/// Tidal's arpeggio modes, in Tidal's order.
pub const MODES: &[&str] = &[
    "up",
    "down",
    "updown",
    "downup",
    "up&down",
    "down&up",
    "converge",
    "diverge",
    "disconverge",
    "pinkyup",
    "pinkyupdown",
    "thumbup",
    "thumbupdown",
];

/// `init`: all but the last (empty stays empty).
fn init<T: Clone>(x: &[T]) -> Vec<T> {
    x[..x.len().saturating_sub(1)].to_vec()
}

fn reversed<T: Clone>(x: &[T]) -> Vec<T> {
    x.iter().rev().cloned().collect()
}

fn converge<T: Clone>(x: &[T]) -> Vec<T> {
    // First, last, second, second last, ...
    let (mut lo, mut hi) = (0, x.len());
    let mut out = Vec::with_capacity(x.len());
    let mut from_front = true;
    while lo < hi {
        if from_front {
            out.push(x[lo].clone());
            lo += 1;
        } else {
            hi -= 1;
            out.push(x[hi].clone());
        }
        from_front = !from_front;
    }
    out
}

fn pinkyup<T: Clone>(x: &[T]) -> Vec<T> {
    let Some(pinky) = x.last() else {
        return Vec::new();
    };
    init(x)
        .into_iter()
        .flat_map(|n| [n, pinky.clone()])
        .collect()
}

fn thumbup<T: Clone>(x: &[T]) -> Vec<T> {
    let Some(thumb) = x.first() else {
        return Vec::new();
    };
    x[1..]
        .iter()
        .flat_map(|n| [thumb.clone(), n.clone()])
        .collect()
}

fn concat<T: Clone>(a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.into_iter().chain(b).collect()
}

/// The notes of one chord in the order of a mode; `None` for a name that is not a mode.
pub fn order<T: Clone>(mode: &str, x: &[T]) -> Option<Vec<T>> {
    Some(match mode {
        "up" => x.to_vec(),
        "down" => reversed(x),
        "updown" => concat(init(x), init(&reversed(x))),
        "downup" => concat(init(&reversed(x)), init(x)),
        "up&down" => concat(x.to_vec(), reversed(x)),
        "down&up" => concat(reversed(x), x.to_vec()),
        "converge" => converge(x),
        "diverge" => reversed(&converge(x)),
        "disconverge" => {
            let c = converge(x);
            concat(c.clone(), reversed(&c).into_iter().skip(1).collect())
        }
        "pinkyup" => pinkyup(x),
        "pinkyupdown" => {
            let p = pinkyup(x);
            concat(init(&p), init(&reversed(&p)))
        }
        "thumbup" => thumbup(x),
        "thumbupdown" => {
            let t = thumbup(x);
            concat(init(&t), init(&reversed(&t)))
        }
        _ => return None,
    })
}

/// Groups the events of each query by whole (sorted by whole, stable), reorders each group
/// with `f` and gives each of its events an equal slice of the whole, in turn.
pub fn arp_with(pat: &Pattern, f: impl Fn(&[Hap]) -> Vec<Hap> + Send + Sync + 'static) -> Pattern {
    pat.with_haps(move |mut haps, _| {
        haps.retain(|h| h.whole.is_some());
        haps.sort_by(|a, b| {
            let (a, b) = (a.whole.expect("kept"), b.whole.expect("kept"));
            (a.begin, a.end).cmp(&(b.begin, b.end))
        });
        let mut out = Vec::new();
        for group in haps.chunk_by(|a, b| a.whole == b.whole) {
            let ordered = f(group);
            let count = Rational::int(ordered.len() as i64);
            for (i, h) in ordered.into_iter().enumerate() {
                let whole = h.whole.expect("kept");
                let dur = (whole.end - whole.begin) / count;
                let begin = whole.begin + dur * Rational::int(i as i64);
                let slot = TimeSpan::new(begin, begin + dur);
                if let Some(part) = slot.intersection(&h.part) {
                    out.push(Hap::new(Some(slot), part, h.value));
                }
            }
        }
        out
    })
}

/// Tidal's `arp`: the notes sharing a whole played in the order of `mode` (a pattern of mode
/// names, innerJoined). A chord name in the input (`"c'maj"`) is its notes, as in Tidal.
pub fn arp(pat: &Pattern, modes: &Pattern) -> Pattern {
    let pat = expand(pat);
    modes.inner_bind(move |mode| match mode {
        Value::Str(m) if order::<u8>(m, &[]).is_some() => {
            let m = m.clone();
            arp_with(&pat, move |group| order(&m, group).expect("a known mode"))
        }
        _ => silence(),
    })
}

/// Tidal's `arpeggiate`: the notes sharing a whole, one after another in their order.
pub fn arpeggiate(pat: &Pattern) -> Pattern {
    arp_with(&expand(pat), |group| group.to_vec())
}

/// Tidal's `rolledWith t`: the notes sharing a whole (adjacent in query order) start one
/// after another over the first `t` of it, each ending with the whole (a strummed chord);
/// a negative `t` strums from the top.
pub fn rolled_with(pat: &Pattern, t: Rational) -> Pattern {
    let pat = expand(pat);
    pat.with_haps(move |mut haps, _| {
        if t.is_zero() {
            return haps;
        }
        if t < Rational::ZERO {
            haps.reverse();
        }
        let mut out = Vec::with_capacity(haps.len());
        for group in haps.chunk_by(|a, b| a.whole == b.whole) {
            let count = Rational::int(group.len() as i64);
            for (i, h) in group.iter().enumerate() {
                let Some(whole) = h.whole else {
                    out.push(h.clone());
                    continue;
                };
                let magnitude = if t < Rational::ZERO { -t } else { t };
                let dur = (whole.end - whole.begin) / (count / magnitude);
                let begin = whole.begin + dur * Rational::int(i as i64);
                let shifted = TimeSpan::new(begin, whole.end);
                if let Some(part) = shifted.intersection(&h.part) {
                    out.push(Hap::new(Some(shifted), part, h.value.clone()));
                }
            }
        }
        out
    })
}

/// Tidal's `rolledBy`: `rolledWith` with a patterned length, one value per cycle.
pub fn rolled_by(pat: &Pattern, t: &Pattern) -> Pattern {
    let pat = pat.clone();
    super::transform::segment(t, Rational::ONE).inner_bind(move |v| {
        match super::transform::value_to_rational(v) {
            Some(t) => rolled_with(&pat, t),
            None => silence(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::order;

    fn o(mode: &str, x: &[i32]) -> Vec<i32> {
        order(mode, x).unwrap()
    }

    /// Each mode against Tidal's definition on [0, 1, 2, 3] (worked by hand from UI.hs).
    #[test]
    fn modes_follow_tidal() {
        let x = [0, 1, 2, 3];
        assert_eq!(o("up", &x), [0, 1, 2, 3]);
        assert_eq!(o("down", &x), [3, 2, 1, 0]);
        assert_eq!(o("updown", &x), [0, 1, 2, 3, 2, 1]);
        assert_eq!(o("downup", &x), [3, 2, 1, 0, 1, 2]);
        assert_eq!(o("up&down", &x), [0, 1, 2, 3, 3, 2, 1, 0]);
        assert_eq!(o("down&up", &x), [3, 2, 1, 0, 0, 1, 2, 3]);
        assert_eq!(o("converge", &x), [0, 3, 1, 2]);
        assert_eq!(o("diverge", &x), [2, 1, 3, 0]);
        assert_eq!(o("disconverge", &x), [0, 3, 1, 2, 1, 3, 0]);
        assert_eq!(o("pinkyup", &x), [0, 3, 1, 3, 2, 3]);
        assert_eq!(o("pinkyupdown", &x), [0, 3, 1, 3, 2, 3, 2, 3, 1, 3]);
        assert_eq!(o("thumbup", &x), [0, 1, 0, 2, 0, 3]);
        assert_eq!(o("thumbupdown", &x), [0, 1, 0, 2, 0, 3, 0, 2, 0, 1]);
        // init of a one-note chord is empty, as in Tidal.
        assert_eq!(o("updown", &[5]), Vec::<i32>::new());
        assert!(order::<i32>("sideways", &x).is_none());
    }
}
