//! Small helpers over rnix trees.

use rowan::ast::AstNode;
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode, TextRange, ast};

/// The node with exactly `range` (the outermost one when several share it), if any.
pub fn node_at(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    if !root.text_range().contains_range(range) {
        return None;
    }
    let node = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    let mut best = None;
    let mut cur = Some(node);
    while let Some(n) = cur {
        if n.text_range() == range {
            best = Some(n.clone());
        } else if n.text_range().len() > range.len() {
            break;
        }
        cur = n.parent();
    }
    best
}

pub use syntax::strip_parens;

/// The static name of an attribute (`a`, `"a"`), or `None` for a dynamic one.
pub fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(i) => Some(i.syntax().text().to_string()),
        ast::Attr::Str(s) => static_string(s),
        ast::Attr::Dynamic(d) => match d.expr()? {
            ast::Expr::Str(s) => static_string(&s),
            _ => None,
        },
    }
}

pub use syntax::static_string;

/// The static names of an attribute path, or `None` if one is dynamic.
pub fn attrpath_names(path: &ast::Attrpath) -> Option<Vec<String>> {
    path.attrs().map(|a| attr_name(&a)).collect()
}

/// Stands for a dynamic attribute (`${…}`) in [`attrpath_names_dynamic`].
pub const DYNAMIC: &str = "${…}";

/// The names of an attribute path, with [`DYNAMIC`] for each attribute that is not static.
pub fn attrpath_names_dynamic(path: &ast::Attrpath) -> Vec<String> {
    path.attrs()
        .map(|a| attr_name(&a).unwrap_or_else(|| DYNAMIC.to_owned()))
        .collect()
}

/// The name of the function applied in `f a b …`: the last attribute of a select or the
/// identifier (`lib.mkIf` → `mkIf`), and the arguments in order.
pub fn apply_head(node: &SyntaxNode) -> Option<(String, Vec<SyntaxNode>)> {
    let mut args = Vec::new();
    let mut cur = node.clone();
    while cur.kind() == SyntaxKind::NODE_APPLY {
        let apply = ast::Apply::cast(cur.clone())?;
        args.push(apply.argument()?.syntax().clone());
        cur = strip_parens(apply.lambda()?.syntax().clone());
    }
    args.reverse();
    let name = match cur.kind() {
        SyntaxKind::NODE_IDENT => cur.text().to_string(),
        SyntaxKind::NODE_SELECT => {
            let select = ast::Select::cast(cur)?;
            let last = select.attrpath()?.attrs().last()?;
            attr_name(&last)?
        }
        _ => return None,
    };
    Some((name, args))
}

/// Whether `node` is the literal `false` (an identifier; Nix has no false token).
pub fn is_literal_false(node: &SyntaxNode) -> bool {
    let node = strip_parens(node.clone());
    node.kind() == SyntaxKind::NODE_IDENT && node.text() == "false"
}
