//! Nix syntax for flake-lsp: lossless, immutable rnix/rowan trees with human error messages,
//! incremental reparsing, and line/column conversion in UTF-8 or UTF-16.

mod line_index;
mod parse;

pub use crate::line_index::{LineCol, LineIndex, PositionEncoding};
pub use crate::parse::{Parse, SyntaxError, parse};
pub use rnix::{SyntaxKind, SyntaxNode, SyntaxToken, ast};
pub use rowan::{GreenNode, NodeOrToken, TextRange, TextSize, WalkEvent};
