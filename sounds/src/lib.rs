//! The sounds Phonon programs play, outside the compiler: which names exist (the catalogue
//! the compiler checks names against), loading sample folders (decoded and resampled once
//! per file, its modification time and sample rate), and the built-in kit, itself made by
//! compiling and rendering Phonon programs (which is why it cannot live in the compiler).
//!
//! `compile` is the whole job for a caller that plays a program: catalogue, lower, then
//! load the sounds while the code is generated, attach.

pub mod kit;
mod load;

pub use load::{catalogue, load, variants};

use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::program::{Compiled, Options, lower};
use phonon_runtime::samples::SampleLibrary;
use std::time::Instant;

/// Compiles `src` with the sounds of `library` and the kit, and loads the sounds it plays
/// while the code is generated (the loading is timed as `Timings::samples`, with reading the
/// search directories).
pub fn compile(
    src: &str,
    library: &SampleLibrary,
    opts: &Options,
) -> Result<Compiled, Vec<Diagnostic>> {
    let started = Instant::now();
    let known = catalogue(library);
    let looked_up = started.elapsed();
    let lowered = lower(src, &known, opts)?;
    let needs = lowered.sounds().to_vec();
    let (loaded, compiled) = rayon::join(
        || {
            let t = Instant::now();
            let table = load(&needs, library, opts.sample_rate);
            (table, t.elapsed())
        },
        || lowered.finish(opts),
    );
    let mut compiled = compiled?;
    let (table, loading) = loaded;
    compiled.attach_sounds(&table?);
    compiled.timings.samples = looked_up + loading;
    compiled.timings.total = started.elapsed();
    Ok(compiled)
}
