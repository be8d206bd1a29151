//! Value ranges over the signal graph: an interval analysis (each node's lowest and highest
//! value, from its inputs') that warns where a modulation reaches values that cannot sound.
//! A filter's cutoff below 0 Hz or above the Nyquist frequency is such a value:
//! `lpf (sine 0.25 * 800 + 400)` reaches -400 Hz, because an oscillator given a frequency
//! swings -1..1 (alone, as a pattern, `sine` is 0..1). The warning gives the range reached
//! and the `range` call that sweeps what was probably meant (the same expression with the
//! oscillator at 0..1).

use super::{Graph, Math, NodeKind, NodeRef, Osc};
use crate::ast::{Expr, ExprKind};
use crate::diagnostic::{Diagnostic, Span};

/// A value to check: a node and the expression it was lowered from.
pub struct Check {
    pub node: NodeRef,
    pub span: Span,
    /// The source text of the first oscillator in the expression (`sine 0.25`), if any.
    pub oscillator: Option<String>,
    pub what: &'static str,
}

/// The first oscillator call with a frequency in `e`, as written.
pub fn oscillator_in(e: &Expr, src: &str, at: &crate::functions::Expansions) -> Option<String> {
    match &e.kind {
        ExprKind::App { func, args } => {
            if let ExprKind::Ident(name) = &func.kind
                && matches!(name.as_str(), "sine" | "saw" | "square" | "tri" | "pulse")
                && !args.is_empty()
            {
                return src.get(at.source_span(&e.span)).map(str::to_string);
            }
            args.iter().find_map(|a| oscillator_in(a.value(), src, at))
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            oscillator_in(lhs, src, at).or_else(|| oscillator_in(rhs, src, at))
        }
        ExprKind::Neg(x) => oscillator_in(x, src, at),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Interval {
    lo: f64,
    hi: f64,
}

const ANY: Interval = Interval {
    lo: f64::NEG_INFINITY,
    hi: f64::INFINITY,
};

impl Interval {
    fn of(lo: f64, hi: f64) -> Interval {
        Interval { lo, hi }
    }

    fn combine(a: Interval, b: Interval, f: impl Fn(f64, f64) -> f64) -> Interval {
        let products = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
        if products.iter().any(|x| x.is_nan()) {
            return ANY;
        }
        Interval::of(
            products.iter().copied().fold(f64::INFINITY, f64::min),
            products.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    }
}

/// Each node's interval, with oscillators swinging `osc` (their real -1..1, or 0..1 to see
/// what the expression would do if they were unipolar).
fn intervals(graph: &Graph, osc: Interval) -> Vec<Interval> {
    let mut out: Vec<Interval> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        // Inputs precede their node except across a feedback delay: unknown there.
        let input = |i: usize| {
            node.inputs
                .get(i)
                .and_then(|&r| out.get(r).copied())
                .unwrap_or(ANY)
        };
        let v = match &node.kind {
            NodeKind::Const(c) => Interval::of(*c as f64, *c as f64),
            NodeKind::Osc(Osc::Impulse) => Interval::of(0.0, 1.0),
            NodeKind::Osc(Osc::Noise | Osc::PinkNoise | Osc::BrownNoise) => Interval::of(-1.0, 1.0),
            NodeKind::Osc(_) => osc,
            NodeKind::Math(Math::Add) => Interval::combine(input(0), input(1), |a, b| a + b),
            NodeKind::Math(Math::Sub) => Interval::combine(input(0), input(1), |a, b| a - b),
            NodeKind::Math(Math::Mul) => Interval::combine(input(0), input(1), |a, b| {
                // 0 times an unbounded side is 0.
                if a == 0.0 || b == 0.0 { 0.0 } else { a * b }
            }),
            NodeKind::Math(Math::Div) => {
                let d = input(1);
                if d.lo <= 0.0 && d.hi >= 0.0 {
                    ANY
                } else {
                    Interval::combine(input(0), d, |a, b| a / b)
                }
            }
            NodeKind::Math(Math::Neg) => {
                let x = input(0);
                Interval::of(-x.hi, -x.lo)
            }
            _ => ANY,
        };
        out.push(v);
    }
    out
}

fn hz(x: f64) -> String {
    if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Warnings for the checked values whose range reaches below 0 or above the Nyquist
/// frequency. Only bounded ranges are reported: a value fed by a pattern or a feedback loop
/// is unknown here.
pub fn warnings(graph: &Graph, checks: &[Check]) -> Vec<Diagnostic> {
    if checks.is_empty() {
        return Vec::new();
    }
    let real = intervals(graph, Interval::of(-1.0, 1.0));
    let unipolar = intervals(graph, Interval::of(0.0, 1.0));
    let nyquist = graph.sample_rate as f64 / 2.0;
    let mut out = Vec::new();
    for c in checks {
        let r = real[c.node];
        if !r.lo.is_finite() || !r.hi.is_finite() || (r.lo >= 0.0 && r.hi <= nyquist) {
            continue;
        }
        let reach = if r.lo < 0.0 {
            format!("{} Hz", hz(r.lo))
        } else {
            format!(
                "{} Hz, above the Nyquist frequency ({} Hz)",
                hz(r.hi),
                hz(nyquist)
            )
        };
        let mut d = Diagnostic::warning(
            c.span.clone(),
            format!(
                "this {} goes from {} to {} Hz: it reaches {reach}, which cannot sound",
                c.what,
                hz(r.lo),
                hz(r.hi)
            ),
        )
        .with_label(format!("{}..{} Hz", hz(r.lo), hz(r.hi)));
        let u = unipolar[c.node];
        let hint = match &c.oscillator {
            Some(osc) if u.lo >= 0.0 && u.hi <= nyquist && u.lo < u.hi => format!(
                "with a frequency, an oscillator swings -1..1 (alone, as a pattern, 0..1): to sweep {}..{} Hz write `range {} {} ({osc})`",
                hz(u.lo),
                hz(u.hi),
                hz(u.lo),
                hz(u.hi)
            ),
            _ => format!(
                "keep it within 0..{} Hz, e.g. with `range lo hi` on the modulation",
                hz(nyquist)
            ),
        };
        d = d.with_hint(hint);
        out.push(d);
    }
    out
}
