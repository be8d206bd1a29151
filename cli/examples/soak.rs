//! The soak harness, long: `cargo run --release -p phonon-cli --example soak -- [MINUTES]
//! [EDITS] [SEED]` (default 30 minutes, 2,000 edits) plays `phonon live` on the null sink
//! with `--record` while a simulated editor saves mutations of the examples, and prints
//! crashes, reloads that failed to apply, resident memory over time, xruns and the
//! recording's length against the time played. Needs the release `phonon` built beside it
//! (`cargo build --release -p phonon-cli`).

#[path = "../tests/soak/mod.rs"]
mod soak;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: f64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (minutes, edits, seed) = (arg(0, 30.0), arg(1, 2000.0) as usize, arg(2, 14.0) as u64);
    let exe = std::env::current_exe().expect("the harness knows where it is");
    // target/<profile>/examples/soak -> target/<profile>/phonon
    let phonon = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target folder")
        .join("phonon");
    assert!(
        phonon.exists(),
        "build phonon first: cargo build --release -p phonon-cli"
    );
    let dir = std::env::temp_dir().join(format!("phonon-soak-long-{}", std::process::id()));
    let report = soak::run(&soak::Config {
        phonon,
        examples: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples"),
        dir: dir.clone(),
        seconds: minutes * 60.0,
        edits,
        seed,
        live_args: Vec::new(),
    });
    println!("{}", report.summary());
    for (t, kib) in report.rss.iter().step_by((report.rss.len() / 10).max(1)) {
        println!("  resident at {t:>7.1} s: {:.1} MiB", *kib as f64 / 1024.0);
    }
    let ok = report.exit == Some(0) && report.failed_to_apply() == 0;
    if !ok {
        println!("{}", report.log);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(if ok { 0 } else { 1 });
}
