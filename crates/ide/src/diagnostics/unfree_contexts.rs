//! Which nixpkgs instance a module argument denotes, per module-system context, from the
//! module graph: specialArgs / extraSpecialArgs / `_module.args` values, and the framework's
//! own `pkgs` (NixOS / nix-darwin `nixpkgs.config`, home-manager with or without
//! `useGlobalPkgs`, standalone home-manager's `pkgs` argument) — rules C1–C3 and U4.
//!
//! Every answer is all-or-nothing: a context whose modules are not all known, a conditional
//! definition or a computed value makes the instance unknown, and unknown means no diagnostic.

use base::{FileId, FileRange, TextRange};
use modules::{Certainty, ContextId, ContextKind, ModuleGraph, ModuleKey, PkgsSourceKind};
use nixpkgs::{InstanceKind, InstanceSite, Resolved, UnfreeConfig, resolve_package_set};
use rowan::ast::AstNode;
use syntax::ast;
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode};

use super::module_graph;
use super::unfree_instances::{Overlaid, Provider};
use crate::db::Db;

/// The instances argument `name` of the module function at `lambda` denotes, one per context
/// the module belongs to. `None` when the module is in no context or any context is unknown.
pub(crate) fn argument_instances(
    db: &Db,
    file_id: FileId,
    lambda: TextRange,
    name: &str,
) -> Option<Vec<Provider>> {
    let analysis = module_graph::analysis(db);
    let graph = &analysis.graph;
    let (module, contexts) = graph
        .modules_in_file(file_id)
        .into_iter()
        .filter(|(key, _)| is_module_function(db, key, lambda))
        .min_by_key(|(key, _)| key.range.len())?;
    if contexts.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for ctx in contexts {
        let mut provider = argument_in_context(db, graph, ctx, name, module, 0)?;
        provider.context = Some(graph.contexts[ctx].full_name.clone());
        out.push(provider);
    }
    Some(out)
}

/// The framework's `pkgs` of a context, seen from `module` (one of its modules).
pub(crate) fn context_pkgs(
    db: &Db,
    graph: &ModuleGraph,
    ctx: ContextId,
    module: ModuleKey,
) -> Option<Provider> {
    let mut provider = argument_in_context(db, graph, ctx, "pkgs", module, 0)?;
    provider.context = Some(graph.contexts[ctx].full_name.clone());
    Some(provider)
}

/// Whether the module `key` is the function at `lambda` (possibly in parentheses).
fn is_module_function(db: &Db, key: &ModuleKey, lambda: TextRange) -> bool {
    if key.range == lambda {
        return true;
    }
    if !key.range.contains_range(lambda) {
        return false;
    }
    let root = db.parse(key.file).syntax_node();
    let Some(node) = node_at(&root, key.range) else {
        return false;
    };
    let mut node = node;
    for _ in 0..16 {
        match node.kind() {
            SyntaxKind::NODE_PAREN | SyntaxKind::NODE_ROOT => match node.first_child() {
                Some(child) => node = child,
                None => return false,
            },
            SyntaxKind::NODE_LAMBDA => return node.text_range() == lambda,
            _ => return false,
        }
    }
    false
}

pub(crate) fn node_at(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    let node = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    node.ancestors()
        .take_while(|n| n.text_range() == range)
        .last()
        .or(Some(node))
}

fn expr_at(db: &Db, range: FileRange) -> Option<ast::Expr> {
    let root = db.parse(range.file_id).syntax_node();
    let node = node_at(&root, range.range)?;
    node.ancestors()
        .take_while(|n| n.text_range() == range.range)
        .filter_map(ast::Expr::cast)
        .last()
}

fn instance_at(db: &Db, value: FileRange, name: &str) -> Option<Provider> {
    match resolve_package_set(&expr_at(db, value)?) {
        Resolved::Instance(site) => Some(Provider::new(value.file_id, site, Some(name.to_owned()))),
        _ => None,
    }
}

fn argument_in_context(
    db: &Db,
    graph: &ModuleGraph,
    ctx_id: ContextId,
    name: &str,
    use_module: ModuleKey,
    depth: usize,
) -> Option<Provider> {
    if depth > 4 {
        return None;
    }
    let ctx = &graph.contexts[ctx_id];
    if ctx.kind == ContextKind::FlakeParts {
        return None;
    }
    // specialArgs win over everything (A3).
    if let Some(sources) = ctx.special_args.names.get(name) {
        let [source] = sources.as_slice() else {
            return None;
        };
        return instance_at(db, source.value?, name);
    }
    if ctx.special_args.open {
        return None;
    }
    if name != "pkgs" {
        let sources = ctx.module_args.names.get(name)?;
        let [source] = sources.as_slice() else {
            return None;
        };
        if source.certainty != Certainty::Always {
            return None;
        }
        return instance_at(db, source.value?, name);
    }
    if ctx.module_args.names.contains_key("pkgs") || ctx.modules_open {
        return None;
    }
    // Whether modules of the context define `nixpkgs.overlays`.
    let module_overlays = ctx
        .pkgs
        .iter()
        .any(|s| s.kind == PkgsSourceKind::NixpkgsOverlays);
    // The framework's `pkgs`.
    for source in &ctx.pkgs {
        if matches!(
            source.kind,
            PkgsSourceKind::NixpkgsPkgs | PkgsSourceKind::SpecialArgsPkgs
        ) {
            if source.certainty != Certainty::Always {
                return None;
            }
            let mut provider = instance_at(db, source.value, "pkgs")?;
            // `nixpkgs.pkgs` gets the modules' overlays appended (`appendOverlays`).
            if source.kind == PkgsSourceKind::NixpkgsPkgs && module_overlays {
                provider.overlays = Overlaid::Unknown;
            }
            return Some(provider);
        }
    }
    let site_range = ctx.site.unwrap_or(FileRange {
        file_id: ctx.modules.first()?.file,
        range: ctx.modules.first()?.range,
    });
    let config_of_modules = |ctx_id: ContextId| cached_config(db, graph, ctx_id);
    // Where a fix may add `nixpkgs.config`: the module of the use when it belongs to this
    // context, else the context's first module with a literal attrset body.
    let fix_module = if ctx.modules.contains(&use_module) {
        Some(use_module)
    } else {
        ctx.modules
            .iter()
            .copied()
            .find(|m| has_attrset_body(db, m))
    };
    match ctx.kind {
        ContextKind::Nixos | ContextKind::Darwin => {
            let config = config_of_modules(ctx_id)?;
            let what = if ctx.kind == ContextKind::Darwin {
                "nix-darwin"
            } else {
                "NixOS"
            };
            Some(context_provider(
                site_range,
                config,
                format!("built from the {what} configuration's `nixpkgs.config`"),
                fix_module,
                Overlaid::Context(ctx_id),
            ))
        }
        ContextKind::HomeManagerNested(_) => {
            let global = use_global_pkgs(db, ctx)?;
            if global {
                let parent = ctx.parent?;
                return argument_in_context(db, graph, parent, "pkgs", use_module, depth + 1);
            }
            let config = config_of_modules(ctx_id)?;
            Some(context_provider(
                site_range,
                config,
                "home-manager's own nixpkgs instance (`useGlobalPkgs` is off), configured only by \
                 home-manager's `nixpkgs.config`"
                    .to_owned(),
                fix_module,
                Overlaid::Context(ctx_id),
            ))
        }
        ContextKind::HomeManagerStandalone => {
            let hm_config = config_of_modules(ctx_id)?;
            if hm_config != UnfreeConfig::default_config() {
                // A `nixpkgs.config` in any home module replaces the passed config wholesale.
                // Which overlays the re-imported set keeps without module overlays is not
                // modelled.
                let overlays = if module_overlays {
                    Overlaid::Context(ctx_id)
                } else {
                    Overlaid::Unknown
                };
                return Some(context_provider(
                    site_range,
                    hm_config,
                    "built from home-manager's `nixpkgs.config`".to_owned(),
                    fix_module,
                    overlays,
                ));
            }
            let call = ctx
                .pkgs
                .iter()
                .find(|s| s.kind == PkgsSourceKind::CallPkgs)?;
            let mut provider = instance_at(db, call.value, "pkgs")?;
            provider.via_argument = Some("pkgs".to_owned());
            // Module overlays make home-manager import nixpkgs again, with the default config.
            if module_overlays {
                provider.overlays = Overlaid::Unknown;
            }
            Some(provider)
        }
        _ => None,
    }
}

/// Per-snapshot cache of each context's merged `nixpkgs.config` (many uses ask for the same
/// context).
#[derive(Default)]
struct ContextConfigs(std::sync::Mutex<std::collections::HashMap<ContextId, Option<UnfreeConfig>>>);

fn cached_config(db: &Db, graph: &ModuleGraph, ctx_id: ContextId) -> Option<UnfreeConfig> {
    let cache = db.memo(|_| ContextConfigs::default());
    if let Some(hit) = cache
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&ctx_id)
    {
        return hit.clone();
    }
    let config = nixpkgs_config(db, &graph.contexts[ctx_id].modules, &mut Vec::new());
    cache
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(ctx_id, config.clone());
    config
}

fn context_provider(
    site: FileRange,
    config: UnfreeConfig,
    description: String,
    fix_module: Option<ModuleKey>,
    overlays: Overlaid,
) -> Provider {
    let instance = InstanceSite {
        kind: InstanceKind::Context,
        range: site.range,
        source: None,
        config,
        args: None,
        legacy_parts: None,
    };
    let mut provider = Provider::new(site.file_id, instance, Some("pkgs".to_owned()));
    provider.description = Some(description);
    provider.module = fix_module;
    provider.overlays = overlays;
    provider
}

/// Whether a module is a function (or set) whose body is a literal attrset.
fn has_attrset_body(db: &Db, module: &ModuleKey) -> bool {
    module_body(db, module).is_some()
}

/// The literal attrset a module is, or its function returns.
pub(crate) fn module_body(db: &Db, module: &ModuleKey) -> Option<ast::AttrSet> {
    let root = db.parse(module.file).syntax_node();
    let node = node_at(&root, module.range)?;
    let body = match module_function(&node).and_then(ast::Lambda::cast) {
        Some(lambda) => lambda.body()?,
        None => {
            let mut node = node;
            while matches!(node.kind(), SyntaxKind::NODE_ROOT | SyntaxKind::NODE_PAREN) {
                node = node.first_child()?;
            }
            ast::Expr::cast(node)?
        }
    };
    match nixpkgs::strip_parens(body) {
        ast::Expr::AttrSet(set) => Some(set),
        _ => None,
    }
}

/// `home-manager.useGlobalPkgs`: a literal `true`/`false` (absent: false), else unknown.
pub(crate) fn use_global_pkgs(db: &Db, ctx: &modules::Context) -> Option<bool> {
    let mut value = false;
    for source in ctx
        .pkgs
        .iter()
        .filter(|s| s.kind == PkgsSourceKind::UseGlobalPkgs)
    {
        if source.certainty != Certainty::Always {
            return None;
        }
        let expr = expr_at(db, source.value)?;
        value = match nixpkgs::strip_parens(expr) {
            ast::Expr::Ident(i) => match i.ident_token()?.text() {
                "true" => true,
                "false" => false,
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(value)
}

/// The merged `nixpkgs.config` of a context's modules (and where each definition is); `None`
/// when any definition is conditional or placed where the analysis cannot follow it.
pub(crate) fn nixpkgs_config(
    db: &Db,
    modules: &[ModuleKey],
    definitions: &mut Vec<FileRange>,
) -> Option<UnfreeConfig> {
    let mut config = UnfreeConfig::default_config();
    for module in modules {
        let root = db.parse(module.file).syntax_node();
        let module_node = node_at(&root, module.range)?;
        for node in module_node.descendants() {
            if node.kind() != SyntaxKind::NODE_ATTRPATH_VALUE {
                continue;
            }
            let Some(av) = ast::AttrpathValue::cast(node.clone()) else {
                continue;
            };
            let Some(value) = av.value() else { continue };
            if matches!(nixpkgs::strip_parens(value.clone()), ast::Expr::AttrSet(_)) {
                continue;
            }
            let Some(path) = full_option_path(&node, &module_node) else {
                continue;
            };
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let path = path.strip_prefix(&["config"]).unwrap_or(&path);
            let Some(rest) = path.strip_prefix(&["nixpkgs", "config"]) else {
                // `nixpkgs = x;` or `nixpkgs.config…` hidden in a computed value.
                if path == ["nixpkgs"] {
                    return None;
                }
                continue;
            };
            if conditional(&node, &module_node) {
                return None;
            }
            config.apply_definition(rest, &value, av.syntax().text_range());
            definitions.push(FileRange {
                file_id: module.file,
                range: av.syntax().text_range(),
            });
        }
        // `inherit` of anything under `nixpkgs` is opaque.
        if module_node
            .descendants()
            .filter_map(ast::Inherit::cast)
            .any(|i| {
                i.attrs().any(|a| {
                    nixpkgs::attr_name(&a).is_some_and(|n| n == "nixpkgs" || n == "config")
                }) && i.syntax().parent().is_some_and(|p| {
                    p.parent()
                        .and_then(ast::AttrpathValue::cast)
                        .is_some_and(|av| {
                            av.attrpath()
                                .and_then(|p| nixpkgs::attrpath_names(&p))
                                .is_some_and(|n| n.first().is_some_and(|f| f == "nixpkgs"))
                        })
                })
            })
        {
            return None;
        }
    }
    Some(config)
}

/// The option path of an entry, through nested attrsets, `mkIf`/`mkMerge`/`mkDefault`,
/// `let … in` and `with` bodies, up to the module body. `None` when the entry sits anywhere
/// else (a `let` binding, an argument of some function…).
pub(crate) fn full_option_path(entry: &SyntaxNode, module: &SyntaxNode) -> Option<Vec<String>> {
    let module_range = module.text_range();
    let module_fn = module_function(module);
    let av = ast::AttrpathValue::cast(entry.clone())?;
    let mut path = nixpkgs::attrpath_names(&av.attrpath()?)?;
    let mut node = entry.parent()?;
    for _ in 0..64 {
        if node.kind() != SyntaxKind::NODE_ATTR_SET {
            return None;
        }
        if node.text_range() == module_range {
            return Some(path);
        }
        let mut child = node.clone();
        let mut up = node.parent()?;
        loop {
            let transparent = match up.kind() {
                SyntaxKind::NODE_PAREN | SyntaxKind::NODE_LIST | SyntaxKind::NODE_APPLY => true,
                SyntaxKind::NODE_LET_IN | SyntaxKind::NODE_WITH => {
                    up.last_child().as_ref() == Some(&child)
                }
                _ => false,
            };
            if !transparent {
                break;
            }
            if up.text_range() == module_range {
                return Some(path);
            }
            child = up.clone();
            up = up.parent()?;
        }
        match up.kind() {
            SyntaxKind::NODE_LAMBDA => return (Some(&up) == module_fn.as_ref()).then_some(path),
            SyntaxKind::NODE_ROOT => {
                return (up.text_range().contains_range(module_range)).then_some(path);
            }
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                let outer = ast::AttrpathValue::cast(up.clone())?;
                let mut prefix = nixpkgs::attrpath_names(&outer.attrpath()?)?;
                prefix.extend(path);
                path = prefix;
                node = up.parent()?;
            }
            _ => return None,
        }
    }
    None
}

/// The module function: the lambda the module expression is (through parentheses).
fn module_function(module: &SyntaxNode) -> Option<SyntaxNode> {
    let mut node = module.clone();
    for _ in 0..16 {
        match node.kind() {
            SyntaxKind::NODE_LAMBDA => return Some(node),
            SyntaxKind::NODE_PAREN | SyntaxKind::NODE_ROOT => node = node.first_child()?,
            _ => return None,
        }
    }
    None
}

/// Whether the entry is under a `mkIf` (or any application other than the pass-through ones).
pub(crate) fn conditional(entry: &SyntaxNode, module: &SyntaxNode) -> bool {
    for anc in entry.ancestors() {
        if anc == *module {
            return false;
        }
        if anc.kind() == SyntaxKind::NODE_APPLY {
            let head = ast::Apply::cast(anc.clone())
                .and_then(|a| nixpkgs::apply_spine(&a))
                .and_then(|(f, _)| nixpkgs::dotted_path(&f))
                .and_then(|p| p.last().cloned())
                .unwrap_or_default();
            if !matches!(
                head.as_str(),
                "mkMerge" | "mkDefault" | "mkForce" | "mkOverride"
            ) {
                return true;
            }
        }
    }
    false
}
