//! Mini-notation: the pattern language inside `"..."` strings.

pub mod ast;
mod parser;
mod tokens;

pub use parser::parse_mini;
pub use tokens::{MiniToken, is_step_char, tokens};
