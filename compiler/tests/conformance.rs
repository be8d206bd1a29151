//! Pattern semantics against Strudel 1.2.6. `tests/data/conformance/cases.tsv` lists Phonon
//! expressions with the Strudel expression each expectation was generated from by the oracle
//! (`../shared/oracle/query.mjs`); the expected events are committed beside it, so this test
//! needs no Node. Events are compared as multisets: exact spans, values with a tiny tolerance
//! for trigonometric results.
//!
//! The differences from Strudel, each deliberate: pan (Phonon's -1..1, mapped below), and
//! note names in arithmetic, which are Tidal's semitones from middle C (`c5` = `c` = 0) where
//! Strudel reads MIDI numbers (`c` = 48): their cases (`tf_arith_10`, `ph_arith_05`) are
//! generated from the Strudel expression with the names written as Tidal's numbers.

use phonon_compiler::query::{query_expression, rational_arg};
use phonon_runtime::pattern::hap_to_json;
use serde_json::Value as Json;

fn data(name: &str) -> String {
    let path = format!(
        "{}/tests/data/conformance/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One event as comparable text: spans exactly, numbers rounded to 9 significant digits.
fn normalise(j: &Json) -> String {
    fn value(v: &Json) -> String {
        match v {
            Json::Number(n) => {
                let x = n.as_f64().unwrap();
                if x == 0.0 {
                    "0".into()
                } else {
                    format!("{:.9e}", x)
                }
            }
            Json::Array(items) => format!(
                "[{}]",
                items.iter().map(value).collect::<Vec<_>>().join(",")
            ),
            Json::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                format!(
                    "{{{}}}",
                    keys.iter()
                        .map(|k| format!("{k}:{}", value(&m[*k])))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            other => other.to_string(),
        }
    }
    format!("{} {} {}", j["whole"], j["part"], value(&j["value"]))
}

/// Strudel's pan runs 0..1, Phonon's -1..1 (LANGUAGE.md, section 6): map the expectations.
fn pan_to_phonon(j: &mut Json) {
    match j {
        Json::Object(m) => {
            for (k, v) in m.iter_mut() {
                if k == "pan" {
                    if let Some(p) = v.as_f64() {
                        *v = serde_json::json!(2.0 * p - 1.0);
                    }
                } else {
                    pan_to_phonon(v);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(pan_to_phonon),
        _ => {}
    }
}

fn expected_multiset(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = lines
        .map(|l| {
            let mut j: Json = serde_json::from_str(&l).unwrap_or_else(|e| panic!("{l}: {e}"));
            pan_to_phonon(&mut j["value"]);
            normalise(&j)
        })
        .collect();
    v.sort();
    v
}

fn multiset(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = lines
        .map(|l| normalise(&serde_json::from_str(&l).unwrap_or_else(|e| panic!("{l}: {e}"))))
        .collect();
    v.sort();
    v
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
        let haps = pattern.query_span(rational_arg(from).unwrap(), rational_arg(to).unwrap());
        let got = multiset(haps.iter().map(hap_to_json));
        if got != expected {
            let missing: Vec<&String> = expected
                .iter()
                .filter(|e| !got.contains(e))
                .take(3)
                .collect();
            let extra: Vec<&String> = got
                .iter()
                .filter(|g| !expected.contains(g))
                .take(3)
                .collect();
            failures.push(format!(
                "{id} `{expr}` [{from}, {to}): expected {} events, got {}\n  missing: {missing:?}\n  extra: {extra:?}",
                expected.len(),
                got.len()
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
