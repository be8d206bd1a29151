//! Master safety: nothing above the ceiling, NaN or infinity reaches a file (the same
//! master runs in `phonon live`). Programs built to blow up are rendered through the CLI and
//! the frames checked: finite, at most 1.0, the outputs that did not blow up intact, and each
//! blow-up reported with its output's name and line.

use phonon_runtime::engine::Engine;
use phonon_runtime::master::CEILING;
use phonon_tests::compile;
use phonon_tests::{phonon as run, tone_amplitude};

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("phonon-master-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn read(path: &std::path::Path) -> (usize, Vec<f32>) {
    let mut r = hound::WavReader::open(path).expect("a WAV file");
    let channels = r.spec().channels as usize;
    (channels, r.samples::<f32>().map(Result::unwrap).collect())
}

fn channel(samples: &[f32], channels: usize, c: usize) -> Vec<f32> {
    samples.iter().skip(c).step_by(channels).copied().collect()
}

fn render(name: &str, src: &str, extra: &[&str]) -> (String, usize, Vec<f32>) {
    let file = temp(&format!("{name}.ph"));
    std::fs::write(&file, src).unwrap();
    let out = temp(&format!("{name}.wav"));
    let mut args = vec![
        "render",
        file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--seconds",
        "2",
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let (channels, samples) = read(&out);
    // The files are read: nothing is left behind (the folder goes with the last of them).
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&out);
    if let Some(dir) = file.parent() {
        let _ = std::fs::remove_dir(dir);
    }
    (err, channels, samples)
}

/// Each program blows up in its own way in `o2`; `o1` and `o3` are plain sines.
const BLOWUPS: [(&str, &str); 7] = [
    ("unstable_filter", "saw 110 # lpf 1e9 100"),
    ("feedback_gain_2", "~fb"),
    ("division_by_zero", "sine 220 * (1/0)"),
    ("not_a_number", "sine 220 * (0/0) + ((1/0) - (1/0))"),
    ("amp_1e30", "s \"bd*4\" # amp 1e30"),
    ("speed_0", "s \"bd*4 sn\" # speed 0"),
    ("speed_minus_1e9", "s \"bd*4 sn\" # speed (-1e9)"),
];

fn program(o2: &str) -> String {
    format!(
        "~fb: ~fb * 2 + sine 440 * 0.1\no1: sine 441 * 0.3\no2: {o2}\no3: (sine 882 * 0.2) # pan2 0.5\n"
    )
}

#[test]
fn programs_built_to_blow_up_leave_finite_limited_frames_and_the_other_outputs_intact() {
    for (name, o2) in BLOWUPS {
        let src = program(o2);
        // The mix: finite, never above the ceiling.
        let (err, channels, mix) = render(name, &src, &[]);
        assert_eq!(channels, 2);
        assert!(mix.iter().all(|x| x.is_finite()), "{name}: not finite");
        let peak = mix.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak <= CEILING, "{name}: peak {peak}");
        // The stems: o1 and o3 exactly as they sound alone.
        let (_, channels, stems) = render(&format!("{name}_split"), &src, &["--split"]);
        assert_eq!(channels, 6);
        assert!(
            stems.iter().all(|x| x.is_finite() && x.abs() <= CEILING),
            "{name}"
        );
        let o1 = channel(&stems, 6, 0);
        let o3_right = channel(&stems, 6, 5);
        let a1 = tone_amplitude(&o1[4410..], 441.0);
        assert!((a1 - 0.3).abs() < 0.005, "{name}: o1 at {a1}");
        let a3 = tone_amplitude(&o3_right[4410..], 882.0);
        let want3 = 0.2 * (0.75f64 * std::f64::consts::FRAC_PI_2).sin();
        assert!(
            (a3 - want3).abs() < 0.005,
            "{name}: o3 at {a3}, want {want3}"
        );
        // In the mix too, where o2 was silenced (a loud but finite o2 turns the whole mix
        // down, as a limiter does): o1's tone is there at its level.
        let o2_silent = channel(&stems, 6, 2).iter().all(|&x| x == 0.0);
        if o2_silent {
            let left = channel(&mix, 2, 0);
            let mixed = tone_amplitude(&left[4410..], 441.0);
            assert!(
                (mixed - 0.3).abs() < 0.01,
                "{name}: o1 in the mix at {mixed}"
            );
        }
        // A blow-up is reported with the output's name and line; the others are not.
        if err.contains("blew") || err.contains("warning") {
            assert!(err.contains(":3: output `o2`"), "{name}: {err}");
            assert!(
                !err.contains("`o1`") && !err.contains("`o3`"),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn non_finite_and_absurd_outputs_are_reported_once_with_name_and_line() {
    for (name, o2, what) in [
        ("report_nan", "sine 220 * (0/0)", "not a number"),
        ("report_fb", "~fb", "not a number"),
        ("report_loud", "s \"bd*4\" # amp 1e30", "dBFS"),
    ] {
        let (err, _, _) = render(name, &program(o2), &[]);
        assert_eq!(err.matches("output `o2`").count(), 1, "{name}: {err}");
        assert!(err.contains(&format!("{name}.ph:3: output `o2`")), "{err}");
        assert!(err.contains(what), "{name}: {err}");
        assert!(err.contains("hint:"), "{err}");
    }
}

#[test]
fn the_limiter_keeps_a_hot_mix_under_the_ceiling_and_no_limiter_leaves_it() {
    // Two full-scale sines: peaks near 2.
    let src = "o1: sine 441\no2: sine 663\n";
    let (_, _, limited) = render("hot", src, &[]);
    let peak = limited.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak <= CEILING, "{peak}");
    assert!(
        peak > 0.85,
        "the limiter holds the level near the ceiling: {peak}"
    );
    let (_, _, raw) = render("hot_raw", src, &["--no-limiter"]);
    let raw_peak = raw.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(raw_peak > 1.9, "{raw_peak}");
    // Limiting is gain reduction, not clipping: the two tones keep their balance and
    // nothing new appears at their third harmonics.
    let (l, r) = (channel(&limited, 2, 0), channel(&raw, 2, 0));
    let ratio = |x: &[f32]| tone_amplitude(&x[4410..], 441.0) / tone_amplitude(&x[4410..], 663.0);
    assert!(
        (ratio(&l) - ratio(&r)).abs() < 0.02,
        "{} {}",
        ratio(&l),
        ratio(&r)
    );
    assert!(tone_amplitude(&l[4410..], 1323.0) < 0.01);
}

#[test]
fn a_mix_under_the_ceiling_passes_the_limiter_bit_for_bit() {
    let src = "o1: (saw 110 # lpf 600) * 0.3\no2: s \"bd*4 sn\" # gain 0.5\n";
    let (_, _, limited) = render("quiet", src, &[]);
    let (_, _, raw) = render("quiet_raw", src, &["--no-limiter"]);
    assert!(raw.iter().all(|x| x.abs() < CEILING));
    assert_eq!(limited, raw);
}

#[test]
fn a_blown_output_is_reset_so_the_next_version_of_the_program_starts_it_clean() {
    // A feedback path with gain 2 through a filter: the filter's memory goes to infinity.
    let blown = "o1: sine 441 * 0.3\n~fb: ~fb * 2 + sine 440 * 0.1\no2: ~fb # lpf 2000\n";
    let fixed = "o1: sine 441 * 0.3\n~fb: ~fb * 0.5 + sine 440 * 0.1\no2: ~fb # lpf 2000\n";
    let engine = |src: &str| Engine::new(compile(src).unwrap().spec, 512, 1).unwrap();
    let mut old = engine(blown);
    for _ in 0..20 {
        old.process(512);
    }
    assert_eq!(old.blowups().len(), 1);
    assert_eq!(old.outputs()[old.blowups()[0].output].name, "o2");
    assert!(old.output(1, 512).0.iter().all(|&x| x == 0.0), "silenced");
    let mut new = engine(fixed);
    let adopted = new.adopt(&mut old);
    assert!(adopted.states >= 1, "the filter's state is carried (clean)");
    let mut o2 = Vec::new();
    for _ in 0..20 {
        new.process(512);
        o2.extend_from_slice(new.output(1, 512).0);
    }
    assert!(new.blowups().is_empty());
    // 0.1 / (1 - 0.5) = 0.2 at 440 Hz, through the filter, from the first block.
    assert!(o2.iter().all(|x| x.is_finite()));
    let a = tone_amplitude(&o2[2048..], 440.0);
    assert!((a - 0.2).abs() < 0.02, "{a}");
}
