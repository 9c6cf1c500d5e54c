//! The module diagnostics: judge every module once per context that includes it (spec §C4) and
//! report per context.

use std::collections::{BTreeMap, HashMap};

use base::{
    Diagnostic, FileId, FileRange, Fix, Severity, SourceChange, TextEdit, TextRange, TextSize,
};

use crate::Files;
use crate::graph::framework::{ArgClass, classify, framework_name, surely_not_direct};
use crate::graph::{
    ArgSource, Context, ContextId, ContextKind, ModuleGraph, ModuleKey, SourceKind,
};
use crate::module_info::{MisplacedImports, ModuleInfo};

/// Diagnostic codes of this crate.
pub mod codes {
    /// A used module argument that no source provides.
    pub const MISSING_MODULE_ARGUMENT: &str = "missing-module-argument";
    /// A strict position depends on a config-backed argument.
    pub const MODULE_ARGS_RECURSION: &str = "module-args-recursion";
    /// A literal import path that does not exist.
    pub const MISSING_IMPORT: &str = "missing-import";
    /// A module pattern without `...`.
    pub const UNEXPECTED_MODULE_ARGUMENT: &str = "unexpected-module-argument";
    /// `imports` under `config` or `mkIf`.
    pub const IMPORTS_IN_CONFIG: &str = "imports-in-config";
}

pub(crate) fn diagnostics(
    files: &dyn Files,
    graph: &ModuleGraph,
) -> HashMap<FileId, Vec<Diagnostic>> {
    let mut out: HashMap<FileId, Vec<Diagnostic>> = HashMap::new();
    let mut by_module: BTreeMap<ModuleKey, Vec<ContextId>> = BTreeMap::new();
    for (i, c) in graph.contexts.iter().enumerate() {
        for m in &c.modules {
            by_module.entry(*m).or_default().push(i);
        }
    }
    for (key, ctxs) in by_module {
        let root = files.parse(key.file).syntax_node();
        let Some(info) = files.summary(key.file).module_info(&root, key.range) else {
            continue;
        };
        let acc = out.entry(key.file).or_default();
        check_module(files, graph, key, &info, &ctxs, acc);
    }
    for diags in out.values_mut() {
        diags.sort_by_key(|d| (d.location.range.start(), d.code));
        diags.dedup_by(|a, b| {
            a.location == b.location && a.code == b.code && a.message == b.message
        });
    }
    out
}

/// `file:line` for messages.
pub(crate) fn show(files: &dyn Files, at: FileRange) -> String {
    let text = files.text(at.file_id);
    let offset = usize::from(at.range.start()).min(text.len());
    let line = text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1;
    format!("{}:{line}", files.display_path(at.file_id))
}

fn ctx_names(graph: &ModuleGraph, ctxs: &[ContextId]) -> String {
    let names: Vec<String> = ctxs
        .iter()
        .map(|&c| format!("`{}`", graph.contexts[c].full_name))
        .collect();
    names.join(", ")
}

fn check_module(
    files: &dyn Files,
    graph: &ModuleGraph,
    key: ModuleKey,
    info: &ModuleInfo,
    ctxs: &[ContextId],
    acc: &mut Vec<Diagnostic>,
) {
    let at = |range: TextRange| FileRange {
        file_id: key.file,
        range,
    };
    for (range, why) in &info.misplaced_imports {
        let msg = match why {
            MisplacedImports::UnderConfig => {
                "`imports` under `config` is an ordinary option definition, not an import: the module system reports \"The option `imports' does not exist\". Move `imports` to the module's top level."
            }
            MisplacedImports::UnderMkIf => {
                "`imports` inside a top-level `mkIf` is not an import (the module becomes config-only) and fails with \"The option `imports' does not exist\". Keep `imports` unconditional and put `mkIf` on `config`."
            }
        };
        acc.push(Diagnostic::new(
            codes::IMPORTS_IN_CONFIG,
            Severity::Error,
            at(*range),
            msg,
        ));
    }
    let Some(param) = &info.param else { return };
    let checked: Vec<ContextId> = ctxs
        .iter()
        .copied()
        .filter(|&c| graph.contexts[c].kind != ContextKind::FlakeParts)
        .collect();
    if checked.is_empty() {
        return;
    }
    if let Some(pattern) = param.pattern
        && !param.ellipsis
    {
        let mut d = Diagnostic::new(
            codes::UNEXPECTED_MODULE_ARGUMENT,
            Severity::Error,
            at(pattern),
            "this module's pattern has no `...`, but the module system always passes more arguments (`options`, `specialArgs`, `_class`, every specialArg…): evaluation fails with \"called with unexpected argument\"",
        );
        let insert_at = param.formals.last().map(|f| f.entry_range.end());
        let (offset, text) = match insert_at {
            Some(end) => (end, ", ...".to_owned()),
            None => (pattern.start() + TextSize::from(1), " ... ".to_owned()),
        };
        d = d.with_fix(Fix {
            label: "Add `...` to the pattern".to_owned(),
            change: SourceChange::single(
                key.file,
                TextEdit {
                    range: TextRange::empty(offset),
                    new_text: text,
                },
            ),
        });
        acc.push(d);
    }
    for formal in &param.formals {
        let mut missing: Vec<ContextId> = Vec::new();
        let mut recursion: Vec<(ContextId, Vec<ArgSource>)> = Vec::new();
        // Unknown only because some modules are unknown, but surely not a specialArg: fine in
        // values (an unseen module may define `_module.args`), recursion in strict positions.
        let mut not_direct: Vec<ContextId> = Vec::new();
        for &c in &checked {
            match classify(&graph.contexts[c], &formal.name) {
                ArgClass::Unknown
                    if graph.contexts[c].kind != ContextKind::Submodule
                        && surely_not_direct(&graph.contexts[c], &formal.name) =>
                {
                    not_direct.push(c)
                }
                ArgClass::Missing
                    if outer_argument_of_submodule(graph, c, &formal.name) != Some(false) =>
                {
                    missing.push(c)
                }
                ArgClass::ConfigBacked(sources) => recursion.push((c, sources)),
                ArgClass::Direct(_) if matches!(formal.name.as_str(), "config" | "options") => {
                    recursion.push((c, Vec::new()))
                }
                _ => {}
            }
        }
        let strict: Vec<_> = info
            .strict_uses
            .iter()
            .filter(|u| !u.via_whole && u.name == formal.name)
            .collect();
        if !missing.is_empty() {
            acc.push(missing_diag(
                files,
                graph,
                key,
                &formal.name,
                formal.range,
                &missing,
                !formal.uses.is_empty(),
                strict.first().map(|u| u.position),
            ));
        }
        if !not_direct.is_empty() {
            for u in &strict {
                acc.push(not_direct_diag(
                    files,
                    graph,
                    key,
                    &formal.name,
                    u.range,
                    u.position,
                    &not_direct,
                ));
            }
        }
        if !recursion.is_empty() {
            for u in &strict {
                acc.push(recursion_diag(
                    files,
                    graph,
                    key,
                    &formal.name,
                    u.range,
                    u.position,
                    &recursion,
                ));
            }
        }
    }
    // `args.X` through the whole-argument binder: only direct names and pattern names are there.
    for sel in &param.args_selects {
        if sel.has_default || param.formals.iter().any(|f| f.name == sel.name) {
            continue;
        }
        let mut bad: Vec<ContextId> = Vec::new();
        for &c in &checked {
            match classify(&graph.contexts[c], &sel.name) {
                ArgClass::ConfigBacked(_) => bad.push(c),
                ArgClass::Missing
                    if outer_argument_of_submodule(graph, c, &sel.name) != Some(false) =>
                {
                    bad.push(c)
                }
                _ => {}
            }
        }
        if bad.is_empty() {
            continue;
        }
        let whole = param.whole.as_ref().map_or("args", |(n, _)| n.as_str());
        let msg = format!(
            "`{whole}.{name}` is missing in {ctxs}: `{whole}` only holds the module system's direct arguments, the specialArgs and the names written in the pattern; add `{name}` to the pattern (or write `{whole}.{name} or …`)",
            name = sel.name,
            ctxs = ctx_names(graph, &bad),
        );
        acc.push(Diagnostic::new(
            codes::MISSING_MODULE_ARGUMENT,
            Severity::Error,
            at(sel.range),
            msg,
        ));
    }
}

/// For a submodule context: whether `name` is an argument of an enclosing (non-submodule)
/// configuration. Option definitions (which we do not follow) may also define a submodule's
/// `_module.args`, so a submodule's missing argument is only reported when it is the classic
/// mistake of expecting the enclosing configuration's argument (`pkgs`, a specialArg) there.
/// `None` when `ctx` is not a submodule.
fn outer_argument_of_submodule(graph: &ModuleGraph, ctx: ContextId, name: &str) -> Option<bool> {
    if graph.contexts[ctx].kind != ContextKind::Submodule {
        return None;
    }
    let mut cur = graph.contexts[ctx].parent;
    while let Some(p) = cur {
        let parent = &graph.contexts[p];
        if parent.kind != ContextKind::Submodule {
            return Some(matches!(
                classify(parent, name),
                ArgClass::Direct(_) | ArgClass::ConfigBacked(_)
            ));
        }
        cur = parent.parent;
    }
    Some(false)
}

fn source_label(ctx: &Context) -> &'static str {
    match ctx.kind {
        ContextKind::HomeManagerNested(_) => "home-manager.extraSpecialArgs",
        ContextKind::HomeManagerStandalone => "extraSpecialArgs",
        _ => "specialArgs",
    }
}

#[allow(clippy::too_many_arguments)]
fn missing_diag(
    files: &dyn Files,
    graph: &ModuleGraph,
    key: ModuleKey,
    name: &str,
    range: TextRange,
    ctxs: &[ContextId],
    used: bool,
    strict: Option<crate::module_info::StrictPosition>,
) -> Diagnostic {
    let at = FileRange {
        file_id: key.file,
        range,
    };
    let where_ = ctx_names(graph, ctxs);
    if !used {
        let mut d = Diagnostic::new(
            codes::MISSING_MODULE_ARGUMENT,
            Severity::Hint,
            at,
            format!(
                "`{name}` is not provided in {where_}; it is unused, so nothing fails, but it can be removed"
            ),
        );
        d.unnecessary = true;
        return d;
    }
    let mut msg = format!("`{name}` is not provided in {where_}");
    let mut related: Vec<(FileRange, String)> = Vec::new();
    let mut fixes: Vec<Fix> = Vec::new();
    for &c in ctxs {
        let ctx = &graph.contexts[c];
        // Passed to the outer configuration but not forwarded to the nested one?
        if let Some(parent) = ctx.parent.map(|p| &graph.contexts[p])
            && let ArgClass::Direct(sources) = classify(parent, name)
            && let Some(src) = sources.iter().find(|s| s.kind == SourceKind::SpecialArgs)
        {
            let passed_at = src
                .key
                .map(|k| format!(" ({})", show(files, k)))
                .unwrap_or_default();
            let forwarded = match ctx.special_args_sites.first() {
                Some(site) => format!(" ({})", show(files, *site)),
                None => String::new(),
            };
            msg.push_str(&format!(
                ": it is passed by `{}`'s {}{passed_at} but not by {}{forwarded}",
                parent.name,
                source_label(parent),
                source_label(ctx),
            ));
            if let Some(k) = src.key {
                related.push((k, format!("`{name}` is passed to `{}` here", parent.name)));
            }
            for site in &ctx.special_args_sites {
                related.push((
                    *site,
                    format!("{} of `{}` is set here", source_label(ctx), ctx.full_name),
                ));
            }
            continue;
        }
        if let Some(site) = ctx.site {
            related.push((site, format!("`{}` is defined here", ctx.full_name)));
        }
    }
    if !msg.contains(": it is passed") {
        let never: Vec<String> = ctxs
            .iter()
            .filter_map(|&c| graph.contexts[c].module_args.names.get(name))
            .flatten()
            .filter_map(|s| s.key)
            .map(|k| show(files, k))
            .collect();
        if never.is_empty() {
            let label = ctxs
                .iter()
                .map(|&c| source_label(&graph.contexts[c]))
                .next()
                .unwrap_or("specialArgs");
            msg.push_str(&format!(
                ": no {label} and no `_module.args` definition provides it"
            ));
        } else {
            msg.push_str(&format!(
                ": its `_module.args` definition ({}) is under `mkIf false`, so it has no value",
                never.join(", ")
            ));
        }
    }
    if let Some(pos) = strict {
        msg.push_str(&format!(
            ". It is needed by {} (the evaluator reports this as \"infinite recursion encountered\")",
            pos.describe()
        ));
    }
    if graph.contexts[ctxs[0]].kind == ContextKind::Submodule {
        msg.push_str(
            ". A submodule only gets the `specialArgs` of `types.submoduleWith` and its own `_module.args`, not the arguments of the enclosing configuration; take it in the enclosing module's pattern and use it from there",
        );
    } else {
        msg.push_str(&format!(
            ". Pass it through {}",
            source_label(&graph.contexts[ctxs[0]])
        ));
    }
    for &c in ctxs {
        fixes.extend(add_inherit_fix(files, &graph.contexts[c], name));
    }
    let mut d = Diagnostic::new(codes::MISSING_MODULE_ARGUMENT, Severity::Error, at, msg);
    for (loc, m) in related {
        d = d.with_related(loc, m);
    }
    for f in fixes {
        d = d.with_fix(f);
    }
    d
}

/// How a new specialArgs entry is written.
enum Insertion {
    /// Into a literal set: ` entry`.
    IntoSet,
    /// A new attribute holding a set: ` specialArgs = { entry };`.
    NewSet(&'static str),
    /// A path definition: ` home-manager.extraSpecialArgs.name = value;` (merges with others).
    PathDef(&'static str),
}

impl Insertion {
    fn text(&self, name: &str, value: &str) -> String {
        let entry = if value == name {
            format!("inherit {name};")
        } else {
            format!("{name} = {value};")
        };
        match self {
            Insertion::IntoSet => format!(" {entry}"),
            Insertion::NewSet(attr) => format!(" {attr} = {{ {entry} }};"),
            Insertion::PathDef(attr) => format!(" {attr}.{name} = {value};"),
        }
    }
}

/// Where a new specialArgs entry can be inserted: just inside the literal specialArgs set; or a
/// new `specialArgs` attribute in the literal argument of the configuration call; or, for a
/// home-manager user, a `home-manager.extraSpecialArgs.<name>` definition in the module that
/// defines the user.
fn special_args_insertion(
    files: &dyn Files,
    ctx: &Context,
) -> Option<(FileId, TextSize, Insertion)> {
    let literal = |site: FileRange| {
        let text = files.text(site.file_id);
        text.get(usize::from(site.range.start())..)?
            .starts_with('{')
            .then_some(site)
    };
    let inside = |site: FileRange| (site.file_id, site.range.start() + TextSize::from(1));
    if let Some(site) = ctx.special_args_sites.first().and_then(|s| literal(*s)) {
        let (f, at) = inside(site);
        return Some((f, at, Insertion::IntoSet));
    }
    let site = literal(ctx.call_args_site?)?;
    let (f, at) = inside(site);
    if matches!(ctx.kind, ContextKind::HomeManagerNested(_)) {
        return Some((f, at, Insertion::PathDef("home-manager.extraSpecialArgs")));
    }
    if !ctx.special_args_sites.is_empty() {
        return None;
    }
    Some((f, at, Insertion::NewSet(source_label(ctx))))
}

/// `inherit name;` into the context's specialArgs, when `name` is in scope there.
fn add_inherit_fix(files: &dyn Files, ctx: &Context, name: &str) -> Option<Fix> {
    let (file, at, how) = special_args_insertion(files, ctx)?;
    files.summary(file).resolution.visible_at(name, at)?;
    Some(Fix {
        label: format!(
            "Pass `{name}` through {} of `{}`",
            source_label(ctx),
            ctx.full_name
        ),
        change: SourceChange::single(
            file,
            TextEdit {
                range: TextRange::empty(at),
                new_text: how.text(name, name),
            },
        ),
    })
}

/// A name used in a strict position that the contexts' (fully known) specialArgs do not pass,
/// in contexts with modules we could not see: whether some unseen module defines it in
/// `_module.args` or nothing does, evaluation fails with "infinite recursion encountered".
fn not_direct_diag(
    files: &dyn Files,
    graph: &ModuleGraph,
    key: ModuleKey,
    name: &str,
    range: TextRange,
    position: crate::module_info::StrictPosition,
    ctxs: &[ContextId],
) -> Diagnostic {
    let at = FileRange {
        file_id: key.file,
        range,
    };
    let label = source_label(&graph.contexts[ctxs[0]]);
    let msg = format!(
        "infinite recursion: `{name}` is used in {}, but {} do not pass it through {label}, so it could only come from `_module.args`, which needs the complete module list. Pass it through {label}",
        position.describe(),
        ctx_names(graph, ctxs),
    );
    let msg = if ctxs.len() == 1 {
        msg.replacen(" do not pass", " does not pass", 1)
    } else {
        msg
    };
    let mut d = Diagnostic::new(codes::MODULE_ARGS_RECURSION, Severity::Error, at, msg);
    for &c in ctxs {
        let ctx = &graph.contexts[c];
        if let Some(site) = ctx.special_args_sites.first().copied().or(ctx.site) {
            d = d.with_related(
                site,
                format!("{} of `{}`", source_label(ctx), ctx.full_name),
            );
        }
        if let Some(fix) = add_inherit_fix(files, ctx, name) {
            d = d.with_fix(fix);
        }
    }
    d
}

fn recursion_diag(
    files: &dyn Files,
    graph: &ModuleGraph,
    key: ModuleKey,
    name: &str,
    range: TextRange,
    position: crate::module_info::StrictPosition,
    ctxs: &[(ContextId, Vec<ArgSource>)],
) -> Diagnostic {
    let at = FileRange {
        file_id: key.file,
        range,
    };
    let ids: Vec<ContextId> = ctxs.iter().map(|(c, _)| *c).collect();
    let where_ = ctx_names(graph, &ids);
    let position = position.describe();
    let msg = if matches!(name, "config" | "options") {
        format!(
            "infinite recursion: `{name}` is used in {position}, which must be known before `{name}` exists. Import unconditionally and guard the imported module's content with `lib.mkIf` instead"
        )
    } else {
        let mut origin = Vec::new();
        for (_, sources) in ctxs {
            for s in sources {
                let o = match (s.kind, s.key) {
                    (SourceKind::ModuleArgs, Some(k)) => {
                        format!("`_module.args` ({})", show(files, k))
                    }
                    (SourceKind::Framework, _) => {
                        format!("{}'s `_module.args`", s.note.unwrap_or("the framework"))
                    }
                    _ => continue,
                };
                if !origin.contains(&o) {
                    origin.push(o);
                }
            }
        }
        let ctx0 = &graph.contexts[ids[0]];
        let advice = if ctx0.kind == ContextKind::Submodule {
            "Import unconditionally and use `lib.mkIf`".to_owned()
        } else {
            format!(
                "Pass it through {} instead, or import unconditionally and use `lib.mkIf`",
                source_label(ctx0)
            )
        };
        format!(
            "infinite recursion: `{name}` is used in {position}, but in {where_} it comes from {} which needs the complete module list. {advice}",
            if origin.is_empty() {
                "`_module.args`".to_owned()
            } else {
                origin.join(", ")
            },
        )
    };
    let mut d = Diagnostic::new(codes::MODULE_ARGS_RECURSION, Severity::Error, at, msg);
    for (c, sources) in ctxs {
        for s in sources {
            if s.kind == SourceKind::ModuleArgs
                && let Some(k) = s.key
            {
                d = d.with_related(
                    k,
                    format!(
                        "`{name}` is defined in `_module.args` of `{}` here",
                        graph.contexts[*c].full_name
                    ),
                );
            }
        }
        if let Some(fix) = move_to_special_args(files, &graph.contexts[*c], name, sources) {
            d = d.with_fix(fix);
        }
    }
    let _ = framework_name;
    d
}

/// Moves `_module.args.name = v;` into the context's specialArgs when `v` only uses names that
/// are in scope there.
fn move_to_special_args(
    files: &dyn Files,
    ctx: &Context,
    name: &str,
    sources: &[ArgSource],
) -> Option<Fix> {
    let (file, at, how) = special_args_insertion(files, ctx)?;
    let [src] = sources else { return None };
    let value = src.value?;
    let key = src.key?;
    if value.file_id != file {
        return None;
    }
    let summary = files.summary(file);
    let res = &summary.resolution;
    for r in res
        .references
        .iter()
        .filter(|r| value.range.contains_range(r.range))
    {
        if let crate::scope::Resolved::Binder(b) = r.resolved {
            let binder = &res.binders[b as usize];
            if !binder.scope.contains_inclusive(at) {
                return None;
            }
        }
    }
    let text = files.text(file);
    let value_text = text.get(usize::from(value.range.start())..usize::from(value.range.end()))?;
    // Remove the whole `_module.args.name = …;` binding.
    let root = files.parse(key.file_id).syntax_node();
    let binding = crate::syntax_util::node_at(&root, key.range)?.parent()?;
    if binding.kind() != syntax::SyntaxKind::NODE_ATTRPATH_VALUE {
        return None;
    }
    let mut change = SourceChange::default();
    change.insert(
        file,
        TextEdit {
            range: TextRange::empty(at),
            new_text: how.text(name, value_text),
        },
    );
    change.insert(
        key.file_id,
        TextEdit {
            range: binding.text_range(),
            new_text: String::new(),
        },
    );
    Some(Fix {
        label: format!(
            "Move `{name}` into {} of `{}`",
            source_label(ctx),
            ctx.full_name
        ),
        change,
    })
}
