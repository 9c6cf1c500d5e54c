//! Hover on a package taken from a nixpkgs instance: attribute path, license, free or not,
//! which instance and what its config allows, and which data decided.

use base::{FilePosition, TextRange};
use nixpkgs::{Allowed, Freedom, InstanceKind, PackageLookup, Packages, Resolved, Scopes};
use rowan::ast::AstNode;
use syntax::ast;
use syntax::{SyntaxKind, SyntaxNode, TextSize};

use super::HoverResult;
use crate::db::Db;
use crate::diagnostics::unfree_instances::{Provider, resolve_set, resolve_set_in};
use crate::diagnostics::unfree_overlays::{
    describe_nested, nested_instances, resolve_package, shown_set, split_set,
};
use crate::diagnostics::unfree_package::allows;

/// A package selection under the cursor: the set expression, the path, the hovered range.
pub(crate) struct Selection {
    pub(crate) set: ast::Expr,
    pub(crate) path: Vec<String>,
    pub(crate) range: TextRange,
    /// How many names of `path` reach the cursor (the hovered name included).
    pub(crate) upto: usize,
}

/// `set.a.b` with the cursor on `a`/`b`, `name` of `inherit (set) name;`, or `name` under
/// `with set;`.
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
        let before: Vec<ast::Attr> = select
            .attrpath()?
            .attrs()
            .take_while(|a| a.syntax().text_range().start() <= offset)
            .collect();
        let end = before.last()?.syntax().text_range().end();
        return Some(Selection {
            set: select.expr()?,
            path,
            range: TextRange::new(start, end),
            upto: before.len(),
        });
    }
    if let Some(from) = ast::Inherit::cast(parent).and_then(|i| i.from()) {
        let set = from.expr()?;
        let name = nixpkgs::attr_name(&ast::Attr::cast(node.clone())?)?;
        return Some(Selection {
            set,
            path: vec![name],
            range: node.text_range(),
            upto: 1,
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
        upto: 1,
    })
}

/// At most this many instances (one per context) are described.
const MAX_INSTANCES: usize = 4;

pub(crate) fn hover(db: &Db, pos: FilePosition) -> Option<HoverResult> {
    let root = db.parse(pos.file_id).syntax_node();
    let selection = selection_at(&root, pos.offset)?;
    resolved_hover(db, pos, &root, &selection)
        .or_else(|| unresolved_hover(db, pos, &root, &selection))
}

/// The hover when the set resolves the way `unfree-package` resolves it: every context's
/// instance, through the overlays that nest instances in `pkgs` (`pkgs.unstable.spotify`).
fn resolved_hover(
    db: &Db,
    pos: FilePosition,
    root: &SyntaxNode,
    selection: &Selection,
) -> Option<HoverResult> {
    let scopes = Scopes::new();
    let (set, set_path) = split_set(&selection.set, &scopes);
    let path: Vec<&str> = set_path
        .iter()
        .chain(&selection.path)
        .map(String::as_str)
        .collect();
    let packages = db.packages();
    // The cursor on the name of a nested set (`unstable` of `pkgs.unstable.spotify`).
    if let Some([attr]) = path.get(..set_path.len() + selection.upto) {
        let providers = resolve_set_in(db, pos.file_id, &set, &scopes)?;
        let first = providers.first()?;
        if packages
            .lookup(first.site.source.as_deref(), &[attr])
            .is_none()
        {
            let nested = nested_instances(db, &providers, attr, &shown_set(&set))?;
            return Some(nested_set_hover(db, selection.range, &nested));
        }
    }
    let (providers, nested, lookup) =
        resolve_package(db, &packages, pos.file_id, &set, &path, &scopes)?;
    let mut md = package_header(&lookup);
    let mut lines: Vec<String> = Vec::new();
    for provider in &providers {
        let line = instance_text(db, &packages, provider, &lookup);
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let more = lines.len().saturating_sub(MAX_INSTANCES);
    for line in lines.iter().take(MAX_INSTANCES) {
        md.push_str(line);
    }
    if more > 0 {
        md.push_str(&format!("…and {more} more.\n\n"));
    }
    md.push_str(&package_footer(&lookup));
    // How many names of the selection itself reach the end of the package.
    let end = match (nested + lookup.segments).checked_sub(set_path.len()) {
        Some(segments) if segments > 0 => package_end(root, selection.range, segments),
        _ => selection.range.end(),
    };
    Some(HoverResult {
        range: TextRange::new(
            selection.range.start(),
            selection.range.end().min(end).max(selection.range.start()),
        ),
        markdown: md,
    })
}

/// The hover on the name of a set an overlay nests in `pkgs`: what it is, in every context.
fn nested_set_hover(db: &Db, range: TextRange, nested: &[Provider]) -> HoverResult {
    let mut lines: Vec<String> = Vec::new();
    for provider in nested {
        let Some(how) = &provider.nested else {
            continue;
        };
        let context = provider
            .context
            .as_deref()
            .map(|c| format!(" In {c}."))
            .unwrap_or_default();
        let line = format!("{}.{context}\n\n", describe_nested(db, provider, how));
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let title = nested
        .first()
        .and_then(|p| p.nested.as_ref())
        .map(|n| format!("{}.{}", n.parent_text, n.attr))
        .unwrap_or_default();
    let mut md = format!("**`{title}`** — a nixpkgs instance added by an overlay\n\n");
    for line in lines.iter().take(MAX_INSTANCES) {
        md.push_str(line);
    }
    HoverResult {
        range,
        markdown: md.trim_end().to_owned(),
    }
}

/// The hover when the set does not resolve: the package from the default index, the instance
/// not known (or the first one known for the set as written).
fn unresolved_hover(
    db: &Db,
    pos: FilePosition,
    root: &SyntaxNode,
    selection: &Selection,
) -> Option<HoverResult> {
    let providers = resolve_set(db, pos.file_id, &selection.set);
    let source = providers
        .as_ref()
        .and_then(|p| p.first())
        .and_then(|p| p.site.source.clone());
    let packages = db.packages();
    let path: Vec<&str> = selection.path.iter().map(String::as_str).collect();
    let lookup = packages.lookup(source.as_deref(), &path)?;
    let mut md = package_header(&lookup);
    match providers.as_deref() {
        Some([provider, ..]) => md.push_str(&instance_text(db, &packages, provider, &lookup)),
        _ => md.push_str(
            "Instance: not known statically (for example the module system's `pkgs`).\n\n",
        ),
    }
    md.push_str(&package_footer(&lookup));
    let range = TextRange::new(
        selection.range.start(),
        selection
            .range
            .end()
            .min(package_end(root, selection.range, lookup.segments)),
    );
    Some(HoverResult {
        range,
        markdown: md,
    })
}

/// `**`spotify`** — unfree (license: unfree)` and a blank line.
fn package_header(lookup: &PackageLookup<'_>) -> String {
    let info = lookup.info;
    let mut md = format!("**`{}`** — {}", info.attr, info.freedom.as_str());
    if !info.licenses.is_empty() {
        md.push_str(&format!(" (license: {})", info.licenses.join(", ")));
    }
    md.push_str("\n\n");
    md
}

/// Where the package is declared and which data decided.
fn package_footer(lookup: &PackageLookup<'_>) -> String {
    let info = lookup.info;
    let mut md = String::new();
    if !info.file.is_empty() {
        md.push_str(&format!("Declared in `{}`. ", info.file));
    }
    md.push_str(&format!("Decided by: {}.", info.source.describe()));
    md
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

/// One instance the package is taken from, what its config allows and the verdict (the one
/// `unfree-package` gives).
fn instance_text(
    db: &Db,
    packages: &Packages,
    provider: &Provider,
    lookup: &PackageLookup<'_>,
) -> String {
    let site = &provider.site;
    let file = db.display_path(provider.file_id);
    let name = provider
        .via_argument
        .as_deref()
        .map(|a| format!("`{a}` = "))
        .unwrap_or_default();
    let made = match (&provider.nested, site.kind) {
        (Some(nested), _) => describe_nested(db, provider, nested),
        (None, InstanceKind::Context) => format!(
            "{} (allows {})",
            provider
                .description
                .as_deref()
                .unwrap_or("the module system's `pkgs`"),
            site.config.describe()
        ),
        (None, InstanceKind::LegacyPackages) => format!(
            "{name}`legacyPackages` of `{}` ({file}): the default config, no unfree packages",
            site.source.as_deref().unwrap_or("?")
        ),
        (None, InstanceKind::Import) => format!(
            "{name}`import {} {{ … }}` ({file}), config allows {}",
            site.source.as_deref().unwrap_or("?"),
            site.config.describe()
        ),
    };
    let verdict = if lookup.info.freedom != Freedom::Unfree {
        String::new()
    } else {
        match allows(packages, provider, lookup.info) {
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
