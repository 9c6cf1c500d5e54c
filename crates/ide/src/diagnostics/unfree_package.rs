//! Diagnostic: unfree-package — a package with an unfree license, taken (where it gets built)
//! from a nixpkgs instance whose config does not allow it. Evaluation would refuse it with
//! "Refusing to evaluate package … because it has an unfree license".

use base::{
    Diagnostic, FileId, FileRange, Fix, Severity, SourceChange, TextEdit, TextRange, TextSize,
};
use nixpkgs::{Allowed, Freedom, InstanceKind, PackageInfo, PackageLookup, Packages, UseKind};
use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{NodeOrToken, SyntaxKind};

use super::unfree_instances::Provider;
use super::unfree_overlays::{describe_nested, resolve_package, split_set};
use crate::db::Db;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    if !may_resolve_instances(db, file_id) {
        return;
    }
    let root = db.parse(file_id).syntax_node();
    let packages = db.packages();
    let scopes = nixpkgs::Scopes::new();
    for package_use in nixpkgs::package_uses_in(&root, &scopes) {
        // `with pkgs.unstable; [ … ]`: the set is `pkgs`, the path starts with `unstable`.
        let (set, set_path) = split_set(&package_use.set, &scopes);
        let path: Vec<&str> = set_path
            .iter()
            .chain(&package_use.path)
            .map(String::as_str)
            .collect();
        // Resolving the set can mean a module-graph query; a package no index calls unfree
        // needs none (`path[1..]` for a set an overlay nests in `pkgs`).
        let nested_may_be_unfree = path.len() > 1 && packages.may_be_unfree(&path[1..]);
        if !packages.may_be_unfree(&path) && !nested_may_be_unfree {
            continue;
        }
        let Some((providers, nested, lookup)) =
            resolve_package(db, &packages, file_id, &set, &path, &scopes)
        else {
            continue;
        };
        let Some(first) = providers.first() else {
            continue;
        };
        let rest: Vec<String> = path[nested + lookup.segments..]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        if lookup.info.freedom != Freedom::Unfree || !nixpkgs::selects_whole_package(&rest) {
            continue;
        }
        if !providers.iter().all(|p| denies(&packages, p, &lookup)) {
            continue;
        }
        // How many names of the use's own selection reach the end of the package.
        let package_end = (nested + lookup.segments).checked_sub(set_path.len());
        let range = match (package_use.kind, package_end) {
            (UseKind::Select, Some(end)) => {
                select_package_range(db, file_id, package_use.range, end)
                    .unwrap_or(package_use.range)
            }
            _ => package_use.range,
        };
        let mut diag = diagnostic(db, FileRange { file_id, range }, &lookup, first);
        if package_use.kind == UseKind::Select
            && nested == 0
            && set_path.is_empty()
            && let Some(fix) = take_from_pkgs(db, file_id, &package_use.set, &lookup)
        {
            diag = diag.with_fix(fix);
        }
        acc.push(diag);
    }
}

/// Whether any package set in the file can resolve to an instance (without this, no use can
/// be judged and the file is not walked): the file makes one (`import …`, `legacyPackages`),
/// holds a module of some configuration, or may receive an argument some `specialArgs` /
/// `_module.args` defines.
fn may_resolve_instances(db: &Db, file_id: FileId) -> bool {
    super::module_graph::analysis(db)
        .graph
        .has_module_in(file_id)
        || super::unfree_instances::may_resolve_without_graph(db, file_id)
}

/// `pkgs-unstable.spotify` → `pkgs.spotify`, when the module function also takes `pkgs` and
/// that instance allows the package in every context.
fn take_from_pkgs(
    db: &Db,
    file_id: FileId,
    set: &ast::Expr,
    lookup: &PackageLookup<'_>,
) -> Option<Fix> {
    let ast::Expr::Ident(ident) = nixpkgs::strip_parens(set.clone()) else {
        return None;
    };
    let name = ident.ident_token()?.text().to_owned();
    if name == "pkgs" {
        return None;
    }
    let nixpkgs::Resolved::Param { lambda, .. } = nixpkgs::resolve_package_set(set) else {
        return None;
    };
    let root = db.parse(file_id).syntax_node();
    let lambda_node = root.covering_element(lambda).into_node()?;
    let lambda_node = lambda_node.ancestors().find_map(ast::Lambda::cast)?;
    let Some(ast::Param::Pattern(pattern)) = lambda_node.param() else {
        return None;
    };
    let has_pkgs = pattern.pat_entries().any(|e| {
        e.ident()
            .and_then(|i| i.ident_token())
            .is_some_and(|t| t.text() == "pkgs")
    });
    if !has_pkgs {
        return None;
    }
    let providers = super::unfree_contexts::argument_instances(db, file_id, lambda, "pkgs")?;
    let packages = db.packages();
    let allowed = providers
        .iter()
        .all(|p| matches!(allows(&packages, p, lookup.info), Allowed::Yes(_)));
    if !allowed || providers.is_empty() {
        return None;
    }
    Some(Fix {
        label: format!("Take `{}` from `pkgs`, which allows it", lookup.info.attr),
        change: SourceChange::single(
            file_id,
            TextEdit {
                range: ident.syntax().text_range(),
                new_text: "pkgs".to_owned(),
            },
        ),
    })
}

/// Whether the instance refuses the package.
pub(crate) fn denies(packages: &Packages, provider: &Provider, lookup: &PackageLookup<'_>) -> bool {
    allows(packages, provider, lookup.info) == Allowed::No
}

/// Whether the instance lets an unfree package be built (by pname, license short names and
/// license attribute names).
pub(crate) fn allows(packages: &Packages, provider: &Provider, info: &PackageInfo) -> Allowed {
    let keys = license_keys(packages, provider.site.source.as_deref(), info);
    provider.site.config.allows(info.pname.as_deref(), &keys)
}

/// The package's license short names plus the attribute names that carry them.
fn license_keys(packages: &Packages, source: Option<&str>, info: &PackageInfo) -> Vec<String> {
    let mut keys = info.licenses.clone();
    if let Some(index) = packages.index_for(source) {
        for l in index.licenses().iter() {
            if info.licenses.contains(&l.short_name) && !keys.contains(&l.name) {
                keys.push(l.name.clone());
            }
        }
    }
    keys
}

/// `set.a.b.out` → the range of `set.a.b` (the package itself).
fn select_package_range(
    db: &Db,
    file_id: FileId,
    range: TextRange,
    segments: usize,
) -> Option<TextRange> {
    let root = db.parse(file_id).syntax_node();
    let node = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    let select = node.ancestors().find_map(ast::Select::cast)?;
    let last = select.attrpath()?.attrs().nth(segments.checked_sub(1)?)?;
    Some(TextRange::new(
        select.syntax().text_range().start(),
        last.syntax().text_range().end(),
    ))
}

fn diagnostic(
    db: &Db,
    location: FileRange,
    lookup: &PackageLookup<'_>,
    provider: &Provider,
) -> Diagnostic {
    let info = lookup.info;
    let licenses = if info.licenses.is_empty() {
        "an unfree license".to_owned()
    } else {
        format!("license ‘{}’", info.licenses.join(" "))
    };
    let site = &provider.site;
    let where_made = db.display_path(provider.file_id);
    let name = match &provider.via_argument {
        Some(arg) => format!("`{arg}` is "),
        None => String::new(),
    };
    let why = match (&provider.nested, site.kind) {
        (Some(nested), _) => describe_nested(db, provider, nested),
        (None, InstanceKind::LegacyPackages) => format!(
            "{name}`legacyPackages` of `{}` ({where_made}), which always uses the default config and \
             never allows unfree packages",
            site.source.as_deref().unwrap_or("the input")
        ),
        (None, InstanceKind::Import) => format!(
            "{name}the nixpkgs instance imported in {where_made}, whose config allows {}",
            site.config.describe()
        ),
        (None, InstanceKind::Context) => format!(
            "`pkgs` is {}, which allows {}",
            provider
                .description
                .as_deref()
                .unwrap_or("the module system's `pkgs`"),
            site.config.describe()
        ),
    };
    let why = match &provider.context {
        Some(context) => format!("in {context}, {why}"),
        None => why,
    };
    let message = format!(
        "`{}` has {licenses} and would be refused: {why}. Allow it in that instance's config \
         (`allowUnfree` or `allowUnfreePredicate`).",
        info.attr
    );
    let mut diag = Diagnostic::new("unfree-package", Severity::Error, location, message)
        .with_related(
            FileRange {
                file_id: provider.file_id,
                range: site.range,
            },
            match (site.kind, &provider.nested) {
                (_, Some(_)) => "the overlay makes the nixpkgs instance here",
                (InstanceKind::Context, None) => "the configuration is defined here",
                _ => "the nixpkgs instance is made here",
            },
        );
    for fix in fixes(db, provider, info) {
        diag = diag.with_fix(fix);
    }
    diag
}

fn fixes(db: &Db, provider: &Provider, info: &PackageInfo) -> Vec<Fix> {
    // An instance that takes its parent's config is fixed in the parent's config.
    if let Some(nested) = &provider.nested
        && nested.parent_config.is_some()
    {
        return fixes(db, &nested.parent, info);
    }
    let mut out = Vec::new();
    let site = &provider.site;
    let file_id = provider.file_id;
    let text = db.text(file_id);
    if let (Some(list), Some(pname)) = (site.config.predicate_list, info.pname.as_deref()) {
        let at = list.end() - TextSize::from(1);
        out.push(Fix {
            label: format!("Add \"{pname}\" to the allowUnfreePredicate list"),
            change: SourceChange::single(
                file_id,
                TextEdit {
                    range: TextRange::empty(at),
                    new_text: format!("\"{pname}\" "),
                },
            ),
        });
    }
    match site.kind {
        InstanceKind::Context => {
            if let Some(edit) = module_allow_unfree_edit(db, provider) {
                out.push(Fix {
                    label: format!(
                        "Set `nixpkgs.config.allowUnfree = true` in {}",
                        db.display_path(edit.0)
                    ),
                    change: SourceChange::single(edit.0, edit.1),
                });
            }
        }
        InstanceKind::Import => {
            if let Some(edit) = allow_unfree_edit(db, file_id, site, &text) {
                out.push(Fix {
                    label: "Set `config.allowUnfree = true` for this nixpkgs instance".to_owned(),
                    change: SourceChange::single(file_id, edit),
                });
            }
        }
        InstanceKind::LegacyPackages => {
            if let Some((input, system)) = &site.legacy_parts {
                let system_entry = if system == "system" {
                    "inherit system;".to_owned()
                } else {
                    format!("system = {system};")
                };
                let mut new_text =
                    format!("import {input} {{ {system_entry} config.allowUnfree = true; }}");
                if needs_parens(db, file_id, site.range) {
                    new_text = format!("({new_text})");
                }
                out.push(Fix {
                    label: format!("Import `{input}` with `config.allowUnfree = true` instead of `legacyPackages`"),
                    change: SourceChange::single(file_id, TextEdit { range: site.range, new_text }),
                });
            }
        }
    }
    out
}

/// Inserts `nixpkgs.config.allowUnfree = true;` at the top of the module's attrset body.
fn module_allow_unfree_edit(db: &Db, provider: &Provider) -> Option<(FileId, TextEdit)> {
    if provider.site.config.unknown || provider.site.config.allow_unfree_range.is_some() {
        return None;
    }
    let module = provider.module?;
    let body = super::unfree_contexts::module_body(db, &module)?;
    let open = body.l_curly_token()?.text_range().end();
    let text = db.text(module.file);
    let new_text = match body.entries().next() {
        Some(first) => {
            let start = usize::from(first.syntax().text_range().start());
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let between = &text[usize::from(open)..start];
            if between.contains('\n') {
                let indent: String = text[line_start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                format!("\n{indent}nixpkgs.config.allowUnfree = true;")
            } else {
                " nixpkgs.config.allowUnfree = true;".to_owned()
            }
        }
        None => " nixpkgs.config.allowUnfree = true; ".to_owned(),
    };
    Some((
        module.file,
        TextEdit {
            range: TextRange::empty(open),
            new_text,
        },
    ))
}

fn needs_parens(db: &Db, file_id: FileId, range: TextRange) -> bool {
    let root = db.parse(file_id).syntax_node();
    let Some(node) = root.covering_element(range).into_node() else {
        return true;
    };
    node.parent()
        .is_some_and(|p| matches!(p.kind(), SyntaxKind::NODE_SELECT | SyntaxKind::NODE_APPLY))
}

/// The edit that makes `import … { … }` allow unfree packages.
fn allow_unfree_edit(
    db: &Db,
    file_id: FileId,
    site: &nixpkgs::InstanceSite,
    text: &str,
) -> Option<TextEdit> {
    if site.config.unknown {
        return None;
    }
    // `allowUnfree = false;` → `true`.
    if let Some(range) = site.config.allow_unfree_range {
        let entry = &text[range];
        let value_at = entry.rfind("false")?;
        let start = range.start() + TextSize::from(value_at as u32);
        return Some(TextEdit {
            range: TextRange::at(start, TextSize::from(5)),
            new_text: "true".to_owned(),
        });
    }
    let args_range = site.args?;
    let root = db.parse(file_id).syntax_node();
    let args = root.covering_element(args_range).into_node()?;
    let args = args.ancestors().find_map(ast::AttrSet::cast)?;
    // `config = { … };` → add inside it.
    for entry in args.attrpath_values() {
        let path = entry.attrpath().and_then(|p| nixpkgs::attrpath_names(&p));
        if path.as_deref() == Some(&["config".to_owned()][..]) {
            if let Some(ast::Expr::AttrSet(config)) = entry.value().map(nixpkgs::strip_parens) {
                let open = config.l_curly_token()?.text_range().end();
                return Some(TextEdit {
                    range: TextRange::empty(open),
                    new_text: " allowUnfree = true;".to_owned(),
                });
            }
            return None;
        }
    }
    match args.entries().last() {
        Some(last) => {
            let end = last.syntax().text_range().end();
            let whole = &text[args.syntax().text_range()];
            let new_text = if whole.contains('\n') {
                let line_start = text[..usize::from(last.syntax().text_range().start())]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let indent: String = text[line_start..]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                format!("\n{indent}config.allowUnfree = true;")
            } else {
                " config.allowUnfree = true;".to_owned()
            };
            Some(TextEdit {
                range: TextRange::empty(end),
                new_text,
            })
        }
        None => Some(TextEdit {
            range: args.syntax().text_range(),
            new_text: "{ config.allowUnfree = true; }".to_owned(),
        }),
    }
}
