//! Small helpers over trees shared by the semantic crates.

use rnix::ast;
use rnix::{SyntaxKind, SyntaxNode};
use rowan::NodeOrToken;
use rowan::ast::AstNode;

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

/// The parts of a string literal, indentation-stripped and unescaped as Nix reads them
/// (rnix's `normalized_parts`), or `None` when the string node is malformed. rnix asserts that
/// a string holds only its delimiters, content and `${…}` parts, which a tree with syntax
/// errors can break (a panic on broken input); such a string is treated as unknown.
pub fn str_parts(s: &ast::Str) -> Option<Vec<ast::InterpolPart<String>>> {
    let well_formed = s.syntax().children_with_tokens().all(|child| match child {
        NodeOrToken::Token(t) => matches!(
            t.kind(),
            SyntaxKind::TOKEN_STRING_CONTENT
                | SyntaxKind::TOKEN_STRING_START
                | SyntaxKind::TOKEN_STRING_END
        ),
        NodeOrToken::Node(n) => n.kind() == SyntaxKind::NODE_INTERPOL,
    });
    well_formed.then(|| s.normalized_parts())
}

/// The value of a string literal without interpolations; `None` for an interpolated or
/// malformed one.
pub fn static_string(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    for part in str_parts(s)? {
        match part {
            ast::InterpolPart::Literal(text) => out.push_str(&text),
            ast::InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}
