//! The arguments each kind of context provides by itself (spec §A1, §C), and the classification
//! of a name in a context: direct (safe anywhere), config-backed, missing or unknown.

use crate::graph::{ArgSource, Context, ContextKind, OsKind, SourceKind};
use crate::module_info::Certainty;

/// Passed directly to every module function by the module system.
pub const DIRECT_ARGS: &[&str] = &[
    "lib",
    "config",
    "options",
    "specialArgs",
    "_class",
    "_prefix",
];

/// Direct arguments a framework adds through its own specialArgs.
pub fn framework_special(kind: ContextKind) -> &'static [&'static str] {
    match kind {
        ContextKind::Nixos | ContextKind::Darwin | ContextKind::HomeManagerStandalone => {
            &["modulesPath"]
        }
        ContextKind::HomeManagerNested(OsKind::Nixos) => {
            &["osConfig", "nixosConfig", "osClass", "modulesPath"]
        }
        ContextKind::HomeManagerNested(OsKind::Darwin) => {
            &["osConfig", "darwinConfig", "osClass", "modulesPath"]
        }
        ContextKind::EvalModules | ContextKind::FlakeParts | ContextKind::Submodule => &[],
    }
}

/// Config-backed arguments (`_module.args`) a framework defines itself.
pub fn framework_config_backed(kind: ContextKind) -> &'static [&'static str] {
    match kind {
        ContextKind::Nixos => &[
            "pkgs",
            "utils",
            "modules",
            "baseModules",
            "extraModules",
            "noUserModules",
            "extendModules",
            "moduleType",
        ],
        ContextKind::Darwin => &["pkgs", "baseModules", "modules"],
        ContextKind::HomeManagerStandalone => &[
            "pkgs",
            "pkgsPath",
            "baseModules",
            "pkgs_i686",
            "osConfig",
            "nixosConfig",
            "darwinConfig",
        ],
        ContextKind::HomeManagerNested(_) => &[
            "pkgs",
            "pkgsPath",
            "baseModules",
            "name",
            "pkgs_i686",
            "osConfig",
            "nixosConfig",
            "darwinConfig",
        ],
        // The attribute name of the submodule instance (`attrsOf (submodule …)`).
        ContextKind::Submodule => &["name"],
        ContextKind::EvalModules | ContextKind::FlakeParts => &[],
    }
}

/// How a name reaches modules of a context.
#[derive(Clone, Debug)]
pub enum ArgClass {
    /// Passed directly (module system, specialArgs): safe even in `imports`.
    Direct(Vec<ArgSource>),
    /// Looked up in `config._module.args`: fine in values, recursion in strict positions.
    ConfigBacked(Vec<ArgSource>),
    /// Nobody provides it.
    Missing,
    /// We cannot tell (something about the context is not known).
    Unknown,
}

fn framework(note: &'static str) -> ArgSource {
    ArgSource {
        kind: SourceKind::Framework,
        key: None,
        value: None,
        certainty: Certainty::Always,
        note: Some(note),
    }
}

/// Classifies `name` in `ctx`.
pub fn classify(ctx: &Context, name: &str) -> ArgClass {
    if let Some(sources) = ctx.special_args.names.get(name) {
        return ArgClass::Direct(sources.clone());
    }
    if DIRECT_ARGS.contains(&name) {
        return ArgClass::Direct(vec![framework("the module system")]);
    }
    if framework_special(ctx.kind).contains(&name) {
        return ArgClass::Direct(vec![framework(framework_name(ctx.kind))]);
    }
    if ctx.kind == ContextKind::FlakeParts || ctx.special_args.open {
        return ArgClass::Unknown;
    }
    let mut sources: Vec<ArgSource> = ctx
        .module_args
        .names
        .get(name)
        .map(|v| {
            v.iter()
                .filter(|s| s.certainty != Certainty::Never)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if framework_config_backed(ctx.kind).contains(&name) {
        sources.push(framework(framework_name(ctx.kind)));
    }
    if !sources.is_empty() {
        return ArgClass::ConfigBacked(sources);
    }
    if ctx.is_open() {
        return ArgClass::Unknown;
    }
    ArgClass::Missing
}

/// Whether `name` is certainly not a direct argument of `ctx` (its specialArgs are fully known
/// and do not hold it). Such a name can only come from `_module.args`, so it cannot be used in a
/// strict position, even when some modules of `ctx` are unknown: they could only add
/// `_module.args` definitions.
pub fn surely_not_direct(ctx: &Context, name: &str) -> bool {
    ctx.kind != ContextKind::FlakeParts
        && !ctx.special_args.open
        && !ctx.special_args.names.contains_key(name)
        && !DIRECT_ARGS.contains(&name)
        && !framework_special(ctx.kind).contains(&name)
}

/// The framework's name for messages.
pub fn framework_name(kind: ContextKind) -> &'static str {
    match kind {
        ContextKind::Nixos => "NixOS",
        ContextKind::Darwin => "nix-darwin",
        ContextKind::HomeManagerStandalone | ContextKind::HomeManagerNested(_) => "home-manager",
        ContextKind::EvalModules | ContextKind::Submodule => "the module system",
        ContextKind::FlakeParts => "flake-parts",
    }
}
