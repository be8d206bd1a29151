//! Hostile programs and hostile sample folders: each gets a clear error with its position,
//! or a documented cap that is reported, never a hang, a crash or unbounded memory (the
//! "Limits" sections of docs/patterns.md and docs/samples.md).

use phonon_tests::phonon as run;
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("phonon-limits-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Renders `src` for 4 seconds (or `--seconds` in `extra`): (exit code, stdout, stderr).
fn render(name: &str, src: &str, extra: &[&str]) -> (i32, String, String) {
    let d = dir(name);
    let file = d.join("song.ph");
    std::fs::write(&file, src).unwrap();
    let out = d.join("out.wav");
    let mut args = vec![
        "render",
        file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    if !extra.contains(&"--seconds") {
        args.extend(["--seconds", "4"]);
    }
    args.extend_from_slice(extra);
    let result = run(&args);
    std::fs::remove_dir_all(&d).unwrap();
    result
}

#[test]
fn patterns_that_ask_for_too_much_are_errors_at_their_position() {
    for (src, at) in [
        ("out: s \"bd*100000000\"\n", "song.ph:1:6"),
        ("out: fast 1e12 $ s \"bd sn\"\n", "song.ph:1:6"),
        ("out: s \"bd(1000000,1000001)\"\n", "song.ph:1:6"),
        // Each factor alone is allowed; together a million events a cycle.
        (
            "out: sine 440\no2: fast 1000 $ s \"bd*1000\"\n",
            "song.ph:2:5",
        ),
        ("out: s \"bd*2\" # n (run 100000)\n", "song.ph:1:6"),
        ("out: echo 100000 0.1 0.5 $ s \"bd\"\n", "song.ph:1:6"),
        (
            "out: s \"bd\" # n (irand 8) # speed (segment 1e9 $ range 1 2 sine)\n",
            "song.ph:1:6",
        ),
    ] {
        let (code, _, err) = render("too_much", src, &[]);
        assert_eq!(code, 1, "{src}: {err}");
        assert!(err.contains(at), "{src}: {err}");
        assert!(
            err.contains("asks for too much in its first cycle"),
            "{src}: {err}"
        );
        assert!(err.contains("Limits"), "{src}: {err}");
    }
}

#[test]
fn a_later_cycle_that_asks_for_too_much_is_silent_and_reported() {
    let (code, _, err) = render("later", "tempo: 1\nout: s \"<bd bd*100000000>\"\n", &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("song.ph:2:6: this pattern asked for too much in cycle 1"),
        "{err}"
    );
    // Cycles 1 and 3 of the four rendered.
    assert!(err.contains("2 cycles so far are silent"), "{err}");
}

#[test]
fn deep_nesting_is_refused_with_a_diagnostic() {
    let brackets = format!(
        "out: s \"{}bd{}\"\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let parens = format!(
        "out: {}sine 440{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let dollars = format!("out: {}s \"bd\"\n", "fast 1 $ ".repeat(100_000));
    for src in [brackets, parens, dollars] {
        let (code, _, err) = render("deep", &src, &[]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("song.ph:1:"), "{err}");
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_at_once() {
    let line = "out: s \"bd sn hh cp\" # gain 0.9\n";
    let src = line.repeat((50 << 20) / line.len());
    let (code, _, err) = render("huge", &src, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("a program may be at most 1 MiB"), "{err}");
}

#[test]
fn ten_thousand_outputs_compile_and_play() {
    let src: String = (0..10_000)
        .map(|i| format!("o{}: sine {} * 0.00005\n", i + 1, 100 + i))
        .collect();
    let (code, out, err) = render("outputs", &src, &["--seconds", "0.1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote"), "{out}");
}

#[test]
fn a_bus_that_reaches_itself_through_a_thousand_others_compiles() {
    let mut src: String = (0..1000).map(|i| format!("~b{i}: ~b{}\n", i + 1)).collect();
    src.push_str("~b1000: ~b0 * 0.5 + sine 440 * 0.1\nout: ~b0\n");
    let (code, _, err) = render("ring", &src, &["--seconds", "0.1"]);
    assert_eq!(code, 0, "{err}");
    // Three thousand deep is past the limit: an error at the reference that crosses it.
    let mut src: String = (0..3000).map(|i| format!("~b{i}: ~b{}\n", i + 1)).collect();
    src.push_str("~b3000: ~b0 * 0.5 + sine 440 * 0.1\nout: ~b0\n");
    let (code, _, err) = render("ring3000", &src, &["--seconds", "0.1"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("more than 1024 deep"), "{err}");
    assert_eq!(err.matches("deep here").count(), 1, "{err}");
}

/// A WAV header that promises `frames` frames of 16-bit stereo at 44.1 kHz, and `have`
/// bytes of data after it.
fn wav_header(frames: u32, have: usize) -> Vec<u8> {
    let data = frames.saturating_mul(4);
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36u32.saturating_add(data)).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&44_100u32.to_le_bytes());
    v.extend_from_slice(&(44_100u32 * 4).to_le_bytes());
    v.extend_from_slice(&4u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data.to_le_bytes());
    v.extend((0..have).map(|i| (i * 7) as u8));
    v
}

fn noise(n: usize) -> Vec<u8> {
    (0..n as u64)
        .map(|i| {
            (i.wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
                >> 56) as u8
        })
        .collect()
}

fn sound(library: &Path, name: &str, file: &str, bytes: &[u8]) {
    std::fs::create_dir_all(library.join(name)).unwrap();
    std::fs::write(library.join(name).join(file), bytes).unwrap();
}

#[test]
fn broken_and_absurd_samples_are_errors_naming_the_file_and_the_reason() {
    let lib = dir("samples");
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("empty", "a.wav", Vec::new(), "not a readable audio file"),
        (
            "text",
            "a.wav",
            b"this is not audio\n".to_vec(),
            "not a readable audio file",
        ),
        (
            "cut",
            "a.wav",
            wav_header(22_050, 400),
            "the file is cut short",
        ),
        // Promises 2 GB of audio (three hours): refused before anything is decoded.
        (
            "long",
            "a.wav",
            wav_header(536_000_000, 4000),
            "at most 10 minutes",
        ),
        (
            "noiseflac",
            "a.flac",
            noise(5000),
            "not a readable audio file",
        ),
        ("noiseogg", "a.ogg", noise(5000), "a.ogg"),
        ("noisemp3", "a.mp3", noise(5000), "a.mp3"),
    ];
    for (name, file, bytes, _) in &cases {
        sound(&lib, name, file, bytes);
    }
    for (name, file, _, why) in &cases {
        let src = format!("o1: sine 440 * 0.1\no2: s \"{name}*2\"\n");
        let (code, _, err) = render(
            &format!("sample_{name}"),
            &src,
            &["--samples", lib.to_str().unwrap()],
        );
        assert_eq!(code, 1, "{name}: {err}");
        assert!(
            err.contains(&format!("cannot load the sound `{name}`")),
            "{name}: {err}"
        );
        assert!(err.contains(&format!("{name}/{file}")), "{name}: {err}");
        assert!(err.contains(why), "{name}: {err}");
        assert!(err.contains("song.ph:2:8"), "{name}: {err}");
    }
    std::fs::remove_dir_all(&lib).unwrap();
}

#[test]
fn a_sound_folder_with_too_many_files_is_an_error() {
    let lib = dir("crowded");
    std::fs::create_dir_all(lib.join("bd")).unwrap();
    for i in 0..4100 {
        std::fs::write(lib.join("bd").join(format!("{i:05}.wav")), b"").unwrap();
    }
    let (code, _, err) = render(
        "crowded_song",
        "out: s \"bd\"\n",
        &["--samples", lib.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(err.contains("holds 4100 audio files"), "{err}");
    assert!(err.contains("at most 4096"), "{err}");
    std::fs::remove_dir_all(&lib).unwrap();
}
