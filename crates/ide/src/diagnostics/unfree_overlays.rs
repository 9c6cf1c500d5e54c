//! Nixpkgs instances that overlays add to a package set (`pkgs.unstable`, made by
//! `final: prev: { unstable = import inputs.nixpkgs-unstable { … }; }`): which overlays apply
//! to an instance (the context's `nixpkgs.overlays`, or the `overlays` of `import nixpkgs { … }`
//! in the same file), and the nested instance with its config (its own, or the parent's for
//! `config = final.config`). Anything unreadable is unknown, and unknown means no diagnostic.

use base::{FileId, FileRange};
use nixpkgs::{ConfigSource, InstanceKind, PackageLookup, Packages, Scopes};
use rowan::ast::AstNode;
use syntax::ast;

use super::module_graph;
use super::unfree_contexts::node_at;
use super::unfree_instances::{NestedIn, Overlaid, Provider, resolve_set_in};
use crate::db::Db;

/// The instances that `path` (selected from the sets of `providers`) is taken from, how many
/// leading names of `path` led to them, and the package: the providers themselves when the
/// first one's index knows a package at `path`, else the instances every provider's overlays
/// add under `path[0]`. `None` when no package is known there or a nested set is unknown.
pub(crate) fn through_overlays<'p>(
    db: &Db,
    packages: &'p Packages,
    providers: Vec<Provider>,
    path: &[&str],
    set_text: &str,
) -> Option<(Vec<Provider>, usize, PackageLookup<'p>)> {
    let first = providers.first()?;
    if let Some(lookup) = packages.lookup(first.site.source.as_deref(), path) {
        return Some((providers, 0, lookup));
    }
    let [attr, rest @ ..] = path else {
        return None;
    };
    if rest.is_empty() {
        return None;
    }
    let nested = nested_instances(db, &providers, attr, set_text)?;
    let lookup = packages.lookup(nested.first()?.site.source.as_deref(), rest)?;
    Some((nested, 1, lookup))
}

/// The package a use selects (`set` already split by [`split_set`], `path` the names after
/// it), judged the way `unfree-package` judges it: the instances of every context, through
/// the overlays that nest instances in them. `None` when the set or the package is unknown.
pub(crate) fn resolve_package<'p>(
    db: &Db,
    packages: &'p Packages,
    file_id: FileId,
    set: &ast::Expr,
    path: &[&str],
    scopes: &Scopes,
) -> Option<(Vec<Provider>, usize, PackageLookup<'p>)> {
    let providers = resolve_set_in(db, file_id, set, scopes)?;
    through_overlays(db, packages, providers, path, &shown_set(set))
}

/// The instances the overlays applied to each of `providers` add as `attr`; `None` unless
/// every one is known. `set_text` is how the use writes the parent set.
pub(crate) fn nested_instances(
    db: &Db,
    providers: &[Provider],
    attr: &str,
    set_text: &str,
) -> Option<Vec<Provider>> {
    let mut nested: Vec<Provider> = providers
        .iter()
        .map(|p| nested_instance(db, p, attr))
        .collect::<Option<_>>()?;
    for provider in &mut nested {
        if let Some(n) = &mut provider.nested {
            n.parent_text = set_text.to_owned();
        }
    }
    (!nested.is_empty()).then_some(nested)
}

/// The names of the attributes the overlays applied to `parent` may define (candidates for
/// [`nested_instance`], which decides); empty when the overlays are unknown.
pub(crate) fn overlay_names(db: &Db, parent: &Provider) -> Vec<String> {
    let analysis = module_graph::analysis(db);
    let evaluated = match parent.overlays {
        Overlaid::Unknown => return Vec::new(),
        Overlaid::Context(ctx) => analysis.graph.contexts.get(ctx).map(|c| &c.overlays),
        Overlaid::Site => {
            let import = FileRange {
                file_id: parent.file_id,
                range: parent.site.range,
            };
            analysis
                .graph
                .import_overlays
                .iter()
                .find(|i| i.import == import)
                .map(|i| &i.overlays)
        }
    };
    if let Some(overlays) = evaluated {
        return overlays.attrs.keys().cloned().collect();
    }
    if parent.overlays != Overlaid::Site || parent.site.kind != InstanceKind::Import {
        return Vec::new();
    }
    let root = db.parse(parent.file_id).syntax_node();
    let Some(args) = parent
        .site
        .args
        .and_then(|r| node_at(&root, r))
        .and_then(|n| n.ancestors().find_map(ast::AttrSet::cast))
    else {
        return Vec::new();
    };
    let mut names: Vec<String> = nixpkgs::import_overlays(&args)
        .attrs
        .into_iter()
        .map(|a| a.name)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// How a message shows a package set expression: its text when short, else `(…)`.
pub(crate) fn shown_set(set: &ast::Expr) -> String {
    let text = set.syntax().text().to_string();
    if text.len() <= 40 && !text.contains('\n') {
        text
    } else {
        "(…)".to_owned()
    }
}

/// `pkgs.unstable` → (`pkgs`, `["unstable"]`): a static selection (never `legacyPackages`)
/// split into the set it starts from and the names selected, also through a `let` binding
/// (`let u = pkgs.unstable; in [ u.spotify ]`).
pub(crate) fn split_set(set: &ast::Expr, scopes: &Scopes) -> (ast::Expr, Vec<String>) {
    let mut expr = nixpkgs::strip_parens(set.clone());
    let mut names: Vec<String> = Vec::new();
    for _ in 0..16 {
        if let ast::Expr::Ident(ident) = &expr
            && let Some(token) = ident.ident_token()
            && let Some(value) = scopes.let_value(ident.syntax(), token.text())
            && let value @ ast::Expr::Select(_) = nixpkgs::strip_parens(value)
            && static_selection(&value).is_some()
        {
            expr = value;
            continue;
        }
        let Some((inner, path)) = static_selection(&expr) else {
            break;
        };
        names.splice(0..0, path);
        expr = inner;
    }
    (expr, names)
}

/// `e.a.b` → (`e`, `["a", "b"]`) for a static selection without `or` and `legacyPackages`.
fn static_selection(expr: &ast::Expr) -> Option<(ast::Expr, Vec<String>)> {
    let ast::Expr::Select(select) = expr else {
        return None;
    };
    if select.default_expr().is_some() {
        return None;
    }
    let path = select
        .attrpath()
        .and_then(|p| nixpkgs::attrpath_names(&p))?;
    if path.iter().any(|n| n == "legacyPackages") {
        return None;
    }
    Some((nixpkgs::strip_parens(select.expr()?), path))
}

/// What a nested instance (`pkgs.unstable`) is and what its config allows, as a clause:
/// "`pkgs.unstable` is the nixpkgs instance imported from `nixpkgs-unstable`, added by the
/// overlay in overlays/default.nix, whose config allows no unfree packages".
pub(crate) fn describe_nested(db: &Db, provider: &Provider, nested: &NestedIn) -> String {
    let parent = &nested.parent;
    let set = format!("{}.{}", nested.parent_text, nested.attr);
    let what = match provider.site.kind {
        InstanceKind::LegacyPackages => format!(
            "`legacyPackages` of `{}`",
            provider.site.source.as_deref().unwrap_or("the input")
        ),
        _ => format!(
            "the nixpkgs instance imported from `{}`",
            provider.site.source.as_deref().unwrap_or("nixpkgs")
        ),
    };
    let overlay_file = db.display_path(nested.overlay.file_id);
    let config = match nested.parent_config {
        Some(entry) => {
            let text = db.text(provider.file_id);
            let entry = text
                .get(usize::from(entry.start())..usize::from(entry.end()))
                .unwrap_or("config = final.config;");
            let parent_is = match &parent.description {
                Some(description) => description.clone(),
                None => format!(
                    "the nixpkgs instance imported in {}",
                    db.display_path(parent.file_id)
                ),
            };
            format!(
                "whose config is the parent's (`{}`): `{}` is {parent_is}, which allows {}",
                entry.trim_end_matches(';'),
                nested.parent_text,
                provider.site.config.describe()
            )
        }
        None if provider.site.kind == InstanceKind::LegacyPackages => {
            "which always uses the default config and never allows unfree packages".to_owned()
        }
        None => format!("whose config allows {}", provider.site.config.describe()),
    };
    format!("`{set}` is {what}, added by the overlay in {overlay_file}, {config}")
}

/// One definition of an attribute by an overlay: the overlay function and the value.
struct Definition {
    overlay: FileRange,
    value: Option<FileRange>,
}

/// The instance the overlays applied to `parent` add as `attr`, when it is known to be one.
pub(crate) fn nested_instance(db: &Db, parent: &Provider, attr: &str) -> Option<Provider> {
    let definition = match parent.overlays {
        Overlaid::Unknown => return None,
        Overlaid::Context(ctx) => context_definition(db, ctx, attr)?,
        Overlaid::Site => site_definition(db, parent, attr)?,
    };
    let value = definition.value?;
    let root = db.parse(value.file_id).syntax_node();
    let value_expr = node_at(&root, value.range)?
        .ancestors()
        .take_while(|n| n.text_range() == value.range)
        .filter_map(ast::Expr::cast)
        .last()?;
    let overlay_root = db.parse(definition.overlay.file_id).syntax_node();
    let overlay = node_at(&overlay_root, definition.overlay.range)?
        .ancestors()
        .find_map(ast::Lambda::cast)?;
    let made = nixpkgs::overlay_instance(&overlay, &value_expr)?;
    let mut site = made.site;
    if made.config == ConfigSource::Parent {
        let mut config = parent.site.config.clone();
        // The parent's ranges are in another file: no fix edits them from here.
        config.predicate_list = None;
        config.allow_unfree_range = None;
        site.config = config;
    }
    let mut nested = Provider::new(value.file_id, site, None);
    nested.context = parent.context.clone();
    nested.module = parent.module;
    // Overlays of the nested instance itself are not followed (`pkgs.unstable.x.y`).
    nested.overlays = Overlaid::Unknown;
    nested.nested = Some(Box::new(NestedIn {
        attr: attr.to_owned(),
        parent_text: parent
            .via_argument
            .clone()
            .unwrap_or_else(|| "pkgs".to_owned()),
        parent: parent.clone(),
        overlay: definition.overlay,
        parent_config: made.parent_config_entry,
    }));
    Some(nested)
}

/// The one definition of `attr` by the `nixpkgs.overlays` of a context; `None` when there is
/// none, more than one, or some overlay cannot be read.
fn context_definition(db: &Db, ctx: modules::ContextId, attr: &str) -> Option<Definition> {
    let analysis = module_graph::analysis(db);
    one_definition(&analysis.graph.contexts.get(ctx)?.overlays, attr)
}

/// The one definition of `attr` in evaluated overlays.
fn one_definition(overlays: &modules::Overlays, attr: &str) -> Option<Definition> {
    // An overlay we cannot read (or a flake input's) may define the attribute too, and the
    // last definition wins.
    if overlays.open || overlays.foreign {
        return None;
    }
    let [definition] = overlays.attrs.get(attr)?.as_slice() else {
        return None;
    };
    Some(Definition {
        overlay: definition.overlay,
        value: definition.value,
    })
}

/// The one definition of `attr` by the overlays of `import nixpkgs { overlays = …; }`: as the
/// module graph evaluated them in a flake's outputs, else as written in the same file.
fn site_definition(db: &Db, parent: &Provider, attr: &str) -> Option<Definition> {
    if parent.site.kind != InstanceKind::Import {
        return None;
    }
    let file_id: FileId = parent.file_id;
    // An `import` in a flake's outputs: the module graph evaluated its overlays there.
    let import = FileRange {
        file_id,
        range: parent.site.range,
    };
    let analysis = module_graph::analysis(db);
    if let Some(evaluated) = analysis
        .graph
        .import_overlays
        .iter()
        .find(|i| i.import == import)
    {
        return one_definition(&evaluated.overlays, attr);
    }
    let root = db.parse(file_id).syntax_node();
    let args = node_at(&root, parent.site.args?)?
        .ancestors()
        .find_map(ast::AttrSet::cast)?;
    let overlays = nixpkgs::import_overlays(&args);
    if overlays.open {
        return None;
    }
    let mut found = overlays.attrs.into_iter().filter(|a| a.name == attr);
    let definition = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some(Definition {
        overlay: FileRange {
            file_id,
            range: definition.overlay.syntax().text_range(),
        },
        value: definition.value.map(|v| FileRange {
            file_id,
            range: v.syntax().text_range(),
        }),
    })
}
