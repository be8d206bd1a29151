//! The Phonon runtime.
