//! User functions on rendered audio: each use of a function is its own voice with its own
//! arguments, and what the signal graph finds inside a body is reported where it is written.

use phonon_tests::{channel, compile, render_src, rms, tone_amplitude};

#[test]
fn each_use_of_a_function_sounds_with_its_own_arguments() {
    let src = "~tone f amp: sine f * amp\nout: ~tone 440 0.2 + ~tone 660 0.1";
    let audio = render_src(src, 44_100, 512, 1, false);
    let left = channel(&audio, 0);
    let x = &left[4410..];
    let a440 = tone_amplitude(x, 440.0);
    let a660 = tone_amplitude(x, 660.0);
    assert!((a440 - 0.2).abs() < 0.02, "440 Hz at {a440}");
    assert!((a660 - 0.1).abs() < 0.01, "660 Hz at {a660}");
    assert!(tone_amplitude(x, 550.0) < 0.01);
}

#[test]
fn a_function_of_a_pattern_plays_its_events() {
    // The same function around two patterns: every event of both is heard, at its time.
    let src = "cps: 1\n~quiet pat: pat # gain 0.5\n\
               out: ~quiet (note \"0 ~\" # s \"sine\") + ~quiet (note \"~ 12\" # s \"sine\")";
    let audio = render_src(src, 44_100, 512, 1, false);
    let left = channel(&audio, 0);
    let first = &left[2205..19_845];
    let second = &left[24_255..41_895];
    let c5 = 261.63;
    assert!(tone_amplitude(first, c5) > 4.0 * tone_amplitude(first, 2.0 * c5));
    assert!(tone_amplitude(second, 2.0 * c5) > 4.0 * tone_amplitude(second, c5));
    assert!(
        rms(first) > 0.002 && rms(second) > 0.002,
        "{} {}",
        rms(first),
        rms(second)
    );
}

#[test]
fn a_range_warning_inside_a_body_points_at_the_body_and_the_use() {
    let src = "~wobble rate: saw 55 # lpf (sine rate * 800 + 400) 0.7\nout: ~wobble 0.25";
    let compiled = compile(src).unwrap_or_else(|d| panic!("{d:?}"));
    let w = &compiled.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(&src[w[0].span.clone()], "sine rate * 800 + 400");
    let uses: Vec<&str> = w[0]
        .secondary
        .iter()
        .map(|(s, _)| &src[s.clone()])
        .collect();
    assert_eq!(uses, ["~wobble 0.25"], "{:?}", w[0]);
}
