//! Pattern behaviour that is Phonon's own choice (documented in docs/patterns.md), where
//! there is no Strudel expectation to compare with.

use phonon_compiler::query::query_expression;
use phonon_runtime::Rational;
use phonon_runtime::pattern::hap_to_json;

fn events(expr: &str) -> Vec<String> {
    let p = query_expression(expr).unwrap_or_else(|e| panic!("{e}"));
    let mut v: Vec<String> = p
        .query_span(Rational::ZERO, Rational::ONE)
        .iter()
        .map(hap_to_json)
        .collect();
    v.sort();
    v
}

#[test]
fn a_number_applies_to_every_numeric_control() {
    // Tidal transposes; Strudel 1.2.6 warns and ignores the number.
    assert_eq!(
        events("n \"0 2\" |+ 12"),
        vec![
            r#"{"whole":[0,1,1,2],"part":[0,1,1,2],"value":{"n":12}}"#,
            r#"{"whole":[1,2,1,1],"part":[1,2,1,1],"value":{"n":14}}"#,
        ]
    );
}

#[test]
fn jux_pans_hard_left_and_right_on_phonons_scale() {
    let e = events("jux rev $ s \"bd sn\"");
    assert!(
        e.contains(
            &r#"{"whole":[0,1,1,2],"part":[0,1,1,2],"value":{"pan":-1,"s":"bd"}}"#.to_string()
        ),
        "{e:?}"
    );
    assert!(
        e.contains(
            &r#"{"whole":[0,1,1,2],"part":[0,1,1,2],"value":{"pan":1,"s":"sn"}}"#.to_string()
        ),
        "{e:?}"
    );
}

#[test]
fn prefix_transforms_apply_nearest_first_and_suffix_ones_in_order() {
    // fast 2 then early 1/4, against early 1/4 then fast 2: different results.
    let prefix = events("early 0.25 $ fast 2 $ \"a b\"");
    let suffix = events("\"a b\" $ fast 2 $ early 0.25");
    assert_eq!(prefix, suffix);
    let other_order = events("\"a b\" $ early 0.25 $ fast 2");
    assert_ne!(prefix, other_order);
}

#[test]
fn sample_index_splits_into_s_and_n() {
    assert_eq!(
        events("s \"bd:3\""),
        vec![r#"{"whole":[0,1,1,1],"part":[0,1,1,1],"value":{"n":3,"s":"bd"}}"#]
    );
}

#[test]
fn transforms_apply_to_patterns_inside_parameters() {
    // `# gain` takes its values from the right, structure from the left.
    assert_eq!(
        events("s \"bd*2\" # gain \"1 0.5\""),
        vec![
            r#"{"whole":[0,1,1,2],"part":[0,1,1,2],"value":{"gain":1,"s":"bd"}}"#,
            r#"{"whole":[1,2,1,1],"part":[1,2,1,1],"value":{"gain":0.5,"s":"bd"}}"#,
        ]
    );
}
