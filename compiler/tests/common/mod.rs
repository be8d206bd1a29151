//! Helpers shared by integration tests (each test file that needs them says `mod common;`).
pub mod events;
