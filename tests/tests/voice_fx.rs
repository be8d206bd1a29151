//! Per-event effects of sample voices (`cutoff`, `hcutoff`, `bandf`, `shape`, `crush`,
//! `coarse`), on rendered frames: sine samples played through each, measured against
//! SuperCollider's filter responses and SuperDirt's formulas, event by event.

use phonon_tests::{channel, compile_in, render_with, tone_amplitude, write_sample_folder};
use std::path::PathBuf;

const SR: f64 = 44_100.0;
const CENTRE: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// A sample folder per tone (`t200`, `t660`, `t1000`, `t4000`: one second of a sine at that
/// frequency and amplitude 0.5), in a folder of their own, written once per test process.
fn tones() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(write_tones).clone()
}

fn write_tones() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("phonon-voice-fx-{}", std::process::id()));
    for hz in [200, 660, 1000, 4000] {
        let tone: Vec<f32> = (0..SR as usize)
            .map(|i| (0.5 * (std::f64::consts::TAU * hz as f64 * i as f64 / SR).sin()) as f32)
            .collect();
        write_sample_folder(&dir, &format!("t{hz}"), &tone);
    }
    dir
}

fn render(src: &str, frames: usize) -> Vec<f32> {
    channel(&render_with(src, &[tones()], frames, 512, 1, false), 0)
}

/// |H| at `hz` of SuperCollider's RLPF (`high` false) or RHPF with cutoff `fc` and
/// reciprocal Q `rq`, from its difference equation.
fn resonant_gain(fc: f64, rq: f64, hz: f64, high: bool) -> f64 {
    let w = fc * std::f64::consts::TAU / SR;
    let d = (w * rq * 0.5).tan();
    let c = (1.0 - d) / (1.0 + d);
    let b1 = (1.0 + c) * w.cos();
    let b2 = -c;
    let (a0, k) = if high {
        ((1.0 + c + b1) * 0.25, -2.0)
    } else {
        ((1.0 + c - b1) * 0.25, 2.0)
    };
    let th = hz * std::f64::consts::TAU / SR;
    // a0 (1 + k z⁻¹ + z⁻²) / (1 - b1 z⁻¹ - b2 z⁻²) at z = e^{jθ}.
    let num = (
        a0 * (1.0 + k * th.cos() + (2.0 * th).cos()),
        -a0 * (k * th.sin() + (2.0 * th).sin()),
    );
    let den = (
        1.0 - b1 * th.cos() - b2 * (2.0 * th).cos(),
        b1 * th.sin() + b2 * (2.0 * th).sin(),
    );
    (num.0.hypot(num.1)) / (den.0.hypot(den.1))
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// The amplitude of `hz` in the second quarter of the event starting at `at` frames (its
/// filter has settled) relative to the unfiltered tone (0.5, panned to the centre).
fn relative(x: &[f32], at: usize, len: usize, hz: f64) -> f64 {
    tone_amplitude(&x[at + len / 4..at + len / 2], hz) / (0.5 * CENTRE)
}

#[test]
fn a_patterned_cutoff_filters_each_event_as_rlpf_does() {
    // 1 cps, two events a cycle: 22050 frames each.
    let x = render(
        "tempo: 1\nout: s \"t4000 t4000 t200 t1000\" # cutoff \"8000 1000 1000 1000\" # cut 1\n",
        44_100,
    );
    let len = 11_025;
    for (i, (hz, fc)) in [
        (4000.0, 8000.0),
        (4000.0, 1000.0),
        (200.0, 1000.0),
        (1000.0, 1000.0),
    ]
    .into_iter()
    .enumerate()
    {
        let got = db(relative(&x, i * len, len, hz));
        let want = db(resonant_gain(fc, 1.0, hz, false));
        assert!(
            (got - want).abs() < 0.3,
            "event {i}: {hz} Hz through cutoff {fc}: {got:.2} dB, RLPF gives {want:.2} dB"
        );
    }
    // The second event is 12 dB per octave down, two octaves above its cutoff.
    assert!(db(relative(&x, len, len, 4000.0)) < -20.0);
    // The filters keep their state across blocks: any block size renders the same.
    let odd = channel(
        &render_with(
            "tempo: 1\nout: s \"t4000 t4000 t200 t1000\" # cutoff \"8000 1000 1000 1000\" # cut 1\n",
            &[tones()],
            44_100,
            37,
            2,
            false,
        ),
        0,
    );
    assert!(x.iter().zip(&odd).all(|(a, b)| (a - b).abs() < 1e-6));
}

#[test]
fn resonance_and_the_high_pass_follow_superdirt_maps() {
    // (The test render has no limiter: the resonant peak is measured as it is.)
    let lpf = render(
        "tempo: 1\nout: s \"t1000 ~ ~ ~\" # cutoff 1000 # resonance 0.5\n",
        44_100,
    );
    let hpf = render(
        "tempo: 1\nout: s \"~ t200 t4000 ~\" # hcutoff 1000 # cut 1\n",
        44_100,
    );
    let len = 11_025;
    // resonance 0.5 → rq = 0.001^0.5: the peak at the cutoff rises to about 1/rq.
    let rq = 0.001f64.powf(0.5);
    let cases = [
        (&lpf, 1000.0, resonant_gain(1000.0, rq, 1000.0, false)),
        (&hpf, 200.0, resonant_gain(1000.0, 1.0, 200.0, true)),
        (&hpf, 4000.0, resonant_gain(1000.0, 1.0, 4000.0, true)),
    ];
    for (i, (x, hz, want)) in cases.into_iter().enumerate() {
        let got = relative(x, i * len, len, hz);
        assert!(
            (db(got) - db(want)).abs() < 0.5,
            "event {i}: {:.2} dB, want {:.2} dB",
            db(got),
            db(want)
        );
    }
    assert!(db(relative(&lpf, 0, len, 1000.0)) > 25.0);
    assert!(db(relative(&hpf, len, len, 200.0)) < -25.0);
}

#[test]
fn shape_adds_odd_harmonics_and_crush_and_coarse_quantise() {
    let len = 22_050;
    let plain = render("tempo: 1\nout: s \"t200 ~\"\n", len);
    let shaped = render("tempo: 1\nout: s \"t200 ~\" # shape 0.8\n", len);
    let third = |x: &[f32]| tone_amplitude(&x[2000..12_000], 600.0);
    let first = |x: &[f32]| tone_amplitude(&x[2000..12_000], 200.0);
    assert!(third(&plain) < 1e-4);
    // k = 8: a 0.5 sine becomes a softly squared wave: louder, with a strong third.
    assert!(first(&shaped) > 1.5 * first(&plain));
    assert!(third(&shaped) > 0.2 * first(&shaped), "{}", third(&shaped));
    // dirt_shape of 0.5·sin at its peak: 9·0.5/(1 + 8·0.5) = 0.9, then the centre pan.
    let peak = shaped.iter().fold(0.0f32, |m, &v| m.max(v.abs())) as f64;
    assert!((peak - 0.9 * CENTRE).abs() < 2e-3, "{peak}");

    // crush 2: steps of 0.5 (so 0.5·sin takes the values -0.5, 0, 0.5), then the pan.
    let crushed = render("tempo: 1\nout: s \"t200 ~\" # crush 2\n", len);
    for &v in &crushed[..11_000] {
        let step = v as f64 / CENTRE / 0.5;
        assert!((step - step.round()).abs() < 1e-5, "{v} is not on a step");
    }
    assert!(crushed.iter().any(|&v| v > 0.3));

    // coarse 8: each value held for eight frames from the voice's start.
    let coarse = render("tempo: 1\nout: s \"~ t4000\" # coarse 8\n", 44_100);
    let start = 22_050;
    for block in coarse[start..start + 8000].chunks(8) {
        assert!(block.iter().all(|&v| v == block[0]), "{block:?}");
    }
    assert!(coarse[start..start + 8000].iter().any(|&v| v.abs() > 0.1));
}

#[test]
fn the_band_pass_keeps_its_band_scaled_by_its_q() {
    let x = render(
        "tempo: 1\nout: s \"t1000 t4000\" # bandf 1000 # bandq 4 # cut 1\n",
        44_100,
    );
    // At the centre SuperCollider's BPF passes unity; SuperDirt multiplies by bandq.
    let centre = relative(&x, 0, 22_050, 1000.0);
    assert!((centre - 4.0).abs() < 0.1, "{centre}");
    // Two octaves up it is far down, even after the ×4.
    assert!(relative(&x, 22_050, 22_050, 4000.0) < 0.5);
}

#[test]
fn applied_controls_compile_without_a_warning() {
    for src in [
        "out: s \"t200\" # cutoff 800 # resonance 0.2\n",
        "out: s \"t200\" # ctf 800 # lpq 0.2 # hcutoff 100 # hpq 0.1\n",
        "out: s \"t200\" # bandf 800 # bpq 3 # shape 0.3 # crush 6 # coarse 2\n",
        "out: s \"t200*4\" # vowel \"a e ~ <i o u>\"\n",
        "out: s \"t200\" # fshift 100 # fshiftnote 0.1 # fshiftphase 1 # krush 2 # kcutoff 3000\n",
        "out: s \"t200\" # octer 0.5 # octersub 0.3 # octersubsub 0.2 # distort 0.4\n",
        "out: s \"t200\" # phaserrate 1 # phaserdepth 0.3\n",
        "out: s \"t200\" # squiz 2 # waveloss 10 # phaserrate 1 # comb 0.3\n",
    ] {
        let c = compile_in(src, &[tones()], &Default::default()).expect("compiles");
        assert!(c.warnings.is_empty(), "{src}: {:?}", c.warnings);
    }
}

#[test]
fn a_vowel_brings_out_its_formants() {
    // A 660 Hz tone is on the first formant of "a" and far from every formant of "i"
    // (270, 1850 Hz ...). At the default resonance 0.5, dirt_vowel's cross-fade keeps
    // 0.25·cos(5π/16) of the dry sound, and the formant passes 0.25·sin(5π/16) · 125.
    let a = render("tempo: 1\nout: s \"t660 ~\" # vowel \"a\"\n", 22_050);
    let i = render("tempo: 1\nout: s \"t660 ~\" # vowel \"i\"\n", 22_050);
    let (ga, gi) = (
        relative(&a, 0, 22_050, 660.0),
        relative(&i, 0, 22_050, 660.0),
    );
    let angle = std::f64::consts::FRAC_PI_4 * 1.25;
    let (dry, wet) = (0.25 * angle.cos(), 0.25 * angle.sin() * 125.0);
    // At its centre a band-pass passes in phase: dry and wet add.
    assert!(
        (ga - (dry + wet)).abs() < 0.05 * (dry + wet),
        "a: {ga}, want {}",
        dry + wet
    );
    // "i" passes it only on the skirts of its formants.
    assert!(gi < ga / 10.0, "i: {gi}");
    // A word that is no vowel is an error where it is written.
    let err = compile_in(
        "out: s \"t200\" # vowel \"a x\"\n",
        &[tones()],
        &Default::default(),
    )
    .err()
    .expect("an error");
    assert_eq!(err[0].message, "`x` is not a vowel");
    assert_eq!(err[0].span, 25..26);
}

#[test]
fn ring_makes_sidebands_and_djf_sweeps_from_low_pass_to_high_pass() {
    // A 1 kHz tone ring-modulated at 300 Hz: the tone, and half of it at 700 and 1300 Hz.
    let x = render(
        "tempo: 0.5\nout: s \"t1000\" # ring 1 # ringf 300\n",
        20_000,
    );
    let at = |hz: f64| tone_amplitude(&x[2000..18_000], hz) / (0.5 * CENTRE);
    assert!((at(1000.0) - 1.0).abs() < 0.05, "carrier {}", at(1000.0));
    for side in [700.0, 1300.0] {
        assert!((at(side) - 0.5).abs() < 0.05, "{side} Hz: {}", at(side));
    }
    // The DJ filter: 0.2 keeps 200 Hz and cuts 4 kHz, 0.8 the other way round.
    let level = |djf: f64, tone: &str, hz: f64| {
        let x = render(
            &format!("tempo: 0.5\nout: s \"{tone}\" # djf {djf}\n"),
            20_000,
        );
        tone_amplitude(&x[4000..18_000], hz) / (0.5 * CENTRE)
    };
    assert!(level(0.2, "t200", 200.0) > 0.8 && level(0.2, "t4000", 4000.0) < 0.02);
    assert!(level(0.8, "t200", 200.0) < 0.1 && level(0.8, "t4000", 4000.0) > 0.8);
}

#[test]
fn lpf_hpf_bpf_with_one_value_on_events_are_cutoff_hcutoff_and_bandf_as_in_tidal() {
    for (alias, control) in [
        ("lpf \"800 3000\"", "cutoff \"800 3000\""),
        ("hpf 2000", "hcutoff 2000"),
        ("bpf 1000", "bandf 1000"),
    ] {
        let a = render(
            &format!("tempo: 0.5\nout: s \"t1000*2\" # {alias} # gain 0.9\n"),
            30_000,
        );
        let b = render(
            &format!("tempo: 0.5\nout: s \"t1000*2\" # {control} # gain 0.9\n"),
            30_000,
        );
        assert!(a.iter().any(|&x| x != 0.0));
        assert_eq!(a, b, "`# {alias}` is `# {control}`");
    }
    // With its q it is the signal filter on the sound's mix (the state-variable filter), so
    // it is not the per-event RLPF.
    let signal = render("tempo: 0.5\nout: s \"t1000\" # lpf 800 0.707\n", 30_000);
    let per_event = render("tempo: 0.5\nout: s \"t1000\" # cutoff 800\n", 30_000);
    assert_ne!(signal, per_event);
}

#[test]
fn fshift_moves_every_partial_by_hertz() {
    // A 1 kHz tone shifted by 200 Hz is a 1.2 kHz tone: the image at 800 Hz and the
    // original at least 30 dB down.
    let x = render("tempo: 0.5\nout: s \"t1000\" # fshift 200\n", 20_000);
    let at = |hz: f64| tone_amplitude(&x[4000..18_000], hz) / (0.5 * CENTRE);
    assert!((at(1200.0) - 1.0).abs() < 0.05, "shifted {}", at(1200.0));
    assert!(db(at(800.0)) < -30.0, "image {}", db(at(800.0)));
    assert!(db(at(1000.0)) < -30.0, "original {}", db(at(1000.0)));
    // Down, and with `fshiftnote` (n 0 is 261.63 Hz: half of it is 130.8 Hz).
    let x = render("tempo: 0.5\nout: s \"t1000\" # fshift (-300)\n", 20_000);
    assert!(tone_amplitude(&x[4000..18_000], 700.0) / (0.5 * CENTRE) > 0.95);
    let x = render(
        "tempo: 0.5\nout: s \"t1000\" # fshift 0 # fshiftnote 0.5\n",
        20_000,
    );
    assert!(tone_amplitude(&x[4000..18_000], 1130.81) / (0.5 * CENTRE) > 0.95);
}

#[test]
fn krush_octer_and_distort_have_their_signatures() {
    let tone = |src: &str, hz: f64| {
        let x = render(&format!("tempo: 0.5\nout: s \"t200\" # {src}\n"), 20_000);
        tone_amplitude(&x[4000..18_000], hz) / (0.5 * CENTRE)
    };
    // krush 1 on a 0.5 sine: (x² + x)/(x² + 1) adds even harmonics: a 400 Hz partial
    // (the x² term), the fundamental through the 4 kHz low-pass nearly whole.
    assert!(tone("krush 1", 400.0) > 0.1, "{}", tone("krush 1", 400.0));
    assert!(tone("krush 1", 200.0) > 0.7);
    assert!(tone("krush 0", 400.0) < 0.001);
    // octer 1: the rectified tone, its lowest partial at 400 Hz, no 200 Hz left.
    assert!(tone("octer 1", 400.0) > 0.3, "{}", tone("octer 1", 400.0));
    assert!(tone("octer 1", 200.0) < 0.01, "{}", tone("octer 1", 200.0));
    // octersub 1: the tone plus itself gated every other cycle: a 100 Hz partial.
    assert!(
        tone("octersub 1", 100.0) > 0.1,
        "{}",
        tone("octersub 1", 100.0)
    );
    assert!(
        tone("octersubsub 1", 50.0) > 0.05,
        "{}",
        tone("octersubsub 1", 50.0)
    );
    // distort 1: odd harmonics (the cube), 3rd above a fifth of the fundamental.
    let (f, third) = (tone("distort 1", 200.0), tone("distort 1", 600.0));
    assert!(third > 0.2 * f, "{f} {third}");
    assert!(tone("distort 0", 600.0) < 0.001);
}

#[test]
fn phaser_adds_the_sound_delayed_by_about_ten_milliseconds() {
    // At the LFO's start the delay is 10 ms (441 frames): a tone at f comes out times
    // |1 + depth·e^(-2πi·f·0.01)|.
    let gain = |f: f64, depth: f64| {
        let w = std::f64::consts::TAU * f * 0.01;
        ((1.0 + depth * w.cos()).powi(2) + (depth * w.sin()).powi(2)).sqrt()
    };
    for (tone, f, depth) in [
        ("t660", 660.0, 1.0),
        ("t660", 660.0, 0.5),
        ("t200", 200.0, 1.0),
    ] {
        let x = render(
            &format!("tempo: 0.5\nout: s \"{tone}\" # phaserrate 0.1 # phaserdepth {depth}\n"),
            6_000,
        );
        let got = tone_amplitude(&x[1_000..5_000], f) / (0.5 * CENTRE);
        assert!(
            (got - gain(f, depth)).abs() < 0.02,
            "{tone} {depth}: {got} vs {}",
            gain(f, depth)
        );
    }
    // The sweep moves the notches: a second later the 660 Hz tone comes out otherwise.
    let x = render(
        "tempo: 0.25\nout: s \"t660\" # phasr 1 # phasdp 1\n",
        30_000,
    );
    let early = tone_amplitude(&x[1_000..3_000], 660.0);
    let later = tone_amplitude(&x[12_000..14_000], 660.0);
    assert!((early - later).abs() > 0.1 * early, "{early} {later}");
}

#[test]
fn squiz_raises_the_pitch_of_each_cycle_and_waveloss_drops_cycles() {
    // A 200 Hz tone cut at each upward zero crossing (every 220.5 frames), each cycle read
    // back twice as fast as it is written: 400 Hz in the first half of each period, then
    // the same half again from the previous cycle.
    let tone = |src: &str, hz: f64| {
        let x = render(&format!("tempo: 0.5\nout: s \"t200\" # {src}\n"), 20_000);
        tone_amplitude(&x[4000..18_000], hz) / (0.5 * CENTRE)
    };
    assert!(tone("squiz 2", 400.0) > 0.3, "{}", tone("squiz 2", 400.0));
    // squiz 1 reads back as it writes: the tone, a frame late.
    assert!((tone("squiz 1", 200.0) - 1.0).abs() < 0.02);
    // waveloss 50 silences about half of the cycles: the tone at about half its amplitude,
    // and its level changes from cycle to cycle; waveloss 0 keeps it whole.
    let half = tone("waveloss 50", 200.0);
    assert!((0.35..0.65).contains(&half), "{half}");
    assert!((tone("waveloss 0", 200.0) - 1.0).abs() < 0.01);
    let x = render("tempo: 0.5\nout: s \"t200\" # waveloss 50\n", 20_000);
    let silent = x[2_000..18_000].iter().filter(|v| v.abs() < 1e-6).count() as f64 / 16_000.0;
    assert!((0.3..0.7).contains(&silent), "{silent}");
    // The same render twice is the same (the draws are seeded).
    assert_eq!(
        x,
        render("tempo: 0.5\nout: s \"t200\" # waveloss 50\n", 20_000)
    );
}

#[test]
fn comb_silences_the_spectrum_between_its_teeth() {
    // comb 0.5: 128 teeth over the 1024 bins of 21.5 Hz, bins 5, 6, 7 of every 8 silenced.
    // 200 Hz (bins 9 and 10) passes, 660 Hz (bins 30 and 31) does not; comb 0 is the FFT
    // chain alone, which gives the sound back. Nothing comes out before the first frame
    // is transformed, 1024 frames in.
    let tone = |src: &str, name: &str, hz: f64| {
        let x = render(&format!("tempo: 0.5\nout: s \"{name}\" # {src}\n"), 24_000);
        assert!(
            x[..1_020].iter().all(|v| v.abs() < 1e-6),
            "{src} {name}: no delay"
        );
        tone_amplitude(&x[6_000..22_000], hz) / (0.5 * CENTRE)
    };
    assert!((tone("comb 0", "t660", 660.0) - 1.0).abs() < 0.02);
    assert!(
        (tone("comb 0.5", "t200", 200.0) - 1.0).abs() < 0.1,
        "{}",
        tone("comb 0.5", "t200", 200.0)
    );
    assert!(
        db(tone("comb 0.5", "t660", 660.0)) < -12.0,
        "{}",
        db(tone("comb 0.5", "t660", 660.0))
    );
}

/// SuperDirt's `envelope` module runs after the low-pass and before the extra effects: a
/// nonlinear one (`krush`) hears the attack. During a half-second attack the tone is quieter,
/// so krush's square term (its 400 Hz partial from a 200 Hz tone) is weaker against the
/// fundamental than after it, in proportion to the level.
#[test]
fn the_envelope_comes_before_the_extra_effects() {
    let x = render(
        "tempo: 0.5\nout: s \"t200\" # krush 1 # attack 0.5\n",
        40_000,
    );
    let ratio = |from: usize, to: usize| {
        tone_amplitude(&x[from..to], 400.0) / tone_amplitude(&x[from..to], 200.0)
    };
    // Frames 4000..8000: the attack at 0.18..0.36 of full level; 26000..36000: full level.
    let (early, late) = (ratio(4000, 8000), ratio(26_000, 36_000));
    assert!(late > 0.1, "{late}");
    assert!(
        early < 0.5 * late && early > 0.1 * late,
        "early {early} late {late}"
    );
}
