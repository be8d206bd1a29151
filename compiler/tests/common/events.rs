//! Events as comparable text, shared by the tests against the Strudel oracle: spans exactly,
//! numbers to 9 significant digits (trigonometric results may differ by an ulp across libms),
//! Strudel's 0..1 pan mapped to Phonon's -1..1.

use phonon_runtime::Rational;
use phonon_runtime::pattern::{Pattern, hap_to_json};
use serde_json::Value as Json;

/// One event as comparable text: spans exactly, numbers rounded to 9 significant digits.
pub fn normalise(j: &Json) -> String {
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
pub fn pan_to_phonon(j: &mut Json) {
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

pub fn expected_multiset(lines: impl Iterator<Item = String>) -> Vec<String> {
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

pub fn multiset(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = lines
        .map(|l| normalise(&serde_json::from_str(&l).unwrap_or_else(|e| panic!("{l}: {e}"))))
        .collect();
    v.sort();
    v
}

/// The events of `pattern` over [from, to) as a sorted multiset of comparable lines.
pub fn queried(pattern: &Pattern, from: Rational, to: Rational) -> Vec<String> {
    multiset(pattern.query_span(from, to).iter().map(hap_to_json))
}

/// A failure message listing a few of the events missing and extra.
pub fn difference(expected: &[String], got: &[String]) -> String {
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
    format!(
        "expected {} events, got {}\n  missing: {missing:?}\n  extra: {extra:?}",
        expected.len(),
        got.len()
    )
}
