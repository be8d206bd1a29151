//! Laws every pattern obeys, checked on random mini-notation (proptest).

use phonon_compiler::query::query_expression;
use phonon_runtime::Rational;
use phonon_runtime::pattern::{Hap, Pattern, hap_to_json};
use proptest::prelude::*;

/// Random mini-notation made of words, groups, alternations and modifiers.
fn mini() -> impl Strategy<Value = String> {
    mini_with(vec!["", "*2", "!2", "@2", "?", "*1.5", "/2", "(3,8)"])
}

/// Mini-notation whose events never cross a cycle boundary (no `/2`, no `*1.5`, and no
/// `@2`, which inside `<...>` lasts two cycles).
fn mini_within_cycles() -> impl Strategy<Value = String> {
    mini_with(vec!["", "*2", "!2", "?", "(3,8)"])
}

fn mini_with(modifiers: Vec<&'static str>) -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec!["a", "b", "c", "~", "1", "2"]).prop_map(String::from);
    let leaf = (word, prop::sample::select(modifiers)).prop_map(|(w, m)| format!("{w}{m}"));
    leaf.prop_recursive(3, 16, 4, |inner| {
        let seq = prop::collection::vec(inner, 1..4).prop_map(|v| v.join(" "));
        prop_oneof![
            seq.clone().prop_map(|s| format!("[{s}]")),
            seq.clone().prop_map(|s| format!("<{s}>")),
            (seq.clone(), seq).prop_map(|(a, b)| format!("[{a}, {b}]")),
        ]
    })
    .prop_flat_map(|first| prop::collection::vec(Just(first), 1..2))
    .prop_map(|v| v.join(" "))
}

fn compile(expr: &str) -> Pattern {
    query_expression(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn sorted(haps: &[Hap]) -> Vec<String> {
    let mut v: Vec<String> = haps.iter().map(hap_to_json).collect();
    v.sort();
    v
}

fn span(p: &Pattern, a: i64, b: i64) -> Vec<String> {
    sorted(&p.query_span(Rational::int(a), Rational::int(b)))
}

/// The events that start in `[a, b)`, by whole and value (the fragment does not matter).
fn onsets(p: &Pattern, a: Rational, b: Rational) -> Vec<String> {
    let mut v: Vec<String> = p
        .query_span(a, b)
        .into_iter()
        .filter(Hap::has_onset)
        .map(|h| format!("{:?} {}", h.whole, h.value.to_json()))
        .collect();
    v.sort();
    v
}

fn onset_count(p: &Pattern, a: i64, b: i64) -> usize {
    onsets(p, Rational::int(a), Rational::int(b)).len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn rev_rev_is_identity(m in mini()) {
        // Compared cycle by cycle: `rev` works per cycle, so events longer than a cycle come
        // back in per-cycle fragments.
        let p = compile(&format!("\"{m}\""));
        let rr = compile(&format!("rev $ rev $ \"{m}\""));
        for c in 0..4 {
            prop_assert_eq!(span(&p, c, c + 1), span(&rr, c, c + 1));
        }
    }

    #[test]
    fn slow_undoes_fast(m in mini(), n in 1i64..5) {
        let p = compile(&format!("\"{m}\""));
        let q = compile(&format!("slow {n} $ fast {n} $ \"{m}\""));
        prop_assert_eq!(span(&p, 0, 4), span(&q, 0, 4));
    }

    #[test]
    fn splitting_a_query_does_not_change_the_onsets(m in mini(), cut in 1i64..16) {
        let p = compile(&format!("\"{m}\""));
        let mid = Rational::new(cut, 4);
        let whole = onsets(&p, Rational::ZERO, Rational::int(4));
        let mut halves = onsets(&p, Rational::ZERO, mid);
        halves.extend(onsets(&p, mid, Rational::int(4)));
        halves.sort();
        prop_assert_eq!(whole, halves);
    }

    #[test]
    fn jux_doubles_stut_multiplies_ply_multiplies(m in mini_within_cycles(), n in 1i64..4) {
        let base = onset_count(&compile(&format!("s \"{m}\"")), 0, 8);
        prop_assert_eq!(onset_count(&compile(&format!("jux rev $ s \"{m}\"")), 0, 8), 2 * base);
        // Over cycles 8..16 every delayed copy of earlier cycles has arrived.
        let stut = compile(&format!("stut {n} 0.5 0.125 $ s \"{m}\""));
        let stut_total: usize = (0..n)
            .map(|i| onset_count(&compile(&format!("late ({i}/8) $ s \"{m}\"")), 8, 16))
            .sum();
        prop_assert_eq!(onset_count(&stut, 8, 16), stut_total);
        let ply = compile(&format!("ply {n} $ s \"{m}\""));
        let whole_events = compile(&format!("s \"{m}\"")).query_span(Rational::ZERO, Rational::int(8))
            .into_iter().filter(|h| h.has_onset() && h.whole.is_some_and(|w| w.end <= Rational::int(8))).count();
        let ply_events = ply.query_span(Rational::ZERO, Rational::int(8))
            .into_iter().filter(|h| h.has_onset() && h.whole.is_some_and(|w| w.end <= Rational::int(8))).count();
        prop_assert_eq!(ply_events, whole_events * n as usize);
    }
}
