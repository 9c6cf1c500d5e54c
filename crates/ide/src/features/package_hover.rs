//! Hover on a package taken from a nixpkgs instance: attribute path, license, free or not,
//! which instance and what its config allows, and which data decided.

use base::{FilePosition, TextRange};
use nixpkgs::{Allowed, Freedom, InstanceKind, Resolved};
use rowan::ast::AstNode;
use syntax::ast;
use syntax::{SyntaxKind, SyntaxNode, TextSize};

use super::HoverResult;
use crate::db::Db;
use crate::diagnostics::unfree_instances::{Provider, resolve_set};

/// A package selection under the cursor: the set expression, the path, the hovered range.
pub(crate) struct Selection {
    pub(crate) set: ast::Expr,
    pub(crate) path: Vec<String>,
    pub(crate) range: TextRange,
}

/// `set.a.b` with the cursor on `a`/`b`, or `name` under `with set;`.
pub(crate) fn selection_at(root: &SyntaxNode, offset: TextSize) -> Option<Selection> {
    let token = root.token_at_offset(offset).right_biased()?;
    let node = token.parent()?;
    if node.kind() != SyntaxKind::NODE_IDENT {
        return None;
    }
    let parent = node.parent()?;
    if parent.kind() == SyntaxKind::NODE_ATTRPATH {
        let select = ast::Select::cast(parent.parent()?)?;
        let path = nixpkgs::attrpath_names(&select.attrpath()?)?;
        let start = select.syntax().text_range().start();
        let upto = select
            .attrpath()?
            .attrs()
            .take_while(|a| a.syntax().text_range().start() <= offset)
            .last()?
            .syntax()
            .text_range()
            .end();
        return Some(Selection {
            set: select.expr()?,
            path,
            range: TextRange::new(start, upto),
        });
    }
    let ident = ast::Ident::cast(node.clone())?;
    let name = ident.ident_token()?.text().to_owned();
    if nixpkgs::resolve_package_set(&ast::Expr::Ident(ident.clone())) != Resolved::Unknown {
        return None;
    }
    let with = node.ancestors().find_map(ast::With::cast)?;
    let set = with.namespace()?;
    if set.syntax().text_range().contains_range(node.text_range()) {
        return None;
    }
    Some(Selection {
        set,
        path: vec![name],
        range: node.text_range(),
    })
}

pub(crate) fn hover(db: &Db, pos: FilePosition) -> Option<HoverResult> {
    let root = db.parse(pos.file_id).syntax_node();
    let selection = selection_at(&root, pos.offset)?;
    let providers = resolve_set(db, pos.file_id, &selection.set);
    let source = providers
        .as_ref()
        .and_then(|p| p.first())
        .and_then(|p| p.site.source.clone());
    let packages = db.packages();
    let path: Vec<&str> = selection.path.iter().map(String::as_str).collect();
    let lookup = packages.lookup(source.as_deref(), &path)?;
    let info = lookup.info;
    let mut md = format!("**`{}`** — {}", info.attr, info.freedom.as_str());
    if !info.licenses.is_empty() {
        md.push_str(&format!(" (license: {})", info.licenses.join(", ")));
    }
    md.push_str("\n\n");
    match providers.as_deref() {
        Some([provider, ..]) => md.push_str(&instance_text(db, provider, &lookup)),
        _ => md.push_str(
            "Instance: not known statically (for example the module system's `pkgs`).\n\n",
        ),
    }
    if !info.file.is_empty() {
        md.push_str(&format!("Declared in `{}`. ", info.file));
    }
    md.push_str(&format!("Decided by: {}.", info.source.describe()));
    let range = TextRange::new(
        selection.range.start(),
        selection
            .range
            .end()
            .min(package_end(&root, selection.range, lookup.segments)),
    );
    Some(HoverResult {
        range,
        markdown: md,
    })
}

/// The end of the package part of a selection (`set.a.b` of `set.a.b.meta`).
fn package_end(root: &SyntaxNode, range: TextRange, segments: usize) -> TextSize {
    let Some(select) = root
        .covering_element(range)
        .into_node()
        .and_then(|n| n.ancestors().find_map(ast::Select::cast))
    else {
        return range.end();
    };
    select
        .attrpath()
        .and_then(|p| p.attrs().nth(segments.saturating_sub(1)))
        .map_or(range.end(), |a| a.syntax().text_range().end())
}

fn instance_text(db: &Db, provider: &Provider, lookup: &nixpkgs::PackageLookup<'_>) -> String {
    let site = &provider.site;
    let file = db.display_path(provider.file_id);
    let name = provider
        .via_argument
        .as_deref()
        .map(|a| format!("`{a}` = "))
        .unwrap_or_default();
    let made = match site.kind {
        InstanceKind::Context => format!(
            "{} (allows {})",
            provider
                .description
                .as_deref()
                .unwrap_or("the module system's `pkgs`"),
            site.config.describe()
        ),
        InstanceKind::LegacyPackages => format!(
            "{name}`legacyPackages` of `{}` ({file}): the default config, no unfree packages",
            site.source.as_deref().unwrap_or("?")
        ),
        InstanceKind::Import => format!(
            "{name}`import {} {{ … }}` ({file}), config allows {}",
            site.source.as_deref().unwrap_or("?"),
            site.config.describe()
        ),
    };
    let verdict = if lookup.info.freedom != Freedom::Unfree {
        String::new()
    } else {
        match site
            .config
            .allows(lookup.info.pname.as_deref(), &lookup.info.licenses)
        {
            Allowed::Yes(why) => format!(" — allowed: {why}"),
            Allowed::No => " — **refused**: this instance does not allow it".to_owned(),
            Allowed::Maybe => " — may be allowed (the config is computed)".to_owned(),
        }
    };
    let context = provider
        .context
        .as_deref()
        .map(|c| format!(" In {c}."))
        .unwrap_or_default();
    format!("Instance: {made}{verdict}.{context}\n\n")
}
