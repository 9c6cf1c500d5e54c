//! A small, lazy, abstract evaluator for the parts of Nix that build configurations: `let`,
//! attribute sets, functions, `import`, `//`, `++`, `inherit`, `mapAttrs`/`genAttrs` and the
//! configuration functions (`nixosSystem`, …). Anything else evaluates to `Unknown`.
//!
//! Thunks and environments live in arenas (no reference cycles); evaluation is bounded by a
//! nesting cap and a step budget, so hostile input yields `Unknown` instead of a hang or a
//! stack overflow.

pub mod value;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use base::{FileId, TextRange, VfsPath};
use rowan::ast::AstNode;
use syntax::ast::HasEntry;
use syntax::{SyntaxKind, SyntaxNode, ast};

use crate::Files;
use crate::syntax_util::{attr_name, node_at, static_string, strip_parens};
pub use value::*;

/// Deepest nesting of evaluation calls (expressions, thunks, applications together) before
/// giving up with `Unknown`; keeps the native stack small whatever the input.
const MAX_DEPTH: u32 = 192;
/// Evaluation steps per analysis before everything further is `Unknown`.
const FUEL: u32 = 400_000;

enum ThunkState {
    Expr {
        file: FileId,
        range: TextRange,
        env: EnvId,
    },
    App {
        f: ThunkId,
        arg: ThunkId,
        site: Option<Loc>,
    },
    Select {
        of: ThunkId,
        name: Rc<str>,
        default: Option<ThunkId>,
    },
    Alias(ThunkId),
    Forcing,
    Done(Value),
}

struct Thunk {
    state: ThunkState,
    origin: Option<Loc>,
}

struct Env {
    vars: HashMap<Rc<str>, ThunkId>,
    parent: Option<EnvId>,
    with: Option<ThunkId>,
}

/// `a.b.c = v;` below a first attribute: the rest of the path, the key and the value.
type NestedDef = (Vec<String>, Loc, TextRange);

/// A recorded call of a configuration function.
#[derive(Clone, Debug)]
pub struct Call {
    /// Which function.
    pub kind: CallKind,
    /// The application site.
    pub site: Option<Loc>,
    /// The argument (for `mkFlake`, the flake-parts module).
    pub arg: ThunkId,
    /// The output attribute path it was found under (`nixosConfigurations.host`).
    pub name: Option<String>,
}

/// What kind of configuration call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallKind {
    /// A module-system evaluation.
    System(SystemKind),
    /// flake-parts' `mkFlake`.
    FlakeParts,
}

/// The evaluator over one snapshot.
pub struct Evaluator<'a> {
    files: &'a dyn Files,
    roots: RefCell<HashMap<FileId, SyntaxNode>>,
    errors: RefCell<HashMap<FileId, bool>>,
    thunks: RefCell<Vec<Thunk>>,
    envs: RefCell<Vec<Env>>,
    file_values: RefCell<HashMap<FileId, ThunkId>>,
    depth: Cell<u32>,
    fuel: Cell<u32>,
    /// Configuration calls seen so far.
    pub calls: RefCell<Vec<Call>>,
    empty_env: EnvId,
}

impl<'a> Evaluator<'a> {
    /// A fresh evaluator.
    pub fn new(files: &'a dyn Files) -> Evaluator<'a> {
        let ev = Evaluator {
            files,
            roots: RefCell::default(),
            errors: RefCell::default(),
            thunks: RefCell::default(),
            envs: RefCell::default(),
            file_values: RefCell::default(),
            depth: Cell::new(0),
            fuel: Cell::new(FUEL),
            calls: RefCell::default(),
            empty_env: EnvId(0),
        };
        ev.envs.borrow_mut().push(Env {
            vars: HashMap::new(),
            parent: None,
            with: None,
        });
        ev
    }

    /// The file access this evaluator reads through.
    pub fn files(&self) -> &'a dyn Files {
        self.files
    }

    /// The root node of a file (cached).
    pub fn root(&self, file: FileId) -> SyntaxNode {
        if let Some(r) = self.roots.borrow().get(&file) {
            return r.clone();
        }
        let root = self.files.parse(file).syntax_node();
        self.roots.borrow_mut().insert(file, root.clone());
        root
    }

    /// Whether a file has syntax errors (cached).
    pub fn has_errors(&self, file: FileId) -> bool {
        if let Some(&e) = self.errors.borrow().get(&file) {
            return e;
        }
        let e = !self.files.parse(file).errors().is_empty();
        self.errors.borrow_mut().insert(file, e);
        e
    }

    /// The node at a location.
    pub fn node(&self, loc: Loc) -> Option<SyntaxNode> {
        node_at(&self.root(loc.0), loc.1)
    }

    /// The environment of the expression at `target` inside the one at `outer` (evaluated in
    /// `env`): `env` plus the bindings of every `let … in` and `rec { … }` between them, and
    /// the parameters of every function strictly inside `outer` (bound to unknown values).
    pub fn env_at(&self, file: FileId, outer: TextRange, target: TextRange, env: EnvId) -> EnvId {
        let Some(node) = self.node((file, target)) else {
            return env;
        };
        let scopes: Vec<SyntaxNode> = node
            .ancestors()
            .skip(1)
            .take_while(|a| outer.contains_range(a.text_range()))
            .filter(|a| match a.kind() {
                SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_ATTR_SET => true,
                // `outer` itself may be the function whose parameters `env` binds.
                SyntaxKind::NODE_LAMBDA => a.text_range() != outer,
                _ => false,
            })
            .collect();
        let mut env = env;
        for scope in scopes.iter().rev() {
            if let Some(let_in) = ast::LetIn::cast(scope.clone()) {
                // The body and the bindings' values all see the bindings.
                let new_env = self.new_env(env, HashMap::new());
                let vars = self.bindings(file, &let_in, new_env, env);
                self.envs.borrow_mut()[new_env.0 as usize].vars = vars;
                env = new_env;
            } else if let Some(lambda) = ast::Lambda::cast(scope.clone()) {
                let mut vars = HashMap::new();
                let mut bind = |ident: Option<ast::Ident>| {
                    if let Some(ident) = ident {
                        let name: Rc<str> = Rc::from(ident.syntax().text().to_string());
                        vars.insert(name, self.value_thunk(Value::Unknown, None));
                    }
                };
                match lambda.param() {
                    Some(ast::Param::IdentParam(p)) => bind(p.ident()),
                    Some(ast::Param::Pattern(p)) => {
                        for entry in p.pat_entries() {
                            bind(entry.ident());
                        }
                        bind(p.pat_bind().and_then(|b| b.ident()));
                    }
                    None => {}
                }
                env = self.new_env(env, vars);
            } else if let Some(set) = ast::AttrSet::cast(scope.clone())
                && set.rec_token().is_some()
            {
                env = self.build_rec_attrs(file, &set, env).1;
            }
        }
        env
    }

    /// The environment with nothing bound.
    pub fn empty_env(&self) -> EnvId {
        self.empty_env
    }

    /// A new environment frame binding `vars` over `parent`.
    pub fn new_env(&self, parent: EnvId, vars: HashMap<Rc<str>, ThunkId>) -> EnvId {
        let mut envs = self.envs.borrow_mut();
        envs.push(Env {
            vars,
            parent: Some(parent),
            with: None,
        });
        EnvId(envs.len() as u32 - 1)
    }

    fn push(&self, state: ThunkState, origin: Option<Loc>) -> ThunkId {
        let mut thunks = self.thunks.borrow_mut();
        thunks.push(Thunk { state, origin });
        ThunkId(thunks.len() as u32 - 1)
    }

    /// A thunk evaluating the expression at `loc` in `env`.
    pub fn expr_thunk(&self, loc: Loc, env: EnvId) -> ThunkId {
        self.push(
            ThunkState::Expr {
                file: loc.0,
                range: loc.1,
                env,
            },
            Some(loc),
        )
    }

    /// A thunk that forwards to `target` (set later with [`Evaluator::set_alias`]).
    pub fn alias_thunk(&self, target: Option<ThunkId>, origin: Option<Loc>) -> ThunkId {
        match target {
            Some(t) => self.push(ThunkState::Alias(t), origin),
            None => self.push(ThunkState::Done(Value::Unknown), origin),
        }
    }

    /// Makes `t` forward to `target`.
    pub fn set_alias(&self, t: ThunkId, target: ThunkId) {
        self.thunks.borrow_mut()[t.0 as usize].state = ThunkState::Alias(target);
    }

    /// A thunk applying `f` to `arg` when forced.
    pub fn lazy_apply(&self, f: ThunkId, arg: ThunkId, site: Option<Loc>) -> ThunkId {
        self.app_thunk(f, arg, site)
    }

    /// A thunk holding a value.
    pub fn value_thunk(&self, value: Value, origin: Option<Loc>) -> ThunkId {
        self.push(ThunkState::Done(value), origin)
    }

    /// Where a thunk's expression is written, if in source.
    pub fn origin(&self, t: ThunkId) -> Option<Loc> {
        self.thunks.borrow()[t.0 as usize].origin
    }

    /// The expression location and environment of an unevaluated expression thunk.
    pub fn expr_of(&self, t: ThunkId) -> Option<(Loc, EnvId)> {
        match &self.thunks.borrow()[t.0 as usize].state {
            ThunkState::Expr { file, range, env } => Some(((*file, *range), *env)),
            _ => None,
        }
    }

    /// Looks a variable up in an environment without forcing it.
    pub fn lookup_thunk(&self, env: EnvId, name: &str) -> Option<ThunkId> {
        let envs = self.envs.borrow();
        let mut cur = Some(env);
        while let Some(e) = cur {
            let frame = &envs[e.0 as usize];
            if let Some(&t) = frame.vars.get(name) {
                return Some(t);
            }
            cur = frame.parent;
        }
        None
    }

    /// Whether the evaluation budget is used up.
    pub fn exhausted(&self) -> bool {
        self.fuel.get() == 0
    }

    /// Forces a thunk to a value.
    pub fn force(&self, t: ThunkId) -> Value {
        let state = {
            let mut thunks = self.thunks.borrow_mut();
            let th = &mut thunks[t.0 as usize];
            match &th.state {
                ThunkState::Done(v) => return v.clone(),
                ThunkState::Forcing => return Value::Unknown,
                _ => std::mem::replace(&mut th.state, ThunkState::Forcing),
            }
        };
        let value = if self.depth.get() >= MAX_DEPTH || self.fuel.get() == 0 {
            Value::Unknown
        } else {
            self.depth.set(self.depth.get() + 1);
            let v = match state {
                ThunkState::Expr { file, range, env } => match self.node((file, range)) {
                    Some(node) => self.eval(file, &node, env),
                    None => Value::Unknown,
                },
                ThunkState::App { f, arg, site } => {
                    let f = self.force(f);
                    self.apply(f, arg, site)
                }
                ThunkState::Select { of, name, default } => {
                    let v = self.force(of);
                    match self.select(&v, &name) {
                        Some(v) => v,
                        None => default.map(|d| self.force(d)).unwrap_or(Value::Unknown),
                    }
                }
                ThunkState::Alias(target) => self.force(target),
                ThunkState::Forcing | ThunkState::Done(_) => Value::Unknown,
            };
            self.depth.set(self.depth.get() - 1);
            v
        };
        self.thunks.borrow_mut()[t.0 as usize].state = ThunkState::Done(value.clone());
        value
    }

    /// `v.name`: `None` when `v` is a closed set without it.
    pub fn select(&self, v: &Value, name: &str) -> Option<Value> {
        match v {
            Value::Attrs(a) => match a.map.get(name) {
                Some(e) => Some(self.force(e.thunk)),
                None if a.open => Some(Value::Unknown),
                None => None,
            },
            Value::Ext(input, path) => {
                let mut p = (**path).clone();
                p.push(Rc::from(name));
                Some(Value::Ext(input.clone(), Rc::new(p)))
            }
            // Selecting from a module argument stays "derived from that argument".
            Value::Arg(a) => Some(Value::Arg(a.clone())),
            Value::Update(l, r) => match self.select(r, name) {
                None => self.select(l, name),
                Some(_) if lacks(r, name) => self.select(l, name),
                Some(v) => Some(v),
            },
            _ => Some(Value::Unknown),
        }
    }

    fn lookup(&self, env: EnvId, name: &str) -> Value {
        if let Some(t) = self.lookup_thunk(env, name) {
            return self.force(t);
        }
        // `with` scopes, innermost first.
        let withs: Vec<ThunkId> = {
            let envs = self.envs.borrow();
            let mut out = Vec::new();
            let mut cur = Some(env);
            while let Some(e) = cur {
                let frame = &envs[e.0 as usize];
                out.extend(frame.with);
                cur = frame.parent;
            }
            out
        };
        for w in withs {
            match self.force(w) {
                Value::Attrs(a) => {
                    if let Some(e) = a.map.get(name) {
                        return self.force(e.thunk);
                    }
                    if a.open {
                        return Value::Unknown;
                    }
                }
                _ => return Value::Unknown,
            }
        }
        global(name)
    }

    fn tick(&self) -> bool {
        let f = self.fuel.get();
        if f == 0 {
            return false;
        }
        self.fuel.set(f - 1);
        true
    }

    /// Evaluates `node` of `file` in `env`.
    pub fn eval(&self, file: FileId, node: &SyntaxNode, env: EnvId) -> Value {
        if !self.tick() || self.depth.get() >= MAX_DEPTH {
            return Value::Unknown;
        }
        self.depth.set(self.depth.get() + 1);
        let v = self.eval_node(file, node, env);
        self.depth.set(self.depth.get() - 1);
        v
    }

    fn eval_node(&self, file: FileId, node: &SyntaxNode, env: EnvId) -> Value {
        let node = strip_parens(node.clone());
        let loc = (file, node.text_range());
        match node.kind() {
            SyntaxKind::NODE_ROOT => match node.first_child() {
                Some(c) => self.eval(file, &c, env),
                None => Value::Unknown,
            },
            SyntaxKind::NODE_IDENT => self.lookup(env, &node.text().to_string()),
            SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_ABS => {
                self.eval_path(file, &node, env)
            }
            SyntaxKind::NODE_STRING => match ast::Str::cast(node) {
                Some(s) => self.eval_string(file, &s, env),
                None => Value::Unknown,
            },
            SyntaxKind::NODE_LAMBDA => Value::Lambda(Rc::new(Closure { loc, env })),
            SyntaxKind::NODE_LIST => {
                let items = node
                    .children()
                    .map(|c| self.expr_thunk((file, c.text_range()), env))
                    .collect();
                Value::List(Rc::new(ListValue { items, open: false }))
            }
            SyntaxKind::NODE_ATTR_SET => self.eval_attrs(file, &node, env),
            SyntaxKind::NODE_LET_IN => {
                let Some(let_in) = ast::LetIn::cast(node) else {
                    return Value::Unknown;
                };
                let new_env = self.new_env(env, HashMap::new());
                let vars = self.bindings(file, &let_in, new_env, env);
                self.envs.borrow_mut()[new_env.0 as usize].vars = vars;
                match let_in.body() {
                    Some(b) => self.eval(file, b.syntax(), new_env),
                    None => Value::Unknown,
                }
            }
            SyntaxKind::NODE_WITH => {
                let Some(with) = ast::With::cast(node) else {
                    return Value::Unknown;
                };
                let ns = with
                    .namespace()
                    .map(|n| self.expr_thunk((file, n.syntax().text_range()), env));
                let new_env = {
                    let mut envs = self.envs.borrow_mut();
                    envs.push(Env {
                        vars: HashMap::new(),
                        parent: Some(env),
                        with: ns,
                    });
                    EnvId(envs.len() as u32 - 1)
                };
                match with.body() {
                    Some(b) => self.eval(file, b.syntax(), new_env),
                    None => Value::Unknown,
                }
            }
            SyntaxKind::NODE_ASSERT => match ast::Assert::cast(node).and_then(|a| a.body()) {
                Some(b) => self.eval(file, b.syntax(), env),
                None => Value::Unknown,
            },
            SyntaxKind::NODE_IF_ELSE => {
                let Some(ite) = ast::IfElse::cast(node) else {
                    return Value::Unknown;
                };
                let cond = ite.condition().map(|c| self.eval(file, c.syntax(), env));
                let branch = match cond {
                    Some(Value::Bool(true)) => ite.body(),
                    Some(Value::Bool(false)) => ite.else_body(),
                    _ => {
                        // Unknown condition: only what both branches agree on.
                        let (Some(t), Some(e)) = (ite.body(), ite.else_body()) else {
                            return Value::Unknown;
                        };
                        let t = self.eval(file, t.syntax(), env);
                        let e = self.eval(file, e.syntax(), env);
                        return same_function(t, &e);
                    }
                };
                match branch {
                    Some(b) => self.eval(file, b.syntax(), env),
                    None => Value::Unknown,
                }
            }
            SyntaxKind::NODE_SELECT => {
                let Some(sel) = ast::Select::cast(node) else {
                    return Value::Unknown;
                };
                let Some(base) = sel.expr() else {
                    return Value::Unknown;
                };
                let mut v = self.eval(file, base.syntax(), env);
                let attrs: Vec<ast::Attr> = sel
                    .attrpath()
                    .map(|p| p.attrs().collect())
                    .unwrap_or_default();
                for attr in attrs {
                    let name = match attr_name(&attr) {
                        Some(n) => n,
                        None => match &attr {
                            ast::Attr::Dynamic(d) => {
                                match d.expr().map(|e| self.eval(file, e.syntax(), env)) {
                                    Some(Value::Str(s)) => s.to_string(),
                                    _ => return Value::Unknown,
                                }
                            }
                            _ => return Value::Unknown,
                        },
                    };
                    match self.select(&v, &name) {
                        Some(next) => v = next,
                        None => {
                            return match sel.default_expr() {
                                Some(d) => self.eval(file, d.syntax(), env),
                                None => Value::Unknown,
                            };
                        }
                    }
                }
                v
            }
            SyntaxKind::NODE_APPLY => {
                let Some(apply) = ast::Apply::cast(node) else {
                    return Value::Unknown;
                };
                let (Some(f), Some(arg)) = (apply.lambda(), apply.argument()) else {
                    return Value::Unknown;
                };
                let f = self.eval(file, f.syntax(), env);
                let arg = self.expr_thunk((file, arg.syntax().text_range()), env);
                self.apply(f, arg, Some(loc))
            }
            SyntaxKind::NODE_BIN_OP => self.eval_binop(file, &node, env),
            _ => Value::Unknown,
        }
    }

    /// A string whose interpolations all evaluate to strings (or paths).
    fn eval_string(&self, file: FileId, s: &ast::Str, env: EnvId) -> Value {
        if let Some(text) = static_string(s) {
            return Value::Str(Rc::from(text));
        }
        let Some(parts) = syntax::str_parts(s) else {
            return Value::Unknown;
        };
        let mut out = String::new();
        for part in parts {
            match part {
                ast::InterpolPart::Literal(l) => out.push_str(&l),
                ast::InterpolPart::Interpolation(i) => {
                    let Some(e) = i.expr() else {
                        return Value::Unknown;
                    };
                    match self.eval(file, e.syntax(), env) {
                        Value::Str(v) => out.push_str(&v),
                        Value::Path(p, _) => out.push_str(&p.to_string()),
                        Value::Arg(a) => return Value::Arg(a),
                        _ => return Value::Unknown,
                    }
                }
            }
        }
        Value::Str(Rc::from(out))
    }

    fn eval_path(&self, file: FileId, node: &SyntaxNode, env: EnvId) -> Value {
        // `../machines/${name}.nix`: interpolations that evaluate to strings are spliced in.
        let mut text = String::new();
        for part in node.children_with_tokens() {
            match part {
                rowan::NodeOrToken::Token(t) => text.push_str(t.text()),
                rowan::NodeOrToken::Node(n) => {
                    let Some(e) = n.first_child() else {
                        return Value::Unknown;
                    };
                    match self.eval(file, &e, env) {
                        Value::Str(v) if !v.contains("${") => text.push_str(&v),
                        Value::Arg(a) => return Value::Arg(a),
                        _ => return Value::Unknown,
                    }
                }
            }
        }
        let path = if text.starts_with('/') {
            VfsPath::new(&text)
        } else {
            match self.files.path(file).parent() {
                Some(dir) => dir.join(&text),
                None => return Value::Unknown,
            }
        };
        Value::Path(Rc::new(path), Some((file, node.text_range())))
    }

    fn bindings<N: HasEntry>(
        &self,
        file: FileId,
        node: &N,
        env: EnvId,
        outer: EnvId,
    ) -> HashMap<Rc<str>, ThunkId> {
        let mut vars = HashMap::new();
        let set = self.build_attrs(file, node, env, outer);
        for (k, e) in set.map {
            vars.insert(k, e.thunk);
        }
        vars
    }

    fn eval_attrs(&self, file: FileId, node: &SyntaxNode, env: EnvId) -> Value {
        let Some(set) = ast::AttrSet::cast(node.clone()) else {
            return Value::Unknown;
        };
        let loc = (file, node.text_range());
        if set.rec_token().is_some() {
            let (mut attrs, new_env) = self.build_rec_attrs(file, &set, env);
            attrs.origin = Some((loc, new_env));
            Value::Attrs(Rc::new(attrs))
        } else {
            let mut attrs = self.build_attrs(file, &set, env, env);
            attrs.origin = Some((loc, env));
            Value::Attrs(Rc::new(attrs))
        }
    }

    /// Builds the attributes of a set/let: values in `env`, plain `inherit`s from `outer`.
    /// A `rec { … }` set: its attributes, and the new environment (holding them) they see.
    fn build_rec_attrs(&self, file: FileId, set: &ast::AttrSet, env: EnvId) -> (AttrsValue, EnvId) {
        let new_env = self.new_env(env, HashMap::new());
        let attrs = self.build_attrs(file, set, new_env, env);
        let vars = attrs
            .map
            .iter()
            .map(|(k, e)| (k.clone(), e.thunk))
            .collect();
        self.envs.borrow_mut()[new_env.0 as usize].vars = vars;
        (attrs, new_env)
    }

    fn build_attrs<N: HasEntry>(
        &self,
        file: FileId,
        node: &N,
        env: EnvId,
        outer: EnvId,
    ) -> AttrsValue {
        let mut out = AttrsValue::default();
        // Nested paths (`a.b = 1; a.c = 2;`) are collected first, then turned into sets.
        let mut nested: BTreeMap<Rc<str>, (Option<Loc>, Vec<NestedDef>)> = BTreeMap::new();
        for entry in node.entries() {
            match entry {
                ast::Entry::AttrpathValue(apv) => {
                    let (Some(path), Some(value)) = (apv.attrpath(), apv.value()) else {
                        continue;
                    };
                    let mut names = Vec::new();
                    let mut dynamic = false;
                    for attr in path.attrs() {
                        match attr_name(&attr) {
                            Some(n) => names.push(n),
                            None => {
                                match &attr {
                                    ast::Attr::Dynamic(d) => {
                                        match d.expr().map(|e| self.eval(file, e.syntax(), env)) {
                                            Some(Value::Str(s)) => names.push(s.to_string()),
                                            _ => dynamic = true,
                                        }
                                    }
                                    _ => dynamic = true,
                                }
                                if dynamic {
                                    break;
                                }
                            }
                        }
                    }
                    if dynamic || names.is_empty() {
                        out.open = true;
                        continue;
                    }
                    let key_loc = (file, path.syntax().text_range());
                    let first: Rc<str> = Rc::from(names[0].as_str());
                    if names.len() == 1 {
                        let thunk = self.expr_thunk((file, value.syntax().text_range()), env);
                        out.map.insert(
                            first,
                            AttrEntry {
                                thunk,
                                key: Some(key_loc),
                            },
                        );
                    } else {
                        let slot = nested.entry(first).or_insert((Some(key_loc), Vec::new()));
                        slot.1
                            .push((names[1..].to_vec(), key_loc, value.syntax().text_range()));
                    }
                }
                ast::Entry::Inherit(inherit) => {
                    let from = inherit
                        .from()
                        .and_then(|f| f.expr())
                        .map(|e| self.expr_thunk((file, e.syntax().text_range()), env));
                    for attr in inherit.attrs() {
                        let Some(name) = attr_name(&attr) else {
                            continue;
                        };
                        let r = attr.syntax().text_range();
                        let thunk = match from {
                            Some(of) => self.push(
                                ThunkState::Select {
                                    of,
                                    name: Rc::from(name.as_str()),
                                    default: None,
                                },
                                Some((file, r)),
                            ),
                            None => match self.lookup_thunk(outer, &name) {
                                Some(t) => self.push(ThunkState::Alias(t), Some((file, r))),
                                None => self.value_thunk(global(&name), Some((file, r))),
                            },
                        };
                        out.map.insert(
                            Rc::from(name.as_str()),
                            AttrEntry {
                                thunk,
                                key: Some((file, r)),
                            },
                        );
                    }
                }
            }
        }
        for (first, (key, paths)) in nested {
            let sub = self.nested_attrs(paths, env);
            let thunk = self.value_thunk(Value::Attrs(Rc::new(sub)), key);
            out.map.entry(first).or_insert(AttrEntry { thunk, key });
        }
        out
    }

    fn nested_attrs(&self, paths: Vec<NestedDef>, env: EnvId) -> AttrsValue {
        let mut out = AttrsValue::default();
        let mut deeper: BTreeMap<Rc<str>, Vec<NestedDef>> = BTreeMap::new();
        let mut keys: BTreeMap<Rc<str>, Loc> = BTreeMap::new();
        for (names, key, value) in paths {
            let first: Rc<str> = Rc::from(names[0].as_str());
            keys.entry(first.clone()).or_insert(key);
            if names.len() == 1 {
                let thunk = self.expr_thunk((key.0, value), env);
                out.map.insert(
                    first,
                    AttrEntry {
                        thunk,
                        key: Some(key),
                    },
                );
            } else {
                deeper
                    .entry(first)
                    .or_default()
                    .push((names[1..].to_vec(), key, value));
            }
        }
        for (first, paths) in deeper {
            if self.depth.get() >= MAX_DEPTH {
                out.open = true;
                continue;
            }
            self.depth.set(self.depth.get() + 1);
            let sub = self.nested_attrs(paths, env);
            self.depth.set(self.depth.get() - 1);
            let key = keys.get(&first).copied();
            let thunk = self.value_thunk(Value::Attrs(Rc::new(sub)), key);
            out.map.entry(first).or_insert(AttrEntry { thunk, key });
        }
        out
    }

    fn eval_binop(&self, file: FileId, node: &SyntaxNode, env: EnvId) -> Value {
        let Some(binop) = ast::BinOp::cast(node.clone()) else {
            return Value::Unknown;
        };
        let (Some(lhs), Some(rhs), Some(op)) = (binop.lhs(), binop.rhs(), binop.operator()) else {
            return Value::Unknown;
        };
        match op {
            ast::BinOpKind::Update => {
                let l = self.eval(file, lhs.syntax(), env);
                let r = self.eval(file, rhs.syntax(), env);
                update(&l, &r)
            }
            ast::BinOpKind::Concat => {
                let l = self.eval(file, lhs.syntax(), env);
                let r = self.eval(file, rhs.syntax(), env);
                concat(&l, &r)
            }
            ast::BinOpKind::Add => {
                let l = self.eval(file, lhs.syntax(), env);
                let r = self.eval(file, rhs.syntax(), env);
                match (l, r) {
                    (Value::Path(p, _), Value::Str(s)) => {
                        let joined = format!("{}{}", p, s);
                        Value::Path(
                            Rc::new(VfsPath::new(joined)),
                            Some((file, node.text_range())),
                        )
                    }
                    (Value::Str(a), Value::Str(b)) => Value::Str(Rc::from(format!("{a}{b}"))),
                    // Derived from a module argument: stays so (see `Value::Arg`).
                    (Value::Arg(a), _) | (_, Value::Arg(a)) => Value::Arg(a),
                    _ => Value::Unknown,
                }
            }
            ast::BinOpKind::PipeRight => {
                let arg = self.expr_thunk((file, lhs.syntax().text_range()), env);
                let f = self.eval(file, rhs.syntax(), env);
                self.apply(f, arg, Some((file, node.text_range())))
            }
            ast::BinOpKind::PipeLeft => {
                let arg = self.expr_thunk((file, rhs.syntax().text_range()), env);
                let f = self.eval(file, lhs.syntax(), env);
                self.apply(f, arg, Some((file, node.text_range())))
            }
            _ => Value::Unknown,
        }
    }

    /// Applies a function value to an argument thunk.
    pub fn apply(&self, f: Value, arg: ThunkId, site: Option<Loc>) -> Value {
        if !self.tick() || self.depth.get() >= MAX_DEPTH {
            return Value::Unknown;
        }
        match f {
            Value::Lambda(c) => self.apply_closure(&c, arg),
            Value::Prim(p, args) => {
                let mut args = (*args).clone();
                args.push(arg);
                if args.len() < p.arity() {
                    return Value::Prim(p, Rc::new(args));
                }
                self.depth.set(self.depth.get() + 1);
                let v = self.run_prim(p, &args, site);
                self.depth.set(self.depth.get() - 1);
                v
            }
            // Calling something derived from a module argument: still derived from it.
            Value::Arg(a) => Value::Arg(a),
            Value::Ext(input, path) => match path.last().map(|n| &**n) {
                // `nixpkgs.lib.extend (final: prev: …)`: the same library with more names;
                // the names we model keep their meaning.
                Some("extend") if path.len() >= 2 && path[path.len() - 2].as_ref() == "lib" => {
                    Value::Ext(input, Rc::new(path[..path.len() - 1].to_vec()))
                }
                Some(n) => match Prim::from_name(n) {
                    Some(p) => self.apply(Value::Prim(p, Rc::new(Vec::new())), arg, site),
                    None => Value::Unknown,
                },
                None => Value::Unknown,
            },
            _ => Value::Unknown,
        }
    }

    /// Binds a closure's parameter to `arg` and evaluates its body.
    pub fn apply_closure(&self, c: &Closure, arg: ThunkId) -> Value {
        let Some((env, body)) = self.bind_closure(c, arg) else {
            return Value::Unknown;
        };
        self.depth.set(self.depth.get() + 1);
        let v = self.eval(c.loc.0, &body, env);
        self.depth.set(self.depth.get() - 1);
        v
    }

    /// The environment of a closure's body with its parameter bound to `arg`, and the body.
    pub fn bind_closure(&self, c: &Closure, arg: ThunkId) -> Option<(EnvId, SyntaxNode)> {
        let lambda = ast::Lambda::cast(self.node(c.loc)?)?;
        let body = lambda.body()?.syntax().clone();
        let env = self.new_env(c.env, HashMap::new());
        let mut vars = HashMap::new();
        match lambda.param()? {
            ast::Param::IdentParam(p) => {
                vars.insert(Rc::from(p.ident()?.syntax().text().to_string()), arg);
            }
            ast::Param::Pattern(p) => {
                for entry in p.pat_entries() {
                    let Some(ident) = entry.ident() else { continue };
                    let name: Rc<str> = Rc::from(ident.syntax().text().to_string());
                    let default = entry
                        .default()
                        .map(|d| self.expr_thunk((c.loc.0, d.syntax().text_range()), env));
                    let t = self.push(
                        ThunkState::Select {
                            of: arg,
                            name: name.clone(),
                            default,
                        },
                        Some((c.loc.0, ident.syntax().text_range())),
                    );
                    vars.insert(name, t);
                }
                if let Some(ident) = p.pat_bind().and_then(|b| b.ident()) {
                    vars.insert(Rc::from(ident.syntax().text().to_string()), arg);
                }
            }
        }
        self.envs.borrow_mut()[env.0 as usize].vars = vars;
        Some((env, body))
    }

    fn app_thunk(&self, f: ThunkId, arg: ThunkId, site: Option<Loc>) -> ThunkId {
        self.push(ThunkState::App { f, arg, site }, self.origin(arg))
    }

    fn run_prim(&self, p: Prim, args: &[ThunkId], site: Option<Loc>) -> Value {
        match p {
            Prim::Import => match self.force(args[0]) {
                Value::Path(path, _) => self.import(&path),
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::Identity => self.force(args[0]),
            Prim::MkOverride => self.force(args[1]),
            Prim::MkIf | Prim::Optionals | Prim::OptionalAttrs => match self.force(args[0]) {
                Value::Bool(false) if p == Prim::Optionals => Value::List(Rc::default()),
                Value::Bool(false) if p == Prim::OptionalAttrs => Value::Attrs(Rc::default()),
                _ => self.force(args[1]),
            },
            Prim::Optional => match self.force(args[0]) {
                Value::Bool(false) => Value::List(Rc::default()),
                _ => Value::List(Rc::new(ListValue {
                    items: vec![args[1]],
                    open: false,
                })),
            },
            Prim::RecursiveUpdate => update(&self.force(args[0]), &self.force(args[1])),
            Prim::ToString => match self.force(args[0]) {
                Value::Str(s) => Value::Str(s),
                Value::Path(p, _) => Value::Str(Rc::from(p.to_string())),
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::AttrNames => match self.force(args[0]) {
                Value::Attrs(a) if !a.open => {
                    let items = a
                        .map
                        .keys()
                        .map(|k| self.value_thunk(Value::Str(k.clone()), None))
                        .collect();
                    Value::List(Rc::new(ListValue { items, open: false }))
                }
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::AttrValues => match self.force(args[0]) {
                Value::Attrs(a) => {
                    let items = a.map.values().map(|e| e.thunk).collect();
                    Value::List(Rc::new(ListValue {
                        items,
                        open: a.open,
                    }))
                }
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::Map => match self.force(args[1]) {
                Value::List(l) => {
                    let items = l
                        .items
                        .iter()
                        .map(|&i| self.app_thunk(args[0], i, site))
                        .collect();
                    Value::List(Rc::new(ListValue {
                        items,
                        open: l.open,
                    }))
                }
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::MapAttrs => match self.force(args[1]) {
                Value::Attrs(a) => {
                    let mut out = AttrsValue {
                        open: a.open,
                        ..AttrsValue::default()
                    };
                    for (k, e) in &a.map {
                        let name = self.value_thunk(Value::Str(k.clone()), e.key);
                        let partial = self.app_thunk(args[0], name, site);
                        let thunk = self.app_thunk(partial, e.thunk, site);
                        out.map.insert(k.clone(), AttrEntry { thunk, key: e.key });
                    }
                    Value::Attrs(Rc::new(out))
                }
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::GenAttrs => match self.force(args[0]) {
                Value::List(l) => {
                    let mut out = AttrsValue {
                        open: l.open,
                        ..AttrsValue::default()
                    };
                    for &item in &l.items {
                        match self.force(item) {
                            Value::Str(s) => {
                                let key = self.origin(item);
                                let thunk = self.app_thunk(args[1], item, site);
                                out.map.insert(s, AttrEntry { thunk, key });
                            }
                            _ => out.open = true,
                        }
                    }
                    Value::Attrs(Rc::new(out))
                }
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::ListToAttrs => match self.force(args[0]) {
                Value::List(l) => {
                    let mut out = AttrsValue {
                        open: l.open,
                        ..AttrsValue::default()
                    };
                    for &item in &l.items {
                        let entry = self.force(item);
                        let name = self.select(&entry, "name");
                        let value = entry
                            .attrs()
                            .and_then(|a| a.map.get("value"))
                            .map(|e| e.thunk);
                        match (name, value) {
                            (Some(Value::Str(s)), Some(thunk)) => {
                                out.map.insert(
                                    s,
                                    AttrEntry {
                                        thunk,
                                        key: self.origin(item),
                                    },
                                );
                            }
                            _ => out.open = true,
                        }
                    }
                    Value::Attrs(Rc::new(out))
                }
                Value::Arg(a) => Value::Arg(a),
                _ => Value::Unknown,
            },
            Prim::WithSystem => {
                let arg = self.value_thunk(
                    Value::Attrs(Rc::new(AttrsValue {
                        open: true,
                        ..AttrsValue::default()
                    })),
                    None,
                );
                let f = self.force(args[1]);
                self.apply(f, arg, site)
            }
            Prim::System(kind) => {
                let mut calls = self.calls.borrow_mut();
                calls.push(Call {
                    kind: CallKind::System(kind),
                    site,
                    arg: args[0],
                    name: None,
                });
                Value::Config(calls.len() - 1)
            }
            Prim::MkFlake => self.mk_flake(args, site),
            Prim::FlakeSelf => match self.force(args[0]) {
                Value::Attrs(a) => {
                    let mut out = (*a).clone();
                    for (name, t) in [("outputs", args[0]), ("inputs", args[1])] {
                        out.map.entry(Rc::from(name)).or_insert(AttrEntry {
                            thunk: t,
                            key: None,
                        });
                    }
                    out.origin = None;
                    Value::Attrs(Rc::new(out))
                }
                _ => Value::Unknown,
            },
        }
    }

    /// flake-parts: records the call and returns the merged `flake` attributes of the top
    /// module and its direct imports, so that configurations defined there are found.
    fn mk_flake(&self, args: &[ThunkId], site: Option<Loc>) -> Value {
        let idx = {
            let mut calls = self.calls.borrow_mut();
            calls.push(Call {
                kind: CallKind::FlakeParts,
                site,
                arg: args[1],
                name: Some("flake-parts".into()),
            });
            calls.len() - 1
        };
        let _ = idx;
        let inputs = self
            .select(&self.force(args[0]), "inputs")
            .unwrap_or(Value::Unknown);
        let mut module_args = AttrsValue {
            open: true,
            ..AttrsValue::default()
        };
        let inputs_t = self.value_thunk(inputs.clone(), None);
        module_args.map.insert(
            Rc::from("inputs"),
            AttrEntry {
                thunk: inputs_t,
                key: None,
            },
        );
        if let Some(s) = self.select(&inputs, "self") {
            let t = self.value_thunk(s, None);
            module_args.map.insert(
                Rc::from("self"),
                AttrEntry {
                    thunk: t,
                    key: None,
                },
            );
        }
        let with_system =
            self.value_thunk(Value::Prim(Prim::WithSystem, Rc::new(Vec::new())), None);
        module_args.map.insert(
            Rc::from("withSystem"),
            AttrEntry {
                thunk: with_system,
                key: None,
            },
        );
        let lib = self.value_thunk(Value::Ext(None, Rc::new(vec![Rc::from("lib")])), None);
        module_args.map.insert(
            Rc::from("lib"),
            AttrEntry {
                thunk: lib,
                key: None,
            },
        );
        let module_args = self.value_thunk(Value::Attrs(Rc::new(module_args)), None);
        let mut result = Value::Attrs(Rc::new(AttrsValue {
            open: true,
            ..AttrsValue::default()
        }));
        let mut work = vec![args[1]];
        let mut seen = 0;
        while let Some(m) = work.pop() {
            seen += 1;
            if seen > 64 {
                break;
            }
            let mut v = self.force(m);
            if let Value::Path(p, _) = &v {
                v = self.import(p);
            }
            if let Value::Lambda(c) = &v {
                v = self.apply_closure(c, module_args);
            }
            if let Some(Value::Attrs(flake)) = self.select(&v, "flake") {
                result = self.merge_two_levels(&result, &flake);
            }
            if let Some(Value::List(l)) = self.select(&v, "imports") {
                work.extend(l.items.iter().copied());
            }
        }
        result
    }

    /// `l // r`, but attributes that are sets on both sides (`nixosConfigurations`) are merged
    /// too, as the module system merges flake-parts' `flake` option.
    fn merge_two_levels(&self, l: &Value, r: &AttrsValue) -> Value {
        let Value::Attrs(l) = l else {
            return Value::Attrs(Rc::new(r.clone()));
        };
        let mut out = (**l).clone();
        out.origin = None;
        out.open |= r.open;
        for (k, e) in &r.map {
            let merged = match out.map.get(k) {
                Some(old) => match (self.force(old.thunk), self.force(e.thunk)) {
                    (Value::Attrs(a), Value::Attrs(b)) => {
                        let v = update(&Value::Attrs(a), &Value::Attrs(b));
                        Some(AttrEntry {
                            thunk: self.value_thunk(v, e.key),
                            key: e.key,
                        })
                    }
                    _ => None,
                },
                None => None,
            };
            out.map
                .insert(k.clone(), merged.unwrap_or_else(|| e.clone()));
        }
        Value::Attrs(Rc::new(out))
    }

    /// The value of a file (`import path`), with directories meaning their `default.nix`.
    pub fn import(&self, path: &VfsPath) -> Value {
        let Some(file) = self.resolve_file(path) else {
            return Value::Unknown;
        };
        // A file with syntax errors (often: being typed) may be read wrongly: unknown.
        if self.has_errors(file) {
            return Value::Unknown;
        }
        let existing = self.file_values.borrow().get(&file).copied();
        let t = match existing {
            Some(t) => t,
            None => {
                let root = self.root(file);
                let t = self.expr_thunk((file, root.text_range()), self.empty_env);
                self.file_values.borrow_mut().insert(file, t);
                t
            }
        };
        self.force(t)
    }

    /// The file a path denotes (a directory denotes its `default.nix`).
    pub fn resolve_file(&self, path: &VfsPath) -> Option<FileId> {
        self.files
            .file_id(path)
            .or_else(|| self.files.file_id(&path.join("default.nix")))
    }
}

fn global(name: &str) -> Value {
    match name {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "builtins" => Value::Ext(None, Rc::new(vec![Rc::from("builtins")])),
        _ => match Prim::from_name(name) {
            Some(p @ (Prim::Import | Prim::Map | Prim::ToString)) => {
                Value::Prim(p, Rc::new(Vec::new()))
            }
            _ => Value::Unknown,
        },
    }
}

/// `l // r`.
pub fn update(l: &Value, r: &Value) -> Value {
    match (l, r) {
        (Value::Attrs(a), Value::Attrs(b)) => {
            let mut out = (**a).clone();
            for (k, e) in &b.map {
                out.map.insert(k.clone(), e.clone());
            }
            out.open |= b.open;
            out.origin = None;
            Value::Attrs(Rc::new(out))
        }
        // Merged libraries (`nixpkgs.lib // home-manager.lib`, `nixpkgs.lib // { … }`).
        (
            Value::Ext(..) | Value::Update(..),
            Value::Ext(..) | Value::Update(..) | Value::Attrs(_),
        )
        | (Value::Attrs(_), Value::Ext(..) | Value::Update(..)) => {
            Value::Update(Rc::new(l.clone()), Rc::new(r.clone()))
        }
        (Value::Attrs(a), _) | (_, Value::Attrs(a)) => {
            let mut out = (**a).clone();
            out.open = true;
            out.origin = None;
            Value::Attrs(Rc::new(out))
        }
        _ => Value::Unknown,
    }
}

/// `a` when `a` and `b` are the same library function or library (`if stable then
/// nixpkgs-stable.lib.nixosSystem else nixpkgs.lib.nixosSystem`, `if … then nixpkgs.lib else
/// nixpkgs-stable.lib`): the configuration it builds has the same kind either way. Anything
/// else is `Unknown` (a darwinSystem in one branch and a nixosSystem in the other could be
/// either kind, so neither is judged).
fn same_function(a: Value, b: &Value) -> Value {
    match (&a, b) {
        (Value::Prim(p, x), Value::Prim(q, y)) if p == q && x.is_empty() && y.is_empty() => a,
        (Value::Ext(_, x), Value::Ext(_, y))
            if x == y && x.first().is_some_and(|n| &**n == "lib") =>
        {
            a
        }
        _ => Value::Unknown,
    }
}

/// Whether `v` is known to lack attribute `name` although selecting it gave a value: the
/// configuration functions live in one library each (`nixosSystem`/`evalModules` in nixpkgs'
/// lib, `homeManagerConfiguration`/`hm` in home-manager's, `darwinSystem` in nix-darwin's), so
/// in `nixpkgs.lib // home-manager.lib` the right side has no `nixosSystem`.
fn lacks(v: &Value, name: &str) -> bool {
    let Value::Ext(Some(input), path) = v else {
        return false;
    };
    if path.len() != 1 || path[0].as_ref() != "lib" {
        return false;
    }
    let owner = match name {
        "nixosSystem" | "evalModules" => Lib::Nixpkgs,
        "homeManagerConfiguration" | "hm" => Lib::HomeManager,
        "darwinSystem" => Lib::Darwin,
        _ => return false,
    };
    lib_of(input).is_some_and(|lib| lib != owner)
}

/// The well-known libraries of flake inputs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lib {
    Nixpkgs,
    HomeManager,
    Darwin,
}

/// Which well-known library an input's `lib` is, judged by the input's conventional name.
fn lib_of(input: &str) -> Option<Lib> {
    let n = input.to_ascii_lowercase();
    // `nixpkgs-darwin`, `nixpkgs-unstable`: nixpkgs first.
    if n.starts_with("nixpkgs") || n.starts_with("nixos-unstable") || n == "nixos" {
        Some(Lib::Nixpkgs)
    } else if n.contains("home-manager") || n == "hm" || n.contains("home_manager") {
        Some(Lib::HomeManager)
    } else if n.contains("darwin") {
        Some(Lib::Darwin)
    } else {
        None
    }
}

/// `l ++ r`.
pub fn concat(l: &Value, r: &Value) -> Value {
    let mut out = ListValue::default();
    for v in [l, r] {
        match v {
            Value::List(x) => {
                out.items.extend(x.items.iter().copied());
                out.open |= x.open;
            }
            _ => out.open = true,
        }
    }
    Value::List(Rc::new(out))
}
