//! Synths by name (`s "superpiano"`, `note "c e g" # s "sawtooth"`) and the pitch, glide and
//! envelope controls they share with samples (`octave`, `freq`, `accelerate`, `attack`,
//! `hold`, `release`), on rendered frames.

use phonon_tests::{
    channel, compile, peak_frequency, render_with, rms, tone_amplitude, write_sample_folder,
};

const SR: usize = 44_100;

fn render(src: &str, frames: usize) -> (Vec<f32>, Vec<f32>) {
    let audio = render_with(src, &[], frames, 512, 1, false);
    (channel(&audio, 0), channel(&audio, 1))
}

/// The first frame from `from` whose magnitude reaches `level`.
fn first_above(x: &[f32], from: usize, level: f32) -> usize {
    from + x[from..]
        .iter()
        .position(|v| v.abs() >= level)
        .expect("sound")
}

/// The last frame with magnitude above `level`.
fn last_above(x: &[f32], level: f32) -> usize {
    x.iter().rposition(|v| v.abs() > level).expect("sound")
}

#[test]
fn n_plays_superpiano_notes_at_their_pitch() {
    // Tidal's `n` is the note of a synth: 0 = c5 = 261.63 Hz, 7 = g5 = 392.00 Hz.
    let (l, _) = render("tempo: 1\nout: n \"0 7\" # s \"superpiano\"\n", SR);
    let first = peak_frequency(&l[2_000..20_000], 200.0, 450.0);
    let second = peak_frequency(&l[24_050..42_000], 200.0, 450.0);
    assert!((first - 261.63).abs() < 1.0, "{first}");
    assert!((second - 392.0).abs() < 1.5, "{second}");
    // Louder hammer, brighter tone: the third partial relative to the first grows with
    // velocity.
    let bright = |v: &str| {
        let (l, _) = render(
            &format!("out: n \"0\" # s \"superpiano\" # velocity {v}\n"),
            20_000,
        );
        let x = &l[1_000..19_000];
        tone_amplitude(x, 3.0 * 261.63 * 1.0007) / tone_amplitude(x, 261.63)
    };
    assert!(
        bright("1") > 1.5 * bright("0.3"),
        "{} {}",
        bright("1"),
        bright("0.3")
    );
}

#[test]
fn waveform_synths_follow_strudel_note_names_and_adsr() {
    // note 9 is a5, 440 Hz; Strudel's ADSR: 0.3 × sustain level 0.6 after the decay.
    let (l, r) = render("tempo: 0.5\nout: note \"9 ~\" # s \"sine\"\n", SR + 2_000);
    assert!((peak_frequency(&l[5_000..40_000], 300.0, 600.0) - 440.0).abs() < 0.5);
    let held = l[10_000..40_000].iter().fold(0f32, |m, v| m.max(v.abs()));
    let centre = std::f32::consts::FRAC_1_SQRT_2;
    assert!((held - 0.3 * 0.6 * centre).abs() < 0.003, "{held}");
    assert_eq!(l, r);
    // Held for the event (1 s), released over 10 ms.
    let end = last_above(&l, 1e-4);
    assert!((SR..SR + 441 + 10).contains(&end), "{end}");
    // `attack` alone: sustain level 1, reached after the attack.
    let (l, _) = render("tempo: 1\nout: note 9 # s \"triangle\" # attack 0.1\n", SR);
    let early = l[2_000..2_300].iter().fold(0f32, |m, v| m.max(v.abs()));
    let late = l[20_000..30_000].iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!((late - 0.3 * centre).abs() < 0.005, "{late}");
    assert!(
        (early / late - 2_300.0 / 4_410.0).abs() < 0.05,
        "{early} {late}"
    );
}

#[test]
fn sawtooth_is_band_limited_and_filtered_per_event() {
    // A 1 kHz sawtooth: harmonics at 1/k, none folded back below its fundamental.
    let (open, _) = render(
        "tempo: 1\nout: note 24 # s \"sawtooth\" # sustain 1\n",
        30_000,
    );
    let x = &open[4_000..28_000];
    let f = 1046.5;
    let ratio = tone_amplitude(x, 3.0 * f) / tone_amplitude(x, f);
    assert!((ratio - 1.0 / 3.0).abs() < 0.03, "{ratio}");
    // A folded 22nd harmonic would land at 44100 - 22·1046.5 = 21077 Hz.. check between
    // harmonics instead: little energy halfway between two of them.
    assert!(tone_amplitude(x, 2.5 * f) < 0.01 * tone_amplitude(x, f));
    // `cutoff 1200`: the 4th harmonic (4.2 kHz) loses far more than the fundamental.
    let (low, _) = render(
        "tempo: 1\nout: note 24 # s \"sawtooth\" # sustain 1 # cutoff 1200\n",
        30_000,
    );
    let y = &low[4_000..28_000];
    let fundamental = tone_amplitude(y, f) / tone_amplitude(x, f);
    let fourth = tone_amplitude(y, 4.0 * f) / tone_amplitude(x, 4.0 * f);
    assert!(fundamental > 0.7, "{fundamental}");
    assert!(fourth < 0.12, "{fourth}");
}

#[test]
fn each_synth_name_sounds_and_stops() {
    for name in [
        "sine",
        "saw",
        "square",
        "tri",
        "supersaw",
        "superpiano",
        "superfm",
        "pluck",
    ] {
        let (l, _) = render(&format!("tempo: 1\nout: s \"{name} ~\" # n \"-12\"\n"), SR);
        assert!(l.iter().all(|v| v.is_finite()), "{name}");
        let level = rms(&l[1_000..20_000]);
        assert!(level > 0.005, "{name}: {level}");
        // The event lasts half a second; every synth has ended soon after.
        assert!(last_above(&l, 1e-4) < 22_050 + 1_000, "{name} rings on");
        // A harmonic series on c4 (130.81 Hz).
        let x = &l[2_000..20_000];
        assert!(
            tone_amplitude(x, 130.81) > 5.0 * tone_amplitude(x, 196.0),
            "{name}: not on c4"
        );
    }
}

#[test]
fn synths_take_per_event_effects_pan_and_orbit_sends() {
    let audio = render_with(
        "tempo: 1\nout: s \"superfm\" # pan 1 # room 0.5 # orbit 1\n",
        &[],
        SR,
        512,
        1,
        true,
    );
    // Stems: `out`, `orbit 0`, `orbit 1`.
    let (l, r) = (channel(&audio, 0), channel(&audio, 1));
    assert!(rms(&l) < 1e-6 && rms(&r) > 0.01, "pan 1 is right");
    assert!(rms(&channel(&audio, 2)) < 1e-9, "orbit 0 hears nothing");
    let reverb = channel(&audio, 4);
    assert!(rms(&reverb[10_000..]) > 1e-4, "the orbit hears the send");
}

#[test]
fn octave_freq_and_accelerate_on_synths() {
    let hz = |src: &str| {
        let (l, _) = render(&format!("tempo: 1\nout: {src}\n"), 30_000);
        peak_frequency(&l[3_000..25_000], 50.0, 1_000.0)
    };
    assert!((hz("n 0 # s \"sine\" # octave 4") - 130.81).abs() < 0.5);
    assert!((hz("s \"sine\" # freq 300") - 300.0).abs() < 0.5);
    // `speed` scales a synth's pitch (SuperDirt's `DirtFreqScale`).
    assert!((hz("s \"sine\" # freq 300 # speed 2") - 600.0).abs() < 0.5);
    // accelerate 1: 300 Hz gliding to 600 Hz over the second.
    let (l, _) = render("tempo: 1\nout: s \"sine\" # freq 300 # accelerate 1\n", SR);
    let early = peak_frequency(&l[0..4_410], 200.0, 800.0);
    let late = peak_frequency(&l[39_690..44_000], 200.0, 800.0);
    assert!((early - 315.0).abs() < 10.0, "{early}");
    assert!((late - 585.0).abs() < 10.0, "{late}");
}

/// A folder of sample folders holding `tone`: one second of a 441 Hz sine at 0.5.
fn tone_folder() -> std::path::PathBuf {
    static ONCE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("phonon-synths-{}", std::process::id()));
        let frames: Vec<f32> = (0..SR)
            .map(|i| 0.5 * (std::f32::consts::TAU * 441.0 * i as f32 / SR as f32).sin())
            .collect();
        write_sample_folder(&dir, "tone", &frames);
        dir
    })
    .clone()
}

fn render_tone(src: &str, frames: usize) -> Vec<f32> {
    let audio = render_with(src, &[tone_folder()], frames, 512, 1, false);
    channel(&audio, 0)
}

#[test]
fn accelerate_glides_a_sample_and_shortens_it() {
    // Rate 1 → 2 over the sound: it lasts 1 s / 1.5, its pitch 441 Hz rising to 882 Hz.
    let l = render_tone("tempo: 0.25\nout: s \"tone\" # accelerate 1\n", 2 * SR);
    let end = last_above(&l, 1e-4);
    assert!((end as i64 - 29_400).abs() < 40, "{end}");
    let early = peak_frequency(&l[0..2_205], 300.0, 1_000.0);
    let late = peak_frequency(&l[27_000..29_200], 300.0, 1_000.0);
    assert!((early - 463.0).abs() < 20.0, "{early}");
    assert!((late - 860.0).abs() < 25.0, "{late}");
    // The glide is continuous: no step between the 64-frame pieces.
    let steps = l[100..29_000]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0f32, f32::max);
    assert!(
        steps < 0.5 * std::f32::consts::TAU * 900.0 / SR as f32 * 1.1,
        "{steps}"
    );
}

#[test]
fn octave_and_freq_pitch_a_sample() {
    // octave 6 plays twice as fast (half as long); freq 882 likewise relative to 441... to
    // middle C: freq 523.25 is an octave above c5.
    for src in [
        "tempo: 0.25\nout: s \"tone\" # octave 6\n",
        "tempo: 0.25\nout: s \"tone\" # freq 523.2511\n",
    ] {
        let l = render_tone(src, SR);
        let end = last_above(&l, 1e-4);
        assert!((end as i64 - 22_050).abs() < 3, "{src}: {end}");
        assert!((peak_frequency(&l[1_000..20_000], 600.0, 1_000.0) - 882.0).abs() < 1.0);
    }
}

#[test]
fn attack_hold_release_as_superdirt() {
    // `release` alone: the sound fades from its start over the release and ends there.
    let l = render_tone("tempo: 0.25\nout: s \"tone\" # release 0.1\n", SR);
    let end = last_above(&l, 1e-4);
    assert!((end as i64 - 4_410).abs() < 10, "{end}");
    let start_level = l[0..200].iter().fold(0f32, |m, v| m.max(v.abs()));
    let mid_level = l[2_150..2_350].iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(
        (mid_level / start_level - 0.5).abs() < 0.05,
        "{start_level} {mid_level}"
    );
    // attack 0.05, hold 0.2, release 0.1: full at 0.1 s, fading from 0.25 s, silent at 0.35.
    let l = render_tone(
        "tempo: 0.25\nout: s \"tone\" # attack 0.05 # hold 0.2 # release 0.1\n",
        SR,
    );
    let end = last_above(&l, 1e-4);
    assert!((end as i64 - 15_435).abs() < 10, "{end}");
    let held = l[5_000..10_000].iter().fold(0f32, |m, v| m.max(v.abs()));
    assert!(
        (held - 0.5 * std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01,
        "{held}"
    );
    assert!(first_above(&l, 0, 0.3) > 1_000, "attack");
}

#[test]
fn a_misspelt_synth_is_an_unknown_sound_naming_the_synth() {
    let Err(errors) = compile("out: n \"0 3\" # s \"superpiamo\"\n") else {
        panic!("compiles");
    };
    assert!(errors[0].message.contains("unknown sound `superpiamo`"));
    let hint = errors[0].hint.clone().unwrap_or_default();
    assert!(hint.contains("superpiano"), "{hint}");
}

#[test]
fn voicing_sounds_each_note_of_the_chord() {
    // Strudel's C^7 below c5: MIDI 48 64 67 71 = C3 E4 G4 B4; D-7 next cycle: 53 60 62 65 72.
    let (l, _) = render(
        "tempo: 1\nout: voicing $ chord \"<C^7 Dm7>\" # s \"sine\"\n",
        2 * SR,
    );
    let hz = |midi: f64| 440.0 * 2f64.powf((midi - 69.0) / 12.0);
    let level = |x: &[f32], midi: f64| tone_amplitude(x, hz(midi));
    let (first, second) = (&l[4_000..40_000], &l[SR + 4_000..SR + 40_000]);
    for midi in [48.0, 64.0, 67.0, 71.0] {
        assert!(level(first, midi) > 0.1, "{midi}: {}", level(first, midi));
        assert!(level(second, midi) < 0.01, "{midi} in Dm7");
    }
    for midi in [53.0, 60.0, 62.0, 65.0, 72.0] {
        assert!(level(second, midi) > 0.1, "{midi}: {}", level(second, midi));
        assert!(level(first, midi) < 0.01, "{midi} in C^7");
    }
}
