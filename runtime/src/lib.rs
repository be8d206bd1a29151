//! The Phonon runtime: everything that runs a compiled program. Never depends on the compiler.

pub mod time;

pub use time::Rational;
pub mod pattern;
