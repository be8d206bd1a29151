//! Pattern-played instruments, on rendered frames: a chord sounds every one of its notes,
//! overlapping notes sound together, a voice ends with its envelope, `note` patterns play
//! at Tidal's pitches, and a plain step pattern stays one continuous oscillator.

use phonon_tests::{SAMPLE_RATE, channel, peak_frequency, render_src, rms, tone_amplitude};

const SR: f64 = SAMPLE_RATE as f64;

fn hz(midi: f64) -> f64 {
    440.0 * ((midi - 69.0) / 12.0).exp2()
}

fn left(src: &str, seconds: f64) -> Vec<f32> {
    channel(&render_src(src, (seconds * SR) as usize, 512, 1, false), 0)
}

#[test]
fn a_chord_sounds_each_of_its_notes() {
    // One c5 major chord (Tidal's c5 is middle C, MIDI 60) for two seconds: its three notes at
    // full level, nothing between them.
    let x = left("tempo: 0.5\nout: sine \"c5'maj\"\n", 1.0);
    let w = &x[4410..40_000];
    for m in [60.0, 64.0, 67.0] {
        let a = tone_amplitude(w, hz(m));
        assert!((a - 1.0).abs() < 0.02, "note {m}: amplitude {a}");
    }
    for m in [62.0, 65.0, 69.0] {
        assert!(tone_amplitude(w, hz(m)) < 0.02, "note {m} sounds");
    }
    // A minor seventh under an envelope: four notes.
    let y = left(
        "tempo: 0.5\nout: saw \"a4'min7\" # adsr 0.01 0.1 0.8 0.2 # lpf 3000\n",
        1.0,
    );
    let w = &y[8820..40_000];
    for m in [57.0, 60.0, 64.0, 67.0] {
        assert!(tone_amplitude(w, hz(m)) > 0.3, "a4'min7 lacks {m}");
    }
}

#[test]
fn overlapping_notes_sound_together() {
    // At 0.5 cps with legato 1.5: c5 from 0 to 1.5 s, e5 from 1 to 2.5 s.
    let x = left(
        "tempo: 0.5\nout: (sine \"c5 e5\" $ legato 1.5) # ar 0.001 0.01\n",
        2.0,
    );
    let window = |from: f64, to: f64| &x[(from * SR) as usize..(to * SR) as usize];
    let alone = window(0.1, 0.9);
    assert!(tone_amplitude(alone, hz(60.0)) > 0.95);
    assert!(tone_amplitude(alone, hz(64.0)) < 0.02);
    let both = window(1.05, 1.45);
    assert!(
        tone_amplitude(both, hz(60.0)) > 0.95,
        "the first note was cut"
    );
    assert!(tone_amplitude(both, hz(64.0)) > 0.95);
    let after = window(1.55, 1.95);
    assert!(
        tone_amplitude(after, hz(60.0)) < 0.02,
        "the first note did not end"
    );
    assert!(tone_amplitude(after, hz(64.0)) > 0.95);
}

#[test]
fn a_voice_ends_with_its_envelope() {
    // An attack-decay note of 0.11 s, then nothing until the next cycle (2 s later).
    let x = left("tempo: 0.5\nout: sine \"c5\" # ad 0.01 0.1\n", 1.9);
    assert!(rms(&x[441..4410]) > 0.1);
    let tail = x[(0.12 * SR) as usize..]
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(tail < 1e-6, "{tail}");
}

#[test]
fn note_patterns_play_at_tidal_pitches() {
    // note 0 is c5 = 261.63 Hz in Tidal (middle c); 7 is g above it.
    let x = left(
        "tempo: 0.5\nout: sine (note \"0 7\") # adsr 0.001 0.01 1 0.01\n",
        2.0,
    );
    let (first, second) = (&x[2205..40_000], &x[46_305..86_000]);
    assert!(tone_amplitude(first, hz(60.0)) > 0.95);
    assert!(tone_amplitude(first, hz(67.0)) < 0.02);
    assert!(tone_amplitude(second, hz(67.0)) > 0.95);
    let f = peak_frequency(&second[..4000], 100.0, 1000.0);
    assert!((f - hz(67.0)).abs() < 1.0, "{f}");
}

#[test]
fn note_names_are_tidal_pitches_everywhere() {
    // Tidal's names: c5 is middle C, a name without an octave is in octave 5, so a frequency
    // pattern `"a5"` and `"a"` play 440 Hz, and `note "c e g"` (Tidal's `n "c e g"`) is the C
    // major triad from middle C, as `note "0 4 7"`.
    for src in [
        "sine \"a5\"",
        "sine \"a\"",
        "sine \"gss5\"",
        "sine \"bb5\" * 0 + sine \"a5\"",
    ] {
        let x = left(&format!("tempo: 0.5\nout: {src}\n"), 0.5);
        let f = peak_frequency(&x[2000..20_000], 100.0, 2000.0);
        assert!((f - 440.0).abs() < 1.0, "{src}: {f} Hz");
    }
    let x = left(
        "tempo: 0.5\nout: sine (note \"c e g\") # adsr 0.001 0.01 1 0.01\n",
        2.0,
    );
    let third = 88_200 / 3;
    for (k, m) in [60.0, 64.0, 67.0].into_iter().enumerate() {
        let w = &x[k * third + 2000..(k + 1) * third - 2000];
        let f = peak_frequency(w, 100.0, 1000.0);
        assert!((f - hz(m)).abs() < 1.0, "note {k}: {f} Hz, not {}", hz(m));
    }
    // In arithmetic a name is its semitones from c5: `note ("c4" + 12)` is c5.
    let x = left("tempo: 0.5\nout: sine (note (\"c4\" + 12))\n", 0.5);
    let f = peak_frequency(&x[2000..20_000], 100.0, 1000.0);
    assert!((f - hz(60.0)).abs() < 1.0, "{f} Hz");
}

#[test]
fn chord_modifiers_voice_as_in_tidal() {
    // `'ii` inverts twice: c5 major becomes g5 c6 e6; `'o` opens a seventh: c4 g4 e5 b5.
    for (chord, sounding, silent) in [
        ("c5'maj'ii", vec![67.0, 72.0, 76.0], vec![60.0, 64.0]),
        ("c5'maj7'o", vec![48.0, 55.0, 64.0, 71.0], vec![60.0, 67.0]),
        ("c5'maj'5", vec![60.0, 64.0, 67.0, 72.0, 76.0], vec![79.0]),
    ] {
        let x = left(&format!("tempo: 0.5\nout: sine \"{chord}\"\n"), 1.0);
        let w = &x[4410..40_000];
        for m in sounding {
            let a = tone_amplitude(w, hz(m));
            assert!((a - 1.0).abs() < 0.02, "{chord}: note {m} at {a}");
        }
        for m in silent {
            assert!(tone_amplitude(w, hz(m)) < 0.02, "{chord}: note {m} sounds");
        }
    }
    // In a pitch control a chord is an event per note (Tidal's `n "c'maj"`): the synth plays
    // each note of the inverted chord.
    let x = left(
        "tempo: 0.5\nout: n \"c'maj'ii\" # s \"sine\" # sustain 1.5\n",
        1.0,
    );
    let w = &x[4410..40_000];
    let level = |m: f64| tone_amplitude(w, hz(m));
    let (g, c, e) = (level(67.0), level(72.0), level(76.0));
    assert!(
        g > 0.05 && (c / g - 1.0).abs() < 0.1 && (e / g - 1.0).abs() < 0.1,
        "{g} {c} {e}"
    );
    assert!(level(60.0) < 0.01 * g && level(64.0) < 0.01 * g);
}

#[test]
fn a_step_pattern_without_an_envelope_stays_one_oscillator() {
    // `saw "110 220"` changes frequency in place (no voices, no fades): the slope doubles
    // from one frame to the next, with no gap of silence at the change.
    let x = left("tempo: 1\nout: saw \"110 220\"\n", 1.0);
    let change = 22_050;
    assert!(x[change - 50..change + 50].iter().all(|v| v.abs() <= 1.0));
    let before = (x[change - 2] - x[change - 3]) as f64;
    let after = (x[change + 2] - x[change + 1]) as f64;
    assert!((before - 2.0 * 110.0 / SR).abs() < 1e-4 || before < 0.0);
    assert!((after - 2.0 * 220.0 / SR).abs() < 1e-4 || after < 0.0);
}
