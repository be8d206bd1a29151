//! A minute of the soak harness (`soak/mod.rs`): `phonon live` through 100 saves of mutated
//! examples, about one in ten broken. The thirty-minute version is
//! `cargo run --release -p phonon-cli --example soak`.
#![cfg(target_os = "linux")]

#[path = "soak/mod.rs"]
mod soak;

#[test]
fn a_minute_of_edits_leaves_phonon_playing_every_good_save_and_a_whole_recording() {
    let dir = std::env::temp_dir().join(format!("phonon-soak-{}", std::process::id()));
    let report = soak::run(&soak::Config {
        phonon: env!("CARGO_BIN_EXE_phonon").into(),
        examples: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"),
        dir: dir.clone(),
        seconds: 60.0,
        edits: 100,
        seed: 14,
        // Room for a debug build compiling the examples on a busy machine.
        live_args: vec!["--block".into(), "512".into(), "--ahead".into(), "2".into()],
    });
    let summary = report.summary();
    println!("{summary}");
    assert_eq!(report.exit, Some(0), "{summary}\n{}", report.log);
    assert!(report.good_saves >= 50, "{summary}");
    assert!(report.broken_saves >= 3, "{summary}");
    assert_eq!(report.failed_to_apply(), 0, "{summary}\n{}", report.log);
    assert!(report.refusals >= 1, "{summary}");
    // The recording holds everything played, and that is the time it ran.
    assert!(
        (report.recorded_seconds - report.played_seconds).abs() < 0.05,
        "{summary}"
    );
    assert!((report.played_seconds - 60.0).abs() < 0.5, "{summary}");
    // Memory stays flat once everything is loaded: from the first third to the end.
    let third = report.rss[report.rss.len() / 3].1 as f64 / 1024.0;
    let end = report.rss.last().unwrap().1 as f64 / 1024.0;
    assert!(
        end - third < 48.0,
        "{summary}: {third:.1} MiB at a third, {end:.1} at the end"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
