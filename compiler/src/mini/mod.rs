//! Mini-notation: the pattern language inside `"..."` strings.

pub mod ast;
mod parser;

pub use parser::parse_mini;
