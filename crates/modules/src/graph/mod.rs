//! Configurations (evaluation contexts), the modules of each, and where every argument of
//! each context comes from.

mod build;
pub mod framework;

use std::collections::BTreeMap;

use base::{FileId, FileRange, TextRange};

use crate::module_info::Certainty;

pub use build::build_graph;
pub use framework::{ArgClass, DIRECT_ARGS};

/// Index of a context in [`ModuleGraph::contexts`].
pub type ContextId = usize;

/// Which operating system a nested home-manager context runs under.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OsKind {
    /// NixOS (`nixosConfig`).
    Nixos,
    /// nix-darwin (`darwinConfig`).
    Darwin,
}

/// The kind of a module-system evaluation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContextKind {
    /// `nixpkgs.lib.nixosSystem`.
    Nixos,
    /// nix-darwin's `darwinSystem`.
    Darwin,
    /// `home-manager.lib.homeManagerConfiguration`.
    HomeManagerStandalone,
    /// `home-manager.users.<name>` inside a NixOS/nix-darwin configuration.
    HomeManagerNested(OsKind),
    /// A plain `lib.evalModules`.
    EvalModules,
    /// flake-parts' `mkFlake` (its arguments are not modelled: always open).
    FlakeParts,
    /// A `types.submodule` / `types.submoduleWith` evaluation declared in a module.
    Submodule,
}

impl ContextKind {
    /// The name of the attribute that passes direct arguments in this kind of context.
    pub fn special_args_name(self) -> &'static str {
        match self {
            ContextKind::HomeManagerStandalone => "extraSpecialArgs",
            ContextKind::HomeManagerNested(_) => "home-manager.extraSpecialArgs",
            _ => "specialArgs",
        }
    }

    /// Whether this is a home-manager evaluation.
    pub fn is_home_manager(self) -> bool {
        matches!(
            self,
            ContextKind::HomeManagerStandalone | ContextKind::HomeManagerNested(_)
        )
    }
}

/// A module: a file's root expression or an inline module expression.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ModuleKey {
    /// The file holding it.
    pub file: FileId,
    /// The module expression's range.
    pub range: TextRange,
}

impl Ord for ModuleKey {
    fn cmp(&self, other: &ModuleKey) -> std::cmp::Ordering {
        (self.file, self.range.start(), self.range.end()).cmp(&(
            other.file,
            other.range.start(),
            other.range.end(),
        ))
    }
}

impl PartialOrd for ModuleKey {
    fn partial_cmp(&self, other: &ModuleKey) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What kind of source provides an argument.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SourceKind {
    /// A key of the context's `specialArgs` / `extraSpecialArgs`.
    SpecialArgs,
    /// A `_module.args` definition in a module of the context.
    ModuleArgs,
    /// Provided by the module system or the framework (NixOS, home-manager…).
    Framework,
}

/// One source of an argument.
#[derive(Clone, Debug)]
pub struct ArgSource {
    /// What kind.
    pub kind: SourceKind,
    /// Where the name is given (the specialArgs key, the `_module.args.x` path…).
    pub key: Option<FileRange>,
    /// The value expression, when it is in source.
    pub value: Option<FileRange>,
    /// Whether it takes effect.
    pub certainty: Certainty,
    /// A short description of framework sources (e.g. "NixOS's nixpkgs module").
    pub note: Option<&'static str>,
}

/// Names provided by one kind of source in a context.
#[derive(Clone, Debug, Default)]
pub struct ArgSet {
    /// Known names and their sources.
    pub names: BTreeMap<String, Vec<ArgSource>>,
    /// Names we could not see may exist.
    pub open: bool,
}

/// Something that decides which nixpkgs instance `pkgs` is in a context.
#[derive(Clone, Debug)]
pub struct PkgsSource {
    /// What it is.
    pub kind: PkgsSourceKind,
    /// For `nixpkgs.config.allowUnfree = …`, the path below `nixpkgs.config` (`["allowUnfree"]`);
    /// empty when the whole value is defined.
    pub path: Vec<String>,
    /// The defining attribute or argument.
    pub key: FileRange,
    /// The value expression.
    pub value: FileRange,
    /// Whether it takes effect.
    pub certainty: Certainty,
}

/// The kinds of [`PkgsSource`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PkgsSourceKind {
    /// `nixpkgs.config = …` in a module of the context.
    NixpkgsConfig,
    /// `nixpkgs.pkgs = …` in a module of the context.
    NixpkgsPkgs,
    /// `nixpkgs.overlays = …` in a module of the context.
    NixpkgsOverlays,
    /// `pkgs` passed through specialArgs / extraSpecialArgs.
    SpecialArgsPkgs,
    /// The `pkgs` argument of `homeManagerConfiguration` (or of `nixosSystem`).
    CallPkgs,
    /// `home-manager.useGlobalPkgs = …` in the outer context.
    UseGlobalPkgs,
}

/// One module-system evaluation.
#[derive(Clone, Debug)]
pub struct Context {
    /// What kind.
    pub kind: ContextKind,
    /// A human name: `nixosConfigurations.kahless`, `home-manager.users.roni`.
    pub name: String,
    /// The full name with the outer configuration for nested ones.
    pub full_name: String,
    /// The configuration call (or the `home-manager.users.<name>` definition).
    pub site: Option<FileRange>,
    /// The enclosing context of a nested one.
    pub parent: Option<ContextId>,
    /// The user's specialArgs / extraSpecialArgs.
    pub special_args: ArgSet,
    /// Where the specialArgs attribute is written (for fixes), if it is a literal set.
    pub special_args_sites: Vec<FileRange>,
    /// The literal attribute set passed to the configuration call (`nixosSystem { … }`), where
    /// a missing `specialArgs` can be added.
    pub call_args_site: Option<FileRange>,
    /// `_module.args` definitions of its modules.
    pub module_args: ArgSet,
    /// The modules, in discovery order.
    pub modules: Vec<ModuleKey>,
    /// Some modules could not be resolved.
    pub modules_open: bool,
    /// What decides `pkgs`.
    pub pkgs: Vec<PkgsSource>,
    /// What the `nixpkgs.overlays` of its modules add to `pkgs`.
    pub overlays: Overlays,
}

/// The top-level attributes the overlays of a context's `nixpkgs.overlays` definitions return,
/// as far as the evaluator can read them (each overlay applied to opaque `final` and `prev`).
#[derive(Clone, Debug, Default)]
pub struct Overlays {
    /// Each attribute an overlay defines, with one entry per overlay that defines it.
    pub attrs: BTreeMap<String, Vec<OverlayAttr>>,
    /// Some overlay could not be read (a computed list, a conditional definition, an overlay
    /// whose result is not a literal set): it may define any attribute.
    pub open: bool,
    /// Some overlay comes from a flake input (`inputs.nur.overlays.default`): not ours to read.
    pub foreign: bool,
}

/// One attribute an overlay defines.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OverlayAttr {
    /// The overlay function (`final: prev: { … }`).
    pub overlay: FileRange,
    /// The attribute's value expression, when it is written in source.
    pub value: Option<FileRange>,
}

impl Context {
    /// Whether something about the arguments of this context is unknown.
    pub fn is_open(&self) -> bool {
        self.kind == ContextKind::FlakeParts
            || self.special_args.open
            || self.module_args.open
            || self.modules_open
    }
}

/// The whole module graph of a snapshot.
#[derive(Clone, Debug, Default)]
pub struct ModuleGraph {
    /// Every context found.
    pub contexts: Vec<Context>,
    /// The overlays of each `import … { overlays = …; }` written in a `flake.nix`'s outputs,
    /// evaluated there (so `self.overlays.x` and overlays from other files resolve).
    pub import_overlays: Vec<ImportOverlays>,
}

/// The overlays one `import nixpkgs { overlays = …; }` applies.
#[derive(Clone, Debug)]
pub struct ImportOverlays {
    /// The `import …` application.
    pub import: FileRange,
    /// What its overlays add.
    pub overlays: Overlays,
}

impl ModuleGraph {
    /// The contexts a module belongs to.
    pub fn contexts_of(&self, key: ModuleKey) -> impl Iterator<Item = ContextId> + '_ {
        self.contexts
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.modules.contains(&key))
            .map(|(i, _)| i)
    }

    /// Whether some configuration includes a module of `file`.
    pub fn has_module_in(&self, file: FileId) -> bool {
        self.contexts
            .iter()
            .any(|c| c.modules.iter().any(|m| m.file == file))
    }

    /// Every module (with its contexts) whose expression lies in `file`.
    pub fn modules_in_file(&self, file: FileId) -> Vec<(ModuleKey, Vec<ContextId>)> {
        let mut out: BTreeMap<ModuleKey, Vec<ContextId>> = BTreeMap::new();
        for (i, c) in self.contexts.iter().enumerate() {
            for m in c.modules.iter().filter(|m| m.file == file) {
                let v = out.entry(*m).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        out.into_iter().collect()
    }
}
