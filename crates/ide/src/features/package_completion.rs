//! Completion of package names after `pkgs.` / `pkgs-unstable.` (any nixpkgs instance, or a
//! module argument named like one), from the package index, and after `pkgs.unstable.` (a
//! nixpkgs instance an overlay nests in `pkgs`) from the nested input's index; after `pkgs.`
//! also the names of such nested instances. Bounded and prefix-based.

use std::collections::BTreeSet;

use base::{FilePosition, TextEdit, TextRange};
use nixpkgs::{Resolved, Scopes};
use rowan::ast::AstNode;
use syntax::SyntaxKind;
use syntax::ast;

use super::{CompletionItem, CompletionKind};
use crate::change::Change;
use crate::db::Db;
use crate::diagnostics::unfree_instances::{Provider, resolve_set_in};
use crate::diagnostics::unfree_overlays::{nested_instances, overlay_names, shown_set, split_set};

/// At most this many items are returned.
const LIMIT: usize = 200;

/// Put after the cursor's dot when the file does not parse (`[ pkgs.unstable. ]` swallows the
/// rest of the file), so that the module graph reads the module as it will be once a name is
/// typed.
const PLACEHOLDER: &str = "__flakeLspCompletion";

pub(crate) fn completions(db: &Db, pos: FilePosition) -> Vec<CompletionItem> {
    completions_inner(db, pos, true).unwrap_or_default()
}

/// `db` with [`PLACEHOLDER`] inserted at `pos`, when that makes the file parse without errors.
/// It has a module cache of its own, so that the shared one keeps the real snapshot's graph.
fn repaired(db: &Db, pos: FilePosition) -> Option<Db> {
    let mut repaired = db.clone();
    repaired.module_cache = Default::default();
    let mut change = Change::new();
    change.edit_file(
        db.path(pos.file_id).clone(),
        vec![TextEdit {
            range: TextRange::empty(pos.offset),
            new_text: PLACEHOLDER.to_owned(),
        }],
    );
    repaired.apply_change(change);
    repaired
        .parse(pos.file_id)
        .errors()
        .is_empty()
        .then_some(repaired)
}

fn completions_inner(db: &Db, pos: FilePosition, repair: bool) -> Option<Vec<CompletionItem>> {
    let root = db.parse(pos.file_id).syntax_node();
    let offset = pos.offset;
    let token = root.token_at_offset(offset).left_biased()?;
    // `set.pre|` / `set.nested.pre|`: an identifier in the attrpath of a select;
    // `set.|` / `set.nested.|`: right after a dot.
    let after_dot = token.kind() == SyntaxKind::TOKEN_DOT;
    let (set, before, prefix, replace) = if token.kind() == SyntaxKind::TOKEN_IDENT
        && token
            .parent()
            .and_then(|p| p.parent())
            .is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH)
    {
        let attr_node = token.parent()?;
        let select = ast::Select::cast(attr_node.parent()?.parent()?)?;
        let attrs: Vec<ast::Attr> = select.attrpath()?.attrs().collect();
        let index = attrs.iter().position(|a| *a.syntax() == attr_node)?;
        let start = token.text_range().start();
        let prefix = token.text()[..usize::from(offset - start)].to_owned();
        (
            select.expr()?,
            static_names(&attrs[..index])?,
            prefix,
            TextRange::new(start, token.text_range().end()),
        )
    } else if token.kind() == SyntaxKind::TOKEN_DOT && token.text_range().end() == offset {
        let parent = token.parent()?;
        if parent.kind() == SyntaxKind::NODE_ATTRPATH {
            // `set.nested.|`: the names before the dot are selected from the set.
            let select = ast::Select::cast(parent.parent()?)?;
            let attrs: Vec<ast::Attr> = select
                .attrpath()?
                .attrs()
                .take_while(|a| a.syntax().text_range().end() <= token.text_range().start())
                .collect();
            (
                select.expr()?,
                static_names(&attrs)?,
                String::new(),
                TextRange::empty(offset),
            )
        } else {
            let base = token
                .prev_sibling_or_token()
                .and_then(|e| e.into_node())
                .and_then(ast::Expr::cast)?;
            (base, Vec::new(), String::new(), TextRange::empty(offset))
        }
    } else {
        return None;
    };
    let scopes = Scopes::new();
    let (set, mut names) = split_set(&set, &scopes);
    names.extend(before);
    let is_argument = match nixpkgs::resolve_package_set_in(&set, &scopes) {
        Resolved::Instance(_) => false,
        Resolved::Param { name, .. } if name.starts_with("pkgs") => true,
        _ => return None,
    };
    let providers = resolve_set_in(db, pos.file_id, &set, &scopes);
    // A module argument the graph cannot place because the file does not parse yet: complete
    // in the file as it will be once a name follows the dot.
    if providers.is_none()
        && repair
        && after_dot
        && is_argument
        && !db.parse(pos.file_id).errors().is_empty()
        && let Some(repaired) = repaired(db, pos)
    {
        return completions_inner(&repaired, pos, false);
    }
    let packages = db.packages();
    let mut items = Vec::new();
    let source = match names.as_slice() {
        [] => {
            if let Some(providers) = &providers {
                items.extend(nested_set_items(db, providers, &set, &prefix, replace));
            }
            providers
                .as_ref()
                .and_then(|p| p.first())
                .and_then(|p| p.site.source.clone())
        }
        // `pkgs.unstable.`: the instance an overlay nests there, only when it is known.
        [attr] => {
            let providers = providers?;
            let first = providers.first()?;
            if packages
                .lookup(first.site.source.as_deref(), &[attr.as_str()])
                .is_some()
            {
                return None;
            }
            let nested = nested_instances(db, &providers, attr, &shown_set(&set))?;
            nested.first()?.site.source.clone()
        }
        _ => return None,
    };
    let mut seen = BTreeSet::new();
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

/// The names of static attributes (`a.b`, never `${x}`); `None` when one is dynamic.
fn static_names(attrs: &[ast::Attr]) -> Option<Vec<String>> {
    attrs.iter().map(nixpkgs::attr_name).collect()
}

/// The sets that overlays applied to every one of `providers` nest as instances
/// (`unstable`), starting with `prefix`.
fn nested_set_items(
    db: &Db,
    providers: &[Provider],
    set: &ast::Expr,
    prefix: &str,
    replace: TextRange,
) -> Vec<CompletionItem> {
    let Some(first) = providers.first() else {
        return Vec::new();
    };
    let shown = shown_set(set);
    let mut items = Vec::new();
    for name in overlay_names(db, first) {
        if !name.starts_with(prefix) || !is_identifier(&name) {
            continue;
        }
        let Some(nested) = nested_instances(db, providers, &name, &shown) else {
            continue;
        };
        let source = nested
            .first()
            .and_then(|p| p.site.source.as_deref())
            .unwrap_or("nixpkgs");
        items.push(CompletionItem {
            label: name,
            kind: CompletionKind::Package,
            detail: Some(format!(
                "nixpkgs instance of `{source}`, added by an overlay"
            )),
            replace_range: replace,
        });
    }
    items
}

/// Whether `name` can be written without quotes after a dot.
fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'\''))
}
