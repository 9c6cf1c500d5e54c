//! Module graph and argument provenance for flake-lsp: configurations, specialArgs, _module.args.
//!
//! # How it works
//!
//! 1. **Per file** ([`FileSummary`], cached by text identity in a [`SummaryCache`]): lexical name
//!    resolution ([`scope`]) and, on demand, a [`ModuleInfo`] per module expression: the pattern,
//!    every formal's uses, the uses in strict positions (spec §B1: `imports`, the module's shape,
//!    the key sets of `options`/`config`…), and the definitions that matter (`_module.args.*`,
//!    `home-manager.*`, `nixpkgs.*`).
//! 2. **Per snapshot** ([`analyze`]): a small lazy abstract evaluator runs each `flake.nix`'s
//!    `outputs` with opaque inputs, forcing output attributes until it meets configuration calls
//!    (`nixosSystem`, `darwinSystem`, `homeManagerConfiguration`, `evalModules`, flake-parts'
//!    `mkFlake`). Each call becomes a [`Context`]; its modules are collected through `imports`,
//!    and `home-manager.users.<name>` definitions in an OS context start nested contexts with
//!    `home-manager.extraSpecialArgs` + `sharedModules`. Whatever cannot be evaluated marks the
//!    context *open*, which silences every diagnostic that would depend on it.
//! 3. **Diagnostics** ([`ModuleAnalysis::diagnostics`]): `missing-module-argument`,
//!    `module-args-recursion`, `unexpected-module-argument`, `imports-in-config`; and, file by
//!    file without the graph, `missing-import` ([`missing_imports`]).
//!
//! # API for other layers
//!
//! Build: [`analyze`]`(&dyn Files) -> ModuleAnalysis` (ide memoises it per snapshot; [`Files`]
//! is the snapshot: paths, texts, parses, cached [`FileSummary`]s, existing paths).
//!
//! Contexts — [`ModuleAnalysis::graph`]`.contexts`, each a [`Context`]:
//! `kind` ([`ContextKind`]: NixOS, nix-darwin, standalone or nested home-manager, evalModules,
//! flake-parts), `name`/`full_name` (`nixosConfigurations.kahless`,
//! `nixosConfigurations.kahless → home-manager.users.roni`), `site` (the call), `parent`
//! (nested home-manager), `special_args` / `module_args` ([`ArgSet`]: name → [`ArgSource`]s with
//! key and value ranges, and an `open` flag), `modules` ([`ModuleKey`] = file + module
//! expression range), `is_open()`.
//!
//! Which nixpkgs instance `pkgs` is — [`Context::pkgs`], a list of [`PkgsSource`]:
//! `NixpkgsConfig` / `NixpkgsPkgs` / `NixpkgsOverlays` definitions in the context's modules
//! (`path` = the part below `nixpkgs.config`, e.g. `["allowUnfree"]`; `value` = the value
//! expression; `certainty` = under `mkIf` or not), `SpecialArgsPkgs` (`specialArgs.pkgs`),
//! `CallPkgs` (the `pkgs` argument of `homeConfigurations`/`nixosSystem`), `UseGlobalPkgs`
//! (`home-manager.useGlobalPkgs` in the outer NixOS/darwin context, for nested home-manager
//! contexts). [`Context::overlays`] ([`Overlays`]): the attributes the context's
//! `nixpkgs.overlays` add to `pkgs` (name → overlay function and value expression), read after
//! the graph is built so that overlays never spend the graph's evaluation budget;
//! [`ModuleGraph::import_overlays`] ([`ImportOverlays`]): the same for each
//! `import … { overlays = …; }` written in a `flake.nix`'s outputs.
//!
//! Arguments — for (module, formal name, context):
//! - [`ModuleAnalysis::modules_at`]`(file, offset)`: the modules around an offset, innermost
//!   first, with their contexts;
//! - [`ModuleAnalysis::arg_sources`]`(name, ctx)` → [`ArgClass`]: `Direct(sources)` (safe
//!   anywhere), `ConfigBacked(sources)` (`_module.args`: lazy only), `Missing`, `Unknown`;
//! - [`ModuleAnalysis::value_origins`]`(files, name, ctx)` → [`ValueOrigin`]s: the value
//!   expression(s) behind the argument, followed through `inherit`, `let` bindings and the formals
//!   of outer modules into enclosing contexts (home.nix's `pkgs-unstable` ← extraSpecialArgs
//!   `inherit pkgs-unstable;` ← the NixOS module's formal ← NixOS specialArgs ← the flake's
//!   `let pkgs-unstable = import nixpkgs-unstable { … };`);
//! - editor queries: [`ModuleAnalysis::argument_at`], `hover_markdown`, `definitions`,
//!   `references`, `rename_blocker`/`rename_edits`, `pattern_completions`.

mod check;
pub mod eval;
pub mod graph;
mod mem_files;
mod missing_imports;
pub mod module_info;
pub mod path_refs;
pub mod query;
pub mod scope;
pub mod summary;
mod syntax_util;

use std::collections::HashMap;
use std::sync::Arc;

use base::{Diagnostic, FileId, TextSize, VfsPath};
use syntax::Parse;

pub use graph::framework::{ArgClass, classify, framework_name};
pub use graph::{
    ArgSet, ArgSource, Context, ContextId, ContextKind, ModuleGraph, ModuleKey, OsKind,
    OverlayAttr, Overlays, PkgsSource, PkgsSourceKind, SourceKind,
};
pub use mem_files::MemFiles;
pub use missing_imports::missing_imports;
pub use module_info::{Certainty, ModuleInfo, StrictPosition};
pub use path_refs::{PathRef, PathRefCache, PathUse};
pub use query::{ArgumentAt, PatternCompletion, ValueOrigin};
pub use summary::{FileSummary, SummaryCache};

/// What the module analysis reads: the files of a snapshot. Implemented by `ide` over its `Db`.
pub trait Files {
    /// Every file, in id order.
    fn files(&self) -> Vec<FileId>;
    /// The id of a known file.
    fn file_id(&self, path: &VfsPath) -> Option<FileId>;
    /// The path of a file.
    fn path(&self, file: FileId) -> VfsPath;
    /// The file's text.
    fn text(&self, file: FileId) -> Arc<str>;
    /// The file's parse.
    fn parse(&self, file: FileId) -> Parse;
    /// The file's (cached) summary.
    fn summary(&self, file: FileId) -> Arc<FileSummary>;
    /// The literal paths the file imports (every `.nix` file is asked: implementors memoise,
    /// e.g. with a [`PathRefCache`]; the default scans the tree).
    fn path_refs(&self, file: FileId) -> Arc<[PathRef]> {
        path_refs::path_refs(&self.parse(file).syntax_node()).into()
    }
    /// Whether the set of existing paths is known at all.
    fn has_existence_info(&self) -> bool;
    /// Whether a path exists on disk (file or directory).
    fn exists(&self, path: &VfsPath) -> bool;
    /// Whether a path is an existing directory.
    fn is_dir(&self, path: &VfsPath) -> bool;
    /// Whether the existence of `path` is known (it lies under a workspace/flake root); paths
    /// elsewhere are never reported missing.
    fn is_in_workspace(&self, path: &VfsPath) -> bool;
    /// A short display name for messages (relative to the flake root).
    fn display_path(&self, file: FileId) -> String;
}

/// The module analysis of one snapshot.
#[derive(Debug, Default)]
pub struct ModuleAnalysis {
    /// Contexts and their modules.
    pub graph: ModuleGraph,
    diagnostics: HashMap<FileId, Vec<Diagnostic>>,
}

/// Analyses every flake of a snapshot.
pub fn analyze(files: &dyn Files) -> ModuleAnalysis {
    let graph = graph::build_graph(files);
    let diagnostics = check::diagnostics(files, &graph);
    ModuleAnalysis { graph, diagnostics }
}

impl ModuleAnalysis {
    /// The diagnostics whose primary location is in `file`.
    pub fn diagnostics(&self, file: FileId) -> &[Diagnostic] {
        self.diagnostics
            .get(&file)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Modules whose expression contains `offset`, innermost first, with their contexts.
    pub fn modules_at(&self, file: FileId, offset: TextSize) -> Vec<(ModuleKey, Vec<ContextId>)> {
        let mut out: Vec<(ModuleKey, Vec<ContextId>)> = self
            .graph
            .modules_in_file(file)
            .into_iter()
            .filter(|(m, _)| m.range.contains_inclusive(offset))
            .collect();
        out.sort_by_key(|(m, _)| m.range.len());
        out
    }

    /// How `name` reaches module functions of context `ctx`.
    pub fn arg_sources(&self, name: &str, ctx: ContextId) -> ArgClass {
        match self.graph.contexts.get(ctx) {
            Some(c) => classify(c, name),
            None => ArgClass::Unknown,
        }
    }
}
