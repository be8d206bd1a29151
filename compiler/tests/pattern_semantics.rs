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

#[test]
fn whenmod_follows_tidal() {
    // Strudel 1.2.6 has no whenmod; Tidal: apply f when cycle mod a >= b.
    let p = query_expression("whenmod 4 2 rev $ \"a b\"").unwrap();
    let firsts: Vec<String> = (0..8)
        .map(|c| {
            let haps = p.query_span(Rational::int(c), Rational::int(c) + Rational::new(1, 2));
            haps[0].value.to_json()
        })
        .collect();
    assert_eq!(
        firsts,
        [
            "\"a\"", "\"a\"", "\"b\"", "\"b\"", "\"a\"", "\"a\"", "\"b\"", "\"b\""
        ]
    );
}

#[test]
fn loop_at_slows_and_sets_speed_and_unit() {
    assert_eq!(
        events("loopAt 2 $ (s \"break\" # speed 2)"),
        vec![r#"{"whole":[0,1,2,1],"part":[0,1,1,1],"value":{"s":"break","speed":1,"unit":"c"}}"#]
    );
}

#[test]
fn legato_is_a_transform_and_a_parameter() {
    let expected = vec![r#"{"whole":[0,1,1,1],"part":[0,1,1,1],"value":{"legato":0.5,"s":"a"}}"#];
    assert_eq!(events("legato 0.5 $ s \"a\""), expected);
    assert_eq!(events("s \"a\" # legato 0.5"), expected);
}

#[test]
fn time_transforms_are_folded_at_compile_time() {
    let p = query_expression("fast 2 $ fast 3 $ \"a\"").unwrap();
    assert_eq!(p.time_map(), Some((Rational::int(6), Rational::ZERO)));
    let p = query_expression("\"a\" $ slow 2 $ late 0.25 $ fast 4").unwrap();
    // fast 4 of late 1/4 of slow 2: t -> ((4t) - 1/4) / 2 = 2t - 1/8.
    assert_eq!(p.time_map(), Some((Rational::int(2), Rational::new(-1, 8))));
}

#[test]
fn absurd_subdivisions_are_silent_rather_than_stalling() {
    for expr in [
        "\"a*1e9\"",
        "\"a(3,1000000000)\"",
        "run 1e9",
        "chop 1e9 $ s \"bd\"",
        "ply 1e9 $ \"a\"",
        "iter 1e9 $ \"a b\"",
        "stut 1000000000 0.5 0.1 $ s \"bd\"",
    ] {
        // Without the limit these would stall or exhaust memory (the test would hang).
        let n = query_expression(expr)
            .unwrap()
            .query_span(Rational::ZERO, Rational::ONE)
            .len();
        assert!(n <= 1 << 16, "{expr}: {n} events");
    }
}

#[test]
fn a_bus_holding_a_list_is_reported_not_dropped() {
    let src = "~parts: [s \"bd*2\", s \"hh\"]\nout: stack ~parts";
    let e = phonon_compiler::query::query_source(src, "x.ph", None).unwrap_err();
    assert!(
        e.contains("a list cannot be played") && e.contains("x.ph:1:9"),
        "{e}"
    );
}
