//! Pattern query speed on the benchmark program: one cycle of all 16 outputs of
//! `examples/stress_extreme.ph` (8192 events). Run with `cargo bench -p phonon-compiler`.

use phonon_compiler::query::query_source;
use phonon_runtime::Rational;
use std::time::Instant;

fn main() {
    let src = include_str!("../../examples/stress_extreme.ph");
    let outputs: Vec<_> = (1..=16)
        .map(|i| query_source(src, "stress_extreme.ph", Some(&format!("o{i}"))).expect("compiles"))
        .collect();
    let query_cycle = |c: i64| -> usize {
        outputs
            .iter()
            .map(|p| p.query_span(Rational::int(c), Rational::int(c + 1)).len())
            .sum()
    };
    // Warm up far from the measured cycles: patterns remember their last query (`jux`
    // computes its input once per span), which must not flatter the first measurement.
    let events = query_cycle(1_000);
    assert_eq!(events, 8192);
    let runs = 200;
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let start = Instant::now();
        let n = query_cycle(i as i64);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(n, 8192);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = times[runs / 2];
    println!(
        "stress_extreme, one cycle of 16 outputs ({events} events), {runs} cycles: min {:.3} ms, median {:.3} ms, p99 {:.3} ms, {:.0} events/s",
        times[0],
        median,
        times[runs * 99 / 100],
        events as f64 / (median / 1e3)
    );
}
