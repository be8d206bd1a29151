//! Time spans and events (Strudel's `TimeSpan` and `Hap`).

use crate::pattern::value::Value;
use crate::time::Rational;

/// A half-open span of time in cycles, `[begin, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeSpan {
    pub begin: Rational,
    pub end: Rational,
}

impl TimeSpan {
    pub fn new(begin: Rational, end: Rational) -> TimeSpan {
        TimeSpan { begin, end }
    }

    pub fn duration(&self) -> Rational {
        self.end - self.begin
    }

    /// The whole cycle that `t` falls in.
    pub fn whole_cycle(t: Rational) -> TimeSpan {
        TimeSpan::new(t.sam(), t.next_sam())
    }

    /// Splits at cycle boundaries. A zero-width span is returned as it is; a reversed span
    /// gives nothing.
    pub fn span_cycles(&self) -> Vec<TimeSpan> {
        if self.begin == self.end {
            return vec![*self];
        }
        let mut spans = Vec::new();
        let mut begin = self.begin;
        let end_sam = self.end.sam();
        while self.end > begin {
            if begin.sam() == end_sam {
                spans.push(TimeSpan::new(begin, self.end));
                break;
            }
            let next = begin.next_sam();
            spans.push(TimeSpan::new(begin, next));
            begin = next;
        }
        spans
    }

    /// The same span shifted into cycle 0 (begin in [0, 1)).
    pub fn cycle_arc(&self) -> TimeSpan {
        let b = self.begin.cycle_pos();
        TimeSpan::new(b, b + self.duration())
    }

    pub fn with_time(&self, f: impl Fn(Rational) -> Rational) -> TimeSpan {
        TimeSpan::new(f(self.begin), f(self.end))
    }

    /// Applies `f` to both ends relative to the cycle of `begin`.
    pub fn with_cycle(&self, f: impl Fn(Rational) -> Rational) -> TimeSpan {
        let sam = self.begin.sam();
        TimeSpan::new(sam + f(self.begin - sam), sam + f(self.end - sam))
    }

    /// Strudel's `intersection`: `None` when the spans do not meet, and also when they only
    /// touch at the end of a non-zero-width span.
    pub fn intersection(&self, other: &TimeSpan) -> Option<TimeSpan> {
        let begin = self.begin.max(other.begin);
        let end = self.end.min(other.end);
        if begin > end {
            return None;
        }
        if begin == end {
            if begin == self.end && self.begin < self.end {
                return None;
            }
            if begin == other.end && other.begin < other.end {
                return None;
            }
        }
        Some(TimeSpan::new(begin, end))
    }

    pub fn midpoint(&self) -> Rational {
        self.begin + self.duration() / Rational::int(2)
    }
}

/// An event: a value with the span it occupies (`whole`, `None` for continuous values) and the
/// fragment of it that falls in the query (`part`).
#[derive(Clone, Debug, PartialEq)]
pub struct Hap {
    pub whole: Option<TimeSpan>,
    pub part: TimeSpan,
    pub value: Value,
}

impl Hap {
    pub fn new(whole: Option<TimeSpan>, part: TimeSpan, value: Value) -> Hap {
        Hap { whole, part, value }
    }

    pub fn whole_or_part(&self) -> TimeSpan {
        self.whole.unwrap_or(self.part)
    }

    /// True when this fragment contains the event's start.
    pub fn has_onset(&self) -> bool {
        self.whole.is_some_and(|w| w.begin == self.part.begin)
    }

    /// Applies a time function to both ends of `part` and `whole`, in place (once when they
    /// are the same span).
    pub fn map_span_in_place(&mut self, f: impl Fn(Rational) -> Rational) {
        let same = self.whole == Some(self.part);
        self.part = self.part.with_time(&f);
        self.whole = if same {
            Some(self.part)
        } else {
            self.whole.map(|w| w.with_time(&f))
        };
    }

    pub fn with_span(self, f: impl Fn(&TimeSpan) -> TimeSpan) -> Hap {
        let part = f(&self.part);
        // Most events are whole (part == whole): map the span once.
        let whole = match self.whole {
            Some(w) if w == self.part => Some(part),
            Some(w) => Some(f(&w)),
            None => None,
        };
        Hap {
            whole,
            part,
            value: self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(a: i64, b: i64, c: i64, d: i64) -> TimeSpan {
        TimeSpan::new(Rational::new(a, b), Rational::new(c, d))
    }

    #[test]
    fn span_cycles_splits_at_boundaries() {
        assert_eq!(
            ts(1, 3, 7, 4).span_cycles(),
            vec![ts(1, 3, 1, 1), ts(1, 1, 7, 4)]
        );
        assert_eq!(ts(1, 4, 1, 4).span_cycles(), vec![ts(1, 4, 1, 4)]);
        assert!(ts(1, 1, 0, 1).span_cycles().is_empty());
        assert_eq!(ts(0, 1, 2, 1).span_cycles().len(), 2);
    }

    #[test]
    fn intersection_rules() {
        assert_eq!(
            ts(0, 1, 1, 2).intersection(&ts(1, 4, 1, 1)),
            Some(ts(1, 4, 1, 2))
        );
        assert_eq!(ts(0, 1, 1, 2).intersection(&ts(1, 2, 1, 1)), None);
        // A zero-width span at the start of another intersects it.
        assert_eq!(
            ts(1, 2, 1, 2).intersection(&ts(1, 2, 1, 1)),
            Some(ts(1, 2, 1, 2))
        );
    }
}
