//! Lexical name resolution of one file: every binder (lambda parameter, pattern name, `let` or
//! `rec` binding) and every variable reference, each bound to its nearest enclosing binder.

use std::collections::HashMap;

use rowan::ast::AstNode;
use syntax::ast::HasEntry;
use syntax::{SyntaxKind, SyntaxNode, TextRange, WalkEvent, ast};

/// Index of a binder in [`Resolution::binders`].
pub type BinderId = u32;

/// What introduces a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BinderKind {
    /// `x:` — the lambda whose single parameter this is.
    Param {
        /// Range of the lambda node.
        lambda: TextRange,
    },
    /// A name of a `{ a, b ? d, ... }:` pattern.
    Formal {
        /// Range of the lambda node.
        lambda: TextRange,
    },
    /// The `args` of `args@{ … }:` or `{ … }@args:`.
    PatBind {
        /// Range of the lambda node.
        lambda: TextRange,
    },
    /// A `let` binding (or `inherit` in a `let`); `value` is the bound expression's range.
    Let {
        /// The bound value (for `inherit x;` the inherited identifier itself).
        value: Option<TextRange>,
    },
    /// A key of a `rec { … }` attribute set.
    Rec {
        /// The bound value.
        value: Option<TextRange>,
    },
}

/// One name introduction.
#[derive(Clone, Debug)]
pub struct Binder {
    /// The name.
    pub name: String,
    /// Range of the defining identifier.
    pub range: TextRange,
    /// What kind of binder.
    pub kind: BinderKind,
    /// The node in which the name is visible.
    pub scope: TextRange,
}

/// What a reference resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A lexical binder of this file.
    Binder(BinderId),
    /// No lexical binder; an enclosing `with` may provide it.
    With,
    /// No lexical binder and no `with`: a builtin or an error.
    Global,
}

/// A variable reference.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The identifier's range.
    pub range: TextRange,
    /// What it resolves to.
    pub resolved: Resolved,
}

/// Name resolution of a whole file.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Every binder, in text order of their scopes.
    pub binders: Vec<Binder>,
    /// Every reference, in text order.
    pub references: Vec<Reference>,
    by_start: HashMap<u32, usize>,
    uses: Vec<Vec<u32>>,
}

impl Resolution {
    /// The reference whose identifier starts at `range.start()`.
    pub fn reference_at(&self, range: TextRange) -> Option<&Reference> {
        let idx = *self.by_start.get(&u32::from(range.start()))?;
        Some(&self.references[idx])
    }

    /// The binder a reference (identifier range) resolves to, if lexical.
    pub fn binder_of(&self, range: TextRange) -> Option<BinderId> {
        match self.reference_at(range)?.resolved {
            Resolved::Binder(id) => Some(id),
            _ => None,
        }
    }

    /// Every reference to a binder.
    pub fn uses(&self, binder: BinderId) -> impl Iterator<Item = &Reference> + '_ {
        self.uses
            .get(binder as usize)
            .into_iter()
            .flatten()
            .map(|&i| &self.references[i as usize])
    }

    /// Whether `name` is lexically bound at `offset` (by a binder whose scope contains it).
    pub fn visible_at(&self, name: &str, offset: syntax::TextSize) -> Option<BinderId> {
        let mut best: Option<(BinderId, TextRange)> = None;
        for (i, b) in self.binders.iter().enumerate() {
            if b.name == name
                && b.scope.contains_inclusive(offset)
                && best.is_none_or(|(_, s)| s.contains_range(b.scope))
            {
                best = Some((i as BinderId, b.scope));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The binder defined by the identifier at `range`.
    pub fn binder_defined_at(&self, range: TextRange) -> Option<BinderId> {
        self.binders
            .iter()
            .position(|b| b.range == range)
            .map(|i| i as BinderId)
    }
}

struct Scope {
    /// The node that opened the scope (popped when it is left).
    node: TextRange,
    names: HashMap<String, BinderId>,
    is_with: bool,
}

/// Resolves every identifier of `root`.
pub fn resolve(root: &SyntaxNode) -> Resolution {
    let mut res = Resolution::default();
    let mut scopes: Vec<Scope> = Vec::new();
    for event in root.preorder() {
        match event {
            WalkEvent::Enter(node) => {
                if let Some(scope) = open_scope(&node, &mut res) {
                    scopes.push(scope);
                }
                if node.kind() == SyntaxKind::NODE_IDENT && is_reference(&node) {
                    let name = ident_text(&node);
                    // `inherit x;` inside a `let`/`rec` looks the name up outside that scope.
                    let skip_own = inherit_owner(&node).map(|owner| owner.text_range());
                    let resolved = lookup(&scopes, &name, skip_own);
                    let idx = res.references.len();
                    res.by_start
                        .insert(u32::from(node.text_range().start()), idx);
                    res.references.push(Reference {
                        range: node.text_range(),
                        resolved,
                    });
                }
            }
            WalkEvent::Leave(node) => {
                while scopes
                    .last()
                    .is_some_and(|s| s.node == node.text_range() && is_scope_kind(&node))
                {
                    scopes.pop();
                }
            }
        }
    }
    let mut uses = vec![Vec::new(); res.binders.len()];
    for (i, r) in res.references.iter().enumerate() {
        if let Resolved::Binder(b) = r.resolved {
            uses[b as usize].push(i as u32);
        }
    }
    res.uses = uses;
    res
}

fn is_scope_kind(node: &SyntaxNode) -> bool {
    matches!(
        node.kind(),
        SyntaxKind::NODE_LAMBDA
            | SyntaxKind::NODE_LET_IN
            | SyntaxKind::NODE_ATTR_SET
            | SyntaxKind::NODE_WITH
            | SyntaxKind::NODE_LEGACY_LET
    )
}

fn lookup(scopes: &[Scope], name: &str, skip: Option<TextRange>) -> Resolved {
    let mut saw_with = false;
    for scope in scopes.iter().rev() {
        if Some(scope.node) == skip {
            continue;
        }
        if scope.is_with {
            saw_with = true;
            continue;
        }
        if let Some(&id) = scope.names.get(name) {
            return Resolved::Binder(id);
        }
    }
    if saw_with {
        Resolved::With
    } else {
        Resolved::Global
    }
}

/// The text of an identifier node.
pub fn ident_text(node: &SyntaxNode) -> String {
    node.text().to_string()
}

/// Whether a `NODE_IDENT` is a variable reference (not an attribute name or a definition).
fn is_reference(node: &SyntaxNode) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    match parent.kind() {
        SyntaxKind::NODE_ATTRPATH
        | SyntaxKind::NODE_PAT_ENTRY
        | SyntaxKind::NODE_PAT_BIND
        | SyntaxKind::NODE_IDENT_PARAM => false,
        SyntaxKind::NODE_INHERIT => !parent
            .children()
            .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM),
        _ => true,
    }
}

/// For an identifier in a plain `inherit`, the enclosing `let`/`rec` node whose own bindings
/// must be skipped during lookup.
fn inherit_owner(node: &SyntaxNode) -> Option<SyntaxNode> {
    let parent = node.parent()?;
    if parent.kind() != SyntaxKind::NODE_INHERIT {
        return None;
    }
    parent.parent()
}

fn open_scope(node: &SyntaxNode, res: &mut Resolution) -> Option<Scope> {
    let mut names = HashMap::new();
    let scope = node.text_range();
    let mut add = |res: &mut Resolution, name: String, range: TextRange, kind: BinderKind| {
        let id = res.binders.len() as BinderId;
        res.binders.push(Binder {
            name: name.clone(),
            range,
            kind,
            scope,
        });
        names.insert(name, id);
    };
    match node.kind() {
        SyntaxKind::NODE_LAMBDA => {
            let lambda = ast::Lambda::cast(node.clone())?;
            let lr = node.text_range();
            match lambda.param()? {
                ast::Param::IdentParam(p) => {
                    let ident = p.ident()?;
                    add(
                        res,
                        ident_text(ident.syntax()),
                        ident.syntax().text_range(),
                        BinderKind::Param { lambda: lr },
                    );
                }
                ast::Param::Pattern(p) => {
                    for entry in p.pat_entries() {
                        if let Some(ident) = entry.ident() {
                            add(
                                res,
                                ident_text(ident.syntax()),
                                ident.syntax().text_range(),
                                BinderKind::Formal { lambda: lr },
                            );
                        }
                    }
                    if let Some(ident) = p.pat_bind().and_then(|b| b.ident()) {
                        add(
                            res,
                            ident_text(ident.syntax()),
                            ident.syntax().text_range(),
                            BinderKind::PatBind { lambda: lr },
                        );
                    }
                }
            }
        }
        SyntaxKind::NODE_LET_IN => {
            let let_in = ast::LetIn::cast(node.clone())?;
            collect_entries(&let_in, res, &mut add, true);
        }
        SyntaxKind::NODE_LEGACY_LET => {
            let let_in = ast::LegacyLet::cast(node.clone())?;
            collect_entries(&let_in, res, &mut add, false);
        }
        SyntaxKind::NODE_ATTR_SET => {
            let set = ast::AttrSet::cast(node.clone())?;
            set.rec_token()?;
            collect_entries(&set, res, &mut add, false);
        }
        SyntaxKind::NODE_WITH => {
            return Some(Scope {
                node: node.text_range(),
                names,
                is_with: true,
            });
        }
        _ => return None,
    }
    Some(Scope {
        node: node.text_range(),
        names,
        is_with: false,
    })
}

fn collect_entries<N: HasEntry>(
    node: &N,
    res: &mut Resolution,
    add: &mut impl FnMut(&mut Resolution, String, TextRange, BinderKind),
    is_let: bool,
) {
    let kind = |value: Option<TextRange>| {
        if is_let {
            BinderKind::Let { value }
        } else {
            BinderKind::Rec { value }
        }
    };
    for entry in node.entries() {
        match entry {
            ast::Entry::AttrpathValue(apv) => {
                let Some(first) = apv.attrpath().and_then(|p| p.attrs().next()) else {
                    continue;
                };
                let ast::Attr::Ident(ident) = first else {
                    continue;
                };
                let single = apv.attrpath().is_some_and(|p| p.attrs().count() == 1);
                let value = if single {
                    apv.value().map(|v| v.syntax().text_range())
                } else {
                    None
                };
                add(
                    res,
                    ident_text(ident.syntax()),
                    ident.syntax().text_range(),
                    kind(value),
                );
            }
            ast::Entry::Inherit(inherit) => {
                let from = inherit
                    .from()
                    .and_then(|f| f.expr())
                    .map(|e| e.syntax().text_range());
                for attr in inherit.attrs() {
                    if let ast::Attr::Ident(ident) = attr {
                        let r = ident.syntax().text_range();
                        // `inherit x;` is bound to the outer `x`; `inherit (e) x;` to `e.x`.
                        let value = Some(from.unwrap_or(r));
                        add(res, ident_text(ident.syntax()), r, kind(value));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> String {
        let parse = syntax::parse(text);
        let res = resolve(&parse.syntax_node());
        let mut out = String::new();
        for r in &res.references {
            let name = &text[r.range];
            let to = match r.resolved {
                Resolved::Binder(b) => {
                    let b = &res.binders[b as usize];
                    format!("{}@{}", b.name, u32::from(b.range.start()))
                }
                Resolved::With => "with".to_owned(),
                Resolved::Global => "global".to_owned(),
            };
            out.push_str(&format!("{name}@{} -> {to}\n", u32::from(r.range.start())));
        }
        out
    }

    #[test]
    fn nearest_binder_wins() {
        let out = check("{ pkgs, inputs, ... }: { x = { lib, pkgs, ... }: [ pkgs inputs lib ]; }");
        assert_eq!(
            out,
            "pkgs@51 -> pkgs@36\ninputs@56 -> inputs@8\nlib@63 -> lib@31\n"
        );
    }

    #[test]
    fn let_inherit_and_with() {
        let out = check("x: let inherit x; y = x; in with y; [ z y ]");
        assert_eq!(
            out,
            "x@15 -> x@0\nx@22 -> x@15\ny@33 -> y@18\nz@38 -> with\ny@40 -> y@18\n"
        );
    }

    #[test]
    fn attr_names_are_not_references() {
        let out = check("a: { a = a; inherit (a) b; c.${a} = 1; }");
        assert_eq!(out, "a@9 -> a@0\na@21 -> a@0\na@31 -> a@0\n");
    }
}
