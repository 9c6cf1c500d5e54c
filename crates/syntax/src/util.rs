//! Small helpers over trees shared by the semantic crates.

use rnix::{SyntaxKind, SyntaxNode};

/// `node` without surrounding parentheses: `((x))` → `x`.
pub fn strip_parens(mut node: SyntaxNode) -> SyntaxNode {
    while node.kind() == SyntaxKind::NODE_PAREN {
        match node.children().next() {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}
