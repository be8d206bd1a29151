//! Differential testing against Strudel 1.2.6: random programs (mini-notation with every
//! operator nested to depth 4, inside chains of up to four transforms with fractional and
//! patterned arguments), each written in Phonon and in Strudel by
//! `tests/data/differential/generate.mjs`, which also committed the oracle's events for them.
//! Every case must give the same events (as multisets; Strudel's 0..1 pan mapped to -1..1).
//!
//! `PHONON_DIFFERENTIAL=DIR` runs the cases of another generated set instead (a larger one:
//! `node generate.mjs --count 20000 --seed 7 --out DIR`).

mod common;

use common::events::{difference, expected_multiset, queried};
use phonon_compiler::query::{query_expression, rational_arg};
use std::collections::HashMap;

#[test]
fn random_programs_match_strudel() {
    let dir = std::env::var("PHONON_DIFFERENTIAL")
        .unwrap_or_else(|_| format!("{}/tests/data/differential", env!("CARGO_MANIFEST_DIR")));
    let read = |name: &str| {
        let path = format!("{dir}/{name}");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let mut events: HashMap<&str, Vec<String>> = HashMap::new();
    let expected_text = read("expected.tsv");
    for line in expected_text.lines().filter(|l| !l.is_empty()) {
        let (id, event) = line.split_once('\t').expect("id<TAB>event");
        events.entry(id).or_default().push(event.to_string());
    }
    let cases = read("cases.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, expr, from, to) = (cols[0], cols[1], cols[3], cols[4]);
        count += 1;
        let expected = expected_multiset(events.remove(id).unwrap_or_default().into_iter());
        let got = match query_expression(expr) {
            Ok(p) => queried(&p, rational_arg(from).unwrap(), rational_arg(to).unwrap()),
            Err(e) => {
                failures.push(format!("{id} `{expr}`: does not compile: {e}"));
                continue;
            }
        };
        if got != expected {
            failures.push(format!(
                "{id} `{expr}` [{from}, {to}) (Strudel: {}): {}",
                cols[2],
                difference(&expected, &got)
            ));
        }
    }
    assert!(
        count >= 2000 || std::env::var("PHONON_DIFFERENTIAL").is_ok(),
        "only {count} cases"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
