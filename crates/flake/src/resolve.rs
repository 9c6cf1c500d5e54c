//! "Which input is this expression?": lexical resolution of names bound to flake inputs
//! (`outputs` formals, the `@inputs` set, `self`, `let` aliases, `inherit (inputs) x`), and the
//! list of every reference to an input in a tree.

use std::collections::{HashMap, HashSet};

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode, TextRange};

use crate::literal::{attr_name, attrpath_names};

/// What an expression denotes, as far as flake inputs go.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InputRef {
    /// One input, possibly with attributes selected from it (`inputs.hm.nixosModules.default`
    /// is `Input { name: "hm", path: ["nixosModules", "default"] }`).
    Input {
        /// The input's name.
        name: String,
        /// Attributes selected after it.
        path: Vec<String>,
    },
    /// The whole input set (`inputs` of `{ … }@inputs`, `self.inputs`).
    AllInputs,
    /// The flake itself (`self`), possibly with attributes selected (never `inputs`).
    SelfFlake {
        /// Attributes selected after `self`.
        path: Vec<String>,
    },
}

impl InputRef {
    /// The result of selecting `attrs` from what `self` denotes (`inputs` + `["x"]` is input `x`).
    pub fn select(self, attrs: &[String]) -> InputRef {
        let mut current = self;
        let mut rest = attrs;
        loop {
            match (current, rest) {
                (done, []) => return done,
                (InputRef::AllInputs, [name, tail @ ..]) => {
                    current = InputRef::Input {
                        name: name.clone(),
                        path: Vec::new(),
                    };
                    rest = tail;
                }
                (InputRef::SelfFlake { path }, [first, tail @ ..])
                    if path.is_empty() && first == "inputs" =>
                {
                    current = InputRef::AllInputs;
                    rest = tail;
                }
                (InputRef::SelfFlake { mut path }, attrs) => {
                    path.extend(attrs.iter().cloned());
                    return InputRef::SelfFlake { path };
                }
                (InputRef::Input { name, mut path }, attrs) => {
                    path.extend(attrs.iter().cloned());
                    return InputRef::Input { name, path };
                }
            }
        }
    }
}

/// How a use names its input.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UseKind {
    /// A variable bound to the input (an `outputs` formal or an alias of it).
    Variable,
    /// An attribute selected from the input set: `inputs.x`, `self.inputs.x`,
    /// `inherit (inputs) x`.
    Attribute,
}

/// One reference to an input.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InputUse {
    /// The input's name.
    pub name: String,
    /// The text naming it (the variable or the attribute).
    pub range: TextRange,
    /// How it is named.
    pub kind: UseKind,
    /// A missing input would not fail here (`inputs.x or …`).
    pub guarded: bool,
}

/// Every reference to inputs found in a tree.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct InputUses {
    /// References to single inputs, in text order.
    pub uses: Vec<InputUse>,
    /// Places where the whole input set (or `self`) goes somewhere we cannot follow (a function
    /// argument, `specialArgs`, `inherit inputs`, `with inputs;`…): any input may be used there.
    pub escapes: Vec<TextRange>,
    /// Names tested with `inputs ? name` somewhere: uses of them count as guarded.
    pub tested: Vec<String>,
}

impl InputUses {
    /// Whether the input named `name` is referenced.
    pub fn mentions(&self, name: &str) -> bool {
        self.uses.iter().any(|u| u.name == name)
    }
}

/// Where a variable is bound.
#[derive(Clone)]
enum Binder {
    /// A lambda parameter (pattern name, `@` name or plain parameter), by the name's range.
    Param(TextRange),
    /// `name = value;` in a `let` or `rec { }`.
    Value(SyntaxNode),
    /// `inherit (from) name;` in a `let` or `rec { }`.
    InheritFrom(SyntaxNode, String),
}

/// Resolves expressions to inputs, given what some lambda parameters mean (the "seeds").
#[derive(Clone, Debug, Default)]
pub struct InputResolver {
    seeds: HashMap<TextRange, InputRef>,
}

/// How many alias or select steps one resolution may take (guards against `let a = a;`).
const FUEL: u32 = 256;

impl InputResolver {
    /// A resolver where the parameter whose name is written at each range means the given thing.
    /// For a module that receives the flake's inputs as `{ inputs, ... }:`, the seed is the range
    /// of `inputs` in that pattern and [`InputRef::AllInputs`].
    pub fn new(seeds: impl IntoIterator<Item = (TextRange, InputRef)>) -> InputResolver {
        InputResolver {
            seeds: seeds.into_iter().collect(),
        }
    }

    /// Which input `expr` denotes; `None` when it is none or we cannot tell.
    pub fn resolve(&self, expr: &SyntaxNode) -> Option<InputRef> {
        self.resolve_in(expr, &mut Scopes::default())
    }

    fn resolve_in(&self, expr: &SyntaxNode, scopes: &mut Scopes) -> Option<InputRef> {
        let mut node = expr.clone();
        let mut suffix: Vec<String> = Vec::new();
        for _ in 0..FUEL {
            match node.kind() {
                SyntaxKind::NODE_PAREN => node = node.children().next()?,
                SyntaxKind::NODE_SELECT => {
                    let select = ast::Select::cast(node.clone())?;
                    let mut names: Vec<String> = attrpath_names(&select.attrpath()?)?
                        .into_iter()
                        .map(|s| s.value)
                        .collect();
                    names.append(&mut suffix);
                    suffix = names;
                    node = select.expr()?.syntax().clone();
                }
                SyntaxKind::NODE_IDENT => match scopes.find_binder(&node)? {
                    Binder::Param(range) => {
                        return Some(self.seeds.get(&range)?.clone().select(&suffix));
                    }
                    Binder::Value(value) => node = value,
                    Binder::InheritFrom(from, name) => {
                        suffix.insert(0, name);
                        node = from;
                    }
                },
                _ => return None,
            }
        }
        None
    }

    /// Every reference to an input under `root`, and every place where the whole set escapes.
    pub fn collect_uses(&self, root: &SyntaxNode) -> InputUses {
        let mut out = InputUses::default();
        if self.seeds.is_empty() {
            return out;
        }
        let names = self.interesting_names(root);
        let mut scopes = Scopes::default();
        for node in root.descendants() {
            if node.kind() != SyntaxKind::NODE_IDENT || !is_reference(&node) {
                continue;
            }
            if names
                .as_ref()
                .is_some_and(|names| !names.contains(ident_text(&node).as_str()))
            {
                continue;
            }
            let Some(meaning) = self.resolve_in(&node, &mut scopes) else {
                continue;
            };
            match meaning {
                InputRef::Input { name, .. } => out.uses.push(InputUse {
                    name,
                    range: node.text_range(),
                    kind: UseKind::Variable,
                    guarded: false,
                }),
                InputRef::AllInputs => all_inputs_context(node, &mut out),
                InputRef::SelfFlake { path } if path.is_empty() => self_context(node, &mut out),
                InputRef::SelfFlake { .. } => {}
            }
        }
        out.uses.sort_by_key(|u| u.range.start());
        for use_ in &mut out.uses {
            use_.guarded |= out.tested.contains(&use_.name);
        }
        out
    }

    /// Names that may resolve to a seed: the seeds' own names, and (to a fixed point) every name
    /// a `let`/`rec` binding or `inherit (…)` binds to an expression mentioning such a name.
    /// Other identifiers are skipped without walking their scopes, which keeps big files cheap.
    /// `None` (no filtering) for absurdly long alias chains.
    fn interesting_names(&self, root: &SyntaxNode) -> Option<HashSet<String>> {
        let mut names: HashSet<String> = HashSet::new();
        let top = root.ancestors().last().unwrap_or_else(|| root.clone());
        for range in self.seeds.keys() {
            if !top.text_range().contains_range(*range) {
                continue;
            }
            match top.covering_element(*range) {
                NodeOrToken::Node(node) => names.insert(node.text().to_string()),
                NodeOrToken::Token(token) => names.insert(token.text().to_owned()),
            };
        }
        // Bindings: (bound name, the expression it is bound to).
        let mut bindings: Vec<(String, SyntaxNode)> = Vec::new();
        for node in root.descendants() {
            if !binds_variables(node.parent()) {
                continue;
            }
            if let Some(apv) = ast::AttrpathValue::cast(node.clone()) {
                let (Some(path), Some(value)) = (apv.attrpath(), apv.value()) else {
                    continue;
                };
                let Some(first) = path.attrs().next().and_then(|a| attr_name(&a)) else {
                    continue;
                };
                bindings.push((first, value.syntax().clone()));
            } else if let Some(inherit) = ast::Inherit::cast(node.clone()) {
                let Some(from) = inherit.from() else { continue };
                for attr in inherit.attrs() {
                    if let Some(name) = attr_name(&attr) {
                        bindings.push((name, from.syntax().clone()));
                    }
                }
            }
        }
        for _ in 0..32 {
            let before = names.len();
            bindings.retain(|(name, value)| {
                if names.contains(name) {
                    return false;
                }
                let mentions = value.descendants().any(|n| {
                    n.kind() == SyntaxKind::NODE_IDENT && names.contains(ident_text(&n).as_str())
                });
                if mentions {
                    names.insert(name.clone());
                }
                !mentions
            });
            if names.len() == before {
                return Some(names);
            }
        }
        None
    }
}

/// The range of the name that binds the variable `ident` (a lambda parameter, a `let`/`rec`
/// binding, an `inherit`ed attribute), or `None` for free variables.
pub fn binding_site(ident: &SyntaxNode) -> Option<TextRange> {
    Scopes::default().binding(ident).map(|(_, range)| range)
}

/// Whether `node` is a `rec { … }` set. Looks at the first token only: rnix's `rec_token()`
/// scans every child, which is quadratic over big sets.
fn is_rec_set(node: &SyntaxNode) -> bool {
    node.kind() == SyntaxKind::NODE_ATTR_SET
        && node
            .first_token()
            .is_some_and(|t| t.kind() == SyntaxKind::TOKEN_REC)
}

/// Whether entries directly under `scope` bind variables (`let`, `rec { }`).
fn binds_variables(scope: Option<SyntaxNode>) -> bool {
    scope.is_some_and(|scope| scope.kind() == SyntaxKind::NODE_LET_IN || is_rec_set(&scope))
}

/// The text of an identifier node, without allocating in the usual single-token case.
enum IdentText {
    /// The node's only token.
    Token(syntax::SyntaxToken),
    /// Anything else, copied.
    Owned(String),
}

impl IdentText {
    fn as_str(&self) -> &str {
        match self {
            IdentText::Token(token) => token.text(),
            IdentText::Owned(text) => text,
        }
    }
}

fn ident_text(node: &SyntaxNode) -> IdentText {
    match node.first_token() {
        Some(token) if token.text_range() == node.text_range() => IdentText::Token(token),
        _ => IdentText::Owned(node.text().to_string()),
    }
}

/// Whether an identifier node is a variable reference (not an attribute name or a binder).
fn is_reference(ident: &SyntaxNode) -> bool {
    let Some(parent) = ident.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::NODE_ATTRPATH
        | SyntaxKind::NODE_PAT_ENTRY
        | SyntaxKind::NODE_PAT_BIND
        | SyntaxKind::NODE_IDENT_PARAM => false,
        SyntaxKind::NODE_INHERIT => ast::Inherit::cast(parent).is_some_and(|i| i.from().is_none()),
        _ => true,
    }
}

/// The outermost expression that is `node` in parentheses.
fn climb_parens(node: SyntaxNode) -> SyntaxNode {
    let mut node = node;
    while let Some(parent) = node.parent().filter(|p| p.kind() == SyntaxKind::NODE_PAREN) {
        node = parent;
    }
    node
}

/// Whether `node` is the value of a `let` binding or a `rec { }` attribute (an alias whose own
/// uses are resolved where they occur).
fn is_alias_value(node: &SyntaxNode) -> bool {
    let Some(apv) = node
        .parent()
        .filter(|p| p.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
    else {
        return false;
    };
    let Some(scope) = apv.parent() else {
        return false;
    };
    scope.kind() == SyntaxKind::NODE_LET_IN || is_rec_set(&scope)
}

/// Records what happens to an expression denoting the whole input set.
fn all_inputs_context(node: SyntaxNode, out: &mut InputUses) {
    let node = climb_parens(node);
    let Some(parent) = node.parent() else { return };
    match parent.kind() {
        SyntaxKind::NODE_SELECT => {
            let Some(select) = ast::Select::cast(parent.clone()) else {
                return;
            };
            let is_base = select.expr().is_some_and(|e| e.syntax() == &node);
            let first = select.attrpath().and_then(|p| p.attrs().next());
            match (is_base, first) {
                (true, Some(attr)) => match attr_name(&attr) {
                    Some(name) => out.uses.push(InputUse {
                        name,
                        range: attr.syntax().text_range(),
                        kind: UseKind::Attribute,
                        guarded: select.or_token().is_some(),
                    }),
                    None => out.escapes.push(parent.text_range()),
                },
                (true, None) => {}
                // Used as the default of `x.y or inputs`.
                (false, _) => out.escapes.push(node.text_range()),
            }
        }
        SyntaxKind::NODE_HAS_ATTR => {
            let Some(has_attr) = ast::HasAttr::cast(parent.clone()) else {
                return;
            };
            if !has_attr.expr().is_some_and(|e| e.syntax() == &node) {
                out.escapes.push(node.text_range());
                return;
            }
            // `inputs ? foo` guards the uses of `foo` (`if inputs ? foo then inputs.foo …`).
            if let Some(name) = has_attr
                .attrpath()
                .and_then(|p| p.attrs().next())
                .and_then(|a| attr_name(&a))
            {
                out.tested.push(name);
            }
        }
        SyntaxKind::NODE_INHERIT_FROM => {
            let Some(inherit) = parent.parent().and_then(ast::Inherit::cast) else {
                return;
            };
            for attr in inherit.attrs() {
                match attr_name(&attr) {
                    Some(name) => out.uses.push(InputUse {
                        name,
                        range: attr.syntax().text_range(),
                        kind: UseKind::Attribute,
                        guarded: false,
                    }),
                    None => out.escapes.push(attr.syntax().text_range()),
                }
            }
        }
        _ if is_alias_value(&node) => {}
        _ => out.escapes.push(node.text_range()),
    }
}

/// Records what happens to `self`: `self.inputs.x` is a use, `self.packages…` and `"${self}"`
/// are harmless, anything else may reach `self.inputs` and counts as an escape.
fn self_context(node: SyntaxNode, out: &mut InputUses) {
    let node = climb_parens(node);
    let Some(parent) = node.parent() else { return };
    match parent.kind() {
        SyntaxKind::NODE_SELECT => {
            let Some(select) = ast::Select::cast(parent.clone()) else {
                return;
            };
            if !select.expr().is_some_and(|e| e.syntax() == &node) {
                out.escapes.push(node.text_range());
                return;
            }
            let Some(path) = select.attrpath() else {
                return;
            };
            let mut attrs = path.attrs();
            let Some(first) = attrs.next() else { return };
            match attr_name(&first).as_deref() {
                Some("inputs") => match attrs.next() {
                    Some(second) => match attr_name(&second) {
                        Some(name) => out.uses.push(InputUse {
                            name,
                            range: second.syntax().text_range(),
                            kind: UseKind::Attribute,
                            guarded: select.or_token().is_some(),
                        }),
                        None => out.escapes.push(parent.text_range()),
                    },
                    // `self.inputs` alone: the set itself.
                    None => all_inputs_context(parent, out),
                },
                Some(_) => {}
                None => out.escapes.push(parent.text_range()),
            }
        }
        SyntaxKind::NODE_INHERIT_FROM => {
            let Some(inherit) = parent.parent().and_then(ast::Inherit::cast) else {
                return;
            };
            let takes_inputs = inherit
                .attrs()
                .any(|a| attr_name(&a).is_none_or(|n| n == "inputs"));
            let in_scope = inherit
                .syntax()
                .parent()
                .is_some_and(|scope| scope.kind() == SyntaxKind::NODE_LET_IN || is_rec_set(&scope));
            if takes_inputs && !in_scope {
                out.escapes.push(inherit.syntax().text_range());
            }
        }
        SyntaxKind::NODE_INTERPOL | SyntaxKind::NODE_HAS_ATTR => {}
        SyntaxKind::NODE_BIN_OP => {
            let is_update = ast::BinOp::cast(parent.clone())
                .and_then(|b| b.operator())
                .is_some_and(|op| op == ast::BinOpKind::Update);
            if is_update {
                out.escapes.push(node.text_range());
            }
        }
        _ if is_alias_value(&node) => {}
        _ => out.escapes.push(node.text_range()),
    }
}

/// Variable lookup with a per-scope table of bindings, built once per `let` / `rec { }`.
#[derive(Default)]
struct Scopes {
    tables: HashMap<SyntaxNode, HashMap<String, (Scope, TextRange)>>,
}

impl Scopes {
    /// Finds where the variable `ident` refers to is bound, walking outwards through lambdas,
    /// `let`s and `rec { }` sets. `None` for free variables (builtins, names from a `with`) and
    /// for names bound to something we cannot follow.
    fn find_binder(&mut self, ident: &SyntaxNode) -> Option<Binder> {
        match self.binding(ident)?.0 {
            Scope::Binds(binder) => Some(binder),
            Scope::Opaque | Scope::Outer => None,
        }
    }

    /// How and where (the range of the binding name) the variable `ident` is bound.
    fn binding(&mut self, ident: &SyntaxNode) -> Option<(Scope, TextRange)> {
        let text = ident_text(ident);
        let name = text.as_str();
        // `inherit x;` refers to `x` outside the set or `let` it is written in.
        let mut current = ident.clone();
        if let Some(inherit) = ident
            .parent()
            .filter(|p| p.kind() == SyntaxKind::NODE_INHERIT)
        {
            current = inherit.parent()?;
        }
        let mut fuel = FUEL * 16;
        loop {
            fuel = fuel.checked_sub(1)?;
            current = current.parent()?;
            let found = match current.kind() {
                SyntaxKind::NODE_LAMBDA => {
                    lambda_binds(&current, name).map(|r| (Scope::Binds(Binder::Param(r)), r))
                }
                SyntaxKind::NODE_LET_IN => self.table(&current).get(name).cloned(),
                SyntaxKind::NODE_ATTR_SET if binds_variables(Some(current.clone())) => {
                    self.table(&current).get(name).cloned()
                }
                SyntaxKind::NODE_ROOT => return None,
                _ => None,
            };
            match found {
                // `let inherit x; in …`: keep looking outside this scope.
                Some((Scope::Outer, _)) | None => {}
                Some(found) => return Some(found),
            }
        }
    }

    fn table(&mut self, scope: &SyntaxNode) -> &HashMap<String, (Scope, TextRange)> {
        self.tables
            .entry(scope.clone())
            .or_insert_with(|| scope_table(scope))
    }
}

/// How a scope binds a name.
#[derive(Clone)]
enum Scope {
    /// To something we can follow.
    Binds(Binder),
    /// To something we cannot (`x.y = …;` makes `x` a set built here).
    Opaque,
    /// To the same name outside (`inherit x;`).
    Outer,
}

/// The range of the parameter name `name` of a lambda, if it binds it.
fn lambda_binds(lambda: &SyntaxNode, name: &str) -> Option<TextRange> {
    let lambda = ast::Lambda::cast(lambda.clone())?;
    match lambda.param()? {
        ast::Param::IdentParam(param) => {
            let ident = param.ident()?;
            (ident.syntax().text() == name).then(|| ident.syntax().text_range())
        }
        ast::Param::Pattern(pattern) => {
            if let Some(ident) = pattern.pat_bind().and_then(|b| b.ident())
                && ident.syntax().text() == name
            {
                return Some(ident.syntax().text_range());
            }
            pattern
                .pat_entries()
                .filter_map(|e| e.ident())
                .find(|i| i.syntax().text() == name)
                .map(|i| i.syntax().text_range())
        }
    }
}

/// Every name a `let` or `rec { }` binds, and how (the first binding wins; Nix rejects
/// duplicates anyway).
fn scope_table(scope: &SyntaxNode) -> HashMap<String, (Scope, TextRange)> {
    let mut table = HashMap::new();
    let entries: Vec<ast::Entry> = match scope.kind() {
        SyntaxKind::NODE_LET_IN => ast::LetIn::cast(scope.clone()).map(|l| l.entries().collect()),
        _ => ast::AttrSet::cast(scope.clone()).map(|s| s.entries().collect()),
    }
    .unwrap_or_default();
    for entry in entries {
        match entry {
            ast::Entry::AttrpathValue(apv) => {
                let Some(path) = apv.attrpath() else { continue };
                let mut attrs = path.attrs();
                let Some(first) = attrs.next() else { continue };
                let Some(name) = attr_name(&first) else {
                    continue;
                };
                let site = first.syntax().text_range();
                let binding = match (attrs.next(), apv.value()) {
                    (None, Some(value)) => Scope::Binds(Binder::Value(value.syntax().clone())),
                    _ => Scope::Opaque,
                };
                table.entry(name).or_insert((binding, site));
            }
            ast::Entry::Inherit(inherit) => {
                for attr in inherit.attrs() {
                    let Some(name) = attr_name(&attr) else {
                        continue;
                    };
                    let binding = match inherit.from() {
                        Some(from) => match from.expr() {
                            Some(expr) => Scope::Binds(Binder::InheritFrom(
                                expr.syntax().clone(),
                                name.clone(),
                            )),
                            None => Scope::Opaque,
                        },
                        None => Scope::Outer,
                    };
                    table
                        .entry(name)
                        .or_insert((binding, attr.syntax().text_range()));
                }
            }
        }
    }
    table
}
