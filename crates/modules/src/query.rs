//! Editor queries over the module analysis: the module argument under the cursor, where its
//! value comes from (as a chain), the names a pattern may ask for, and every place a name flows
//! through (for references and rename).

use std::collections::BTreeMap;

use base::{FileId, FileRange, TextRange, TextSize};
use rowan::TokenAtOffset;
use syntax::SyntaxKind;

use crate::check::show;
use crate::graph::framework::{DIRECT_ARGS, framework_config_backed, framework_special};
use crate::graph::{ArgSource, ContextId, ModuleKey, SourceKind};
use crate::scope::{BinderKind, Resolved};
use crate::{ArgClass, Files, ModuleAnalysis, classify};

/// A module argument under the cursor.
#[derive(Clone, Debug)]
pub struct ArgumentAt {
    /// The module whose formal it is.
    pub module: ModuleKey,
    /// The module's contexts.
    pub contexts: Vec<ContextId>,
    /// The argument's name.
    pub name: String,
    /// The identifier under the cursor.
    pub range: TextRange,
    /// The formal in the pattern.
    pub formal: TextRange,
    /// Every use of the formal.
    pub uses: Vec<TextRange>,
}

/// One completion candidate for a module pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternCompletion {
    /// The argument name.
    pub name: String,
    /// Where it comes from.
    pub detail: String,
}

impl ModuleAnalysis {
    /// The module formal (or a use of it) at `offset`.
    pub fn argument_at(
        &self,
        files: &dyn Files,
        file: FileId,
        offset: TextSize,
    ) -> Option<ArgumentAt> {
        let root = files.parse(file).syntax_node();
        let token = match root.token_at_offset(offset) {
            TokenAtOffset::Single(t) => t,
            TokenAtOffset::Between(a, b) => {
                if b.kind() == SyntaxKind::TOKEN_IDENT {
                    b
                } else {
                    a
                }
            }
            TokenAtOffset::None => return None,
        };
        if token.kind() != SyntaxKind::TOKEN_IDENT {
            return None;
        }
        let ident = token.parent()?;
        let range = ident.text_range();
        let summary = files.summary(file);
        let res = &summary.resolution;
        let binder = match res.reference_at(range) {
            Some(r) if r.range == range => match r.resolved {
                Resolved::Binder(b) => Some(b),
                _ => None,
            },
            _ => res.binder_defined_at(range),
        };
        let formal = binder.and_then(|b| match res.binders[b as usize].kind {
            BinderKind::Formal { lambda } => Some((b, lambda)),
            _ => None,
        });
        let Some((binder, lambda)) = formal else {
            return self.source_key_at(file, range, token.text());
        };
        let b = &res.binders[binder as usize];
        let (module, contexts) = self.modules_at(file, offset).into_iter().find(|(m, _)| {
            files
                .summary(m.file)
                .module_info(&root, m.range)
                .and_then(|i| i.param.as_ref().map(|p| p.lambda))
                == Some(lambda)
        })?;
        Some(ArgumentAt {
            module,
            contexts,
            name: b.name.clone(),
            range,
            formal: b.range,
            uses: res.uses(binder).map(|r| r.range).collect(),
        })
    }

    /// A specialArgs / `_module.args` key (the name where it is given) at `range`: the
    /// argument of every context it is given to.
    fn source_key_at(&self, file: FileId, range: TextRange, name: &str) -> Option<ArgumentAt> {
        let mut contexts = Vec::new();
        for (i, c) in self.graph.contexts.iter().enumerate() {
            let given = [&c.special_args, &c.module_args].into_iter().any(|set| {
                set.names.get(name).is_some_and(|sources| {
                    sources.iter().any(|s| {
                        s.key
                            .is_some_and(|k| k.file_id == file && k.range.contains_range(range))
                    })
                })
            });
            if given {
                contexts.push(i);
            }
        }
        if contexts.is_empty() {
            return None;
        }
        Some(ArgumentAt {
            module: ModuleKey { file, range },
            contexts,
            name: name.to_owned(),
            range,
            formal: range,
            uses: Vec::new(),
        })
    }

    /// Markdown describing where an argument's value comes from in each context.
    pub fn hover_markdown(&self, files: &dyn Files, arg: &ArgumentAt) -> String {
        let mut out = format!("**`{}`** — module argument\n", arg.name);
        for &c in &arg.contexts {
            let ctx = &self.graph.contexts[c];
            let line = match classify(ctx, &arg.name) {
                ArgClass::Direct(sources) => format!(
                    "{} — passed directly: safe anywhere, even in `imports`",
                    describe_sources(files, &arg.name, &sources, ctx.kind.special_args_name())
                ),
                ArgClass::ConfigBacked(sources) => format!(
                    "{} — from `config._module.args`: fine in option values, infinite recursion in `imports`",
                    describe_sources(files, &arg.name, &sources, ctx.kind.special_args_name())
                ),
                ArgClass::Missing => "not provided: using it fails".to_owned(),
                ArgClass::Unknown => {
                    "unknown: part of this configuration could not be read statically".to_owned()
                }
            };
            out.push_str(&format!("\n- in `{}`: {line}", ctx.full_name));
        }
        if arg.contexts.is_empty() {
            out.push_str("\nThis file is not a module of any configuration found.");
        }
        out
    }

    /// Where the argument's value is defined, per context (specialArgs keys, `_module.args`
    /// definitions).
    pub fn definitions(&self, arg: &ArgumentAt) -> Vec<FileRange> {
        let mut out = Vec::new();
        for &c in &arg.contexts {
            let sources = match classify(&self.graph.contexts[c], &arg.name) {
                ArgClass::Direct(s) | ArgClass::ConfigBacked(s) => s,
                _ => continue,
            };
            for s in sources {
                if let Some(k) = s.key
                    && !out.contains(&k)
                {
                    out.push(k);
                }
            }
        }
        out
    }

    /// Names a module's pattern at `offset` may ask for, with their sources; and the identifier
    /// range being typed (empty at a gap).
    pub fn pattern_completions(
        &self,
        files: &dyn Files,
        file: FileId,
        offset: TextSize,
    ) -> Option<(TextRange, Vec<PatternCompletion>)> {
        let root = files.parse(file).syntax_node();
        for (m, ctxs) in self.modules_at(file, offset) {
            let Some(info) = files.summary(m.file).module_info(&root, m.range) else {
                continue;
            };
            let Some(param) = &info.param else { continue };
            let Some(pattern) = param.pattern else {
                continue;
            };
            if !pattern.contains(offset) || offset == pattern.start() {
                continue;
            }
            let typed = param
                .formals
                .iter()
                .find(|f| f.range.contains_inclusive(offset))
                .map(|f| f.range);
            let replace = typed.unwrap_or_else(|| TextRange::empty(offset));
            let present: Vec<&str> = param
                .formals
                .iter()
                .filter(|f| Some(f.range) != typed)
                .map(|f| f.name.as_str())
                .collect();
            let mut names: BTreeMap<String, String> = BTreeMap::new();
            for &c in &ctxs {
                let ctx = &self.graph.contexts[c];
                let mut add = |n: &str, detail: String| {
                    names.entry(n.to_owned()).or_insert(detail);
                };
                for n in ctx.special_args.names.keys() {
                    add(
                        n,
                        format!("{} of `{}`", ctx.kind.special_args_name(), ctx.full_name),
                    );
                }
                for n in DIRECT_ARGS {
                    add(n, "the module system".to_owned());
                }
                for n in framework_special(ctx.kind)
                    .iter()
                    .chain(framework_config_backed(ctx.kind))
                {
                    add(n, crate::framework_name(ctx.kind).to_owned());
                }
                for n in ctx.module_args.names.keys() {
                    add(n, format!("`_module.args` in `{}`", ctx.full_name));
                }
            }
            let items = names
                .into_iter()
                .filter(|(n, _)| !present.contains(&n.as_str()))
                .map(|(name, detail)| PatternCompletion { name, detail })
                .collect();
            return Some((replace, items));
        }
        None
    }
}

fn describe_sources(files: &dyn Files, name: &str, sources: &[ArgSource], label: &str) -> String {
    let mut parts = Vec::new();
    for s in sources {
        let p = match s.kind {
            SourceKind::Framework => s.note.unwrap_or("the framework").to_owned(),
            SourceKind::SpecialArgs => {
                let mut p = match s.key {
                    Some(k) => format!("{label} ({})", show(files, k)),
                    None => label.to_owned(),
                };
                for step in chain(files, s, name) {
                    p.push_str(" ← ");
                    p.push_str(&step);
                }
                p
            }
            SourceKind::ModuleArgs => match s.key {
                Some(k) => format!("`_module.args` ({})", show(files, k)),
                None => "`_module.args`".to_owned(),
            },
        };
        parts.push(p);
    }
    parts.join("; ")
}

/// Follows a source's value expression through identifiers to their binders (at most a few
/// steps): `inherit inputs;` ← `@inputs` of a function, a `let` binding's value, …
pub fn chain(files: &dyn Files, source: &ArgSource, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some(mut at) = source.value else {
        return out;
    };
    let mut name = name.to_owned();
    for _ in 0..4 {
        let summary = files.summary(at.file_id);
        let res = &summary.resolution;
        let Some(binder) = res.binder_of(at.range) else {
            let text = files.text(at.file_id);
            let snippet = text
                .get(usize::from(at.range.start())..usize::from(at.range.end()))
                .unwrap_or("");
            if out.is_empty() && !snippet.is_empty() && snippet.len() <= 60 && snippet != name {
                out.push(format!("`{snippet}`"));
            }
            break;
        };
        let b = &res.binders[binder as usize];
        let here = show(
            files,
            FileRange {
                file_id: at.file_id,
                range: b.range,
            },
        );
        match b.kind {
            BinderKind::Let { value: Some(v) } | BinderKind::Rec { value: Some(v) }
                if v != at.range =>
            {
                out.push(format!("`{}` ({here})", b.name));
                let text = files.text(at.file_id);
                let snippet = text
                    .get(usize::from(v.start())..usize::from(v.end()))
                    .unwrap_or("");
                if snippet.len() <= 60 && res.binder_of(v).is_none() {
                    out.push(format!("`{snippet}`"));
                    break;
                }
                name = b.name.clone();
                at = FileRange {
                    file_id: at.file_id,
                    range: v,
                };
            }
            BinderKind::PatBind { .. } => {
                out.push(format!("`@{}` of the function at {here}", b.name));
                break;
            }
            BinderKind::Formal { .. } | BinderKind::Param { .. } => {
                out.push(format!("argument `{}` ({here})", b.name));
                break;
            }
            _ => {
                out.push(format!("`{}` ({here})", b.name));
                break;
            }
        }
    }
    let _ = name;
    out
}

/// One text replacement of a rename.
pub type RenameEdit = (FileId, TextRange, String);

impl ModuleAnalysis {
    /// The modules of the argument's contexts that ask for `arg.name`, with their info.
    fn modules_asking(
        &self,
        files: &dyn Files,
        arg: &ArgumentAt,
    ) -> Vec<(ModuleKey, std::sync::Arc<crate::ModuleInfo>)> {
        let mut out: Vec<(ModuleKey, std::sync::Arc<crate::ModuleInfo>)> = Vec::new();
        for &c in &arg.contexts {
            for &m in &self.graph.contexts[c].modules {
                if out.iter().any(|(k, _)| *k == m) {
                    continue;
                }
                let root = files.parse(m.file).syntax_node();
                let Some(info) = files.summary(m.file).module_info(&root, m.range) else {
                    continue;
                };
                let asks = info.param.as_ref().is_some_and(|p| {
                    p.formals.iter().any(|f| f.name == arg.name)
                        || p.args_selects.iter().any(|s| s.name == arg.name)
                });
                if asks {
                    out.push((m, info));
                }
            }
        }
        out
    }

    fn source_keys(&self, arg: &ArgumentAt) -> Vec<ArgSource> {
        let mut out = Vec::new();
        for &c in &arg.contexts {
            if let ArgClass::Direct(s) | ArgClass::ConfigBacked(s) =
                classify(&self.graph.contexts[c], &arg.name)
            {
                out.extend(s);
            }
        }
        out
    }

    /// Every occurrence of the argument's name: source keys, formals, uses and `args.X`.
    pub fn references(&self, files: &dyn Files, arg: &ArgumentAt) -> Vec<FileRange> {
        let mut out: Vec<FileRange> = self.source_keys(arg).iter().filter_map(|s| s.key).collect();
        for (m, info) in self.modules_asking(files, arg) {
            let Some(param) = &info.param else { continue };
            for f in param.formals.iter().filter(|f| f.name == arg.name) {
                out.push(FileRange {
                    file_id: m.file,
                    range: f.range,
                });
                out.extend(f.uses.iter().map(|&u| FileRange {
                    file_id: m.file,
                    range: u,
                }));
            }
            for s in param.args_selects.iter().filter(|s| s.name == arg.name) {
                out.push(FileRange {
                    file_id: m.file,
                    range: s.range,
                });
            }
        }
        out
    }

    /// Why the argument cannot be renamed, if it cannot.
    pub fn rename_blocker(&self, arg: &ArgumentAt) -> Option<String> {
        if arg.contexts.is_empty() {
            return Some(format!(
                "`{}` is not an argument of a module of any configuration found.",
                arg.name
            ));
        }
        for &c in &arg.contexts {
            let ctx = &self.graph.contexts[c];
            if ctx.is_open() {
                return Some(format!(
                    "`{}` may also be provided or used by parts of `{}` that flake-lsp cannot read statically; rename it by hand.",
                    arg.name, ctx.full_name
                ));
            }
        }
        let sources = self.source_keys(arg);
        if sources.iter().any(|s| s.kind == SourceKind::Framework) {
            return Some(format!(
                "`{}` is provided by the module system or the framework; it cannot be renamed.",
                arg.name
            ));
        }
        if sources.is_empty() {
            return Some(format!(
                "`{}` is not provided by any source; nothing to rename.",
                arg.name
            ));
        }
        None
    }

    /// The edits renaming the argument to `new_name` (call after [`Self::rename_blocker`]).
    pub fn rename_edits(
        &self,
        files: &dyn Files,
        arg: &ArgumentAt,
        new_name: &str,
    ) -> Vec<RenameEdit> {
        let mut out: Vec<RenameEdit> = Vec::new();
        for s in self.source_keys(arg) {
            let Some(key) = s.key else { continue };
            let root = files.parse(key.file_id).syntax_node();
            let Some(node) = crate::syntax_util::node_at(&root, key.range) else {
                continue;
            };
            match node.kind() {
                SyntaxKind::NODE_ATTRPATH => {
                    if let Some(last) = node.children().last() {
                        out.push((key.file_id, last.text_range(), new_name.to_owned()));
                    }
                }
                SyntaxKind::NODE_IDENT => {
                    // `inherit name;` → `new_name = name;`
                    let Some(inherit) = node
                        .parent()
                        .filter(|p| p.kind() == SyntaxKind::NODE_INHERIT)
                    else {
                        continue;
                    };
                    if inherit
                        .children()
                        .any(|c| c.kind() == SyntaxKind::NODE_INHERIT_FROM)
                    {
                        continue;
                    }
                    let others = inherit
                        .children()
                        .filter(|c| c.kind() == SyntaxKind::NODE_IDENT)
                        .count();
                    if others == 1 {
                        out.push((
                            key.file_id,
                            inherit.text_range(),
                            format!("{new_name} = {};", arg.name),
                        ));
                    } else {
                        out.push((key.file_id, with_leading_space(&node), String::new()));
                        out.push((
                            key.file_id,
                            TextRange::empty(inherit.text_range().start()),
                            format!("{new_name} = {}; ", arg.name),
                        ));
                    }
                }
                _ => {}
            }
        }
        for (m, info) in self.modules_asking(files, arg) {
            let Some(param) = &info.param else { continue };
            let root = files.parse(m.file).syntax_node();
            for f in param.formals.iter().filter(|f| f.name == arg.name) {
                out.push((m.file, f.range, new_name.to_owned()));
                for &u in &f.uses {
                    // A use in `inherit name;` also names an attribute: keep that name.
                    let inherit = crate::syntax_util::node_at(&root, u)
                        .and_then(|n| n.parent())
                        .filter(|p| p.kind() == SyntaxKind::NODE_INHERIT);
                    match inherit {
                        Some(inherit) => {
                            let count = inherit
                                .children()
                                .filter(|c| c.kind() == SyntaxKind::NODE_IDENT)
                                .count();
                            if count == 1 {
                                out.push((
                                    m.file,
                                    inherit.text_range(),
                                    format!("{} = {new_name};", arg.name),
                                ));
                            } else {
                                let ident = crate::syntax_util::node_at(&root, u);
                                out.push((
                                    m.file,
                                    ident.as_ref().map_or(u, with_leading_space),
                                    String::new(),
                                ));
                                out.push((
                                    m.file,
                                    TextRange::empty(inherit.text_range().start()),
                                    format!("{} = {new_name}; ", arg.name),
                                ));
                            }
                        }
                        None => out.push((m.file, u, new_name.to_owned())),
                    }
                }
            }
            for s in param.args_selects.iter().filter(|s| s.name == arg.name) {
                out.push((m.file, s.range, new_name.to_owned()));
            }
        }
        out.sort_by_key(|(f, r, _)| (*f, r.start(), r.end()));
        out.dedup_by_key(|(f, r, _)| (*f, *r));
        out
    }
}

/// The node's range extended over the whitespace before it.
fn with_leading_space(node: &syntax::SyntaxNode) -> TextRange {
    match node.prev_sibling_or_token() {
        Some(syntax::NodeOrToken::Token(t)) if t.kind() == SyntaxKind::TOKEN_WHITESPACE => {
            TextRange::new(t.text_range().start(), node.text_range().end())
        }
        _ => node.text_range(),
    }
}

/// Where the value of an argument finally comes from, following specialArgs entries through
/// `inherit`, `let` bindings and the formals of enclosing modules into outer contexts.
#[derive(Clone, Debug)]
pub struct ValueOrigin {
    /// The source in the asked context.
    pub source: ArgSource,
    /// The binders passed through, in order (a `let` name, an outer module's formal…).
    pub steps: Vec<FileRange>,
    /// The final value expression (`import nixpkgs-unstable { … }`), when it is in source;
    /// `None` for framework values and values that come from outside (a function argument that
    /// is not a module argument, like `outputs`' `@inputs`: then the last step is that binder).
    pub expr: Option<FileRange>,
}

impl ModuleAnalysis {
    /// The value expression(s) that provide `name` to the modules of `ctx`. For example, for
    /// home.nix's `pkgs-unstable` under `home-manager.users.roni`: the extraSpecialArgs entry
    /// `inherit pkgs-unstable;` → the NixOS module's formal `pkgs-unstable` → the NixOS
    /// specialArgs entry → the `let` binding `pkgs-unstable = import nixpkgs-unstable { … };`.
    pub fn value_origins(&self, files: &dyn Files, name: &str, ctx: ContextId) -> Vec<ValueOrigin> {
        self.value_origins_bounded(files, name, ctx, 0)
    }

    fn value_origins_bounded(
        &self,
        files: &dyn Files,
        name: &str,
        ctx: ContextId,
        depth: u32,
    ) -> Vec<ValueOrigin> {
        let Some(context) = self.graph.contexts.get(ctx) else {
            return Vec::new();
        };
        let sources = match classify(context, name) {
            ArgClass::Direct(s) | ArgClass::ConfigBacked(s) => s,
            _ => return Vec::new(),
        };
        let mut out = Vec::new();
        for source in sources {
            let Some(mut at) = source.value else {
                out.push(ValueOrigin {
                    source,
                    steps: Vec::new(),
                    expr: None,
                });
                continue;
            };
            let mut steps = Vec::new();
            let mut expr = Some(at);
            let mut nested: Vec<ValueOrigin> = Vec::new();
            for _ in 0..8 {
                let summary = files.summary(at.file_id);
                let res = &summary.resolution;
                let Some(b) = res.binder_of(at.range) else {
                    break;
                };
                let binder = &res.binders[b as usize];
                let here = FileRange {
                    file_id: at.file_id,
                    range: binder.range,
                };
                match binder.kind {
                    BinderKind::Let { value: Some(v) } | BinderKind::Rec { value: Some(v) } => {
                        steps.push(here);
                        at = FileRange {
                            file_id: at.file_id,
                            range: v,
                        };
                        expr = Some(at);
                        if v == binder.range {
                            // `inherit x;`: the inherited name is a reference to an outer `x`.
                            continue;
                        }
                    }
                    BinderKind::Formal { lambda } => {
                        steps.push(here);
                        expr = None;
                        // A formal of a module of an enclosing context: continue there.
                        let outer = self.graph.contexts.iter().enumerate().find(|(_, c)| {
                            c.modules.iter().any(|m| {
                                m.file == at.file_id && {
                                    let root = files.parse(m.file).syntax_node();
                                    files
                                        .summary(m.file)
                                        .module_info(&root, m.range)
                                        .and_then(|i| i.param.as_ref().map(|p| p.lambda))
                                        == Some(lambda)
                                }
                            })
                        });
                        if let Some((outer_ctx, _)) = outer
                            && outer_ctx != ctx
                            && depth < 4
                        {
                            nested = self.value_origins_bounded(
                                files,
                                &binder.name,
                                outer_ctx,
                                depth + 1,
                            );
                        }
                        break;
                    }
                    _ => {
                        steps.push(here);
                        expr = None;
                        break;
                    }
                }
            }
            if nested.is_empty() {
                out.push(ValueOrigin {
                    source,
                    steps,
                    expr,
                });
            } else {
                for n in nested {
                    let mut all = steps.clone();
                    if let Some(k) = n.source.key {
                        all.push(k);
                    }
                    all.extend(n.steps);
                    out.push(ValueOrigin {
                        source: source.clone(),
                        steps: all,
                        expr: n.expr,
                    });
                }
            }
        }
        out
    }
}
