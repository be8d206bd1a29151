//! Rendered audio, analysed frame by frame: pitch, level, event timing, filter response,
//! envelopes, output mixing and stems.

use phonon_tests::{SAMPLE_RATE, channel, db, peak_frequency, render_src, rms, tone_amplitude};

const SR: f64 = SAMPLE_RATE as f64;

#[test]
fn a_sine_has_its_pitch_and_level() {
    let audio = render_src("out: sine 440\n", SAMPLE_RATE as usize, 512, 1, false);
    for ch in 0..2 {
        let x = channel(&audio, ch);
        let f = peak_frequency(&x, 50.0, 5000.0);
        assert!((f - 440.0).abs() <= 1.0, "peak at {f} Hz");
        let level = rms(&x);
        assert!(
            (level / std::f64::consts::FRAC_1_SQRT_2 - 1.0).abs() <= 0.01,
            "rms {level}"
        );
    }
}

/// The slope of a sawtooth away from its wrap is 2 · freq / sample_rate per frame, so the
/// frame where it doubles is the frame the second event starts at.
fn saw_switch_frame(tempo: &str) -> (Vec<f32>, usize) {
    let src = format!("tempo: {tempo}\nout: saw \"110 220\"\n");
    let audio = render_src(&src, 2 * SAMPLE_RATE as usize, 512, 1, false);
    let x = channel(&audio, 0);
    let slow = 2.0 * 110.0 / SR;
    let fast = 2.0 * 220.0 / SR;
    let step = |n: usize| (x[n + 1] - x[n]) as f64;
    let first_fast = (1..x.len() - 1)
        .find(|&n| (step(n) - fast).abs() < 1e-4)
        .expect("the saw reaches 220 Hz");
    for n in first_fast.saturating_sub(200)..first_fast {
        let s = step(n);
        // Before the switch: the 110 Hz slope, except around a wrap.
        assert!((s - slow).abs() < 1e-4 || s < 0.0, "frame {n}: slope {s}");
    }
    (x, first_fast)
}

#[test]
fn a_patterned_frequency_changes_at_the_exact_frame() {
    // Half a cycle at 0.45 cycles per second is 49000 frames exactly.
    let (_, frame) = saw_switch_frame("0.45");
    assert_eq!(frame, 49_000);
    // At 0.37 cycles per second it is 59594.59 frames: the nearest frame, 59595.
    let (_, frame) = saw_switch_frame("0.37");
    assert_eq!(frame, 59_595);
}

#[test]
fn the_oscillator_phase_runs_on_across_an_event() {
    let (x, frame) = saw_switch_frame("0.45");
    // Phase of the 110 Hz saw at the switch: 110 · 49000 / 44100 = 122.22 cycles. A saw
    // restarted by the event would be back at -1.
    let phase = (110.0 * frame as f64 / SR).fract();
    let want = 2.0 * phase - 1.0;
    assert!(
        (x[frame] as f64 - want).abs() < 1e-3,
        "{} vs {want}",
        x[frame]
    );
}

/// The steady-state gain of a filter on a sine, in dB (measured after the first 0.25 s).
fn gain_db(filter: &str, hz: f64) -> f64 {
    let src = format!("out: sine {hz} # {filter}\n");
    let audio = render_src(&src, SAMPLE_RATE as usize, 512, 1, false);
    let x = channel(&audio, 0);
    db(tone_amplitude(&x[SAMPLE_RATE as usize / 4..], hz))
}

/// A two-pole Butterworth response through the bilinear transform with prewarping, which is
/// what the state-variable filter implements: |H| = 1 / sqrt(1 + (Ω/Ωc)⁴) for the low-pass.
fn butterworth_db(hz: f64, cutoff: f64, highpass: bool) -> f64 {
    let warp = |f: f64| (std::f64::consts::PI * f / SR).tan();
    let r = warp(hz) / warp(cutoff);
    let r = if highpass { 1.0 / r } else { r };
    -10.0 * (1.0 + r.powi(4)).log10()
}

#[test]
fn filters_attenuate_as_designed() {
    let want = butterworth_db(4000.0, 1000.0, false);
    assert!((want + 24.5).abs() < 0.2, "{want}");
    let got = gain_db("lpf 1000", 4000.0);
    assert!(
        (got - want).abs() <= 1.0,
        "lpf 1000 at 4 kHz: {got} dB, want {want}"
    );
    let want = butterworth_db(1000.0, 4000.0, true);
    let got = gain_db("hpf 4000", 1000.0);
    assert!(
        (got - want).abs() <= 1.0,
        "hpf 4000 at 1 kHz: {got} dB, want {want}"
    );
    // In the pass band: unity.
    let got = gain_db("lpf 1000", 100.0);
    assert!(got.abs() <= 0.1, "lpf 1000 at 100 Hz: {got} dB");
    // A band-pass passes its centre and a notch removes it.
    let got = gain_db("bpf 1000 2", 1000.0);
    assert!(got.abs() <= 0.5, "bpf at its centre: {got} dB");
    let got = gain_db("notch 1000 2", 1000.0);
    assert!(got < -40.0, "notch at its centre: {got} dB");
}

fn assert_level(x: &[f32], frame: usize, want: f64, what: &str) {
    let got = x[frame] as f64;
    assert!(
        (got - want).abs() < 2e-3,
        "{what}: frame {frame} is {got}, want {want}"
    );
}

#[test]
fn an_adsr_envelope_reaches_its_levels_at_the_right_frames() {
    // One event per cycle lasting a quarter cycle: 0.5 s (22050 frames) at 0.5 cps.
    let src = "tempo: 0.5\nout: \"1 ~ ~ ~\" # adsr 0.01 0.1 0.5 0.2\n";
    let audio = render_src(src, 100_000, 512, 1, false);
    let x = channel(&audio, 0);
    let (attack, decay, release) = (441, 4410, 8820);
    assert_level(&x, 0, 0.0, "start");
    assert_level(&x, attack / 2, 0.5, "half way up the attack");
    assert_level(&x, attack, 1.0, "peak");
    assert_level(&x, attack + decay / 2, 0.75, "half way down the decay");
    assert_level(&x, attack + decay, 0.5, "sustain");
    assert_level(&x, 20_000, 0.5, "still sustaining");
    assert_level(&x, 22_050, 0.5, "gate off");
    assert_level(
        &x,
        22_050 + release / 2,
        0.25,
        "half way through the release",
    );
    assert_level(&x, 22_050 + release, 0.0, "released");
    // Linear segments accumulate in single precision: the last step lands within 1e-4 of 0.
    assert!(x[22_050 + release + 1..88_200].iter().all(|&v| v == 0.0));
    // The next cycle's event starts the envelope again, at its exact frame.
    assert_level(&x, 88_200, 0.0, "second onset");
    assert_level(&x, 88_200 + attack, 1.0, "second peak");
}

#[test]
fn ar_holds_while_the_event_lasts_and_ad_does_not() {
    // At 1 cps `"1000 ~"` sounds for the first half of each cycle: frames 0..22050.
    let src = "tempo: 1\nout: sine \"1000 ~\" # ar 0.001 0.1\n";
    let audio = render_src(src, 50_000, 512, 1, false);
    let x = channel(&audio, 0);
    let held = rms(&x[100..22_000]);
    assert!(
        (held - std::f64::consts::FRAC_1_SQRT_2).abs() < 0.01,
        "{held}"
    );
    // Half way through the release the level is 0.5, and 0.1 s after the event it is over.
    let half = tone_amplitude(&x[22_050 + 2205 - 220..22_050 + 2205 + 220], 1000.0);
    assert!((half - 0.5).abs() < 0.03, "{half}");
    assert!(x[22_050 + 4410 + 1..44_100].iter().all(|&v| v == 0.0));
    // The next cycle's event starts it again.
    assert!(rms(&x[44_100 + 100..50_000]) > 0.7);

    // `ad` ignores how long the event lasts: up, then down to 0 after attack + decay (the
    // 44.1-frame attack peaks at frame 45).
    let src = "tempo: 1\nout: sine \"1000 ~\" # ad 0.001 0.1\n";
    let audio = render_src(src, 50_000, 512, 1, false);
    let x = channel(&audio, 0);
    assert!(rms(&x[44..400]) > 0.6);
    assert!(x[45 + 4410 + 1..44_100].iter().all(|&v| v == 0.0));
    // Without a pattern in its input an envelope starts once, at the first frame.
    let audio = render_src("out: sine 1000 # ad 0.001 0.1\n", 50_000, 512, 1, false);
    let x = channel(&audio, 0);
    assert!(rms(&x[44..400]) > 0.6);
    assert!(x[45 + 4410 + 1..].iter().all(|&v| v == 0.0));
}

#[test]
fn outputs_sum_into_the_master_and_pan_places_them() {
    let src = "o1: (sine 440 * 0.5) # pan2 (-1)\no2: (sine 660 * 0.25) # pan2 1\n";
    let audio = render_src(src, SAMPLE_RATE as usize, 512, 1, false);
    let (left, right) = (channel(&audio, 0), channel(&audio, 1));
    let amp = |x: &[f32], hz| tone_amplitude(x, hz);
    assert!(
        (amp(&left, 440.0) - 0.5).abs() < 0.01,
        "{}",
        amp(&left, 440.0)
    );
    assert!(amp(&right, 440.0) < 1e-4);
    assert!(
        (amp(&right, 660.0) - 0.25).abs() < 0.01,
        "{}",
        amp(&right, 660.0)
    );
    assert!(amp(&left, 660.0) < 1e-4);
    // Centre pan is equal power: each side at -3 dB.
    let audio = render_src("out: sine 440 # pan2 0\n", 44_100, 512, 1, false);
    for ch in 0..2 {
        let a = tone_amplitude(&channel(&audio, ch), 440.0);
        assert!((db(a) + 3.01).abs() < 0.05, "{}", db(a));
    }
}

#[test]
fn stems_sum_to_the_master() {
    let src = "tempo: 0.5\n\
               o1: saw \"55 82.5\" # lpf 400 # pan2 (-0.3)\n\
               o2: sine \"440 ~ 660 550\" * \"1 ~ 1 1\" # pan2 0.6\n\
               o3: tri 220 * 0.2\n";
    let frames = 30_000;
    let master = render_src(src, frames, 256, 2, false);
    let stems = render_src(src, frames, 256, 2, true);
    assert_eq!(stems.channels, 6);
    let mut loud = 0;
    for f in 0..frames {
        for side in 0..2 {
            let sum: f32 = (0..3).map(|o| stems.samples[f * 6 + 2 * o + side]).sum();
            let m = master.samples[f * 2 + side];
            assert!(
                (sum - m).abs() <= 1e-6,
                "frame {f} side {side}: {sum} vs {m}"
            );
            loud += usize::from(m.abs() > 0.1);
        }
    }
    assert!(loud > frames / 2, "the program is audible");
}

#[test]
fn block_size_and_threads_do_not_change_the_sound() {
    let src = "tempo: 0.7\n\
               ~lfo: sine 0.3 * 500 + 900\n\
               ~a: saw \"110 [165 220]\" # lpf ~lfo 0.9 # pan2 (-0.5)\n\
               ~b: square \"<55 73.4>\" # moog 800 0.5 # adsr 0.01 0.2 0.3 0.1\n\
               out: ~a * 0.3 + ~b * 0.3\n";
    let frames = 50_000;
    let reference = render_src(src, frames, 512, 1, false);
    for (block, threads) in [(1, 1), (17, 2), (1000, 2), (64, 2)] {
        let other = render_src(src, frames, block, threads, false);
        let worst = reference
            .samples
            .iter()
            .zip(&other.samples)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-6, "block {block} threads {threads}: {worst}");
    }
}
