//! Completion of package names after `pkgs.` / `pkgs-unstable.` (any nixpkgs instance, or a
//! module argument named like one), from the package index. Bounded and prefix-based.

use std::collections::BTreeSet;

use base::{FilePosition, TextRange};
use nixpkgs::Resolved;
use rowan::ast::AstNode;
use syntax::SyntaxKind;
use syntax::ast;

use super::{CompletionItem, CompletionKind};
use crate::db::Db;
use crate::diagnostics::unfree_instances::resolve_set;

/// At most this many items are returned.
const LIMIT: usize = 200;

pub(crate) fn completions(db: &Db, pos: FilePosition) -> Vec<CompletionItem> {
    completions_inner(db, pos).unwrap_or_default()
}

fn completions_inner(db: &Db, pos: FilePosition) -> Option<Vec<CompletionItem>> {
    let root = db.parse(pos.file_id).syntax_node();
    let offset = pos.offset;
    let token = root.token_at_offset(offset).left_biased()?;
    // `set.pre|`: an identifier in the attrpath of a select; `set.|`: right after the dot.
    let (set, prefix, replace) = if token.kind() == SyntaxKind::TOKEN_IDENT
        && token
            .parent()
            .and_then(|p| p.parent())
            .is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH)
    {
        let attrpath = token.parent()?.parent()?;
        let select = ast::Select::cast(attrpath.parent()?)?;
        // Only the first segment after the set is completed.
        let first = select.attrpath()?.attrs().next()?;
        if !first.syntax().text_range().contains_inclusive(offset) {
            return None;
        }
        let start = token.text_range().start();
        let prefix = token.text()[..usize::from(offset - start)].to_owned();
        (
            select.expr()?,
            prefix,
            TextRange::new(start, token.text_range().end()),
        )
    } else if token.kind() == SyntaxKind::TOKEN_DOT && token.text_range().end() == offset {
        let base = token
            .prev_sibling_or_token()
            .and_then(|e| e.into_node())
            .and_then(ast::Expr::cast)?;
        (base, String::new(), TextRange::empty(offset))
    } else {
        return None;
    };
    let source = match nixpkgs::resolve_package_set(&set) {
        Resolved::Instance(site) => site.source,
        Resolved::Param { name, .. } if name == "pkgs" || name.starts_with("pkgs") => {
            resolve_set(db, pos.file_id, &set)
                .and_then(|p| p.into_iter().next())
                .and_then(|p| p.site.source)
        }
        _ => return None,
    };
    let packages = db.packages();
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    for info in packages.complete(source.as_deref(), &prefix, LIMIT * 4) {
        let label = info.attr.split('.').next().unwrap_or(&info.attr).to_owned();
        if !seen.insert(label.clone()) {
            continue;
        }
        let detail = if label == info.attr {
            Some(format!(
                "{} ({})",
                info.freedom.as_str(),
                info.licenses.join(", ")
            ))
        } else {
            Some("package set".to_owned())
        };
        items.push(CompletionItem {
            label,
            kind: CompletionKind::Package,
            detail,
            replace_range: replace,
        });
        if items.len() >= LIMIT {
            break;
        }
    }
    Some(items)
}
