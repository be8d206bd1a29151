//! Text to native code: the whole compile (front end, lowering, the first-cycle check,
//! samples from the built-in kit, scheduling, Cranelift). Must never panic; an input that
//! does not compile gets diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonon_fuzz::compile;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(diags) = compile(src) {
        assert!(!diags.is_empty());
    }
});
