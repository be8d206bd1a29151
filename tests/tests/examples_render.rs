//! Every example compiles to audio and renders: finite samples, audible level, on both sides.

use phonon_tests::{SAMPLE_RATE, channel, render_src, rms};

#[test]
fn every_example_renders_sound() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ph"))
        .collect();
    files.sort();
    assert!(files.len() >= 14);
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        // Four seconds: long enough for the slowest example's first notes.
        let audio = render_src(&src, 4 * SAMPLE_RATE as usize, 512, 2, false);
        assert!(
            audio.samples.iter().all(|v| v.is_finite()),
            "{}",
            path.display()
        );
        for ch in 0..2 {
            let x = channel(&audio, ch);
            let (level, peak) = (rms(&x), x.iter().fold(0.0f32, |m, v| m.max(v.abs())));
            assert!(
                level > 1e-3 && peak > 0.05,
                "{}: channel {ch} is silent (rms {level}, peak {peak})",
                path.display()
            );
        }
    }
}
