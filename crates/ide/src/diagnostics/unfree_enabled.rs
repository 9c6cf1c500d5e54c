//! Diagnostic: unfree-package, for NixOS options that install an unfree package themselves:
//! `programs.steam.enable = true` (steam) and `services.xserver.videoDrivers = [ "nvidia" ]`
//! (the NVIDIA driver), when the configuration's `pkgs` does not allow it.

use base::{Diagnostic, FileId, FileRange, Severity};
use modules::ContextKind;
use nixpkgs::Freedom;
use rowan::ast::AstNode;
use syntax::SyntaxKind;
use syntax::ast;

use super::module_graph;
use super::unfree_contexts::{conditional, context_pkgs, full_option_path, node_at};
use super::unfree_package::denies;
use crate::db::Db;

/// Option definitions that install a package, and the package's attribute path.
fn installed_package(path: &[&str], value: &ast::Expr) -> Option<&'static [&'static str]> {
    let value = nixpkgs::strip_parens(value.clone());
    match path {
        ["programs", "steam", "enable"] => {
            let ast::Expr::Ident(i) = value else {
                return None;
            };
            (i.ident_token()?.text() == "true").then_some(&["steam"])
        }
        ["services", "xserver", "videoDrivers"] => {
            let ast::Expr::List(list) = value else {
                return None;
            };
            list.items()
                .any(|item| nixpkgs::strip_parens(item).syntax().text() == "\"nvidia\"")
                .then_some(&["linuxPackages", "nvidia_x11"])
        }
        _ => None,
    }
}

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let analysis = module_graph::analysis(db);
    let graph = &analysis.graph;
    let packages = db.packages();
    let root = db.parse(file_id).syntax_node();
    for (module, contexts) in graph.modules_in_file(file_id) {
        let Some(module_node) = node_at(&root, module.range) else {
            continue;
        };
        for node in module_node.descendants() {
            if node.kind() != SyntaxKind::NODE_ATTRPATH_VALUE {
                continue;
            }
            let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
                continue;
            };
            let Some(value) = av.value() else { continue };
            let Some(path) = full_option_path(&node, &module_node) else {
                continue;
            };
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let path = path.strip_prefix(&["config"]).unwrap_or(&path);
            let Some(package) = installed_package(path, &value) else {
                continue;
            };
            if conditional(&node, &module_node) {
                continue;
            }
            let os_contexts: Vec<_> = contexts
                .iter()
                .copied()
                .filter(|c| matches!(graph.contexts[*c].kind, ContextKind::Nixos))
                .collect();
            if os_contexts.is_empty() {
                continue;
            }
            let Some(providers) = os_contexts
                .iter()
                .map(|c| context_pkgs(db, graph, *c, module))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let Some(first) = providers.first() else {
                continue;
            };
            let Some(lookup) = packages.lookup(first.site.source.as_deref(), package) else {
                continue;
            };
            if lookup.info.freedom != Freedom::Unfree || lookup.segments != package.len() {
                continue;
            }
            if !providers.iter().all(|p| denies(&packages, p, &lookup)) {
                continue;
            }
            let licenses = lookup.info.licenses.join(" ");
            let option = path.join(".");
            let context = first.context.as_deref().unwrap_or("this configuration");
            acc.push(Diagnostic::new(
                "unfree-package",
                Severity::Error,
                FileRange { file_id, range: node.text_range() },
                format!(
                    "`{option}` installs `{}` (license ‘{licenses}’), but in {context} `pkgs` allows {}; \
                     evaluation will refuse it. Set `nixpkgs.config.allowUnfree = true` or admit it in \
                     `allowUnfreePredicate`.",
                    lookup.info.attr,
                    first.site.config.describe()
                ),
            ));
        }
    }
}
