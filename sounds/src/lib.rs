//! The sounds Phonon programs play, outside the compiler: which names exist (the catalogue
//! the compiler checks names against), loading sample folders (decoded and resampled once
//! per file, its modification time and sample rate), and the built-in kit, itself made by
//! compiling and rendering Phonon programs (which is why it cannot live in the compiler).
//!
//! `compile` is the whole job for a caller that plays a program: catalogue, compile, load,
//! attach.

pub mod kit;
mod load;

pub use load::{catalogue, load};

use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::program::{Compiled, Options, compile as compile_program};
use phonon_runtime::samples::SampleLibrary;
use std::time::Instant;

/// Compiles `src` with the sounds of `library` and the kit, and loads the sounds it plays
/// (timed as `Timings::samples`, which includes reading the search directories).
pub fn compile(
    src: &str,
    library: &SampleLibrary,
    opts: &Options,
) -> Result<Compiled, Vec<Diagnostic>> {
    let t = Instant::now();
    let known = catalogue(library);
    let looked_up = t.elapsed();
    let mut compiled = compile_program(src, &known, opts)?;
    let t = Instant::now();
    if !compiled.sounds.is_empty() {
        let table = load(&compiled.sounds, library, opts.sample_rate)?;
        compiled.attach_sounds(&table);
    }
    compiled.timings.samples = looked_up + t.elapsed();
    Ok(compiled)
}
