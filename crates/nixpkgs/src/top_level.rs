//! The `callPackage` entries of `pkgs/top-level/all-packages.nix` (and files like it).

use rowan::ast::AstNode;
use syntax::SyntaxKind;
use syntax::ast::{self, HasEntry};

use crate::syntax_util::{apply_spine, attrpath_names, dotted_path, strip_parens};

/// What a top-level attribute is defined as.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TopLevelTarget {
    /// `callPackage ./path { … }`: the path as written (relative to the scanned file).
    CallPackage(String),
    /// `name = other;` or `name = other.attr;`: another attribute path.
    Alias(String),
}

/// One `name = …;` of a top-level package set.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TopLevelEntry {
    /// The attribute name.
    pub attr: String,
    /// What it is.
    pub target: TopLevelTarget,
}

/// Reads the entries of the largest attribute set in `text` (the package set of
/// `all-packages.nix`): `callPackage` calls with a path, `lowPrio`/`hiPrio` around them, and
/// plain aliases. Everything else is skipped.
pub fn top_level_entries(text: &str) -> Vec<TopLevelEntry> {
    let parse = syntax::parse(text);
    let root = parse.syntax_node();
    let Some(set) = root
        .descendants()
        .filter(|n| n.kind() == SyntaxKind::NODE_ATTR_SET)
        .filter_map(ast::AttrSet::cast)
        .max_by_key(|s| s.attrpath_values().count())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in set.attrpath_values() {
        let Some(path) = entry.attrpath().and_then(|p| attrpath_names(&p)) else {
            continue;
        };
        let [attr] = path.as_slice() else { continue };
        let Some(value) = entry.value() else { continue };
        if let Some(target) = target(value) {
            out.push(TopLevelEntry {
                attr: attr.clone(),
                target,
            });
        }
    }
    out
}

fn target(value: ast::Expr) -> Option<TopLevelTarget> {
    let mut value = strip_parens(value);
    for _ in 0..4 {
        match &value {
            ast::Expr::Apply(apply) => {
                let (f, args) = apply_spine(apply)?;
                let f_path = dotted_path(&f)?;
                let f_name = f_path.last()?.as_str();
                match (f_name, args.as_slice()) {
                    ("lowPrio" | "hiPrio", [inner]) => value = strip_parens(inner.clone()),
                    ("callPackage", [path, ..]) => {
                        return path_text(path).map(TopLevelTarget::CallPackage);
                    }
                    _ => return None,
                }
            }
            ast::Expr::Ident(_) | ast::Expr::Select(_) => {
                let path = dotted_path(&value)?;
                return Some(TopLevelTarget::Alias(path.join(".")));
            }
            _ => return None,
        }
    }
    None
}

fn path_text(expr: &ast::Expr) -> Option<String> {
    match strip_parens(expr.clone()) {
        ast::Expr::PathRel(p) => Some(p.syntax().text().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::top_level_entries;

    #[test]
    fn reads_call_package_entries() {
        let entries = top_level_entries(
            r#"{ lib, config }: res: pkgs: super: with pkgs; {
              spotify = callPackage ../applications/audio/spotify/wrapper.nix { };
              steam = lowPrio (callPackage ../games/steam { withJava = true; });
              vscode-alias = vscode;
              nvidia = linuxPackages.nvidia_x11;
              computed = if config.x then a else b;
              inherit (callPackages ../x { }) a b;
              "quoted-name" = callPackage ./q.nix { };
              py = python3Packages.callPackage ../py/thing { };
            }"#,
        );
        expect_test::expect![[r#"
            [
                TopLevelEntry {
                    attr: "spotify",
                    target: CallPackage(
                        "../applications/audio/spotify/wrapper.nix",
                    ),
                },
                TopLevelEntry {
                    attr: "steam",
                    target: CallPackage(
                        "../games/steam",
                    ),
                },
                TopLevelEntry {
                    attr: "vscode-alias",
                    target: Alias(
                        "vscode",
                    ),
                },
                TopLevelEntry {
                    attr: "nvidia",
                    target: Alias(
                        "linuxPackages.nvidia_x11",
                    ),
                },
                TopLevelEntry {
                    attr: "quoted-name",
                    target: CallPackage(
                        "./q.nix",
                    ),
                },
                TopLevelEntry {
                    attr: "py",
                    target: CallPackage(
                        "../py/thing",
                    ),
                },
            ]
        "#]]
        .assert_debug_eq(&entries);
    }
}
