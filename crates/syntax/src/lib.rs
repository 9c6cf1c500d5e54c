//! Nix syntax for flake-lsp: lossless, immutable rnix/rowan trees with human error messages,
//! incremental reparsing, and line/column conversion in UTF-8 or UTF-16.
//!
//! Everything here is safe on small stacks: a token pre-scan (`depth.rs`) refuses to build trees
//! that rnix's recursive parser or rowan's recursive drop could not handle, and answers with a
//! flat tree plus a "nesting too deep" error instead.

mod depth;
mod errors;
mod line_index;
mod parse;
mod reparse;
mod util;

#[cfg(test)]
mod tests;

pub use crate::depth::MAX_NESTING;
pub use crate::line_index::{LineCol, LineIndex, PositionEncoding};
pub use crate::parse::{Parse, ParseOrigin, SyntaxError, parse};
pub use crate::util::{static_string, str_parts, strip_parens};
pub use rnix::{SyntaxKind, SyntaxNode, SyntaxToken, ast};
pub use rowan::{GreenNode, NodeOrToken, TextRange, TextSize, WalkEvent};
