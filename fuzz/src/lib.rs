//! What the fuzz targets share: compiler options without sample folders (the built-in kit
//! only), so a run is the same on every machine.

use phonon_compiler::program::Options;
use phonon_runtime::samples::{SampleLibrary, SearchPath};
use std::sync::{Arc, OnceLock};

pub fn options() -> &'static Options {
    static OPTIONS: OnceLock<Options> = OnceLock::new();
    OPTIONS.get_or_init(|| Options {
        samples: Arc::new(SampleLibrary::new(SearchPath::only(Vec::new()))),
        ..Options::default()
    })
}
