//! The checker: every kind of user error gets a diagnostic at the right place with a hint,
//! and correct programs pass.

use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::front_end;

fn errors(src: &str) -> Vec<Diagnostic> {
    front_end(src).errors().cloned().collect()
}

fn one_error(src: &str) -> Diagnostic {
    let e = errors(src);
    assert_eq!(e.len(), 1, "{src}\n{e:#?}");
    e.into_iter().next().unwrap()
}

fn at(src: &str, d: &Diagnostic) -> (usize, usize) {
    d.line_col(src)
}

fn assert_clean(src: &str) {
    let e = errors(src);
    assert!(e.is_empty(), "{src}\n{e:#?}");
}

#[test]
fn valid_programs_pass() {
    for src in [
        "out: s \"bd sn\"",
        "out $ s \"bd sn\"",
        "d1: jux rev $ stut 8 0.6 0.0625 $ s \"bd*32\"",
        "out: s \"hh*8\" $ swing 0.1 $ degradeBy 0.2",
        "~fx: lpf 1000 0.8 # delay 0.25 0.5\nout: saw 55 # ~fx",
        "out: saw \"55 110\" $ slow 4",
        "out: every 4 (fast 2 $ rev) $ s \"bd sn\"",
        "out: off 0.25 (# speed 2) $ s \"bd\"",
        "out: n (\"0 2\" |+ \"<0 7>\") # s \"arpy\"",
        "out: reverb 0.5 0.5 :mix 0.2 $ s \"cp\"",
        "out: lpf (~lfo * 2000 + 500) 0.8 $ saw 55\n~lfo: sine 0.5",
        "~a: ~a * 0.5 + impulse 1\nout: ~a",
        "~out: s \"bd\"",
        "hush",
        "cps: 135 / 60 / 4\nout: fast 2 \"bd sn\" # gain 1",
        "out: timeCat [[1, s \"bd*4\"], [3, s \"hh*6\"]]",
        "out: sine 440 * -1",
        "out: saw 55 # pan2 -1",
    ] {
        assert_clean(src);
    }
}

#[test]
fn unknown_function_suggests_the_closest_name() {
    let src = "out: saw 55 # lfp 800";
    let d = one_error(src);
    assert_eq!(at(src, &d), (1, 15));
    assert_eq!(d.message, "unknown function `lfp`");
    assert_eq!(d.hint.as_deref(), Some("did you mean `lpf`?"));
}

#[test]
fn undefined_bus_suggests_a_defined_one() {
    let src = "~bass: saw 55\nout: ~bas # gain 0.5";
    let d = one_error(src);
    assert_eq!(at(src, &d), (2, 6));
    assert_eq!(d.message, "the bus `~bas` is never defined");
    assert_eq!(d.hint.as_deref(), Some("did you mean `~bass`?"));
}

#[test]
fn buses_may_be_used_before_their_definition() {
    assert_clean("out: ~later\n~later: s \"bd\"");
}

#[test]
fn argument_counts() {
    let src = "out: saw 55 # lpf 800 0.7 3";
    let d = one_error(src);
    assert_eq!(at(src, &d), (1, 27));
    assert!(d.message.contains("at most 2 arguments"), "{d:?}");
    assert!(d.hint.as_deref().unwrap().contains("through `#`"));

    let src = "out: every 4 $ s \"bd\"";
    let d = one_error(src);
    assert!(
        d.message
            .contains("`every` needs 2 arguments, but 1 is given"),
        "{d:?}"
    );
}

#[test]
fn argument_kinds() {
    let src = "out: every 4 \"bd\" $ s \"bd\"";
    let d = one_error(src);
    assert_eq!(at(src, &d), (1, 14));
    assert!(d.message.contains("expects a transform for `f`"), "{d:?}");

    let d = one_error("out: fast rev $ s \"bd\"");
    assert!(
        d.message
            .contains("expects a value for `n`, but this is a transform"),
        "{d:?}"
    );

    let d = one_error("out: stut \"<3 4>\" 0.5 0.1 $ s \"bd\"");
    assert!(
        d.message.contains("needs a plain number for `count`"),
        "{d:?}"
    );

    let d = one_error("out: stack (s \"bd\")");
    assert!(d.message.contains("expects a list"), "{d:?}");
}

#[test]
fn keyword_arguments() {
    let src = "out: s \"cp\" # reverb 0.5 0.5 :mx 0.3";
    let d = one_error(src);
    assert_eq!(at(src, &d), (1, 30));
    assert_eq!(d.hint.as_deref(), Some("did you mean `:mix`?"));
    let d = one_error("out: s \"cp\" # reverb 0.5 0.5 0.3 :mix 0.3");
    assert!(d.message.contains("given twice"), "{d:?}");
}

#[test]
fn dollar_chain_needs_exactly_one_subject() {
    let src = "out: s \"bd\" $ s \"sn\" $ fast 2";
    let d = one_error(src);
    assert_eq!(d.message, "this `$` chain has 2 subjects");
    assert_eq!(at(src, &d), (1, 15));
    assert_eq!(d.secondary.len(), 1);

    let d = one_error("out: fast 2 $ rev");
    assert!(d.message.contains("no subject"), "{d:?}");
}

#[test]
fn call_syntax_is_explained() {
    let src = "out: saw 55 # lpf(800, 0.9)";
    let d = one_error(src);
    assert_eq!(at(src, &d), (1, 15));
    assert_eq!(d.message, "`f(a, b)` call syntax is not supported");
    assert!(
        d.hint.as_deref().unwrap().contains("`lpf 800 0.9`"),
        "{d:?}"
    );
}

#[test]
fn mini_notation_errors_point_into_the_string() {
    let src = "out: s \"bd sn & hh\"";
    let d = one_error(src);
    assert_eq!(at(src, &d), (1, 15));
    assert_eq!(d.message, "unknown mini-notation operator `&`");
}

#[test]
fn hash_needs_an_effect_or_parameter() {
    let d = one_error("out: s \"bd\" # s \"sn\" # 3");
    assert!(d.message.contains("`#` needs an effect"), "{d:?}");
}

#[test]
fn statements() {
    let d = one_error("output: s \"bd\"");
    assert_eq!(d.message, "unknown statement `output:`");
    let d = one_error("out s \"bd\"");
    assert!(d.message.contains("expected `: or $` after `out`"), "{d:?}");
    let d = one_error("tempo: -2\nout: s \"bd\"");
    assert!(
        d.message.contains("tempo must be a positive number"),
        "{d:?}"
    );
    // A pattern of tempos is a tempo (one per cycle).
    assert!(!front_end("tempo: \"1 2\"\nout: s \"bd\"").has_errors());
    let d = one_error("~a: s \"bd\"");
    assert_eq!(d.message, "this program has no output");
    let d = one_error("  out: s \"bd\"");
    assert_eq!(d.message, "this line is not a statement");
}

#[test]
fn redefinition_is_a_warning_and_the_later_wins() {
    let src = "out: s \"bd\"\nout: s \"sn\"";
    let r = front_end(src);
    assert!(!r.has_errors());
    assert_eq!(r.diagnostics.len(), 1);
    assert!(!r.diagnostics[0].is_error());
    assert_eq!(
        r.checked.outputs.values().copied().collect::<Vec<_>>(),
        vec![1]
    );
}

#[test]
fn tempo_units() {
    // Beats per minute, four to the cycle (Tidal's `setcps (120/60/4)`), or as the meter says.
    assert_eq!(front_end("bpm: 120\nout: s \"bd\"").checked.cps, 0.5);
    assert_eq!(front_end("bpm: 90 \"3/4\"\nout: s \"bd\"").checked.cps, 0.5);
    assert_eq!(
        front_end("bpm: 120 \"6/8\"\nout: s \"bd\"").checked.cps,
        120.0 / 60.0 / 6.0
    );
    for meter in ["\"x\"", "\"0/4\"", "\"3\"", "4"] {
        let fe = front_end(&format!("bpm: 120 {meter}\nout: s \"bd\""));
        assert!(
            fe.diagnostics
                .iter()
                .any(|d| d.message.contains("`bpm:` meter")),
            "{meter}: {:?}",
            fe.diagnostics
        );
    }
    assert_eq!(front_end("cps: 0.75\nout: s \"bd\"").checked.cps, 0.75);
    assert_eq!(front_end("out: s \"bd\"").checked.cps, 0.5);
}

#[test]
fn five_planted_errors_are_all_reported_in_place() {
    let src = include_str!("../../tests/data/five_errors.ph");
    let found: Vec<(usize, usize, String)> = errors(src)
        .iter()
        .map(|d| {
            let (l, c) = d.line_col(src);
            (l, c, d.message.clone())
        })
        .collect();
    let expected = vec![
        (5, 14, "unknown function `lfp`".to_string()),
        (6, 21, "the bus `~level` is never defined".to_string()),
        (
            7,
            13,
            "`every` expects a transform for `f`, but this is a pattern or signal".to_string(),
        ),
        (8, 5, "`f(a, b)` call syntax is not supported".to_string()),
        (9, 11, "mini-notation ends too early".to_string()),
    ];
    assert_eq!(found, expected);
}

#[test]
fn a_chord_that_is_not_one_is_an_error_at_its_word() {
    // Tidal's chords with modifiers pass; an unknown name or modifier is an error at the word
    // (it rendered silence once).
    assert_clean("out: n \"c'maj'ii e4'min7'o 0'major'd1 c'maj'5 c'dom7'i2\" # s \"superpiano\"");
    let src = "out: note \"c e'mja g\" # s \"sine\"";
    let e = one_error(src);
    assert_eq!(e.message, "`mja` is not one of Tidal's chord names");
    assert_eq!(at(src, &e), (1, 14));
    assert!(e.hint.as_deref().unwrap_or("").contains("`maj`"), "{e:?}");
    let src = "out: saw \"c'maj'x\"";
    let e = one_error(src);
    assert_eq!(e.message, "`'x` is not a chord modifier");
    assert_eq!(at(src, &e), (1, 11));
}

#[test]
fn strudel_method_chains_get_one_error_with_the_tidal_form() {
    let src = "tempo: 0.5\nout: note(\"c e g\").s(\"piano\")\no2: s \"hh*4\"";
    let d = one_error(src);
    assert_eq!(at(src, &d), (2, 6));
    assert_eq!(
        d.hint.as_deref(),
        Some("write it as `note \"c e g\" # s \"piano\"`")
    );
    let d = one_error("out: s(\"bd*2 sn\").every(4, fast(2)).gain(0.9)");
    assert_eq!(
        d.hint.as_deref(),
        Some("write it as `every 4 (fast 2) $ s \"bd*2 sn\" # gain 0.9`")
    );
    // The hint is Phonon: it compiles.
    assert_clean("out: note \"c e g\" # s \"piano\"");
}
