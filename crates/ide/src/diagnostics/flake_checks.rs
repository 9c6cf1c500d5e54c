//! Flake diagnostics on `flake.nix` and `flake.lock`: flake-structure, duplicate-input,
//! invalid-input-url, undeclared-input, unused-input, unknown-follows, stale-lock, no-lock-file,
//! malformed-lock (computed by the `flake` crate, once per flake and snapshot).

use base::{Diagnostic, FileId};

use crate::db::Db;
use crate::features::flake_models::flake_models;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let models = flake_models(db);
    let Some(entry) = models.for_file(file_id) else {
        return;
    };
    acc.extend(
        entry
            .diagnostics(db)
            .iter()
            .filter(|d| d.location.file_id == file_id)
            .cloned(),
    );
}
