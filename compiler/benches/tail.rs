//! A decaying tail costs what sound costs: one hit into a long reverb and a feedback delay,
//! then 30 s of silence. Prints the median block time of each stretch of the tail; with the
//! feedback paths flushed to zero these stay flat instead of rising when the tail reaches
//! denormal numbers. Run with `cargo bench -p phonon-compiler --bench tail`.

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};
use phonon_runtime::engine::Engine;
use std::time::Instant;

fn main() {
    // One impulse at frame 0 (the next would come after 50 s).
    // Decays that pass the denormal range (below 1e-38) within the 30 s.
    let src = "out: impulse 0.02 # reverb 0.5 0 :mix 1 # delay 0.25 0.3 0.5 # compressor -30 4 0.01 0.2\n";
    let compiled = compile(src, &Catalogue::default(), &Options::default()).expect("compiles");
    let mut engine = Engine::new(compiled.spec, 512, 1).expect("a valid program");
    let blocks_per_second = 44_100 / 512;
    let mut out = vec![0.0f32; 1024];
    let mut times = Vec::new();
    let mut levels = Vec::new();
    for _ in 0..31 * blocks_per_second {
        let start = Instant::now();
        engine.process(512);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        engine.mix_master(512, &mut out);
        levels.push(out.iter().fold(0.0f32, |m, v| m.max(v.abs())));
    }
    println!("reverb 0.5 + delay 0.3 + compressor after one hit, one thread, 512-frame blocks:");
    for (from, to) in [(0, 1), (1, 5), (5, 10), (10, 20), (20, 31)] {
        let mut t = times[from * blocks_per_second..to * blocks_per_second].to_vec();
        t.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let peak = levels[from * blocks_per_second..to * blocks_per_second]
            .iter()
            .fold(0.0f32, |m, &v| m.max(v));
        println!(
            "  {from:>2}-{to:>2} s: median {:.4} ms, p99 {:.4} ms, peak level {peak:.2e}",
            t[t.len() / 2],
            t[t.len() * 99 / 100]
        );
    }
}
