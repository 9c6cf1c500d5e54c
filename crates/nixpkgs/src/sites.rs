//! Where packages are taken from a package set, and where package sets are made, read from one
//! file's syntax (rules U3, U4). Cross-file questions (which value a module argument gets) are
//! answered by the caller.

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{SyntaxKind, SyntaxNode, TextRange};

use crate::instance::UnfreeConfig;
use crate::scopes::Scopes;
use crate::syntax_util::{apply_spine, attr_name, dotted_path, strip_parens};

/// How a package set was made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InstanceKind {
    /// `import <nixpkgs> { … }`.
    Import,
    /// `<input>.legacyPackages.<system>`: the default config, never allows unfree.
    LegacyPackages,
    /// The `pkgs` a module-system evaluation builds from its `nixpkgs.config` (NixOS,
    /// nix-darwin, home-manager without `useGlobalPkgs`).
    Context,
}

/// A place where a nixpkgs instance is made, with what its config allows.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InstanceSite {
    /// How it is made.
    pub kind: InstanceKind,
    /// The whole expression that makes it.
    pub range: TextRange,
    /// The nixpkgs it comes from, by name (`nixpkgs-unstable` for `inputs.nixpkgs-unstable`).
    pub source: Option<String>,
    /// Its unfree settings.
    pub config: UnfreeConfig,
    /// The range of the `{ … }` argument of `import`, when it is a literal attrset.
    pub args: Option<TextRange>,
    /// For `legacyPackages`: the text of the input expression and of the system expression.
    pub legacy_parts: Option<(String, String)>,
}

/// What an expression that denotes a package set resolves to, within one file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Resolved {
    /// A package set made in this file.
    Instance(InstanceSite),
    /// A parameter of the function at `lambda` (a module argument): the caller knows more.
    Param {
        /// The parameter's name.
        name: String,
        /// The range of the function.
        lambda: TextRange,
    },
    /// Anything else.
    Unknown,
}

/// Resolves `expr` (e.g. the `pkgs-unstable` of `pkgs-unstable.spotify`) through `let`
/// bindings of its file.
pub fn resolve_package_set(expr: &ast::Expr) -> Resolved {
    resolve_package_set_in(expr, &Scopes::new())
}

/// [`resolve_package_set`] with a binding cache shared by many calls on the same tree.
pub fn resolve_package_set_in(expr: &ast::Expr, scopes: &Scopes) -> Resolved {
    let mut expr = strip_parens(expr.clone());
    for _ in 0..16 {
        match &expr {
            ast::Expr::Ident(ident) => {
                let Some(token) = ident.ident_token() else {
                    return Resolved::Unknown;
                };
                let name = token.text();
                if let Some(value) = scopes.let_value(ident.syntax(), name) {
                    expr = strip_parens(value);
                    continue;
                }
                return match scopes.binding_lambda(ident.syntax(), name) {
                    Some(lambda) => Resolved::Param {
                        name: name.to_owned(),
                        lambda,
                    },
                    None => Resolved::Unknown,
                };
            }
            ast::Expr::Select(select) => return legacy_packages(select),
            ast::Expr::Apply(apply) => return import_instance(apply),
            _ => return Resolved::Unknown,
        }
    }
    Resolved::Unknown
}

/// `X.legacyPackages.<system>` (the system may be `${system}`).
fn legacy_packages(select: &ast::Select) -> Resolved {
    if select.default_expr().is_some() {
        return Resolved::Unknown;
    }
    let Some(path) = select.attrpath() else {
        return Resolved::Unknown;
    };
    let attrs: Vec<ast::Attr> = path.attrs().collect();
    let Some(pos) = attrs
        .iter()
        .position(|a| attr_name(a).as_deref() == Some("legacyPackages"))
    else {
        return Resolved::Unknown;
    };
    // Exactly `legacyPackages.<system>` must end the path: more would select inside the set.
    if pos + 2 != attrs.len() {
        return Resolved::Unknown;
    }
    let Some(base) = select.expr() else {
        return Resolved::Unknown;
    };
    let mut input_path = dotted_path(&base).unwrap_or_default();
    input_path.extend(attrs[..pos].iter().filter_map(attr_name));
    let source = input_path.last().cloned();
    let system = match &attrs[pos + 1] {
        ast::Attr::Dynamic(d) => d.expr().map(|e| e.syntax().text().to_string()),
        ast::Attr::Ident(i) => Some(format!("\"{}\"", i.syntax().text())),
        ast::Attr::Str(s) => Some(s.syntax().text().to_string()),
    };
    let input_text = if pos == 0 {
        base.syntax().text().to_string()
    } else {
        let mut t = base.syntax().text().to_string();
        for a in &attrs[..pos] {
            t.push('.');
            t.push_str(&a.syntax().text().to_string());
        }
        t
    };
    Resolved::Instance(InstanceSite {
        kind: InstanceKind::LegacyPackages,
        range: select.syntax().text_range(),
        source,
        config: UnfreeConfig::default_config(),
        args: None,
        legacy_parts: system.map(|s| (input_text, s)),
    })
}

/// Arguments `import` accepts for nixpkgs; an `import` whose literal argument set has only
/// these is taken to import nixpkgs.
const NIXPKGS_ARGS: &[&str] = &[
    "system",
    "localSystem",
    "crossSystem",
    "config",
    "overlays",
    "crossOverlays",
];

/// `import <nixpkgs-like> { … }`.
fn import_instance(apply: &ast::Apply) -> Resolved {
    let Some((f, args)) = apply_spine(apply) else {
        return Resolved::Unknown;
    };
    if dotted_path(&f).as_deref() != Some(&["import".to_owned()][..]) || args.len() != 2 {
        return Resolved::Unknown;
    }
    let target = strip_parens(args[0].clone());
    let source = match &target {
        ast::Expr::Ident(_) | ast::Expr::Select(_) => {
            dotted_path(&target).and_then(|p| p.last().cloned())
        }
        ast::Expr::PathSearch(p) => Some(
            p.syntax()
                .text()
                .to_string()
                .trim_matches(['<', '>'])
                .to_owned(),
        ),
        // "${nixpkgs}" or "${inputs.nixpkgs}" (an input coerces to its source).
        ast::Expr::Str(s) => {
            let parts = syntax::str_parts(s).unwrap_or_default();
            match parts.as_slice() {
                [ast::InterpolPart::Interpolation(i)] => i
                    .expr()
                    .and_then(|e| dotted_path(&e))
                    .and_then(|p| p.last().cloned()),
                _ => return Resolved::Unknown,
            }
        }
        _ => return Resolved::Unknown,
    };
    let arg_set = strip_parens(args[1].clone());
    let looks_like_nixpkgs = source.as_deref().is_some_and(|s| s.contains("nixpkgs"))
        || match &arg_set {
            ast::Expr::AttrSet(set) => {
                let keys: Vec<String> = set
                    .entries()
                    .filter_map(|e| match e {
                        ast::Entry::AttrpathValue(av) => {
                            av.attrpath()?.attrs().next().and_then(|a| attr_name(&a))
                        }
                        ast::Entry::Inherit(i) => i.attrs().next().and_then(|a| attr_name(&a)),
                    })
                    .collect();
                !keys.is_empty() && keys.iter().all(|k| NIXPKGS_ARGS.contains(&k.as_str()))
            }
            _ => false,
        };
    if !looks_like_nixpkgs {
        return Resolved::Unknown;
    }
    let config =
        UnfreeConfig::from_import_args(&arg_set).unwrap_or_else(UnfreeConfig::default_config);
    let args_range =
        matches!(arg_set, ast::Expr::AttrSet(_)).then(|| arg_set.syntax().text_range());
    Resolved::Instance(InstanceSite {
        kind: InstanceKind::Import,
        range: apply.syntax().text_range(),
        source,
        config,
        args: args_range,
        legacy_parts: None,
    })
}

/// How a package is taken from a set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UseKind {
    /// `set.name`.
    Select,
    /// `with set; [ name ]`.
    With,
    /// `inherit (set) name;`.
    Inherit,
}

/// One place where a package is taken from a package set and will be built.
#[derive(Clone, Debug)]
pub struct PackageUse {
    /// The range to report (the selection, the identifier, the inherited name).
    pub range: TextRange,
    /// The expression denoting the package set.
    pub set: ast::Expr,
    /// The attribute path selected from the set (may continue into the package, e.g. `out`).
    pub path: Vec<String>,
    /// How the package is taken.
    pub kind: UseKind,
}

/// Attributes whose selection builds (or is) the package.
const OUTPUT_NAMES: &[&str] = &[
    "out", "bin", "dev", "lib", "man", "doc", "info", "debug", "static",
];
/// Attributes that return a modified package when called.
const OVERRIDES: &[&str] = &["override", "overrideAttrs", "overrideDerivation"];

/// Every place in a file where a package is selected from some set in a position where it gets
/// built: list elements (package lists), `…package`/`…Packages` options, string interpolation,
/// `lib.getExe`. Reading `.meta`, `.version`, `.name`… is not a use.
pub fn package_uses(root: &SyntaxNode) -> Vec<PackageUse> {
    package_uses_in(root, &Scopes::new())
}

/// [`package_uses`] with a binding cache the caller may reuse for resolving the uses' sets.
pub fn package_uses_in(root: &SyntaxNode, scopes: &Scopes) -> Vec<PackageUse> {
    let mut out = Vec::new();
    for node in root.descendants() {
        match node.kind() {
            SyntaxKind::NODE_SELECT => {
                let Some(select) = ast::Select::cast(node.clone()) else {
                    continue;
                };
                if select.default_expr().is_some() {
                    continue;
                }
                let Some(set) = select.expr() else { continue };
                let Some(path) = select.attrpath().and_then(|p| crate::attrpath_names(&p)) else {
                    continue;
                };
                if path.iter().any(|p| p == "legacyPackages") {
                    continue;
                }
                // Only the package part decides where it is built; the caller strips the path
                // to the package. Here we only need the position of the whole selection.
                let tail = path.last().map(String::as_str).unwrap_or_default();
                let position_node = if OVERRIDES.contains(&tail) {
                    match node.parent().filter(|p| p.kind() == SyntaxKind::NODE_APPLY) {
                        Some(apply) => apply,
                        None => continue,
                    }
                } else {
                    node.clone()
                };
                if is_built_position(&position_node) {
                    out.push(PackageUse {
                        range: node.text_range(),
                        set,
                        path,
                        kind: UseKind::Select,
                    });
                }
            }
            SyntaxKind::NODE_IDENT => {
                // `with set; [ name ]`: an unbound identifier under a `with`.
                if node.parent().is_some_and(|p| {
                    matches!(
                        p.kind(),
                        SyntaxKind::NODE_ATTRPATH | SyntaxKind::NODE_SELECT
                    ) && !(p.kind() == SyntaxKind::NODE_SELECT
                        && p.first_child().as_ref() == Some(&node))
                }) {
                    continue;
                }
                let Some(ident) = ast::Ident::cast(node.clone()) else {
                    continue;
                };
                let Some(token) = ident.ident_token() else {
                    continue;
                };
                let name = token.text();
                // Cheap tests first: most identifiers are not in a built position.
                if matches!(name, "true" | "false" | "null") || !is_built_position(&node) {
                    continue;
                }
                let Some(with) = node.ancestors().find_map(ast::With::cast) else {
                    continue;
                };
                if lexically_bound(scopes, &node, name) {
                    continue;
                }
                if with
                    .namespace()
                    .is_some_and(|ns| ns.syntax().text_range().contains_range(node.text_range()))
                {
                    continue;
                }
                let Some(set) = with.namespace() else {
                    continue;
                };
                out.push(PackageUse {
                    range: node.text_range(),
                    set,
                    path: vec![name.to_owned()],
                    kind: UseKind::With,
                });
            }
            SyntaxKind::NODE_INHERIT => {
                let Some(inherit) = ast::Inherit::cast(node.clone()) else {
                    continue;
                };
                let Some(set) = inherit.from().and_then(|f| f.expr()) else {
                    continue;
                };
                if !inherit_is_built(scopes, &node) {
                    continue;
                }
                for attr in inherit.attrs() {
                    let Some(name) = attr_name(&attr) else {
                        continue;
                    };
                    out.push(PackageUse {
                        range: attr.syntax().text_range(),
                        set: set.clone(),
                        path: vec![name],
                        kind: UseKind::Inherit,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the package selected by `path` is used as a package: the path ends at the
/// package, at one of its outputs, or at an override function.
pub fn selects_whole_package(rest: &[String]) -> bool {
    match rest {
        [] => true,
        [one] => OUTPUT_NAMES.contains(&one.as_str()) || OVERRIDES.contains(&one.as_str()),
        _ => false,
    }
}

fn lexically_bound(scopes: &Scopes, node: &SyntaxNode, name: &str) -> bool {
    // `let inherit (x) name; in …` binds too.
    scopes.let_value(node, name).is_some()
        || scopes.binding_lambda(node, name).is_some()
        || scopes.let_binds(node, name)
}

/// Functions whose argument is built (or is put into a package list).
const BUILDING_FUNCTIONS: &[&str] = &[
    "getExe",
    "getExe'",
    "getBin",
    "getLib",
    "getDev",
    "getOutput",
    "toString",
    "makeBinPath",
    "makeLibraryPath",
];
/// Functions that pass their (last) argument through to the option value.
const PASS_THROUGH: &[&str] = &[
    "optional",
    "optionals",
    "mkIf",
    "mkDefault",
    "mkForce",
    "mkBefore",
    "mkAfter",
    "mkOrder",
    "mkOverride",
    "singleton",
    "toList",
    "optionalAttrs",
];

/// Whether the value at `node` ends up built: walks up through transparent parents.
fn is_built_position(node: &SyntaxNode) -> bool {
    let mut current = node.clone();
    for _ in 0..64 {
        let Some(parent) = current.parent() else {
            return false;
        };
        match parent.kind() {
            SyntaxKind::NODE_INTERPOL => return true,
            SyntaxKind::NODE_LIST => return !names_only_list(&parent),
            SyntaxKind::NODE_PAREN => {}
            SyntaxKind::NODE_IF_ELSE => {
                // The branches pass through, the condition does not.
                if parent.first_child().as_ref() == Some(&current) {
                    return false;
                }
            }
            SyntaxKind::NODE_WITH | SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_ASSERT => {
                // Only the body passes through, not the namespace / bindings / condition.
                if parent.last_child().as_ref() != Some(&current) {
                    return false;
                }
            }
            SyntaxKind::NODE_BIN_OP => {
                let op = ast::BinOp::cast(parent.clone()).and_then(|b| b.operator());
                if op != Some(ast::BinOpKind::Concat) {
                    return false;
                }
            }
            SyntaxKind::NODE_APPLY => {
                let Some(apply) = ast::Apply::cast(parent.clone()) else {
                    return false;
                };
                if apply.lambda().is_some_and(|l| l.syntax() == &current) {
                    return false;
                }
                let Some((f, _)) = outermost_apply_spine(&parent) else {
                    return false;
                };
                let name = dotted_path(&f)
                    .and_then(|p| p.last().cloned())
                    .unwrap_or_default();
                if BUILDING_FUNCTIONS.contains(&name.as_str()) {
                    return true;
                }
                // Only the last argument of a pass-through function is its value.
                let is_last = parent
                    .parent()
                    .is_none_or(|p| p.kind() != SyntaxKind::NODE_APPLY);
                if !PASS_THROUGH.contains(&name.as_str()) || !is_last {
                    return false;
                }
                // Continue from the outermost application.
                let mut top = parent.clone();
                while let Some(p) = top.parent().filter(|p| p.kind() == SyntaxKind::NODE_APPLY) {
                    top = p;
                }
                current = top;
                continue;
            }
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                let Some(av) = ast::AttrpathValue::cast(parent.clone()) else {
                    return false;
                };
                if av.value().is_none_or(|v| v.syntax() != &current) {
                    return false;
                }
                let last = av
                    .attrpath()
                    .and_then(|p| p.attrs().last())
                    .and_then(|a| attr_name(&a))
                    .unwrap_or_default();
                return is_package_option(&last);
            }
            _ => return false,
        }
        current = parent;
    }
    false
}

/// A list only mapped to names: `map lib.getName [ … ]`.
fn names_only_list(list: &SyntaxNode) -> bool {
    let Some(apply) = list.parent().filter(|p| p.kind() == SyntaxKind::NODE_APPLY) else {
        return false;
    };
    let Some((f, args)) = outermost_apply_spine(&apply) else {
        return false;
    };
    let head = dotted_path(&f)
        .and_then(|p| p.last().cloned())
        .unwrap_or_default();
    let mapped = args
        .first()
        .and_then(dotted_path)
        .and_then(|p| p.last().cloned())
        .unwrap_or_default();
    head == "map" && matches!(mapped.as_str(), "getName" | "getVersion")
}

/// `package`, `packages`, `systemPackages`, `extraPackages`, `finalPackage`…
fn is_package_option(name: &str) -> bool {
    name == "package"
        || name == "packages"
        || name.ends_with("Package")
        || name.ends_with("Packages")
}

fn outermost_apply_spine(apply_node: &SyntaxNode) -> Option<(ast::Expr, Vec<ast::Expr>)> {
    let mut top = apply_node.clone();
    while let Some(p) = top.parent().filter(|p| p.kind() == SyntaxKind::NODE_APPLY) {
        top = p;
    }
    apply_spine(&ast::Apply::cast(top)?)
}

/// `inherit (set) a b;` inside `builtins.attrValues { … }`, or in a `let` whose names are used
/// in package lists.
fn inherit_is_built(scopes: &Scopes, inherit: &SyntaxNode) -> bool {
    let Some(parent) = inherit.parent() else {
        return false;
    };
    match parent.kind() {
        SyntaxKind::NODE_ATTR_SET => {
            let Some(apply) = parent
                .parent()
                .filter(|p| p.kind() == SyntaxKind::NODE_APPLY)
            else {
                return false;
            };
            let Some((f, _)) = outermost_apply_spine(&apply) else {
                return false;
            };
            dotted_path(&f).and_then(|p| p.last().cloned()).as_deref() == Some("attrValues")
                && is_built_position(&apply)
        }
        SyntaxKind::NODE_LET_IN => {
            let Some(inherit) = ast::Inherit::cast(inherit.clone()) else {
                return false;
            };
            // The body's identifiers in built positions, computed once per `let`.
            let built = scopes.body_names(&parent, |n| {
                n.parent()
                    .is_some_and(|p| p.kind() != SyntaxKind::NODE_ATTRPATH)
                    && is_built_position(n)
            });
            inherit
                .attrs()
                .filter_map(|a| attr_name(&a))
                .any(|n| built.binary_search(&n).is_ok())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
