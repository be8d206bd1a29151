//! Value ranges: a filter cutoff modulated below 0 Hz or above Nyquist is a warning with the
//! range and the `range` call that was probably meant, and `range lo hi` on a signal maps its
//! -1..1 swing to lo..hi (SuperCollider's `range`), checked on rendered audio.

use phonon_tests::{SAMPLE_RATE, channel, compile, render_src};

fn warnings(src: &str) -> Vec<(String, Option<String>, std::ops::Range<usize>)> {
    let compiled = compile(src).unwrap_or_else(|d| panic!("{src}: {d:?}"));
    compiled
        .warnings
        .iter()
        .map(|w| (w.message.clone(), w.hint.clone(), w.span.clone()))
        .collect()
}

#[test]
fn a_cutoff_below_zero_warns_with_its_range_and_the_fix() {
    let src = "out: saw 55 # lpf (sine 0.25 * 800 + 400) 0.7";
    let w = warnings(src);
    assert_eq!(w.len(), 1, "{w:?}");
    let (message, hint, span) = &w[0];
    assert_eq!(
        message,
        "this cutoff goes from -400 to 1200 Hz: it reaches -400 Hz, which cannot sound"
    );
    assert_eq!(&src[span.clone()], "sine 0.25 * 800 + 400");
    assert!(
        hint.as_deref()
            .is_some_and(|h| h.ends_with("write `range 400 1200 (sine 0.25)`")),
        "{hint:?}"
    );
    // The suggested form compiles without a warning, and so do bounded modulations.
    for clean in [
        "out: saw 55 # lpf (range 400 1200 (sine 0.25)) 0.7",
        "out: saw 55 # lpf (sine 0.25 * 300 + 400) 0.7",
        "out: saw 55 # lpf \"<400 -5>\" 0.7",
        "~lfo: sine 0.5\nout: saw 55 # lpf (~lfo * 2000 + 2500)",
    ] {
        assert!(warnings(clean).is_empty(), "{clean}: {:?}", warnings(clean));
    }
    // Above Nyquist.
    let w = warnings("out: saw 55 # lpf (saw 0.1 * 2000 + 21000)");
    assert_eq!(w.len(), 1);
    assert!(
        w[0].0.contains("above the Nyquist frequency (22050 Hz)"),
        "{w:?}"
    );
}

#[test]
fn range_on_a_signal_maps_its_swing() {
    // range 200 600 (sine 1) as a constant-rate sweep of an oscillator's frequency: the
    // output's lowest and highest instantaneous frequencies are 200 and 600 Hz.
    let audio = render_src(
        "out: sine (range 200 600 (sine 1)) * 0.5",
        SAMPLE_RATE as usize * 2,
        512,
        1,
        false,
    );
    let x = channel(&audio, 0);
    // Instantaneous frequency from zero crossings over windows of 1/50 s.
    let crossings: Vec<usize> = (1..x.len())
        .filter(|&i| x[i - 1] < 0.0 && x[i] >= 0.0)
        .collect();
    let periods: Vec<f64> = crossings.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let freqs: Vec<f64> = periods.iter().map(|p| SAMPLE_RATE as f64 / p).collect();
    let lo = freqs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = freqs.iter().copied().fold(0.0, f64::max);
    assert!((lo - 200.0).abs() < 8.0, "lowest {lo:.1} Hz");
    assert!((hi - 600.0).abs() < 25.0, "highest {hi:.1} Hz");
}
