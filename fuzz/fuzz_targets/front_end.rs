//! Text to diagnostics: the front end (lexer, parser, checker) and the rendering of every
//! diagnostic it gives, on any text. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let fe = phonon_compiler::front_end(src);
    let _ = phonon_compiler::diagnostic::render_all(&fe.diagnostics, "fuzz.ph", src, false);
});
