//! Nixpkgs instances that overlays add to a package set as attributes (`unstable = import
//! inputs.nixpkgs-unstable { … }` in `final: prev: { … }`), and the overlays an
//! `import nixpkgs { overlays = [ … ]; }` applies when they are written in the same file.
//! Overlays in other files are the module graph's business (`modules::Overlays`).

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{NodeOrToken, SyntaxNode, TextRange};

use crate::scopes::Scopes;
use crate::sites::{InstanceKind, InstanceSite, Resolved, resolve_package_set_in};
use crate::syntax_util::{attr_name, attrpath_names, strip_parens};

/// Where the config of an instance made in an overlay comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConfigSource {
    /// Its own arguments: a literal `config`, none (nixpkgs' default) or a computed one
    /// (unknown), as [`InstanceSite::config`] says.
    Own,
    /// The package set the overlay is applied to: `config = final.config`, `prev.config`,
    /// `inherit (final) config` (with whatever names the overlay gives its parameters).
    Parent,
}

/// A nixpkgs instance an overlay adds to a package set.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OverlayInstance {
    /// The instance (for [`ConfigSource::Parent`], its `config` is the default placeholder:
    /// the caller knows the parent's).
    pub site: InstanceSite,
    /// Where its config comes from.
    pub config: ConfigSource,
    /// For [`ConfigSource::Parent`]: the `config = final.config` entry (or the `inherit`).
    pub parent_config_entry: Option<TextRange>,
}

/// The instance an overlay attribute's `value` makes, when it makes one. `overlay` is the
/// overlay function (`final: prev: …`) whose parameters denote the package set it extends.
pub fn overlay_instance(overlay: &ast::Lambda, value: &ast::Expr) -> Option<OverlayInstance> {
    let scopes = Scopes::new();
    let Resolved::Instance(mut site) = resolve_package_set_in(value, &scopes) else {
        return None;
    };
    let lambdas = overlay_lambdas(overlay);
    let mut config = ConfigSource::Own;
    let mut parent_config_entry = None;
    if site.kind == InstanceKind::Import
        && let Some(args) = site.args.and_then(|r| attrset_at(value.syntax(), r))
        && let Some(entry) = parent_config(&args, &lambdas, &scopes)
    {
        config = ConfigSource::Parent;
        parent_config_entry = Some(entry);
        site.config = crate::UnfreeConfig::default_config();
    }
    Some(OverlayInstance {
        site,
        config,
        parent_config_entry,
    })
}

/// The ranges of the overlay's two functions (`final: …` and `prev: …`).
fn overlay_lambdas(overlay: &ast::Lambda) -> Vec<TextRange> {
    let mut out = vec![overlay.syntax().text_range()];
    if let Some(ast::Expr::Lambda(inner)) = overlay.body().map(strip_parens) {
        out.push(inner.syntax().text_range());
    }
    out
}

/// The attribute set at `range` in the tree of `node`.
fn attrset_at(node: &SyntaxNode, range: TextRange) -> Option<ast::AttrSet> {
    let root = node.ancestors().last()?;
    let found = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    found.ancestors().find_map(ast::AttrSet::cast)
}

/// `config = final.config;` or `inherit (prev) config;`, with `final` / `prev` a parameter of
/// the overlay: the entry's range.
fn parent_config(args: &ast::AttrSet, lambdas: &[TextRange], scopes: &Scopes) -> Option<TextRange> {
    let is_param = |expr: &ast::Expr| -> bool {
        let ast::Expr::Ident(ident) = strip_parens(expr.clone()) else {
            return false;
        };
        let Some(name) = ident.ident_token().map(|t| t.text().to_owned()) else {
            return false;
        };
        scopes
            .binding_lambda(ident.syntax(), &name)
            .is_some_and(|l| lambdas.contains(&l))
    };
    let config = Some(&["config".to_owned()][..]);
    args.entries().find_map(|entry| match entry {
        ast::Entry::AttrpathValue(av) => {
            let path = av.attrpath().and_then(|p| attrpath_names(&p));
            if path.as_deref() != config {
                return None;
            }
            let Some(ast::Expr::Select(select)) = av.value().map(strip_parens) else {
                return None;
            };
            let selects_config = select.default_expr().is_none()
                && select
                    .attrpath()
                    .and_then(|p| attrpath_names(&p))
                    .as_deref()
                    == config;
            (selects_config && select.expr().is_some_and(|e| is_param(&e)))
                .then(|| av.syntax().text_range())
        }
        ast::Entry::Inherit(inherit) => {
            let from_param = inherit
                .from()
                .and_then(|f| f.expr())
                .is_some_and(|e| is_param(&e));
            (from_param
                && inherit
                    .attrs()
                    .any(|a| attr_name(&a).as_deref() == Some("config")))
            .then(|| inherit.syntax().text_range())
        }
    })
}

/// One attribute an overlay written in the same file defines.
#[derive(Clone, Debug)]
pub struct OverlayAttrSite {
    /// The attribute's name.
    pub name: String,
    /// The overlay function.
    pub overlay: ast::Lambda,
    /// The attribute's value (`None` for `a.b = …` and `inherit (x) a`).
    pub value: Option<ast::Expr>,
}

/// The overlays of `import nixpkgs { overlays = [ … ]; }`, as far as this file shows them.
#[derive(Clone, Debug, Default)]
pub struct ImportOverlays {
    /// The attributes the overlays define, in order.
    pub attrs: Vec<OverlayAttrSite>,
    /// Some overlay cannot be read here (another file's, an input's, a computed list).
    pub open: bool,
}

/// Reads the `overlays` of an `import` argument set: a literal list (possibly bound by `let`)
/// of overlay functions (possibly bound by `let`) that return literal sets.
pub fn import_overlays(args: &ast::AttrSet) -> ImportOverlays {
    let scopes = Scopes::new();
    let mut out = ImportOverlays::default();
    let mut value = None;
    for entry in args.entries() {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                let path = av.attrpath().and_then(|p| attrpath_names(&p));
                match path.as_deref().map(|p| p.first().map(String::as_str)) {
                    Some(Some("overlays")) => value = av.value(),
                    Some(_) => {}
                    None => out.open = true,
                }
            }
            ast::Entry::Inherit(inherit) => {
                for attr in inherit.attrs() {
                    if attr_name(&attr).as_deref() != Some("overlays") {
                        continue;
                    }
                    value = match inherit.from() {
                        Some(_) => None,
                        None => scopes.let_value(attr.syntax(), "overlays"),
                    };
                    if value.is_none() {
                        out.open = true;
                    }
                }
            }
        }
    }
    let Some(list) = value else {
        return out;
    };
    let mut work = vec![list];
    let mut steps = 0;
    while let Some(expr) = work.pop() {
        steps += 1;
        if steps > 256 {
            out.open = true;
            break;
        }
        match follow_lets(expr, &scopes) {
            Some(ast::Expr::List(list)) => {
                let items: Vec<ast::Expr> = list.items().collect();
                work.extend(items.into_iter().rev());
            }
            Some(ast::Expr::BinOp(op)) if op.operator() == Some(ast::BinOpKind::Concat) => {
                work.extend(op.rhs());
                work.extend(op.lhs());
            }
            Some(ast::Expr::Lambda(lambda)) => read_overlay(&lambda, &scopes, &mut out),
            _ => out.open = true,
        }
    }
    out
}

/// Follows identifiers bound by `let` in the same file, through parentheses.
fn follow_lets(expr: ast::Expr, scopes: &Scopes) -> Option<ast::Expr> {
    let mut expr = strip_parens(expr);
    for _ in 0..16 {
        let ast::Expr::Ident(ident) = &expr else {
            return Some(expr);
        };
        let name = ident.ident_token()?.text().to_owned();
        expr = strip_parens(scopes.let_value(ident.syntax(), &name)?);
    }
    None
}

/// The attributes of the literal set an overlay `final: prev: { … }` returns.
fn read_overlay(overlay: &ast::Lambda, scopes: &Scopes, out: &mut ImportOverlays) {
    let Some(ast::Expr::Lambda(inner)) = overlay.body().map(strip_parens) else {
        out.open = true;
        return;
    };
    let mut body = inner.body().map(strip_parens);
    while let Some(ast::Expr::LetIn(let_in)) = &body {
        body = let_in.body().map(strip_parens);
    }
    let Some(ast::Expr::AttrSet(set)) = body else {
        out.open = true;
        return;
    };
    for entry in set.entries() {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                let Some(path) = av.attrpath().and_then(|p| attrpath_names(&p)) else {
                    out.open = true;
                    continue;
                };
                let Some(name) = path.first() else { continue };
                out.attrs.push(OverlayAttrSite {
                    name: name.clone(),
                    overlay: overlay.clone(),
                    value: if path.len() == 1 { av.value() } else { None },
                });
            }
            ast::Entry::Inherit(inherit) => {
                let from = inherit.from().is_some();
                for attr in inherit.attrs() {
                    let Some(name) = attr_name(&attr) else {
                        out.open = true;
                        continue;
                    };
                    let value = if from {
                        None
                    } else {
                        scopes.let_value(attr.syntax(), &name)
                    };
                    out.attrs.push(OverlayAttrSite {
                        name,
                        overlay: overlay.clone(),
                        value,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
