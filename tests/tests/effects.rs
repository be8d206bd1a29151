//! Effects, on rendered frames: each one does what it must to a known input (an impulse's
//! echoes, a reverb's decay time, harmonics, quantisation levels and hold times, gain
//! reduction against the ratio, a swept delay), and effect buses are one instance per use.

use phonon_tests::{SAMPLE_RATE, channel, db, render_src, rms, tone_amplitude};

const SR: f64 = SAMPLE_RATE as f64;

fn render_mono(src: &str, seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let audio = render_src(src, (seconds * SR) as usize, 512, 1, false);
    (channel(&audio, 0), channel(&audio, 1))
}

#[test]
fn a_delay_repeats_an_impulse_at_its_time_with_the_feedback_gain() {
    // One impulse at frame 0 (the next comes after 10 s); 0.3 s = 13230 frames.
    let (l, r) = render_mono("out: impulse 0.1 # delay 0.3 0.5 0.5\n", 1.5);
    assert_eq!(l, r);
    assert!((l[0] - 0.5).abs() < 1e-6, "dry half: {}", l[0]);
    // 0.3 in f32 is 13230.0005 frames: each pass through the line spreads the echo over one
    // more frame (linear interpolation), and together they carry its level.
    for (k, want) in [(1, 0.5f32), (2, 0.25), (3, 0.125), (4, 0.0625)] {
        let at = 13_230 * k;
        assert!(
            (l[at] - want).abs() < 1e-3 * want * k as f32,
            "echo {k} at {at}: {}",
            l[at]
        );
        let sum: f32 = l[at..at + 5].iter().sum();
        assert!((sum - want).abs() < 1e-5, "echo {k}: {sum}");
    }
    let elsewhere = l
        .iter()
        .enumerate()
        .filter(|&(i, _)| i % 13_230 > 4)
        .map(|(_, v)| v.abs())
        .fold(0.0f32, f32::max);
    assert!(elsewhere < 1e-6, "{elsewhere}");
}

#[test]
fn a_locked_delay_time_is_in_cycles() {
    // At 2 cycles per second, 0.25 cycles is 0.125 s = 5512.5 frames: split over two frames.
    let (l, _) = render_mono("tempo: 2\nout: impulse 0.1 # delay 0.25 0 1 :lock 1\n", 0.5);
    assert!((l[5512] - 0.5).abs() < 1e-5 && (l[5513] - 0.5).abs() < 1e-5);
}

/// Seconds for the energy of `x` (from `from`) to fall by 60 dB: the slope of Schroeder's
/// backward-integrated energy between -5 and -35 dB, extrapolated.
fn rt60(x: &[f32], from: usize) -> f64 {
    let e: Vec<f64> = x[from..].iter().map(|&v| v as f64 * v as f64).collect();
    let mut tail = vec![0.0; e.len() + 1];
    for i in (0..e.len()).rev() {
        tail[i] = tail[i + 1] + e[i];
    }
    let total = tail[0];
    let level = |i: usize| 10.0 * (tail[i] / total).log10();
    let t5 = (0..e.len()).find(|&i| level(i) < -5.0).unwrap();
    let t35 = (0..e.len()).find(|&i| level(i) < -35.0).unwrap();
    (t35 - t5) as f64 / SR * 2.0
}

#[test]
fn a_reverb_decays_as_its_room_implies_and_ends_in_silence() {
    for room in [0.8f64, 0.5] {
        let src = format!("out: impulse 0.02 # reverb {room} 0 :mix 1\n");
        let (l, r) = render_mono(&src, 24.0);
        // Freeverb's combs (mean 31.2 ms) with loop gain 0.7 + 0.28 · room.
        let g = 0.7 + 0.28 * room;
        let expected = 3.0 * 0.031_25 / -g.log10();
        for (side, x) in [("left", &l), ("right", &r)] {
            let t = rt60(x, 0);
            assert!(
                (t / expected - 1.0).abs() <= 0.25,
                "room {room} {side}: RT60 {t:.2} s, expected {expected:.2} s"
            );
            // The tail reaches exact silence (flushed, never denormal).
            let end = &x[x.len() - 4096..];
            assert!(
                end.iter().all(|&v| v == 0.0),
                "room {room}: tail not silent"
            );
        }
        // The two sides are decorrelated, not copies.
        assert!(l[1000..20_000] != r[1000..20_000]);
    }
}

#[test]
fn damping_shortens_the_reverb() {
    // Damping low-passes the loops: the highs die first, so half a second in, the tail's
    // share of high-frequency energy (its first difference) is far lower.
    let brightness = |damp: f64| {
        let src = format!("out: impulse 0.1 # reverb 0.8 {damp} :mix 1\n");
        let (x, _) = render_mono(&src, 1.0);
        let w = &x[22_050..44_100];
        let diff: Vec<f32> = w.windows(2).map(|p| p[1] - p[0]).collect();
        rms(&diff) / rms(w)
    };
    let (bright, dark) = (brightness(0.0), brightness(1.0));
    assert!(dark < 0.5 * bright, "{dark} vs {bright}");
}

#[test]
fn distortion_adds_odd_harmonics_within_bounds() {
    let (clean, _) = render_mono("out: sine 441 * 0.8\n", 0.5);
    let (dirty, _) = render_mono("out: (sine 441 * 0.8) # distortion 4\n", 0.5);
    let third = |x: &[f32]| tone_amplitude(&x[2000..20_000], 3.0 * 441.0);
    assert!(third(&clean) < 1e-4);
    assert!(third(&dirty) > 0.1, "third harmonic {}", third(&dirty));
    assert!(dirty.iter().all(|v| v.abs() <= 1.0));
    assert!(tone_amplitude(&dirty[2000..20_000], 441.0) > 0.8);
    // mix 0 is the dry signal.
    let (dry, _) = render_mono("out: (sine 441 * 0.8) # distortion 4 0\n", 0.5);
    assert_eq!(dry, clean);
}

#[test]
fn bitcrush_quantises_and_holds() {
    let (x, _) = render_mono("out: (sine 441 * 0.9) # bitcrush 3 4\n", 0.5);
    let mut levels: Vec<u32> = x.iter().map(|v| v.to_bits()).collect();
    levels.sort_unstable();
    levels.dedup();
    assert!(levels.len() <= 8, "{} levels", levels.len());
    assert!(levels.len() >= 6);
    // A new value only every fourth frame.
    for f in 1..x.len() {
        if f % 4 != 0 {
            assert_eq!(x[f], x[f - 1], "frame {f} changed between holds");
        }
    }
    // A fractional rate keeps its average: one new value per 2.5 frames.
    let (y, _) = render_mono("out: saw 30 # bitcrush 16 2.5\n", 0.2);
    let changes = (1..y.len()).filter(|&f| y[f] != y[f - 1]).count();
    let expected = y.len() as f64 / 2.5;
    assert!((changes as f64 / expected - 1.0).abs() < 0.02, "{changes}");
}

#[test]
fn a_compressor_reduces_gain_by_its_ratio_above_threshold() {
    // A square at 0.5 (-6.02 dB) against a -20 dB threshold: 13.98 dB over, 4:1 leaves
    // 3.5 dB over, so the output sits at -16.5 dB.
    for (ratio, makeup) in [(4.0f64, 0.0f64), (2.0, 3.0), (10.0, 0.0)] {
        let src = format!("out: (square 100 * 0.5) # compressor -20 {ratio} 0.001 0.05 {makeup}\n");
        let (x, _) = render_mono(&src, 1.0);
        let steady = &x[22_050..44_100];
        let peak = steady.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        let over = db(0.5) + 20.0;
        let want = -20.0 + over / ratio + makeup;
        assert!(
            (db(peak) - want).abs() <= 1.0,
            "ratio {ratio}: {:.2} dB, want {want:.2}",
            db(peak)
        );
    }
    // Below the threshold nothing changes.
    let (quiet, _) = render_mono(
        "out: (square 100 * 0.05) # compressor -20 4 0.001 0.05\n",
        0.5,
    );
    let (plain, _) = render_mono("out: square 100 * 0.05\n", 0.5);
    let diff = quiet
        .iter()
        .zip(&plain)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-5, "{diff}");
}

/// The delay of the echo that follows each impulse of a train at 4 Hz (centre of energy in
/// the 30 ms after it), in seconds.
fn echo_lags(x: &[f32]) -> Vec<f64> {
    (0..x.len() / 11_025 - 1)
        .map(|k| {
            let at = k * 11_025 + 1;
            let w = &x[at..at + 1300];
            let energy: f64 = w.iter().map(|v| v.abs() as f64).sum();
            let centre: f64 = w
                .iter()
                .enumerate()
                .map(|(i, v)| (i + 1) as f64 * v.abs() as f64)
                .sum();
            centre / energy / SR
        })
        .collect()
}

#[test]
fn a_chorus_is_a_swept_delay_different_on_each_side() {
    let (l, r) = render_mono("out: impulse 4 # chorus 0.5 1 1\n", 4.0);
    let (ll, rl) = (echo_lags(&l), echo_lags(&r));
    let range = |v: &[f64]| {
        (
            v.iter().cloned().fold(f64::MAX, f64::min),
            v.iter().cloned().fold(0.0, f64::max),
        )
    };
    let (lo, hi) = range(&ll);
    assert!(
        lo > 0.0095 && lo < 0.012 && hi > 0.018 && hi < 0.0205,
        "{ll:?}"
    );
    assert!(
        ll.iter().zip(&rl).any(|(a, b)| (a - b).abs() > 0.002),
        "{ll:?} {rl:?}"
    );
    // Half mixed, the dry impulse stays at half level.
    let (half, _) = render_mono("out: impulse 4 # chorus 0.5 1\n", 0.1);
    assert!((half[0] - 0.5).abs() < 1e-6);
}

#[test]
fn every_use_of_an_effect_bus_is_its_own_instance() {
    // Two outputs through one delay bus: each echoes only its own input.
    let src =
        "~fx: delay 0.1 0 1\no1: impulse 0.1\no2: (impulse 0.1 * 0) # ~fx\no3: impulse 0.1 # ~fx\n";
    let audio = render_src(src, 10_000, 512, 1, true);
    let o2 = channel(&audio, 2);
    let o3 = channel(&audio, 4);
    assert!(o2.iter().all(|&v| v == 0.0));
    assert!((o3[4410] - 1.0).abs() < 1e-6);
    // And effects are stereo where they should be: a mono source through a reverb.
    let (l, r) = render_mono("out: impulse 0.1 # reverb 0.5 0.5 :mix 1\n", 0.5);
    assert!(rms(&l) > 1e-3 && rms(&r) > 1e-3 && l != r);
}

#[test]
fn a_feedback_loop_through_a_delay_line_is_refused_with_a_hint() {
    let err = match phonon_tests::compile("~a: (impulse 1 + ~a) # delay 0.1 0.5\nout: ~a\n") {
        Err(d) => d,
        Ok(_) => panic!("compiles"),
    };
    assert!(
        err[0].message.contains("passes through `delay`"),
        "{}",
        err[0].message
    );
    assert!(
        err[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("own feedback")
    );
}
