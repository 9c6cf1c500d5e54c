//! The bridge to the `modules` crate: the snapshot's files as `modules::Files`, per-file summaries
//! cached across snapshots by text identity, and the module analysis memoised per snapshot.
//! The diagnostics it reports: `missing-module-argument`, `module-args-recursion`,
//! `missing-import`, `unexpected-module-argument`, `imports-in-config`.

use std::ops::Bound;
use std::sync::{Arc, LazyLock};

use base::{Diagnostic, FileId, VfsPath};
use modules::{FileSummary, ModuleAnalysis, SummaryCache};
use syntax::Parse;

use crate::db::Db;

/// Summaries outlive snapshots: a file's summary is recomputed only when its text changes.
static SUMMARIES: LazyLock<SummaryCache> = LazyLock::new(SummaryCache::new);

/// The snapshot seen through the `modules::Files` interface.
pub(crate) struct DbFiles<'a> {
    pub(crate) db: &'a Db,
}

impl modules::Files for DbFiles<'_> {
    fn files(&self) -> Vec<FileId> {
        self.db.files().collect()
    }

    fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.db.file_id(path)
    }

    fn path(&self, file: FileId) -> VfsPath {
        self.db.path(file).clone()
    }

    fn text(&self, file: FileId) -> Arc<str> {
        self.db.text(file)
    }

    fn parse(&self, file: FileId) -> Parse {
        self.db.parse(file)
    }

    fn summary(&self, file: FileId) -> Arc<FileSummary> {
        let text = self.db.text(file);
        SUMMARIES.get(&text, || self.db.parse(file).syntax_node())
    }

    fn has_existence_info(&self) -> bool {
        !self.db.existing_paths.is_empty()
    }

    fn exists(&self, path: &VfsPath) -> bool {
        self.db.existing_paths.contains(path) || self.db.file_id(path).is_some()
    }

    fn is_dir(&self, path: &VfsPath) -> bool {
        self.db
            .existing_paths
            .range((Bound::Excluded(path), Bound::Unbounded))
            .next()
            .is_some_and(|next| next.as_path().starts_with(path.as_path()))
    }

    /// Under a flake root, and the nearest existing ancestor directory had its entries listed:
    /// a directory the load skipped (`result`, `.git`, `node_modules`…) is in `existing_paths`
    /// without any entry below it, so nothing inside it is known.
    fn is_in_workspace(&self, path: &VfsPath) -> bool {
        let Some(root) = self
            .db
            .roots
            .iter()
            .find(|r| path.as_path().starts_with(r.as_path()))
        else {
            return false;
        };
        let mut dir = path.parent();
        while let Some(d) = dir {
            if self.db.existing_paths.contains(&d) || d == *root {
                return self.is_dir(&d);
            }
            if d.as_path() == root.as_path() || !d.as_path().starts_with(root.as_path()) {
                return false;
            }
            dir = d.parent();
        }
        false
    }

    fn display_path(&self, file: FileId) -> String {
        let path = self.db.path(file);
        let root = self
            .db
            .roots
            .iter()
            .filter(|r| path.as_path().starts_with(r.as_path()))
            .max_by_key(|r| r.as_path().as_os_str().len());
        match root.and_then(|r| path.as_path().strip_prefix(r.as_path()).ok()) {
            Some(rel) => rel.display().to_string(),
            None => path.to_string(),
        }
    }
}

/// The module analysis of the snapshot (computed once per snapshot).
pub(crate) fn analysis(db: &Db) -> Arc<ModuleAnalysis> {
    db.memo(|db| {
        let files = DbFiles { db };
        let result = modules::analyze(&files);
        let live: Vec<Arc<str>> = db.files().map(|f| db.text(f)).collect();
        SUMMARIES.retain(&live);
        result
    })
}

/// Adds the module diagnostics of `file_id`.
pub(crate) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    acc.extend(analysis(db).diagnostics(file_id).iter().cloned());
}
