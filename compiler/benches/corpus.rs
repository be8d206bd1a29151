//! Query speed over the differential corpus (`tests/data/differential`, 2,000 random
//! programs): each program is compiled once (not timed), then its span is queried `ROUNDS`
//! times; prints events per second. `node tests/data/differential/bench.mjs` measures
//! Strudel 1.2.6 on the same programs and spans. Run with
//! `cargo bench -p phonon-compiler --bench corpus`; `PHONON_CORPUS_SLOWEST=1` also lists the
//! ten slowest programs.

use phonon_compiler::query::{query_expression, rational_arg};
use std::time::Instant;

const ROUNDS: usize = 20;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/differential");
    let cases = std::fs::read_to_string(format!("{dir}/cases.tsv")).expect("cases.tsv");
    let programs: Vec<_> = cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let p = query_expression(c[1]).expect("compiles");
            (p, rational_arg(c[3]).unwrap(), rational_arg(c[4]).unwrap())
        })
        .collect();
    let mut per_round = Vec::new();
    let mut events = 0;
    for round in 0..ROUNDS + 1 {
        let start = Instant::now();
        let mut n = 0;
        for (p, from, to) in &programs {
            n += p.query_span(*from, *to).len();
        }
        // The first round warms up.
        if round > 0 {
            per_round.push(start.elapsed().as_secs_f64());
        }
        events = n;
    }
    if std::env::var_os("PHONON_CORPUS_SLOWEST").is_some() {
        let mut each: Vec<(f64, usize)> = programs
            .iter()
            .enumerate()
            .map(|(i, (p, from, to))| {
                let start = Instant::now();
                for _ in 0..5 {
                    p.query_span(*from, *to);
                }
                (start.elapsed().as_secs_f64() / 5.0, i)
            })
            .collect();
        each.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
        for (t, i) in each.iter().take(10) {
            println!("{:.3} ms  case {}", t * 1e3, i + 1);
        }
    }
    per_round.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = per_round[ROUNDS / 2];
    println!(
        "corpus: {} programs, {events} events a round, {ROUNDS} rounds: median {:.2} ms a round (min {:.2}, max {:.2}), {:.0} events/s",
        programs.len(),
        median * 1e3,
        per_round[0] * 1e3,
        per_round[ROUNDS - 1] * 1e3,
        events as f64 / median
    );
}
