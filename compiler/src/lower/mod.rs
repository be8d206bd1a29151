//! Lowering: from the checked syntax tree to what the runtime runs.

pub mod expr;
pub mod mini;
