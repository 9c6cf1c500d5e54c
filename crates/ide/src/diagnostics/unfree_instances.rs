//! Which nixpkgs instance a package set expression denotes, across files: instances made in
//! the same file (`import`, `legacyPackages`), and module arguments passed through
//! `specialArgs` / `extraSpecialArgs` / `_module.args` anywhere in the workspace.
//!
//! A module argument counts only when every definition of that name in the workspace resolves
//! to an instance; anything opaque makes the answer unknown (no diagnostic). The framework's own
//! `pkgs` argument needs the module graph (which `nixpkgs.config` applies in which context) and
//! is left unknown here.

use std::collections::HashMap;

use base::{FileId, FileRange, TextRange};
use nixpkgs::{InstanceSite, Resolved, Scopes, resolve_package_set, resolve_package_set_in};
use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode};

use crate::db::Db;

/// An instance and the file it is made in.
#[derive(Clone, Debug)]
pub(crate) struct Provider {
    /// The file that makes the instance.
    pub(crate) file_id: FileId,
    /// The instance.
    pub(crate) site: InstanceSite,
    /// The name the package set goes by at the use (`pkgs-unstable`), if it is an argument.
    pub(crate) via_argument: Option<String>,
    /// The module-system context this answer is for (`nixosConfigurations.host`).
    pub(crate) context: Option<String>,
    /// The module the use is in, when known from the module graph.
    pub(crate) module: Option<modules::ModuleKey>,
    /// How to describe a context's own instance (set for `InstanceKind::Context`).
    pub(crate) description: Option<String>,
    /// Which overlays apply to the instance (what `pkgs.<name>` may be besides packages).
    pub(crate) overlays: Overlaid,
    /// Set when the instance is one an overlay adds to another (`pkgs.unstable`).
    pub(crate) nested: Option<Box<NestedIn>>,
}

/// Where the overlays applied to an instance are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overlaid {
    /// From the instance's own site: the `overlays` of `import nixpkgs { … }` (none for
    /// `legacyPackages`).
    Site,
    /// From the `nixpkgs.overlays` of a module-system context.
    Context(modules::ContextId),
    /// Not known.
    Unknown,
}

/// How an instance made inside an overlay hangs off the package set the overlay extends.
#[derive(Clone, Debug)]
pub(crate) struct NestedIn {
    /// The attribute the overlay defines (`unstable`).
    pub(crate) attr: String,
    /// How the use writes the package set the overlay extends (`pkgs`).
    pub(crate) parent_text: String,
    /// The package set the overlay is applied to.
    pub(crate) parent: Provider,
    /// The overlay function.
    pub(crate) overlay: FileRange,
    /// The `config = final.config` entry, when the instance takes its parent's config.
    pub(crate) parent_config: Option<TextRange>,
}

impl Provider {
    /// A provider without context information.
    pub(crate) fn new(
        file_id: FileId,
        site: InstanceSite,
        via_argument: Option<String>,
    ) -> Provider {
        Provider {
            file_id,
            site,
            via_argument,
            context: None,
            module: None,
            description: None,
            overlays: Overlaid::Site,
            nested: None,
        }
    }
}

/// Every `specialArgs` / `extraSpecialArgs` / `_module.args` definition in the workspace, by
/// argument name: the file and the range of the defining expression (`None`: opaque).
#[derive(Default)]
struct ArgDefinitions {
    by_name: HashMap<String, Vec<(FileId, Option<TextRange>)>>,
    /// Some `specialArgs` is not a literal attrset: any name may come from there.
    opaque: bool,
}

/// Resolves a package set expression to the instances it may denote; `None` when unknown.
pub(crate) fn resolve_set(db: &Db, file_id: FileId, set: &ast::Expr) -> Option<Vec<Provider>> {
    resolve_set_in(db, file_id, set, &Scopes::new())
}

/// [`resolve_set`] with a binding cache shared by the calls of one pass over the file.
pub(crate) fn resolve_set_in(
    db: &Db,
    file_id: FileId,
    set: &ast::Expr,
    scopes: &Scopes,
) -> Option<Vec<Provider>> {
    match resolve_package_set_in(set, scopes) {
        Resolved::Instance(site) => Some(vec![Provider::new(file_id, site, None)]),
        Resolved::Unknown => None,
        Resolved::Param { name, lambda } => {
            // The module graph knows which contexts the module is in; ask it first.
            if let Some(providers) =
                super::unfree_contexts::argument_instances(db, file_id, lambda, &name)
            {
                return Some(providers);
            }
            // Modules the graph does not place: every definition in the workspace must agree.
            if name == "pkgs" {
                return None;
            }
            let defs = db.memo(collect_arg_definitions);
            if defs.opaque {
                return None;
            }
            let found = defs.by_name.get(&name)?;
            let mut providers = Vec::new();
            for (def_file, range) in found {
                let range = (*range)?;
                let expr = expr_at(db, *def_file, range)?;
                match resolve_package_set(&expr) {
                    Resolved::Instance(site) => {
                        providers.push(Provider::new(*def_file, site, Some(name.clone())))
                    }
                    _ => return None,
                }
            }
            (!providers.is_empty()).then_some(providers)
        }
    }
}

fn expr_at(db: &Db, file_id: FileId, range: TextRange) -> Option<ast::Expr> {
    let root = db.parse(file_id).syntax_node();
    let node = match root.covering_element(range) {
        NodeOrToken::Node(n) => n,
        NodeOrToken::Token(t) => t.parent()?,
    };
    node.ancestors()
        .take_while(|n| n.text_range() == range)
        .filter_map(ast::Expr::cast)
        .last()
}

/// Whether some package set of `file_id` may resolve to an instance without the module graph:
/// the text mentions, as a whole identifier, `import` (not of a path) or `legacyPackages` (an
/// instance made in the file), or an argument name some `specialArgs` / `extraSpecialArgs` / `_module.args`
/// defines (when a definition is opaque, no such argument resolves). A conservative
/// pre-filter, never a verdict.
pub(crate) fn may_resolve_without_graph(db: &Db, file_id: FileId) -> bool {
    let defs = db.memo(collect_arg_definitions);
    let mut needles: Vec<&str> = vec!["import", "legacyPackages"];
    if !defs.opaque {
        // A name that is not an identifier cannot be a function's formal.
        needles.extend(
            defs.by_name
                .keys()
                .map(String::as_str)
                .filter(|n| !n.is_empty() && n.bytes().all(super::unfree_prefilter::is_ident_byte)),
        );
    }
    // A stable order, so that the next snapshot's search can reuse this one's answer.
    needles.sort_unstable();
    super::unfree_prefilter::mentions_any(file_id, &db.text(file_id), &needles)
}

fn collect_arg_definitions(db: &Db) -> ArgDefinitions {
    let mut defs = ArgDefinitions::default();
    for file_id in db.files() {
        if db
            .path(file_id)
            .as_path()
            .extension()
            .is_none_or(|e| e != "nix")
        {
            continue;
        }
        // Every definition is written with one of these words; most files (and the largest
        // ones) have none, and are not parsed or walked here.
        const WORDS: [&str; 3] = ["_module", "extraSpecialArgs", "specialArgs"];
        if !super::unfree_prefilter::mentions_any(file_id, &db.text(file_id), &WORDS) {
            continue;
        }
        let root = db.parse(file_id).syntax_node();
        collect_in_file(file_id, &root, &mut defs);
    }
    defs
}

fn collect_in_file(file_id: FileId, root: &SyntaxNode, defs: &mut ArgDefinitions) {
    for node in root.descendants() {
        if node.kind() != SyntaxKind::NODE_ATTRPATH_VALUE {
            continue;
        }
        let Some(av) = ast::AttrpathValue::cast(node) else {
            continue;
        };
        let Some(path) = av.attrpath().and_then(|p| nixpkgs::attrpath_names(&p)) else {
            continue;
        };
        let Some(value) = av.value() else { continue };
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        match path.as_slice() {
            [.., "_module", "args", name] => {
                defs.by_name
                    .entry((*name).to_owned())
                    .or_default()
                    .push((file_id, Some(value.syntax().text_range())));
            }
            [.., last]
                if *last == "specialArgs"
                    || *last == "extraSpecialArgs"
                    || path.ends_with(&["_module", "args"]) =>
            {
                match nixpkgs::strip_parens(value) {
                    ast::Expr::AttrSet(set) => collect_set(file_id, &set, defs),
                    _ => defs.opaque = true,
                }
            }
            _ => {}
        }
    }
}

fn collect_set(file_id: FileId, set: &ast::AttrSet, defs: &mut ArgDefinitions) {
    for entry in set.entries() {
        match entry {
            ast::Entry::AttrpathValue(av) => {
                let Some(path) = av.attrpath().and_then(|p| nixpkgs::attrpath_names(&p)) else {
                    defs.opaque = true;
                    continue;
                };
                let [name] = path.as_slice() else { continue };
                let range = av.value().map(|v| v.syntax().text_range());
                defs.by_name
                    .entry(name.clone())
                    .or_default()
                    .push((file_id, range));
            }
            ast::Entry::Inherit(inherit) => {
                let from = inherit.from().is_some();
                for attr in inherit.attrs() {
                    let Some(name) = nixpkgs::attr_name(&attr) else {
                        continue;
                    };
                    // `inherit name;` resolves `name` where the set is written; `inherit (x) name`
                    // selects from something else: opaque.
                    let range = (!from).then(|| attr.syntax().text_range());
                    defs.by_name.entry(name).or_default().push((file_id, range));
                }
            }
        }
    }
}
