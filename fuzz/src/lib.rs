//! What the fuzz targets share: a compile without sample folders (the built-in kit only), so
//! a run is the same on every machine.

use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::program::{Compiled, Options};
use phonon_runtime::samples::{SampleLibrary, SearchPath};
use std::sync::OnceLock;

/// Compiles `src` and loads the kit sounds it plays, as `phonon render` does.
pub fn compile(src: &str) -> Result<Compiled, Vec<Diagnostic>> {
    static LIBRARY: OnceLock<SampleLibrary> = OnceLock::new();
    let library = LIBRARY.get_or_init(|| SampleLibrary::new(SearchPath::only(Vec::new())));
    phonon_sounds::compile(src, library, &Options::default())
}
