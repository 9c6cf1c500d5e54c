//! A package's `meta.license` as written, and whether it makes the package unfree (rule U1).
//!
//! The expression is kept in postfix order so that building and judging it are plain loops.

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{SyntaxKind, SyntaxNode};

use crate::license::LicenseTable;
use crate::syntax_util::{
    apply_spine, attr_name, attrpath_names, bool_literal, dotted_path, static_string,
    string_literal, strip_parens,
};

/// Whether a package (or license) is free.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Freedom {
    /// Installing it needs no unfree permission.
    Free,
    /// Installing it needs `allowUnfree` or an equivalent.
    Unfree,
    /// The data does not say.
    Unknown,
}

impl Freedom {
    /// `free` / `unfree` / `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Freedom::Free => "free",
            Freedom::Unfree => "unfree",
            Freedom::Unknown => "unknown",
        }
    }
}

/// The `free` attribute of a custom license attrset.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FreeAttr {
    /// No `free` attribute.
    Missing,
    /// `free = true` / `free = false`.
    Literal(bool),
    /// Something computed.
    Computed,
}

/// One step of a postfix license expression.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LicenseOp {
    /// `lib.licenses.NAME`.
    Named(String),
    /// An attrset written in place: `{ fullName = …; free = false; }`.
    Custom {
        /// Its `shortName`, if literal.
        short_name: Option<String>,
        /// Its `free` attribute.
        free: FreeAttr,
    },
    /// A plain string (`"unfree"`).
    Str(String),
    /// Anything the scanner cannot read statically.
    Unknown,
    /// A list of the previous `n` values.
    List(usize),
    /// `lib.licenses.OR [ … ]` over the previous `n` values.
    Or(usize),
    /// `lib.licenses.AND [ … ]` over the previous `n` values.
    And(usize),
    /// `lib.licenses.WITH license exception` over the previous two values.
    With,
    /// `lib.licenses.PLUS license` over the previous value.
    Plus,
}

/// A `meta.license` value in postfix order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LicenseExpr {
    /// The steps, operands before operators.
    pub ops: Vec<LicenseOp>,
}

/// The verdict of one value while judging: as a whole license, and as a list element
/// (where nixpkgs asks `l.free or false`).
#[derive(Clone, Copy)]
struct Judged {
    whole: Freedom,
    element: Freedom,
}

impl LicenseExpr {
    /// A single named license.
    pub fn named(name: &str) -> LicenseExpr {
        LicenseExpr {
            ops: vec![LicenseOp::Named(name.to_owned())],
        }
    }

    /// Whether a package with this `meta.license` is unfree under `table` (nixpkgs' `isUnfree`).
    pub fn freedom(&self, table: &LicenseTable) -> Freedom {
        let mut stack: Vec<Judged> = Vec::new();
        for op in &self.ops {
            let judged = match op {
                LicenseOp::Named(name) => {
                    let f = match table.get(name).and_then(|l| l.free) {
                        Some(true) => Freedom::Free,
                        Some(false) => Freedom::Unfree,
                        None => Freedom::Unknown,
                    };
                    Judged {
                        whole: f,
                        element: f,
                    }
                }
                LicenseOp::Custom { free, .. } => match free {
                    FreeAttr::Missing => Judged {
                        whole: Freedom::Free,
                        element: Freedom::Unfree,
                    },
                    FreeAttr::Literal(true) => Judged {
                        whole: Freedom::Free,
                        element: Freedom::Free,
                    },
                    FreeAttr::Literal(false) => Judged {
                        whole: Freedom::Unfree,
                        element: Freedom::Unfree,
                    },
                    FreeAttr::Computed => Judged {
                        whole: Freedom::Unknown,
                        element: Freedom::Unknown,
                    },
                },
                // A string is free on its own, but `"mit".free or false` is false in a list.
                LicenseOp::Str(_) => Judged {
                    whole: Freedom::Free,
                    element: Freedom::Unfree,
                },
                LicenseOp::Unknown => Judged {
                    whole: Freedom::Unknown,
                    element: Freedom::Unknown,
                },
                LicenseOp::List(n) => {
                    let items = pop_n(&mut stack, *n);
                    let whole = any_unfree(items.iter().map(|j| j.element));
                    Judged {
                        whole,
                        element: Freedom::Unknown,
                    }
                }
                LicenseOp::Or(n) => {
                    let items = pop_n(&mut stack, *n);
                    let whole = any_free(items.iter().map(|j| j.whole));
                    // A compound value has no `free` attribute.
                    Judged {
                        whole,
                        element: Freedom::Unfree,
                    }
                }
                LicenseOp::And(n) => {
                    let items = pop_n(&mut stack, *n);
                    let whole = any_unfree(items.iter().map(|j| j.whole));
                    Judged {
                        whole,
                        element: Freedom::Unfree,
                    }
                }
                LicenseOp::With => {
                    let items = pop_n(&mut stack, 2);
                    let whole = any_unfree(items.iter().map(|j| j.whole));
                    Judged {
                        whole,
                        element: Freedom::Unfree,
                    }
                }
                LicenseOp::Plus => {
                    let items = pop_n(&mut stack, 1);
                    let whole = items.first().map_or(Freedom::Unknown, |j| j.whole);
                    Judged {
                        whole,
                        element: Freedom::Unfree,
                    }
                }
            };
            stack.push(judged);
        }
        match stack.as_slice() {
            [one] => one.whole,
            _ => Freedom::Unknown,
        }
    }

    /// The licenses named in the expression, as people know them (short names), in order.
    pub fn display_names(&self, table: &LicenseTable) -> Vec<String> {
        let mut names = Vec::new();
        for op in &self.ops {
            let name = match op {
                LicenseOp::Named(name) => table
                    .get(name)
                    .map_or_else(|| name.clone(), |l| l.short_name.clone()),
                LicenseOp::Custom { short_name, .. } => short_name
                    .clone()
                    .unwrap_or_else(|| "custom license".to_owned()),
                LicenseOp::Str(s) => s.clone(),
                LicenseOp::Unknown => "unknown".to_owned(),
                _ => continue,
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

fn pop_n(stack: &mut Vec<Judged>, n: usize) -> Vec<Judged> {
    if stack.len() < n {
        stack.clear();
        return vec![Judged {
            whole: Freedom::Unknown,
            element: Freedom::Unknown,
        }];
    }
    stack.split_off(stack.len() - n)
}

/// Unfree if any is unfree; free if all are free; unknown otherwise.
fn any_unfree(items: impl Iterator<Item = Freedom>) -> Freedom {
    let mut result = Freedom::Free;
    for f in items {
        match f {
            Freedom::Unfree => return Freedom::Unfree,
            Freedom::Unknown => result = Freedom::Unknown,
            Freedom::Free => {}
        }
    }
    result
}

/// Free if any is free; unfree if all are unfree (and there is at least one); unknown otherwise.
fn any_free(items: impl Iterator<Item = Freedom>) -> Freedom {
    let mut result = Freedom::Unfree;
    let mut seen = false;
    for f in items {
        seen = true;
        match f {
            Freedom::Free => return Freedom::Free,
            Freedom::Unknown => result = Freedom::Unknown,
            Freedom::Unfree => {}
        }
    }
    if seen { result } else { Freedom::Unknown }
}

/// How many `let` indirections are followed before giving up.
const MAX_STEPS: usize = 4096;

enum Task {
    Visit(ast::Expr, u8),
    Emit(LicenseOp),
}

/// Reads a license expression statically, following `let` bindings of the same file and
/// `with lib.licenses;` scopes.
pub fn license_expr(expr: ast::Expr) -> LicenseExpr {
    let mut ops = Vec::new();
    let mut tasks = vec![Task::Visit(expr, 0)];
    let mut steps = 0;
    while let Some(task) = tasks.pop() {
        steps += 1;
        if steps > MAX_STEPS {
            return LicenseExpr {
                ops: vec![LicenseOp::Unknown],
            };
        }
        let (expr, depth) = match task {
            Task::Emit(op) => {
                ops.push(op);
                continue;
            }
            Task::Visit(expr, depth) => (strip_parens(expr), depth),
        };
        match expr {
            ast::Expr::List(list) => {
                let items: Vec<ast::Expr> = list.items().collect();
                tasks.push(Task::Emit(LicenseOp::List(items.len())));
                tasks.extend(items.into_iter().rev().map(|e| Task::Visit(e, depth)));
            }
            ast::Expr::With(with) => match with.body() {
                Some(body) => tasks.push(Task::Visit(body, depth)),
                None => ops.push(LicenseOp::Unknown),
            },
            ast::Expr::Str(s) => ops.push(LicenseOp::Str(
                static_string(&s).unwrap_or_else(|| "…".to_owned()),
            )),
            ast::Expr::AttrSet(set) => ops.push(custom_license(&set)),
            ast::Expr::Apply(apply) => {
                let Some((f, args)) = apply_spine(&apply) else {
                    ops.push(LicenseOp::Unknown);
                    continue;
                };
                let op_name = license_ref(&f);
                match (op_name.as_deref(), args.as_slice()) {
                    (Some(name @ ("OR" | "AND")), [list]) => {
                        let ast::Expr::List(list) = strip_parens(list.clone()) else {
                            ops.push(LicenseOp::Unknown);
                            continue;
                        };
                        let items: Vec<ast::Expr> = list.items().collect();
                        let n = items.len();
                        tasks.push(Task::Emit(if name == "OR" {
                            LicenseOp::Or(n)
                        } else {
                            LicenseOp::And(n)
                        }));
                        tasks.extend(items.into_iter().rev().map(|e| Task::Visit(e, depth)));
                    }
                    (Some("WITH"), [license, exception]) => {
                        tasks.push(Task::Emit(LicenseOp::With));
                        tasks.push(Task::Visit(exception.clone(), depth));
                        tasks.push(Task::Visit(license.clone(), depth));
                    }
                    (Some("PLUS"), [license]) => {
                        tasks.push(Task::Emit(LicenseOp::Plus));
                        tasks.push(Task::Visit(license.clone(), depth));
                    }
                    _ => ops.push(LicenseOp::Unknown),
                }
            }
            ast::Expr::Ident(_) | ast::Expr::Select(_) => {
                if let Some(name) = license_ref(&expr) {
                    ops.push(LicenseOp::Named(name));
                    continue;
                }
                let bound = match &expr {
                    ast::Expr::Ident(ident) if depth < 16 => ident
                        .ident_token()
                        .and_then(|t| let_binding(ident.syntax(), t.text())),
                    _ => None,
                };
                match bound {
                    Some(Binding::Value(value)) => tasks.push(Task::Visit(value, depth + 1)),
                    Some(Binding::License(name)) => ops.push(LicenseOp::Named(name)),
                    None => ops.push(LicenseOp::Unknown),
                }
            }
            _ => ops.push(LicenseOp::Unknown),
        }
    }
    LicenseExpr { ops }
}

/// `lib.licenses.X`, `licenses.X`, `stdenv.lib.licenses.X`, or a bare `X` under
/// `with lib.licenses;` (unless `X` is bound lexically).
fn license_ref(expr: &ast::Expr) -> Option<String> {
    let path = dotted_path(expr)?;
    if path.len() >= 2 && path[path.len() - 2] == "licenses" {
        return path.last().cloned();
    }
    if let [name] = path.as_slice() {
        let node = expr.syntax();
        if lexically_bound(node, name) {
            return None;
        }
        if node.ancestors().filter_map(ast::With::cast).any(|w| {
            w.namespace()
                .and_then(|ns| dotted_path(&ns))
                .is_some_and(|p| p.last().is_some_and(|l| l == "licenses"))
        }) {
            return Some(name.clone());
        }
    }
    None
}

enum Binding {
    Value(ast::Expr),
    License(String),
}

/// Whether `name` is bound by an enclosing `let`, `rec` set or function parameter.
fn lexically_bound(node: &SyntaxNode, name: &str) -> bool {
    node.ancestors().any(|anc| match anc.kind() {
        SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_LAMBDA => scope_binds(&anc, name),
        _ => false,
    })
}

fn scope_binds(scope: &SyntaxNode, name: &str) -> bool {
    if let Some(let_in) = ast::LetIn::cast(scope.clone()) {
        return let_in.entries().any(|e| entry_binds(&e, name));
    }
    if let Some(lambda) = ast::Lambda::cast(scope.clone()) {
        return match lambda.param() {
            Some(ast::Param::IdentParam(p)) => p
                .ident()
                .and_then(|i| i.ident_token())
                .is_some_and(|t| t.text() == name),
            Some(ast::Param::Pattern(p)) => {
                p.pat_entries().any(|e| {
                    e.ident()
                        .and_then(|i| i.ident_token())
                        .is_some_and(|t| t.text() == name)
                }) || p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .and_then(|i| i.ident_token())
                    .is_some_and(|t| t.text() == name)
            }
            None => false,
        };
    }
    false
}

fn entry_binds(entry: &ast::Entry, name: &str) -> bool {
    match entry {
        ast::Entry::AttrpathValue(av) => av
            .attrpath()
            .and_then(|p| p.attrs().next())
            .and_then(|a| attr_name(&a))
            .is_some_and(|n| n == name),
        ast::Entry::Inherit(inherit) => inherit
            .attrs()
            .any(|a| attr_name(&a).is_some_and(|n| n == name)),
    }
}

/// The value `name` is bound to by the nearest enclosing `let`, if it is a plain binding.
fn let_binding(node: &SyntaxNode, name: &str) -> Option<Binding> {
    for anc in node.ancestors() {
        match anc.kind() {
            SyntaxKind::NODE_LAMBDA if scope_binds(&anc, name) => return None,
            SyntaxKind::NODE_LET_IN => {
                let let_in = ast::LetIn::cast(anc)?;
                for entry in let_in.entries() {
                    match entry {
                        ast::Entry::AttrpathValue(av) => {
                            let path = av.attrpath().and_then(|p| attrpath_names(&p));
                            if path.as_deref() == Some(&[name.to_owned()][..]) {
                                return av.value().map(Binding::Value);
                            }
                        }
                        ast::Entry::Inherit(inherit) => {
                            if !inherit
                                .attrs()
                                .any(|a| attr_name(&a).is_some_and(|n| n == name))
                            {
                                continue;
                            }
                            let from = inherit.from().and_then(|f| f.expr());
                            let from_licenses = from
                                .and_then(|e| dotted_path(&e))
                                .is_some_and(|p| p.last().is_some_and(|l| l == "licenses"));
                            return from_licenses.then(|| Binding::License(name.to_owned()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn custom_license(set: &ast::AttrSet) -> LicenseOp {
    let mut short_name = None;
    let mut full_name = None;
    let mut free = FreeAttr::Missing;
    for entry in set.attrpath_values() {
        let key = entry.attrpath().and_then(|p| attrpath_names(&p));
        let value = entry.value();
        match key
            .as_deref()
            .map(|k| k.iter().map(String::as_str).collect::<Vec<_>>())
            .as_deref()
        {
            Some(["shortName"]) => short_name = value.as_ref().and_then(string_literal),
            Some(["fullName"]) => full_name = value.as_ref().and_then(string_literal),
            Some(["free"]) => {
                free = match value.as_ref().and_then(bool_literal) {
                    Some(b) => FreeAttr::Literal(b),
                    None => FreeAttr::Computed,
                }
            }
            Some(["licenseType"]) => return LicenseOp::Unknown,
            _ => {}
        }
    }
    LicenseOp::Custom {
        short_name: short_name.or(full_name),
        free,
    }
}

/// Finds the `meta.license` definitions of a package file: `meta.license = …`, or
/// `license = …` inside an attrset bound to `meta` (possibly under `with`, or `// { … }`).
/// `None` stands for a license taken from elsewhere (`meta = other.meta // { … }` without a
/// `license`). Definitions under `passthru` (other derivations) are skipped.
pub fn meta_licenses(root: &SyntaxNode) -> Vec<Option<ast::Expr>> {
    let mut found = Vec::new();
    for node in root.descendants() {
        if node.kind() != SyntaxKind::NODE_ATTRPATH_VALUE {
            continue;
        }
        let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
            continue;
        };
        let Some(path) = av.attrpath().and_then(|p| attrpath_names(&p)) else {
            continue;
        };
        let Some(value) = av.value() else { continue };
        if under_passthru(&node) {
            continue;
        }
        match path.as_slice() {
            [.., meta, license] if meta == "meta" && license == "license" => {
                found.push(Some(value))
            }
            [license] if license == "license" && in_meta_set(&node) => found.push(Some(value)),
            [.., meta] if meta == "meta" && inherits_license(&value) => found.push(None),
            _ => {}
        }
    }
    found
}

/// Whether an entry sits below a `passthru` attribute (a different derivation's meta).
fn under_passthru(node: &SyntaxNode) -> bool {
    node.ancestors()
        .skip(1)
        .filter_map(ast::AttrpathValue::cast)
        .any(|av| {
            av.attrpath()
                .and_then(|p| attrpath_names(&p))
                .is_some_and(|p| p.iter().any(|n| n == "passthru"))
        })
}

/// `meta = x.meta // { … }` whose literal part has no `license`: the license comes from `x`.
fn inherits_license(value: &ast::Expr) -> bool {
    let ast::Expr::BinOp(op) = strip_parens(value.clone()) else {
        return false;
    };
    if op.operator() != Some(ast::BinOpKind::Update) {
        return false;
    }
    let sides = [op.lhs(), op.rhs()];
    let literal_has_license = sides
        .iter()
        .flatten()
        .any(|side| match strip_parens(side.clone()) {
            ast::Expr::AttrSet(set) => set.attrpath_values().any(|e| {
                e.attrpath()
                    .and_then(|p| attrpath_names(&p))
                    .is_some_and(|p| p.first().is_some_and(|n| n == "license"))
            }),
            _ => false,
        });
    let has_opaque_side = sides
        .iter()
        .flatten()
        .any(|side| !matches!(strip_parens(side.clone()), ast::Expr::AttrSet(_)));
    has_opaque_side && !literal_has_license
}

/// Whether the attrset holding `entry` is the value of a `meta` binding.
fn in_meta_set(entry: &SyntaxNode) -> bool {
    let Some(set) = entry
        .parent()
        .filter(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
    else {
        return false;
    };
    let mut node = set;
    for _ in 0..8 {
        let Some(parent) = node.parent() else {
            return false;
        };
        match parent.kind() {
            SyntaxKind::NODE_WITH | SyntaxKind::NODE_PAREN | SyntaxKind::NODE_BIN_OP => {
                node = parent
            }
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                let path = ast::AttrpathValue::cast(parent)
                    .and_then(|av| av.attrpath())
                    .and_then(|p| attrpath_names(&p));
                return path.is_some_and(|p| p.last().is_some_and(|l| l == "meta"));
            }
            _ => return false,
        }
    }
    false
}

/// Reads the `meta.license` definitions of a package file, in text order (empty: none).
pub fn package_licenses(text: &str) -> Vec<LicenseExpr> {
    scan_package_file(text).licenses
}

/// What a package file says about itself.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PackageFile {
    /// Every `meta.license` definition, in text order.
    pub licenses: Vec<LicenseExpr>,
    /// The first literal `pname = "…";`, if any.
    pub pname: Option<String>,
}

/// Scans one package file (one parse).
pub fn scan_package_file(text: &str) -> PackageFile {
    let parse = syntax::parse(text);
    let root = parse.syntax_node();
    let licenses = meta_licenses(&root)
        .into_iter()
        .map(|e| {
            e.map_or_else(
                || LicenseExpr {
                    ops: vec![LicenseOp::Unknown],
                },
                license_expr,
            )
        })
        .collect();
    let pname = root
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        .filter_map(ast::AttrpathValue::cast)
        .find_map(|av| {
            let path = attrpath_names(&av.attrpath()?)?;
            if path.len() != 1 || path[0] != "pname" {
                return None;
            }
            string_literal(&av.value()?)
        });
    PackageFile { licenses, pname }
}

#[cfg(test)]
mod tests;
