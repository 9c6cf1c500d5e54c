//! Small helpers over rnix's typed AST: static names, literals, select paths.

use syntax::ast;

/// The static name of an attribute (`foo`, `"foo"`), or `None` for `${…}`.
pub fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(ident) => Some(ident.ident_token()?.text().to_owned()),
        ast::Attr::Str(s) => static_string(s),
        ast::Attr::Dynamic(d) => match d.expr()? {
            ast::Expr::Str(s) => static_string(&s),
            _ => None,
        },
    }
}

/// The static attribute path of an attrpath (`a.b."c"`), or `None` if any part is dynamic.
pub fn attrpath_names(path: &ast::Attrpath) -> Option<Vec<String>> {
    path.attrs().map(|a| attr_name(&a)).collect()
}

pub use syntax::static_string;

/// The value of a string-literal expression.
pub fn string_literal(expr: &ast::Expr) -> Option<String> {
    match strip_parens(expr.clone()) {
        ast::Expr::Str(s) => static_string(&s),
        _ => None,
    }
}

/// `true` / `false` (the identifiers), through parentheses.
pub fn bool_literal(expr: &ast::Expr) -> Option<bool> {
    match ident_name(&strip_parens(expr.clone()))?.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The name of an identifier expression.
pub fn ident_name(expr: &ast::Expr) -> Option<String> {
    match expr {
        ast::Expr::Ident(ident) => Some(ident.ident_token()?.text().to_owned()),
        _ => None,
    }
}

/// Removes any number of enclosing parentheses.
pub fn strip_parens(mut expr: ast::Expr) -> ast::Expr {
    for _ in 0..256 {
        match expr {
            ast::Expr::Paren(ref p) => match p.expr() {
                Some(inner) => expr = inner,
                None => return expr,
            },
            _ => return expr,
        }
    }
    expr
}

/// A dotted reference `a.b.c` (identifier followed by static selects, no `or` default) as names.
pub fn dotted_path(expr: &ast::Expr) -> Option<Vec<String>> {
    let mut expr = strip_parens(expr.clone());
    let mut tail: Vec<Vec<String>> = Vec::new();
    for _ in 0..256 {
        match expr {
            ast::Expr::Select(select) => {
                if select.default_expr().is_some() {
                    return None;
                }
                tail.push(attrpath_names(&select.attrpath()?)?);
                expr = strip_parens(select.expr()?);
            }
            ast::Expr::Ident(_) => {
                let mut path = vec![ident_name(&expr)?];
                for part in tail.into_iter().rev() {
                    path.extend(part);
                }
                return Some(path);
            }
            _ => return None,
        }
    }
    None
}

/// The function and arguments of a curried application `f a b c`.
pub fn apply_spine(apply: &ast::Apply) -> Option<(ast::Expr, Vec<ast::Expr>)> {
    let mut args = Vec::new();
    let mut current = apply.clone();
    for _ in 0..256 {
        args.push(current.argument()?);
        match strip_parens(current.lambda()?) {
            ast::Expr::Apply(inner) => current = inner,
            f => {
                args.reverse();
                return Some((f, args));
            }
        }
    }
    None
}

/// The value bound to `name` by the nearest enclosing `let … in` (or `rec { … }`) of `node`;
/// `None` if a function parameter binds it first or nothing does. For many lookups in one tree,
/// use one [`crate::scopes::Scopes`].
pub fn let_value(node: &syntax::SyntaxNode, name: &str) -> Option<ast::Expr> {
    crate::scopes::Scopes::new().let_value(node, name)
}
