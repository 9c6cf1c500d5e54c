//! Flake inputs inside modules: which module parameters receive a flake's whole `inputs` set
//! (through `specialArgs`, `extraSpecialArgs` or `_module.args`, as the module graph traces
//! them), what those modules select from it, and which of the flake's escapes (`specialArgs =
//! { inherit inputs; }`) are thereby followed completely. Memoised per snapshot; used by the
//! `undeclared-input` check in modules, `unused-input`, and navigation, hover and rename of inputs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base::{FileId, FileRange, TextRange};
use flake::{InputRef, InputUses, UsesElsewhere};
use modules::{ArgClass, ContextId, ModuleAnalysis, ModuleKey, SourceKind};
use rowan::ast::AstNode;
use syntax::ast;
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode};

use super::flake_models::{FlakeModels, flake_models};
use crate::db::Db;
use crate::diagnostics::module_graph::{self, DbFiles};

/// A module parameter that receives a flake's whole input set.
#[derive(Debug)]
pub(crate) struct Receiver {
    /// The module.
    pub(crate) module: ModuleKey,
    /// The `flake.nix` whose inputs arrive here.
    pub(crate) flake: FileId,
    /// Every context of the module passes exactly this flake's inputs (possibly extended by
    /// `extras`). When false, some context passes something else or something unknown.
    pub(crate) complete: bool,
    /// Names added to the set on the way (`inputs // { x = …; }`).
    pub(crate) extras: Vec<String>,
    /// What the module selects from the set, and where the set escapes.
    pub(crate) uses: InputUses,
}

/// Every receiver of the snapshot, and what each flake learns from them.
#[derive(Debug, Default)]
pub(crate) struct ModuleInputs {
    /// The receivers, in module order.
    pub(crate) receivers: Vec<Receiver>,
    /// Per `flake.nix`: the escapes followed into modules and the inputs used there.
    pub(crate) elsewhere: HashMap<FileId, UsesElsewhere>,
}

impl ModuleInputs {
    /// The complete receivers in `file`.
    pub(crate) fn in_file(&self, file: FileId) -> impl Iterator<Item = &Receiver> {
        self.receivers
            .iter()
            .filter(move |r| r.complete && r.module.file == file)
    }

    /// The input selected at `offset` in a module (`inputs.<name>`, `inherit (inputs) <name>`),
    /// with the `flake.nix` that declares it; never `self`.
    pub(crate) fn use_at(
        &self,
        file: FileId,
        offset: base::TextSize,
    ) -> Option<(FileId, &flake::InputUse)> {
        self.in_file(file).find_map(|r| {
            r.uses
                .uses
                .iter()
                .find(|u| u.name != "self" && u.range.contains_inclusive(offset))
                .map(|u| (r.flake, u))
        })
    }

    /// Every module use of the input `name` of `flake`.
    pub(crate) fn uses_of(&self, flake: FileId, name: &str) -> Vec<FileRange> {
        self.of_flake(flake)
            .flat_map(|r| {
                r.uses
                    .uses
                    .iter()
                    .filter(move |u| u.name == name)
                    .map(move |u| FileRange {
                        file_id: r.module.file,
                        range: u.range,
                    })
            })
            .collect()
    }

    /// The complete receivers of the inputs of `flake`.
    pub(crate) fn of_flake(&self, flake: FileId) -> impl Iterator<Item = &Receiver> {
        self.receivers
            .iter()
            .filter(move |r| r.complete && r.flake == flake)
    }
}

/// The snapshot's receivers (computed once per snapshot).
pub(crate) fn module_inputs(db: &Db) -> Arc<ModuleInputs> {
    db.memo(compute)
}

/// Where an argument's value comes from, as far as flake inputs go.
#[derive(Clone, PartialEq, Eq, Debug)]
enum Provenance {
    /// The whole input set of a flake, with names added on the way.
    Whole { flake: FileId, extras: Vec<String> },
    /// Anything else, or unknown.
    Other,
}

fn compute(db: &Db) -> ModuleInputs {
    let models = flake_models(db);
    if models.flakes.is_empty() {
        return ModuleInputs::default();
    }
    let analysis = module_graph::analysis(db);
    let files = DbFiles::new(db);
    let mut modules: BTreeMap<ModuleKey, Vec<ContextId>> = BTreeMap::new();
    for (id, context) in analysis.graph.contexts.iter().enumerate() {
        for module in &context.modules {
            let contexts = modules.entry(*module).or_default();
            if !contexts.contains(&id) {
                contexts.push(id);
            }
        }
    }
    // Names given by user specialArgs or `_module.args` somewhere: only those can carry inputs.
    let given: std::collections::HashSet<&str> = analysis
        .graph
        .contexts
        .iter()
        .flat_map(|c| {
            c.special_args
                .names
                .keys()
                .chain(c.module_args.names.keys())
        })
        .map(String::as_str)
        .collect();
    // Many modules share contexts and the name `inputs`: trace each (name, context) once.
    let mut traced: HashMap<(String, ContextId), Provenance> = HashMap::new();
    let mut out = ModuleInputs::default();
    for (module, contexts) in &modules {
        let summary = modules::Files::summary(&files, module.file);
        let root = db.parse(module.file).syntax_node();
        let Some(info) = summary.module_info(&root, module.range) else {
            continue;
        };
        let Some(param) = &info.param else { continue };
        for formal in &param.formals {
            if !given.contains(formal.name.as_str()) || formal.uses.is_empty() {
                continue;
            }
            let mut whole: Option<(FileId, Vec<String>)> = None;
            let mut complete = true;
            for &ctx in contexts {
                let here = traced
                    .entry((formal.name.clone(), ctx))
                    .or_insert_with(|| {
                        provenance(db, &files, &analysis, &models, &formal.name, ctx)
                    })
                    .clone();
                match here {
                    Provenance::Whole { flake, extras } => match &mut whole {
                        None => whole = Some((flake, extras)),
                        Some((f, _)) if *f != flake => complete = false,
                        Some((_, known)) => {
                            for extra in extras {
                                if !known.contains(&extra) {
                                    known.push(extra);
                                }
                            }
                        }
                    },
                    Provenance::Other => complete = false,
                }
            }
            let Some((flake, extras)) = whole else {
                continue;
            };
            let resolver = flake::InputResolver::new([(formal.range, InputRef::AllInputs)]);
            let body = match root.covering_element(module.range) {
                NodeOrToken::Node(node) => node,
                NodeOrToken::Token(_) => continue,
            };
            let uses = resolver.collect_uses(&body);
            out.receivers.push(Receiver {
                module: *module,
                flake,
                complete,
                extras,
                uses,
            });
        }
    }
    for entry in &models.flakes {
        if let Some(elsewhere) = followed(db, &analysis, &out, entry.nix_file, &entry.model) {
            out.elsewhere.insert(entry.nix_file, elsewhere);
        }
    }
    out
}

/// Where the argument `name` of the modules of `ctx` comes from.
fn provenance(
    db: &Db,
    files: &DbFiles<'_>,
    analysis: &ModuleAnalysis,
    models: &FlakeModels,
    name: &str,
    ctx: ContextId,
) -> Provenance {
    // An opaque part of the specialArgs (`{ inherit inputs; } // extra`) could replace the set.
    let opaque = analysis
        .graph
        .contexts
        .get(ctx)
        .is_none_or(|c| c.special_args.open || c.kind == modules::ContextKind::FlakeParts);
    if opaque {
        return Provenance::Other;
    }
    let sources = match analysis.arg_sources(name, ctx) {
        ArgClass::Direct(sources) | ArgClass::ConfigBacked(sources) => sources,
        _ => return Provenance::Other,
    };
    if sources.iter().any(|s| s.kind == SourceKind::Framework) {
        return Provenance::Other;
    }
    let origins = analysis.value_origins(files, name, ctx);
    if origins.is_empty() {
        return Provenance::Other;
    }
    let mut result: Option<Provenance> = None;
    for origin in origins {
        let here = match chain_shape(db, &origin) {
            Chain::Other => Provenance::Other,
            Chain::Update(update) => expr_provenance(db, models, update),
            Chain::Plain => match origin.expr {
                Some(expr) => expr_provenance(db, models, expr),
                None => match origin.steps.last() {
                    Some(step) => binder_provenance(models, *step),
                    None => Provenance::Other,
                },
            },
        };
        match (&result, &here) {
            (_, Provenance::Other) => return Provenance::Other,
            (None, _) => result = Some(here),
            (Some(known), _) if *known != here => return Provenance::Other,
            _ => {}
        }
    }
    result.unwrap_or(Provenance::Other)
}

/// What the values along an origin's chain look like.
enum Chain {
    /// Names only (`inherit inputs;`, `inputs = inputs;`, `let x = inputs;`).
    Plain,
    /// One value is an update `a // b`, the first such (the chain's last hop).
    Update(FileRange),
    /// Some value is neither (a selection, a call…): the chain says nothing about the set.
    Other,
}

/// Checks every value along `origin` (the source's value and the value bound at each step),
/// because the module graph follows a value by the identifier it starts with: `inputs.nixpkgs`
/// or `inputs // { x = …; }` would otherwise read as `inputs`.
fn chain_shape(db: &Db, origin: &modules::ValueOrigin) -> Chain {
    let mut values: Vec<FileRange> = origin.source.value.into_iter().collect();
    for step in &origin.steps {
        let root = db.parse(step.file_id).syntax_node();
        let Some(name) = node_at(&root, step.range) else {
            return Chain::Other;
        };
        // `name = value;` (a key or a `let` binding): its value; inherits and formals have none.
        let value = name
            .ancestors()
            .find_map(ast::AttrpathValue::cast)
            .filter(|apv| {
                apv.attrpath()
                    .and_then(|p| p.attrs().next())
                    .is_some_and(|a| a.syntax().text_range() == step.range)
            })
            .and_then(|apv| apv.value());
        if let Some(value) = value {
            values.push(FileRange {
                file_id: step.file_id,
                range: value.syntax().text_range(),
            });
        }
    }
    let mut update = None;
    for value in values {
        let root = db.parse(value.file_id).syntax_node();
        let Some(node) = node_at(&root, value.range).map(syntax::strip_parens) else {
            return Chain::Other;
        };
        match node.kind() {
            SyntaxKind::NODE_IDENT => {}
            SyntaxKind::NODE_BIN_OP if update.is_none() => {
                update = Some(FileRange {
                    file_id: value.file_id,
                    range: node.text_range(),
                });
            }
            _ => return Chain::Other,
        }
    }
    match update {
        Some(range) => Chain::Update(range),
        None => Chain::Plain,
    }
}

/// The `@inputs` / `inputs:` name of a flake's `outputs`, when `step` is it.
fn binder_provenance(models: &FlakeModels, step: FileRange) -> Provenance {
    let Some(entry) = models.for_file(step.file_id) else {
        return Provenance::Other;
    };
    if entry.nix_file != step.file_id || entry.nix_broken {
        return Provenance::Other;
    }
    let binding = entry
        .model
        .outputs
        .as_ref()
        .and_then(|o| o.param.as_ref())
        .and_then(|p| p.binding.as_ref());
    match binding {
        Some(b) if b.range == step.range => Provenance::Whole {
            flake: entry.nix_file,
            extras: Vec::new(),
        },
        _ => Provenance::Other,
    }
}

/// An expression in a `flake.nix` that denotes its whole input set (`inputs`, `self.inputs`, an
/// alias), or that set extended by a literal set (`inputs // { x = …; }`).
fn expr_provenance(db: &Db, models: &FlakeModels, expr: FileRange) -> Provenance {
    let Some(entry) = models.for_file(expr.file_id) else {
        return Provenance::Other;
    };
    if entry.nix_file != expr.file_id || entry.nix_broken {
        return Provenance::Other;
    }
    let root = db.parse(expr.file_id).syntax_node();
    let Some(node) = node_at(&root, expr.range) else {
        return Provenance::Other;
    };
    let resolver = entry.model.resolver();
    let whole = Provenance::Whole {
        flake: entry.nix_file,
        extras: Vec::new(),
    };
    let Some(binop) = ast::BinOp::cast(node.clone()) else {
        return match resolver.resolve(&node) {
            Some(InputRef::AllInputs) => whole,
            _ => Provenance::Other,
        };
    };
    let is_update = binop
        .operator()
        .is_some_and(|op| op == ast::BinOpKind::Update);
    let (Some(lhs), Some(rhs)) = (binop.lhs(), binop.rhs()) else {
        return Provenance::Other;
    };
    if !is_update || resolver.resolve(lhs.syntax()) != Some(InputRef::AllInputs) {
        return Provenance::Other;
    }
    let Some(names) = literal_names(rhs.syntax()) else {
        return Provenance::Other;
    };
    Provenance::Whole {
        flake: entry.nix_file,
        extras: names,
    }
}

/// The top-level names of a literal attribute set (`{ x = …; inherit y; }`); `None` when a name
/// is dynamic or the expression is not a plain set.
fn literal_names(node: &SyntaxNode) -> Option<Vec<String>> {
    let node = syntax::strip_parens(node.clone());
    let set = ast::AttrSet::cast(node)?;
    if set.rec_token().is_some() {
        return None;
    }
    let mut names = Vec::new();
    for child in set.syntax().children() {
        if let Some(apv) = ast::AttrpathValue::cast(child.clone()) {
            let attr = apv.attrpath()?.attrs().next()?;
            names.push(static_name(&attr)?);
        } else if let Some(inherit) = ast::Inherit::cast(child) {
            for attr in inherit.attrs() {
                names.push(static_name(&attr)?);
            }
        }
    }
    Some(names)
}

fn static_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(ident) => Some(ident.syntax().text().to_string()),
        ast::Attr::Str(s) => {
            let text = s.syntax().text().to_string();
            let inner = text.strip_prefix('"')?.strip_suffix('"')?;
            (!inner.contains(['$', '\\'])).then(|| inner.to_owned())
        }
        ast::Attr::Dynamic(_) => None,
    }
}

/// The outermost node whose range is exactly `range`.
fn node_at(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    let node = match root.covering_element(range) {
        NodeOrToken::Node(node) => node,
        NodeOrToken::Token(token) => token.parent()?,
    };
    node.ancestors()
        .take_while(|n| n.text_range() == range)
        .last()
        .or_else(|| (node.text_range() == range).then_some(node))
}

/// The escapes of `flake` that lead only into known modules, and the inputs those modules use;
/// `None` when nothing was followed.
///
/// An escape is followed when it lies in the literal `specialArgs` of configurations that are all
/// closed (every module known, nothing opaque), and every module that receives this flake's
/// inputs anywhere is a complete receiver whose own escapes lie in the literal
/// `extraSpecialArgs` of closed nested configurations. Modules that take their whole argument set
/// (`args@{ … }`, `args:`) in those configurations could reach the inputs unseen, so they stop it.
fn followed(
    db: &Db,
    analysis: &ModuleAnalysis,
    inputs: &ModuleInputs,
    nix_file: FileId,
    model: &flake::FlakeModel,
) -> Option<UsesElsewhere> {
    if model.uses.escapes.is_empty() {
        return None;
    }
    let contexts = &analysis.graph.contexts;
    let sites_holding = |at: FileRange| -> Vec<ContextId> {
        contexts
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.special_args_sites
                    .iter()
                    .any(|s| s.file_id == at.file_id && s.range.contains_range(at.range))
            })
            .map(|(id, _)| id)
            .collect()
    };
    // Every context reached: the ones holding a flake escape, and nested ones below them.
    let mut reached: Vec<ContextId> = Vec::new();
    let mut followed_escapes = Vec::new();
    let root = db.parse(nix_file).syntax_node();
    let resolver = model.resolver();
    for escape in &model.uses.escapes {
        // Only the input set itself is followed; `self` (and `self.inputs`) can be reached in
        // ways modules do not show.
        let denotes_inputs = node_at(&root, *escape)
            .is_some_and(|node| resolver.resolve(&node) == Some(InputRef::AllInputs));
        if !denotes_inputs {
            continue;
        }
        let holders = sites_holding(FileRange {
            file_id: nix_file,
            range: *escape,
        });
        if holders.is_empty() || holders.iter().any(|&c| contexts[c].is_open()) {
            continue;
        }
        followed_escapes.push(*escape);
        reached.extend(holders);
    }
    if followed_escapes.is_empty() {
        return None;
    }
    let mut names: Vec<String> = Vec::new();
    for receiver in inputs.receivers.iter().filter(|r| r.flake == nix_file) {
        if !receiver.complete {
            return None;
        }
        for escape in &receiver.uses.escapes {
            let holders = sites_holding(FileRange {
                file_id: receiver.module.file,
                range: *escape,
            });
            if holders.is_empty() || holders.iter().any(|&c| contexts[c].is_open()) {
                return None;
            }
            reached.extend(holders);
        }
        for use_ in &receiver.uses.uses {
            // `inputs.self` leads back to every input (`inputs.self.inputs.x`).
            if use_.name == "self" {
                return None;
            }
            if !names.contains(&use_.name) {
                names.push(use_.name.clone());
            }
        }
    }
    // Modules that see their whole argument set could pass the inputs on unseen.
    for &ctx in &reached {
        for module in &contexts[ctx].modules {
            let summary = db_summary(db, module.file);
            let root = db.parse(module.file).syntax_node();
            let whole = summary
                .module_info(&root, module.range)
                .is_some_and(|info| info.param.as_ref().is_some_and(|p| p.whole.is_some()));
            if whole {
                return None;
            }
        }
    }
    Some(UsesElsewhere {
        followed_escapes,
        inputs: names,
    })
}

fn db_summary(db: &Db, file: FileId) -> Arc<modules::FileSummary> {
    modules::Files::summary(&DbFiles::new(db), file)
}
