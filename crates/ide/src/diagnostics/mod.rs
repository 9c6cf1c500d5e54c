//! Diagnostics of one file, collected phase by phase: file content, syntax, then semantics.

pub(crate) mod codes;
mod file_content;
mod flake_checks;
pub(crate) mod module_cache;
pub(crate) mod module_graph;
mod module_inputs;
mod syntax_error;
pub(crate) mod unfree_contexts;
mod unfree_enabled;
mod unfree_ignored_config;
pub(crate) mod unfree_instances;
pub(crate) mod unfree_overlays;
pub(crate) mod unfree_package;
mod unfree_prefilter;

use base::{Diagnostic, FileId};

use crate::db::Db;

/// Every diagnostic whose primary location lies in `file_id`, in a stable order.
pub(crate) fn file_diagnostics(db: &Db, file_id: FileId) -> Vec<Diagnostic> {
    let mut acc = Vec::new();
    file_content::check(db, file_id, &mut acc);
    if acc.is_empty() && is_nix(db, file_id) {
        syntax_error::check(db, file_id, &mut acc);
        unfree_package::check(db, file_id, &mut acc);
        unfree_ignored_config::check(db, file_id, &mut acc);
        unfree_enabled::check(db, file_id, &mut acc);
        module_graph::check(db, file_id, &mut acc);
        module_inputs::check(db, file_id, &mut acc);
    }
    if !acc
        .iter()
        .any(|d| matches!(d.code.as_str(), "not-utf8" | "file-too-large"))
    {
        flake_checks::check(db, file_id, &mut acc);
    }
    debug_assert!(
        acc.iter().all(|d| codes::is_registered(d.code.as_str())),
        "unregistered diagnostic code in {:?}; add it to diagnostics/codes.rs",
        acc.iter().map(|d| d.code.as_str()).collect::<Vec<_>>()
    );
    acc.sort_by_key(|d| (d.location.range.start(), d.location.range.end()));
    acc
}

fn is_nix(db: &Db, file_id: FileId) -> bool {
    db.path(file_id)
        .as_path()
        .extension()
        .is_some_and(|ext| ext == "nix")
}
