//! `phonon render` and `phonon bench` as a user runs them: the WAV files they write and the
//! report they print.

use phonon_tests::phonon as run;

fn read_wav(path: &std::path::Path) -> (hound::WavSpec, Vec<f32>) {
    let mut reader = hound::WavReader::open(path).expect("a WAV file");
    let spec = reader.spec();
    let samples = reader.samples::<f32>().map(|s| s.unwrap()).collect();
    (spec, samples)
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("phonon-render-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn render_writes_float_stereo_and_split_stems_that_sum_to_it() {
    let src = temp("two.ph");
    std::fs::write(
        &src,
        "tempo: 0.5\no1: saw \"55 110\" # lpf 800 # pan2 (-0.5)\no2: sine \"<440 330>\" * 0.3\n",
    )
    .unwrap();
    let master = temp("master.wav");
    let stems = temp("stems.wav");
    let (code, out, err) = run(&[
        "render",
        src.to_str().unwrap(),
        "-o",
        master.to_str().unwrap(),
        "--cycles",
        "1",
        "--sample-rate",
        "48000",
        // Stems sum to the mix before the master limiter (which limits each on its own).
        "--no-limiter",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2.00 s"), "{out}");
    let (spec, mix) = read_wav(&master);
    assert_eq!(spec.channels, 2);
    assert_eq!(spec.sample_rate, 48_000);
    assert_eq!(spec.bits_per_sample, 32);
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    // One cycle at 0.5 cps is two seconds.
    assert_eq!(mix.len(), 2 * 96_000);

    let (code, _, err) = run(&[
        "render",
        src.to_str().unwrap(),
        "-o",
        stems.to_str().unwrap(),
        "--cycles",
        "1",
        "--sample-rate",
        "48000",
        "--split",
        "--block",
        "100",
        "--no-limiter",
    ]);
    assert_eq!(code, 0, "{err}");
    let (spec, split) = read_wav(&stems);
    assert_eq!(spec.channels, 4);
    assert_eq!(split.len(), 4 * 96_000);
    for f in 0..96_000 {
        for side in 0..2 {
            let sum = split[4 * f + side] + split[4 * f + 2 + side];
            assert!((sum - mix[2 * f + side]).abs() <= 1e-6, "frame {f}");
        }
    }
    // The saw is panned left of centre: more energy on the left of its stem.
    let energy = |ch: usize| -> f64 {
        (0..96_000)
            .map(|f| (split[4 * f + ch] as f64).powi(2))
            .sum()
    };
    assert!(energy(0) > 2.0 * energy(1));
    assert!((energy(2) - energy(3)).abs() < 1e-6 * energy(2));
}

#[test]
fn render_rejects_a_program_it_cannot_compile_without_writing() {
    let src = temp("samples.ph");
    std::fs::write(&src, "out: sine 440 # lfp 300\n").unwrap();
    let wav = temp("never.wav");
    let (code, _, err) = run(&["render", src.to_str().unwrap(), "-o", wav.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("samples.ph:1:17"), "{err}");
    assert!(!wav.exists());
}

#[test]
fn bench_json_has_every_field() {
    let (code, out, err) = run(&[
        "bench",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/synth16.ph"),
        "--blocks",
        "20",
        "--threads",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let line = out.trim();
    assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
    for key in [
        "\"compile_ms\":",
        "\"block_ms\":{\"min\":",
        "\"median\":",
        "\"p99\":",
        "\"max\":",
        "\"realtime_factor\":",
        "\"events_per_block\":",
        "\"voices_peak\":",
        "\"voices_stolen\":",
        "\"threads\":2",
        "\"block\":512",
        "\"sample_rate\":44100",
    ] {
        assert!(line.contains(key), "{key} missing in {line}");
    }
}
