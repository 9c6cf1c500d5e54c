//! Lexical name lookups (`let`, `rec { … }`, function parameters) with one binding table per
//! scope, built on first use and reused, so that resolving many names in one file costs the
//! depth of each name's position, not the size of the sets around it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{SyntaxKind, SyntaxNode, TextRange};

use crate::syntax_util::{attr_name, attrpath_names};

/// What the first entry of a `let` / `rec` set that mentions a name says about it.
#[derive(Clone)]
enum Entry {
    /// `name = value;` (the value may be missing in broken syntax).
    Value(Option<ast::Expr>),
    /// `inherit … name;`: bound, to a value this file does not show here.
    Inherited,
    /// Only `name.x = …;` entries: the name is bound, but not to one value.
    Nested,
}

/// The names a `let` or a `rec` set binds.
#[derive(Default)]
struct Table {
    names: HashMap<String, Entry>,
}

impl Table {
    fn build(entries: impl Iterator<Item = ast::Entry>) -> Table {
        let mut names: HashMap<String, Entry> = HashMap::new();
        for entry in entries {
            match entry {
                ast::Entry::AttrpathValue(av) => {
                    let Some(path) = av.attrpath() else { continue };
                    let Some(first) = path.attrs().next().and_then(|a| attr_name(&a)) else {
                        continue;
                    };
                    let exact = attrpath_names(&path).is_some_and(|p| p.len() == 1);
                    let new = if exact {
                        Entry::Value(av.value())
                    } else {
                        Entry::Nested
                    };
                    match names.get_mut(&first) {
                        None => {
                            names.insert(first, new);
                        }
                        // A later exact binding still answers `let_value` after nested ones.
                        Some(old @ Entry::Nested) if exact => *old = new,
                        Some(_) => {}
                    }
                }
                ast::Entry::Inherit(inherit) => {
                    for name in inherit.attrs().filter_map(|a| attr_name(&a)) {
                        match names.get_mut(&name) {
                            None => {
                                names.insert(name, Entry::Inherited);
                            }
                            Some(old @ Entry::Nested) => *old = Entry::Inherited,
                            Some(_) => {}
                        }
                    }
                }
            }
        }
        Table { names }
    }
}

/// Whether an attribute-set node is `rec { … }`. Only the first token can be `rec`, so unlike
/// rnix's `rec_token()` this does not scan the set's (possibly tens of thousands of) children.
pub fn is_rec_set(set: &SyntaxNode) -> bool {
    set.children_with_tokens()
        .find(|e| !e.kind().is_trivia())
        .is_some_and(|e| e.kind() == SyntaxKind::TOKEN_REC)
}

/// How a function parameter binds a name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ParamBinding {
    /// Not at all.
    No,
    /// `name: …` or `{ name, … }: …`.
    Formal,
    /// `name@{ … }: …` / `{ … }@name: …`.
    At,
}

/// The names a function's parameter binds, and how.
type Params = Vec<(String, ParamBinding)>;

/// The names the parameter of the function at `lambda` binds.
fn param_names(lambda: &SyntaxNode) -> Params {
    let Some(lambda) = ast::Lambda::cast(lambda.clone()) else {
        return Vec::new();
    };
    let text = |i: Option<ast::Ident>| Some(i?.ident_token()?.text().to_owned());
    let mut out = Vec::new();
    match lambda.param() {
        Some(ast::Param::IdentParam(p)) => {
            out.extend(text(p.ident()).map(|n| (n, ParamBinding::Formal)))
        }
        Some(ast::Param::Pattern(p)) => {
            // Formals first: `{ a }@a` binds `a` as a formal.
            out.extend(
                p.pat_entries()
                    .filter_map(|e| text(e.ident()))
                    .map(|n| (n, ParamBinding::Formal)),
            );
            out.extend(text(p.pat_bind().and_then(|b| b.ident())).map(|n| (n, ParamBinding::At)));
        }
        None => {}
    }
    out
}

/// Per-scope binding tables for one tree, built lazily. Reuse one value for many lookups in
/// the same file; it holds syntax nodes, so it lives as long as one pass over a file.
#[derive(Default)]
pub struct Scopes {
    tables: RefCell<HashMap<SyntaxNode, Rc<Table>>>,
    built_names: RefCell<HashMap<SyntaxNode, Rc<Vec<String>>>>,
    params: RefCell<HashMap<SyntaxNode, Rc<Params>>>,
}

impl Scopes {
    /// An empty cache.
    pub fn new() -> Scopes {
        Scopes::default()
    }

    /// How the parameter of the function at `lambda` binds `name`.
    fn param_binding(&self, lambda: &SyntaxNode, name: &str) -> ParamBinding {
        let cached = self.params.borrow().get(lambda).cloned();
        let params = cached.unwrap_or_else(|| {
            let params = Rc::new(param_names(lambda));
            self.params
                .borrow_mut()
                .insert(lambda.clone(), Rc::clone(&params));
            params
        });
        params
            .iter()
            .find(|(n, _)| n == name)
            .map_or(ParamBinding::No, |(_, b)| *b)
    }

    /// The table of a `let` or `rec` set node (`None` for other nodes and plain sets).
    fn table(&self, scope: &SyntaxNode) -> Option<Rc<Table>> {
        let entries: Box<dyn Iterator<Item = ast::Entry>> = match scope.kind() {
            SyntaxKind::NODE_LET_IN => {
                if let Some(t) = self.tables.borrow().get(scope) {
                    return Some(Rc::clone(t));
                }
                Box::new(ast::LetIn::cast(scope.clone())?.entries())
            }
            SyntaxKind::NODE_ATTR_SET if is_rec_set(scope) => {
                if let Some(t) = self.tables.borrow().get(scope) {
                    return Some(Rc::clone(t));
                }
                Box::new(ast::AttrSet::cast(scope.clone())?.entries())
            }
            _ => return None,
        };
        let table = Rc::new(Table::build(entries));
        self.tables
            .borrow_mut()
            .insert(scope.clone(), Rc::clone(&table));
        Some(table)
    }

    /// The value bound to `name` by the nearest enclosing `let … in` (or `rec { … }`) of
    /// `node`; `None` if a function parameter binds it first, an `inherit` binds it, or nothing
    /// does. `name.x = …` entries alone do not stop the search.
    pub fn let_value(&self, node: &SyntaxNode, name: &str) -> Option<ast::Expr> {
        for anc in node.ancestors() {
            match anc.kind() {
                SyntaxKind::NODE_LAMBDA if self.param_binding(&anc, name) != ParamBinding::No => {
                    return None;
                }
                SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_ATTR_SET => {
                    let Some(table) = self.table(&anc) else {
                        continue;
                    };
                    match table.names.get(name) {
                        Some(Entry::Value(value)) => return value.clone(),
                        Some(Entry::Inherited) => return None,
                        Some(Entry::Nested) | None => {}
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The function whose parameter (a formal or the whole argument, not an `@` binding)
    /// binds `name` at `node`, if no nearer `let` / `rec` set binds it.
    pub fn binding_lambda(&self, node: &SyntaxNode, name: &str) -> Option<TextRange> {
        for anc in node.ancestors() {
            match anc.kind() {
                SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_ATTR_SET
                    if self.table(&anc).is_some_and(|t| t.names.contains_key(name)) =>
                {
                    return None;
                }
                SyntaxKind::NODE_LAMBDA
                    if self.param_binding(&anc, name) == ParamBinding::Formal =>
                {
                    return Some(anc.text_range());
                }
                _ => {}
            }
        }
        None
    }

    /// Whether any enclosing `let` binds `name` (any entry, `inherit` included).
    pub fn let_binds(&self, node: &SyntaxNode, name: &str) -> bool {
        node.ancestors()
            .filter(|a| a.kind() == SyntaxKind::NODE_LET_IN)
            .any(|a| self.table(&a).is_some_and(|t| t.names.contains_key(name)))
    }

    /// The identifiers of `let_in`'s body for which `keep` holds, computed once per `let`.
    pub(crate) fn body_names(
        &self,
        let_in: &SyntaxNode,
        keep: impl Fn(&SyntaxNode) -> bool,
    ) -> Rc<Vec<String>> {
        if let Some(names) = self.built_names.borrow().get(let_in) {
            return Rc::clone(names);
        }
        let mut names: Vec<String> = ast::LetIn::cast(let_in.clone())
            .and_then(|l| l.body())
            .map(|body| {
                body.syntax()
                    .descendants()
                    .filter(|n| n.kind() == SyntaxKind::NODE_IDENT && keep(n))
                    .filter_map(ast::Ident::cast)
                    .filter_map(|i| Some(i.ident_token()?.text().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.dedup();
        let names = Rc::new(names);
        self.built_names
            .borrow_mut()
            .insert(let_in.clone(), Rc::clone(&names));
        names
    }
}
