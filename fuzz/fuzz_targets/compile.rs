//! Text to native code: the whole compile (front end, lowering, the first-cycle check,
//! samples from the built-in kit, scheduling, Cranelift). Must never panic; an input that
//! does not compile gets diagnostics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonon_compiler::program::{Options, compile};
use phonon_runtime::samples::{SampleLibrary, SearchPath};
use std::sync::{Arc, OnceLock};

fn options() -> &'static Options {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    // No sample folders: the kit only, the same on every machine.
    OPTIONS.get_or_init(|| Options {
        samples: Arc::new(SampleLibrary::new(SearchPath::only(Vec::new()))),
        ..Options::default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(diags) = compile(src, options()) {
        assert!(!diags.is_empty());
    }
});
