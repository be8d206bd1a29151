//! Pattern semantics against Strudel 1.2.6. `tests/data/conformance/cases.tsv` lists Phonon
//! expressions with the Strudel expression each expectation was generated from by the oracle
//! (`../shared/oracle/query.mjs`); the expected events are committed beside it, so this test
//! needs no Node. Events are compared as multisets: exact spans, values with a tiny tolerance
//! for trigonometric results.
//!
//! The differences from Strudel, each deliberate: pan (Phonon's -1..1, mapped in `common/events.rs`), and
//! note names in arithmetic, which are Tidal's semitones from middle C (`c5` = `c` = 0) where
//! Strudel reads MIDI numbers (`c` = 48): their cases (`tf_arith_10`, `ph_arith_05`) are
//! generated from the Strudel expression with the names written as Tidal's numbers.

mod common;

use common::events::{difference, expected_multiset, queried};
use phonon_compiler::query::{query_expression, rational_arg};

fn data(name: &str) -> String {
    let path = format!(
        "{}/tests/data/conformance/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_case_matches_strudel() {
    let cases = data("cases.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, expr, from, to) = (cols[0], cols[1], cols[2], cols[3]);
        count += 1;
        let expected = expected_multiset(data(&format!("{id}.jsonl")).lines().map(String::from));
        let pattern = match query_expression(expr) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{id} `{expr}`: does not compile: {e}"));
                continue;
            }
        };
        let got = queried(
            &pattern,
            rational_arg(from).unwrap(),
            rational_arg(to).unwrap(),
        );
        if got != expected {
            failures.push(format!(
                "{id} `{expr}` [{from}, {to}): {}",
                difference(&expected, &got)
            ));
        }
    }
    assert!(count >= 150, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
