//! Text to sound: compile, then render blocks through the master, as `phonon render` does.
//! Must never panic, and what leaves the master must be finite and at most its ceiling,
//! whatever the program computes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonon_fuzz::compile;
use phonon_runtime::engine::Engine;
use phonon_runtime::master::{CEILING, Master};

const BLOCK: usize = 512;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(compiled) = compile(src) else {
        return;
    };
    // A program the compiler made must pass the engine's checks.
    let mut engine = Engine::new(compiled.spec, BLOCK, 1).expect("a valid program");
    let mut master = Master::new(44_100, 1, true);
    let mut mix = vec![0.0f32; 2 * BLOCK];
    // A block, then one of odd size, past the limiter's look-ahead.
    for frames in [BLOCK, 301] {
        engine.process(frames);
        engine.mix_master(frames, &mut mix[..2 * frames]);
        let start = master.process(&mut mix[..2 * frames]);
        for &x in &mix[start..2 * frames] {
            assert!(x.is_finite() && x.abs() <= CEILING, "{x} left the master");
        }
    }
});
