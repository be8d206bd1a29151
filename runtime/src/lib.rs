//! The Phonon runtime: everything that runs a compiled program. Never depends on the compiler.

pub mod clock;
pub mod effects;
pub mod engine;
pub mod live;
pub mod master;
pub mod midi_in;
pub mod pattern;
pub mod render;
pub mod samples;
pub mod tempo;
pub mod time;
pub mod wav;

pub use time::Rational;
