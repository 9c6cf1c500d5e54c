//! Building the module graph: evaluate each `flake.nix`'s outputs abstractly to find the
//! configuration calls, then collect each context's modules through `imports`, and the
//! home-manager users nested in NixOS / nix-darwin contexts.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use base::{FileId, FileRange, VfsPath};
use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};

use crate::Files;
use crate::eval::{
    AttrEntry, AttrsValue, CallKind, EnvId, Evaluator, ListValue, Loc, Prim, SystemKind, ThunkId,
    Value,
};
use crate::graph::{
    ArgSet, ArgSource, Context, ContextId, ContextKind, ImportOverlays, ModuleGraph, ModuleKey,
    OsKind, OverlayAttr, Overlays, PkgsSource, PkgsSourceKind, SourceKind,
};
use crate::module_info::Certainty;
use crate::syntax_util::{DYNAMIC, strip_parens};

/// Output attributes never searched for configurations (they only cost evaluation budget).
const SKIPPED_OUTPUTS: &[&str] = &[
    "packages",
    "devShells",
    "devShell",
    "checks",
    "formatter",
    "apps",
    "overlays",
    "overlay",
    "lib",
    "templates",
    "nixosModules",
    "homeManagerModules",
    "darwinModules",
    "flakeModules",
    "hydraJobs",
    "defaultPackage",
];

/// Builds the graph of every flake in `files`.
pub fn build_graph(files: &dyn Files) -> ModuleGraph {
    let ev = Evaluator::new(files);
    let mut flakes: Vec<FileId> = files
        .files()
        .into_iter()
        .filter(|&f| files.path(f).file_name() == Some("flake.nix"))
        .collect();
    flakes.sort();
    let mut scopes = Vec::new();
    for flake in flakes {
        scopes.extend(discover(&ev, flake));
    }
    let mut b = Builder {
        ev: &ev,
        graph: ModuleGraph::default(),
        bindings: Vec::new(),
        queue: VecDeque::new(),
        submodule_sites: HashSet::new(),
        overlay_defs: BTreeMap::new(),
    };
    let calls = ev.calls.borrow().clone();
    for call in &calls {
        b.context_from_call(call);
    }
    while let Some((ctx, modules)) = b.queue.pop_front() {
        b.process(ctx, modules);
    }
    // Overlays are read last: what they cost never leaves a context without its modules.
    for (ctx, defs) in std::mem::take(&mut b.overlay_defs) {
        let overlays = &mut b.graph.contexts[ctx].overlays;
        read_overlays(&ev, &defs, overlays);
    }
    for scope in scopes {
        flake_import_overlays(&ev, scope, &mut b.graph.import_overlays);
    }
    b.graph
}

fn loc_range((file, range): Loc) -> FileRange {
    FileRange {
        file_id: file,
        range,
    }
}

/// Where a flake's `outputs` function body is, and its environment (the inputs bound).
struct OutputsScope {
    file: FileId,
    body: base::TextRange,
    env: EnvId,
}

/// Evaluates a flake's outputs with its inputs as opaque values and forces every output
/// attribute that may hold configurations, naming the configuration calls it meets. Returns
/// the scope of the `outputs` function's body.
fn discover(ev: &Evaluator<'_>, flake: FileId) -> Option<OutputsScope> {
    let flake_value = ev.import(&ev.files().path(flake));
    let attrs = flake_value.attrs()?;
    // Input names from the flake model: declared inputs and outputs formals (registry inputs).
    let model = flake::FlakeModel::from_parse(&ev.files().parse(flake));
    let names: Vec<Rc<str>> = model
        .inputs
        .iter()
        .map(|i| Rc::from(i.name.as_str()))
        .collect();
    let outputs = attrs.map.get("outputs").map(|e| e.thunk)?;
    let mut map = BTreeMap::new();
    let self_t = ev.alias_thunk(None, None);
    for name in names {
        if &*name == "self" {
            continue;
        }
        let t = ev.value_thunk(Value::Ext(Some(name.clone()), Rc::new(Vec::new())), None);
        map.insert(
            name,
            AttrEntry {
                thunk: t,
                key: None,
            },
        );
    }
    map.insert(
        Rc::from("self"),
        AttrEntry {
            thunk: self_t,
            key: None,
        },
    );
    // Nix passes exactly the declared inputs (and the `outputs` formals it adds as registry
    // inputs) plus `self`: a known set unless the model could not read `inputs` completely.
    let inputs_known = !model.inputs_incomplete && model.problems.is_empty();
    let inputs = ev.value_thunk(
        Value::Attrs(Rc::new(AttrsValue {
            map,
            open: !inputs_known,
            origin: None,
        })),
        None,
    );
    let out = ev.lazy_apply(outputs, inputs, None);
    // `self` is the outputs plus `self.outputs` and `self.inputs` (`inherit (self) outputs;`).
    let flake_self = ev.value_thunk(Value::Prim(Prim::FlakeSelf, Rc::new(vec![out])), None);
    let self_value = ev.lazy_apply(flake_self, inputs, None);
    ev.set_alias(self_t, self_value);
    let scope = match ev.force(outputs) {
        Value::Lambda(c) if c.loc.0 == flake => {
            ev.bind_closure(&c, inputs).map(|(env, body)| OutputsScope {
                file: flake,
                body: body.text_range(),
                env,
            })
        }
        _ => None,
    };
    colmena_hive(ev, out);
    let mut stack: Vec<(ThunkId, String, usize)> = vec![(out, String::new(), 0)];
    while let Some((t, path, depth)) = stack.pop() {
        if ev.exhausted() {
            break;
        }
        match ev.force(t) {
            Value::Config(i) => {
                let mut calls = ev.calls.borrow_mut();
                if let Some(call) = calls.get_mut(i)
                    && call.name.is_none()
                {
                    call.name = Some(path);
                }
            }
            // Three levels (`nixosConfigurations.<system>.<host>`), four below a
            // `…Configurations` set (`legacyPackages.<system>.homeConfigurations.<user>`).
            Value::Attrs(a) if depth < 3 || (depth == 3 && path.contains("Configurations")) => {
                let mut children: Vec<(ThunkId, String, usize)> = Vec::new();
                for (k, e) in &a.map {
                    if depth == 0 && SKIPPED_OUTPUTS.contains(&&**k) {
                        continue;
                    }
                    let k = if is_plain_name(k) {
                        k.to_string()
                    } else {
                        format!("{k:?}")
                    };
                    let p = if path.is_empty() {
                        k
                    } else {
                        format!("{path}.{k}")
                    };
                    children.push((e.thunk, p, depth + 1));
                }
                // Configurations first, so that the budget goes to them.
                children.sort_by_key(|(_, p, _)| !p.contains("Configurations"));
                children.reverse();
                stack.extend(children);
            }
            _ => {}
        }
    }
    scope
}

/// Whether an attribute name can be written without quotes.
fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
}

/// colmena's hive (`outputs.colmena`): every node is a NixOS evaluation of `defaults` and the
/// node's module, with specialArgs `meta.specialArgs // { name; nodes; } //
/// meta.nodeSpecialArgs.<node>`. Recorded as configuration calls named `colmena.<node>`.
fn colmena_hive(ev: &Evaluator<'_>, outputs: ThunkId) {
    let Value::Attrs(out) = ev.force(outputs) else {
        return;
    };
    let Some(hive) = out.map.get("colmena") else {
        return;
    };
    let Value::Attrs(hive) = ev.force(hive.thunk) else {
        return;
    };
    let meta = hive
        .map
        .get("meta")
        .map(|e| ev.force(e.thunk))
        .unwrap_or(Value::Attrs(Rc::default()));
    let special = ev
        .select(&meta, "specialArgs")
        .unwrap_or(Value::Attrs(Rc::default()));
    let per_node = ev
        .select(&meta, "nodeSpecialArgs")
        .unwrap_or(Value::Attrs(Rc::default()));
    let defaults = hive.map.get("defaults").map(|e| e.thunk);
    for (node, entry) in &hive.map {
        if matches!(&**node, "meta" | "defaults") {
            continue;
        }
        let mut own = AttrsValue::default();
        let name = ev.value_thunk(Value::Str(node.clone()), entry.key);
        own.map.insert(
            Rc::from("name"),
            AttrEntry {
                thunk: name,
                key: None,
            },
        );
        let nodes = ev.value_thunk(
            Value::Attrs(Rc::new(AttrsValue {
                open: true,
                ..AttrsValue::default()
            })),
            None,
        );
        own.map.insert(
            Rc::from("nodes"),
            AttrEntry {
                thunk: nodes,
                key: None,
            },
        );
        let mut args = crate::eval::update(&special, &Value::Attrs(Rc::new(own)));
        match ev.select(&per_node, node) {
            Some(v @ Value::Attrs(_)) => args = crate::eval::update(&args, &v),
            Some(Value::Unknown) => args = crate::eval::update(&args, &Value::Unknown),
            _ => {}
        }
        let modules = ListValue {
            items: defaults.into_iter().chain([entry.thunk]).collect(),
            open: false,
        };
        let mut call_arg = AttrsValue::default();
        call_arg.map.insert(
            Rc::from("specialArgs"),
            AttrEntry {
                thunk: ev.value_thunk(args, None),
                key: None,
            },
        );
        call_arg.map.insert(
            Rc::from("modules"),
            AttrEntry {
                thunk: ev.value_thunk(Value::List(Rc::new(modules)), None),
                key: None,
            },
        );
        let arg = ev.value_thunk(Value::Attrs(Rc::new(call_arg)), None);
        let label = if is_plain_name(node) {
            node.to_string()
        } else {
            format!("{node:?}")
        };
        ev.calls.borrow_mut().push(crate::eval::Call {
            kind: CallKind::System(SystemKind::Nixos),
            site: entry.key,
            arg,
            name: Some(format!("colmena.{label}")),
        });
    }
}

#[derive(Default)]
struct HmSettings {
    users: BTreeMap<String, Vec<(ThunkId, Loc)>>,
    shared: Vec<ThunkId>,
    extra: ArgSet,
    extra_bindings: HashMap<String, ThunkId>,
    extra_sites: Vec<FileRange>,
    global_pkgs: Vec<PkgsSource>,
    /// `home-manager.users.<name>._module.args.*` written from the outer configuration.
    user_args: BTreeMap<String, ArgSet>,
    /// Some `home-manager.users.${…}` definition has a name we cannot compute: any user may
    /// have more modules and `_module.args`.
    users_open: bool,
    /// The body of the module that defines the users, when new top-level definitions can be
    /// added to it (a literal set without `config`/`options`).
    users_site: Option<FileRange>,
}

struct Builder<'e, 'a> {
    ev: &'e Evaluator<'a>,
    graph: ModuleGraph,
    /// Per context: the thunks of its specialArgs, bound to module formals of the same name.
    bindings: Vec<HashMap<String, ThunkId>>,
    queue: VecDeque<(ContextId, Vec<ThunkId>)>,
    /// Submodule declarations already given a context.
    submodule_sites: HashSet<(FileId, base::TextSize)>,
    /// Per context, its `nixpkgs.overlays` definitions (read after every context is built).
    overlay_defs: BTreeMap<ContextId, Vec<(ThunkId, Certainty)>>,
}

impl Builder<'_, '_> {
    fn add_context(
        &mut self,
        ctx: Context,
        bindings: HashMap<String, ThunkId>,
        modules: Vec<ThunkId>,
    ) -> ContextId {
        self.graph.contexts.push(ctx);
        self.bindings.push(bindings);
        let id = self.graph.contexts.len() - 1;
        self.queue.push_back((id, modules));
        id
    }

    fn context_from_call(&mut self, call: &crate::eval::Call) {
        let ev = self.ev;
        let kind = match call.kind {
            CallKind::System(SystemKind::Nixos) => ContextKind::Nixos,
            CallKind::System(SystemKind::Darwin) => ContextKind::Darwin,
            CallKind::System(SystemKind::HomeManager) => ContextKind::HomeManagerStandalone,
            CallKind::System(SystemKind::EvalModules) => ContextKind::EvalModules,
            CallKind::FlakeParts => ContextKind::FlakeParts,
        };
        let name = call.name.clone().unwrap_or_else(|| match kind {
            ContextKind::Nixos => "nixosSystem".to_owned(),
            ContextKind::Darwin => "darwinSystem".to_owned(),
            ContextKind::HomeManagerStandalone => "homeManagerConfiguration".to_owned(),
            _ => "evalModules".to_owned(),
        });
        let mut ctx = Context {
            kind,
            full_name: name.clone(),
            name,
            site: call.site.map(loc_range),
            parent: None,
            special_args: ArgSet::default(),
            special_args_sites: Vec::new(),
            call_args_site: None,
            module_args: ArgSet::default(),
            modules: Vec::new(),
            modules_open: false,
            pkgs: Vec::new(),
            overlays: Overlays::default(),
        };
        let mut bindings = HashMap::new();
        if kind == ContextKind::FlakeParts {
            ctx.special_args.open = true;
            self.add_context(ctx, bindings, vec![call.arg]);
            return;
        }
        let arg = ev.force(call.arg);
        let Value::Attrs(arg) = arg else {
            ctx.special_args.open = true;
            ctx.modules_open = true;
            self.add_context(ctx, bindings, Vec::new());
            return;
        };
        ctx.call_args_site = arg.origin.map(|(loc, _)| loc_range(loc));
        let sa_name = if kind == ContextKind::HomeManagerStandalone {
            "extraSpecialArgs"
        } else {
            "specialArgs"
        };
        match arg.map.get(sa_name) {
            Some(e) => {
                let v = ev.force(e.thunk);
                read_arg_set(
                    ev,
                    &v,
                    &mut ctx.special_args,
                    &mut bindings,
                    &mut ctx.special_args_sites,
                );
            }
            None => ctx.special_args.open |= arg.open,
        }
        if let Some(pkgs) = ctx.special_args.names.get("pkgs").and_then(|v| v.first())
            && let (Some(key), Some(value)) = (pkgs.key, pkgs.value)
        {
            ctx.pkgs.push(PkgsSource {
                kind: PkgsSourceKind::SpecialArgsPkgs,
                path: Vec::new(),
                key,
                value,
                certainty: Certainty::Always,
            });
        }
        if let Some(e) = arg.map.get("pkgs")
            && let (Some(key), Some(value)) = (e.key, ev.origin(e.thunk))
        {
            ctx.pkgs.push(PkgsSource {
                kind: PkgsSourceKind::CallPkgs,
                path: Vec::new(),
                key: loc_range(key),
                value: loc_range(value),
                certainty: Certainty::Always,
            });
        }
        let modules = match arg.map.get("modules") {
            Some(e) => vec![e.thunk],
            None => {
                ctx.modules_open |= arg.open;
                Vec::new()
            }
        };
        self.add_context(ctx, bindings, modules);
    }

    fn process(&mut self, ctx_id: ContextId, modules: Vec<ThunkId>) {
        let ev = self.ev;
        let mut work: Vec<ThunkId> = modules.into_iter().rev().collect();
        // The module values a nested evaluation gets from its enclosing configuration (and the
        // lists they expand to), as opposed to the `imports` of its own modules.
        let mut from_outer: HashSet<ThunkId> = if self.graph.contexts[ctx_id].parent.is_some() {
            work.iter().copied().collect()
        } else {
            HashSet::new()
        };
        let mut seen: HashSet<ModuleKey> = HashSet::new();
        let mut hm = HmSettings::default();
        let mut steps = 0usize;
        while let Some(t) = work.pop() {
            steps += 1;
            if steps > 20_000 || ev.exhausted() {
                self.graph.contexts[ctx_id].modules_open = true;
                break;
            }
            let (key, env) = match ev.force(t) {
                Value::List(l) => {
                    self.graph.contexts[ctx_id].modules_open |= l.open;
                    if from_outer.contains(&t) {
                        from_outer.extend(l.items.iter().copied());
                    }
                    work.extend(l.items.iter().rev().copied());
                    continue;
                }
                Value::Path(p, _) => match file_module(ev, &p) {
                    Some(key) => (key, ev.empty_env()),
                    None => {
                        self.graph.contexts[ctx_id].modules_open = true;
                        continue;
                    }
                },
                Value::Lambda(c) => (
                    ModuleKey {
                        file: c.loc.0,
                        range: c.loc.1,
                    },
                    c.env,
                ),
                Value::Attrs(a) => match a.origin {
                    Some((loc, env)) => (
                        ModuleKey {
                            file: loc.0,
                            range: loc.1,
                        },
                        env,
                    ),
                    None => {
                        self.graph.contexts[ctx_id].modules_open = true;
                        continue;
                    }
                },
                // A module of a nested evaluation (`home-manager.users.x = import
                // ./home/${config.networking.hostName}.nix`) is computed lazily in the outer
                // configuration, where config-backed arguments work: unknown modules.
                Value::Arg(_) if from_outer.contains(&t) => {
                    self.graph.contexts[ctx_id].modules_open = true;
                    continue;
                }
                // A module exported by a flake input: not ours to check. In a top-level
                // evaluation, a value derived from a module argument that is not a specialArg
                // cannot be a working import (it is missing or recursive, which is reported on
                // the argument), so it hides nothing.
                Value::Ext(Some(_), _) | Value::Null | Value::Arg(_) => continue,
                _ => {
                    self.graph.contexts[ctx_id].modules_open = true;
                    continue;
                }
            };
            if !seen.insert(key) {
                continue;
            }
            if ev.has_errors(key.file) {
                // Being edited: what it defines is not reliable, so the context is open.
                self.graph.contexts[ctx_id].modules_open = true;
                continue;
            }
            self.graph.contexts[ctx_id].modules.push(key);
            self.visit_module(ctx_id, key, env, &mut work, &mut hm);
        }
        self.nested_home_manager(ctx_id, hm);
    }

    fn visit_module(
        &mut self,
        ctx_id: ContextId,
        key: ModuleKey,
        env: EnvId,
        work: &mut Vec<ThunkId>,
        hm: &mut HmSettings,
    ) {
        let ev = self.ev;
        let files = ev.files();
        let root = ev.root(key.file);
        let Some(info) = files.summary(key.file).module_info(&root, key.range) else {
            return;
        };
        let env = match &info.param {
            Some(param) => {
                let mut vars = HashMap::new();
                let bindings = &self.bindings[ctx_id];
                for f in &param.formals {
                    let t = match bindings.get(&f.name) {
                        Some(&t) => ev.alias_thunk(Some(t), None),
                        None if f.name == "lib" => {
                            ev.value_thunk(Value::Ext(None, Rc::new(vec![Rc::from("lib")])), None)
                        }
                        None => ev.value_thunk(Value::Arg(Rc::from(f.name.as_str())), None),
                    };
                    vars.insert(Rc::from(f.name.as_str()), t);
                }
                if let Some((whole, _)) = &param.whole {
                    let mut map = BTreeMap::new();
                    for (k, &t) in bindings {
                        map.insert(
                            Rc::from(k.as_str()),
                            AttrEntry {
                                thunk: t,
                                key: None,
                            },
                        );
                    }
                    let v = Value::Attrs(Rc::new(AttrsValue {
                        map,
                        open: true,
                        origin: None,
                    }));
                    vars.insert(Rc::from(whole.as_str()), ev.value_thunk(v, None));
                }
                ev.new_env(env, vars)
            }
            None => env,
        };
        if let Some((_, value)) = info.imports {
            work.push(ev.expr_thunk((key.file, value), env));
        }
        for sub in &info.submodules {
            self.submodule_context(ctx_id, key.file, sub, env);
        }
        let is_os = matches!(
            self.graph.contexts[ctx_id].kind,
            ContextKind::Nixos | ContextKind::Darwin
        );
        for def in &info.defs {
            let resolved;
            let def_path = if def.path.iter().any(|n| n == DYNAMIC) {
                match resolve_dynamic(ev, key.file, def.key, env, &def.path) {
                    Some(p) => {
                        resolved = p;
                        &resolved
                    }
                    None => {
                        // A name we cannot compute: whatever it defines is unknown.
                        match def.path.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                            ["_module", "args", ..] | ["_module"] => {
                                self.graph.contexts[ctx_id].module_args.open = true
                            }
                            ["home-manager", "extraSpecialArgs", ..] if is_os => {
                                hm.extra.open = true
                            }
                            ["home-manager", "users", ..] if is_os => hm.users_open = true,
                            _ => {}
                        }
                        continue;
                    }
                }
            } else {
                &def.path
            };
            let path: Vec<&str> = def_path.iter().map(String::as_str).collect();
            let key_range = FileRange {
                file_id: key.file,
                range: def.key,
            };
            let value_range = FileRange {
                file_id: key.file,
                range: def.value,
            };
            let thunk = || ev.expr_thunk((key.file, def.value), env);
            let ctx = &mut self.graph.contexts[ctx_id];
            match path.as_slice() {
                ["_module", "args", name, ..] => {
                    ctx.module_args
                        .names
                        .entry((*name).to_owned())
                        .or_default()
                        .push(ArgSource {
                            kind: SourceKind::ModuleArgs,
                            key: Some(key_range),
                            value: Some(value_range),
                            certainty: def.certainty,
                            note: None,
                        });
                }
                ["_module", "args"] | ["_module"] => {
                    if def.certainty == Certainty::Never {
                        continue;
                    }
                    let v = ev.force(thunk());
                    let v = if path.len() == 1 {
                        ev.select(&v, "args").unwrap_or(Value::Attrs(Rc::default()))
                    } else {
                        v
                    };
                    match v {
                        Value::Attrs(a) => {
                            ctx.module_args.open |= a.open;
                            for (k, e) in &a.map {
                                ctx.module_args
                                    .names
                                    .entry(k.to_string())
                                    .or_default()
                                    .push(ArgSource {
                                        kind: SourceKind::ModuleArgs,
                                        key: e.key.map(loc_range).or(Some(key_range)),
                                        value: ev.origin(e.thunk).map(loc_range),
                                        certainty: def.certainty,
                                        note: None,
                                    });
                            }
                        }
                        _ => ctx.module_args.open = true,
                    }
                }
                ["nixpkgs", "overlays"] => {
                    // Overlays are often bound by a `let` around the module's body.
                    let env = ev.env_at(key.file, key.range, def.value, env);
                    let overlays = ev.expr_thunk((key.file, def.value), env);
                    self.overlay_defs
                        .entry(ctx_id)
                        .or_default()
                        .push((overlays, def.certainty));
                    ctx.pkgs.push(PkgsSource {
                        kind: PkgsSourceKind::NixpkgsOverlays,
                        path: Vec::new(),
                        key: key_range,
                        value: value_range,
                        certainty: def.certainty,
                    });
                }
                ["nixpkgs"] if def.certainty != Certainty::Never => ctx.overlays.open = true,
                ["nixpkgs", what, ..] => {
                    if *what == "overlays" {
                        // `nixpkgs.overlays.x = …`: not a list we can read.
                        ctx.overlays.open = true;
                    }
                    let kind = match *what {
                        "config" => PkgsSourceKind::NixpkgsConfig,
                        "pkgs" => PkgsSourceKind::NixpkgsPkgs,
                        _ => PkgsSourceKind::NixpkgsOverlays,
                    };
                    ctx.pkgs.push(PkgsSource {
                        kind,
                        path: def.path[2..].to_vec(),
                        key: key_range,
                        value: value_range,
                        certainty: def.certainty,
                    });
                }
                _ if !is_os || def.certainty == Certainty::Never => {}
                ["home-manager", "users", user, "imports"] => {
                    // `home-manager.users.x.imports = [ … ]`: more modules of that user.
                    hm.users
                        .entry((*user).to_owned())
                        .or_default()
                        .push((thunk(), (key.file, def.key)));
                }
                ["home-manager", "users", user, "_module", "args", rest @ ..] => {
                    // `_module.args` of one user's own evaluation.
                    hm.users.entry((*user).to_owned()).or_default();
                    let args = hm.user_args.entry((*user).to_owned()).or_default();
                    match rest.first() {
                        Some(name) => {
                            args.names
                                .entry((*name).to_owned())
                                .or_default()
                                .push(ArgSource {
                                    kind: SourceKind::ModuleArgs,
                                    key: Some(key_range),
                                    value: Some(value_range),
                                    certainty: def.certainty,
                                    note: None,
                                })
                        }
                        None => args.open = true,
                    }
                }
                ["home-manager", "users", user, ..] if path.len() > 3 => {
                    hm.users.entry((*user).to_owned()).or_default();
                }
                ["home-manager", "users", _] if hm.users_site.is_none() => {
                    hm.users_site = plain_module_body(&root, &info).map(|r| FileRange {
                        file_id: key.file,
                        range: r,
                    });
                    let user = path[2];
                    hm.users
                        .entry(user.to_owned())
                        .or_default()
                        .push((thunk(), (key.file, def.key)));
                }
                ["home-manager", "users", user] => {
                    hm.users
                        .entry((*user).to_owned())
                        .or_default()
                        .push((thunk(), (key.file, def.key)));
                }
                ["home-manager", "users"] | ["home-manager"] => {
                    let v = ev.force(thunk());
                    let v = if path.len() == 1 {
                        ev.select(&v, "users")
                            .unwrap_or(Value::Attrs(Rc::default()))
                    } else {
                        v
                    };
                    if let Value::Attrs(a) = v {
                        for (k, e) in &a.map {
                            let at = e.key.unwrap_or((key.file, def.key));
                            hm.users
                                .entry(k.to_string())
                                .or_default()
                                .push((e.thunk, at));
                        }
                    }
                }
                ["home-manager", "sharedModules"] => hm.shared.push(thunk()),
                ["home-manager", "extraSpecialArgs", name] => {
                    hm.extra
                        .names
                        .entry((*name).to_owned())
                        .or_default()
                        .push(ArgSource {
                            kind: SourceKind::SpecialArgs,
                            key: Some(key_range),
                            value: Some(value_range),
                            certainty: def.certainty,
                            note: None,
                        });
                    hm.extra_bindings.insert((*name).to_owned(), thunk());
                    // Where the name is given: the extraSpecialArgs set itself when the entry is
                    // written inside it (`{ inherit x; }`, `{ x = …; }`), else the whole
                    // `home-manager.extraSpecialArgs.x = …;` definition (not a set to insert into).
                    let key_node = crate::syntax_util::node_at(&root, def.key);
                    let single = key_node.as_ref().is_some_and(|n| {
                        n.kind() != syntax::SyntaxKind::NODE_ATTRPATH || n.children().count() == 1
                    });
                    let site = key_node
                        .and_then(|n| n.parent())
                        .and_then(|n| if single { n.parent() } else { Some(n) });
                    if let Some(site) = site {
                        hm.extra_sites.push(FileRange {
                            file_id: key.file,
                            range: site.text_range(),
                        });
                    }
                }
                ["home-manager", "extraSpecialArgs"] => {
                    let v = ev.force(thunk());
                    read_arg_set(
                        ev,
                        &v,
                        &mut hm.extra,
                        &mut hm.extra_bindings,
                        &mut hm.extra_sites,
                    );
                }
                ["home-manager", "useGlobalPkgs"] => hm.global_pkgs.push(PkgsSource {
                    kind: PkgsSourceKind::UseGlobalPkgs,
                    path: Vec::new(),
                    key: key_range,
                    value: value_range,
                    certainty: def.certainty,
                }),
                _ => {}
            }
        }
    }

    /// A `types.submodule` / `types.submoduleWith` declared in a module of `parent`: its own
    /// evaluation (once per declaration), whose arguments are its specialArgs and `name`.
    fn submodule_context(
        &mut self,
        parent: ContextId,
        file: FileId,
        sub: &crate::module_info::SubmoduleSite,
        env: EnvId,
    ) {
        if self.graph.contexts[parent].kind == ContextKind::FlakeParts
            || !self.submodule_sites.insert((file, sub.site.start()))
        {
            return;
        }
        let ev = self.ev;
        let arg = ev.expr_thunk((file, sub.arg), env);
        let text = ev.files().text(file);
        let line = text
            .get(..usize::from(sub.site.start()))
            .map_or(0, |t| t.matches('\n').count())
            + 1;
        let name = format!("submodule ({}:{line})", ev.files().display_path(file));
        let mut ctx = Context {
            kind: ContextKind::Submodule,
            full_name: format!("{} → {name}", self.graph.contexts[parent].full_name),
            name,
            site: Some(FileRange {
                file_id: file,
                range: sub.site,
            }),
            parent: Some(parent),
            special_args: ArgSet::default(),
            special_args_sites: Vec::new(),
            call_args_site: None,
            module_args: ArgSet::default(),
            modules: Vec::new(),
            modules_open: false,
            pkgs: Vec::new(),
            overlays: Overlays::default(),
        };
        let mut bindings = HashMap::new();
        let modules = if sub.with {
            match ev.force(arg) {
                Value::Attrs(a) => {
                    match a.map.get("specialArgs") {
                        Some(e) => {
                            let v = ev.force(e.thunk);
                            read_arg_set(
                                ev,
                                &v,
                                &mut ctx.special_args,
                                &mut bindings,
                                &mut ctx.special_args_sites,
                            );
                        }
                        None => ctx.special_args.open |= a.open,
                    }
                    match a.map.get("modules") {
                        Some(e) => vec![e.thunk],
                        None => {
                            ctx.modules_open |= a.open;
                            Vec::new()
                        }
                    }
                }
                _ => {
                    ctx.special_args.open = true;
                    ctx.modules_open = true;
                    Vec::new()
                }
            }
        } else {
            vec![arg]
        };
        self.add_context(ctx, bindings, modules);
    }

    fn nested_home_manager(&mut self, parent: ContextId, hm: HmSettings) {
        let os = match self.graph.contexts[parent].kind {
            ContextKind::Nixos => OsKind::Nixos,
            ContextKind::Darwin => OsKind::Darwin,
            _ => return,
        };
        let parent_name = self.graph.contexts[parent].name.clone();
        // A module of the outer configuration we could not see may define
        // `home-manager.extraSpecialArgs` too.
        let outer_open = self.graph.contexts[parent].modules_open;
        let mut shared: Vec<ThunkId> = hm.shared.clone();
        shared.reverse();
        for (user, defs) in hm.users {
            let name = format!("home-manager.users.{user}");
            let mut modules: Vec<ThunkId> = defs.iter().map(|(t, _)| *t).collect();
            modules.extend(hm.shared.iter().copied());
            let ctx = Context {
                kind: ContextKind::HomeManagerNested(os),
                full_name: format!("{parent_name} → {name}"),
                name,
                site: defs.first().map(|(_, at)| loc_range(*at)),
                parent: Some(parent),
                special_args: ArgSet {
                    open: hm.extra.open || outer_open,
                    ..hm.extra.clone()
                },
                special_args_sites: hm.extra_sites.clone(),
                call_args_site: hm.users_site,
                module_args: {
                    let mut args = hm.user_args.get(&user).cloned().unwrap_or_default();
                    args.open |= hm.users_open;
                    args
                },
                modules: Vec::new(),
                modules_open: false,
                pkgs: hm.global_pkgs.clone(),
                overlays: Overlays::default(),
            };
            self.add_context(ctx, hm.extra_bindings.clone(), modules);
        }
    }
}

/// The overlays of every `import … { overlays = …; }` in a flake's `outputs`, evaluated in
/// the scope they are written in.
fn flake_import_overlays(ev: &Evaluator<'_>, scope: OutputsScope, out: &mut Vec<ImportOverlays>) {
    let root = ev.root(scope.file);
    let Some(body) = crate::syntax_util::node_at(&root, scope.body) else {
        return;
    };
    for node in body.descendants() {
        let Some(apply) = ast::Apply::cast(node) else {
            continue;
        };
        let is_import = apply
            .lambda()
            .map(|f| strip_parens(f.syntax().clone()))
            .and_then(ast::Apply::cast)
            .and_then(|inner| inner.lambda())
            .is_some_and(|f| strip_parens(f.syntax().clone()).text() == "import");
        if !is_import {
            continue;
        }
        let Some(ast::Expr::AttrSet(args)) = apply.argument() else {
            continue;
        };
        let Some(value) = args.attrpath_values().find_map(|av| {
            let path = av.attrpath()?;
            let mut attrs = path.attrs();
            let first = attrs.next()?;
            (attrs.next().is_none() && first.syntax().text() == "overlays").then(|| av.value())?
        }) else {
            continue;
        };
        let range = value.syntax().text_range();
        let env = ev.env_at(scope.file, scope.body, range, scope.env);
        let thunk = ev.expr_thunk((scope.file, range), env);
        let mut overlays = Overlays::default();
        read_overlays(ev, &[(thunk, Certainty::Always)], &mut overlays);
        out.push(ImportOverlays {
            import: FileRange {
                file_id: scope.file,
                range: apply.syntax().text_range(),
            },
            overlays,
        });
    }
}

/// Reads `nixpkgs.overlays` definitions: each overlay function is applied to opaque `final`
/// and `prev`, and the attributes of the literal set it returns are recorded with their value
/// expressions. Anything else makes the overlays open.
fn read_overlays(ev: &Evaluator<'_>, defs: &[(ThunkId, Certainty)], out: &mut Overlays) {
    let mut seen: HashSet<Loc> = HashSet::new();
    for &(def, certainty) in defs {
        match certainty {
            Certainty::Never => continue,
            Certainty::Possibly => {
                out.open = true;
                continue;
            }
            Certainty::Always => {}
        }
        let mut work = vec![def];
        let mut steps = 0;
        while let Some(t) = work.pop() {
            steps += 1;
            if steps > 256 || ev.exhausted() {
                out.open = true;
                break;
            }
            match ev.force(t) {
                Value::List(l) => {
                    out.open |= l.open;
                    work.extend(l.items.iter().rev().copied());
                }
                Value::Lambda(c) => {
                    // The same overlay reached twice (a module imported by two others) counts once.
                    if seen.insert(c.loc) {
                        read_overlay(ev, &c, out);
                    }
                }
                Value::Ext(Some(_), _) => out.foreign = true,
                _ => out.open = true,
            }
        }
    }
}

fn read_overlay(ev: &Evaluator<'_>, overlay: &crate::eval::Closure, out: &mut Overlays) {
    let final_ = ev.value_thunk(Value::Arg(Rc::from("final")), None);
    let prev = ev.value_thunk(Value::Arg(Rc::from("prev")), None);
    let Value::Lambda(inner) = ev.apply_closure(overlay, final_) else {
        out.open = true;
        return;
    };
    let Value::Attrs(attrs) = ev.apply_closure(&inner, prev) else {
        out.open = true;
        return;
    };
    out.open |= attrs.open;
    for (name, entry) in &attrs.map {
        out.attrs
            .entry(name.to_string())
            .or_default()
            .push(OverlayAttr {
                overlay: loc_range(overlay.loc),
                value: ev.origin(entry.thunk).map(loc_range),
            });
    }
}

/// `def_path` with its dynamic names (`home-manager.users.${user}`) computed in the module's
/// environment; `None` when one is not a known string. Only the definition's own attribute
/// path is read, so dynamic names in an enclosing set's path are not resolved.
fn resolve_dynamic(
    ev: &Evaluator<'_>,
    file: FileId,
    key: base::TextRange,
    env: EnvId,
    def_path: &[String],
) -> Option<Vec<String>> {
    use rowan::ast::AstNode;
    let attrpath = syntax::ast::Attrpath::cast(ev.node((file, key))?)?;
    let mut computed = Vec::new();
    for attr in attrpath.attrs() {
        if crate::syntax_util::attr_name(&attr).is_some() {
            continue;
        }
        let expr = match &attr {
            syntax::ast::Attr::Dynamic(d) => d.expr()?.syntax().clone(),
            other => other.syntax().clone(),
        };
        match ev.eval(file, &expr, env) {
            Value::Str(s) => computed.push(s.to_string()),
            _ => return None,
        }
    }
    let mut computed = computed.into_iter();
    let out: Vec<String> = def_path
        .iter()
        .map(|n| {
            if n == DYNAMIC {
                computed.next()
            } else {
                Some(n.clone())
            }
        })
        .collect::<Option<_>>()?;
    computed.next().is_none().then_some(out)
}

/// The module's body set, when it is a literal attribute set in shorthand form (no top-level
/// `config`/`options`), so that definitions can be added to it.
fn plain_module_body(
    root: &syntax::SyntaxNode,
    info: &crate::module_info::ModuleInfo,
) -> Option<base::TextRange> {
    use rowan::ast::AstNode;
    let body = crate::syntax_util::node_at(root, info.body)?;
    let set = syntax::ast::AttrSet::cast(crate::module_info::peel(&body))?;
    for apv in syntax::ast::HasEntry::attrpath_values(&set) {
        let first = apv.attrpath()?.attrs().next()?;
        if matches!(
            crate::syntax_util::attr_name(&first).as_deref(),
            Some("config" | "options")
        ) {
            return None;
        }
    }
    Some(set.syntax().text_range())
}

/// Reads an attribute set of arguments (specialArgs, extraSpecialArgs).
fn read_arg_set(
    ev: &Evaluator<'_>,
    v: &Value,
    set: &mut ArgSet,
    bindings: &mut HashMap<String, ThunkId>,
    sites: &mut Vec<FileRange>,
) {
    match v {
        Value::Attrs(a) => {
            set.open |= a.open;
            if let Some((loc, _)) = a.origin {
                sites.push(loc_range(loc));
            }
            for (k, e) in &a.map {
                set.names.entry(k.to_string()).or_default().push(ArgSource {
                    kind: SourceKind::SpecialArgs,
                    key: e.key.map(loc_range),
                    value: ev.origin(e.thunk).map(loc_range),
                    certainty: Certainty::Always,
                    note: None,
                });
                bindings.insert(k.to_string(), e.thunk);
            }
        }
        _ => set.open = true,
    }
}

/// The module a path denotes: its file's root expression.
fn file_module(ev: &Evaluator<'_>, path: &VfsPath) -> Option<ModuleKey> {
    let file = ev.resolve_file(path)?;
    let root = ev.root(file);
    let expr = strip_parens(root.first_child()?);
    Some(ModuleKey {
        file,
        range: expr.text_range(),
    })
}
