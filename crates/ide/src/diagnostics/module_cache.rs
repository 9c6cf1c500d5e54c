//! Reuse of the module analysis across snapshots.
//!
//! The module graph reads only the files its flakes reach, yet a snapshot is new after every
//! keystroke anywhere. [`Recorder`] notes what an analysis read; the next snapshot reuses the
//! analysis when none of that changed: the same set of files, the same roots and existence
//! facts, and the very same state (pointer identity) of every file whose text, tree, summary or
//! path references it looked at. Typing in a file the graph never reads costs nothing here.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};

use base::{FileId, VfsPath};
use modules::{FileSummary, Files, ModuleAnalysis, PathRef};
use syntax::Parse;

use crate::db::{Db, FileData};

/// The inputs an analysis was computed from.
struct Inputs {
    files: Vec<FileId>,
    roots: Arc<Vec<VfsPath>>,
    existing_paths: Arc<BTreeSet<VfsPath>>,
    /// The state of each file the analysis read; holding the `Arc`s keeps the identity check
    /// sound (an address cannot be reused while it is held).
    read: Vec<(FileId, Arc<FileData>)>,
}

impl Inputs {
    fn still_hold(&self, db: &Db, view: View) -> bool {
        Arc::ptr_eq(&self.roots, &db.roots)
            && Arc::ptr_eq(&self.existing_paths, &db.existing_paths)
            && self.read.iter().all(|(file, data)| {
                db.file_as_seen(*file, view == View::LastGood)
                    .is_some_and(|seen| Arc::ptr_eq(seen, data))
            })
            && db.files().eq(self.files.iter().copied())
    }
}

/// Which view of the snapshot an analysis was made over.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum View {
    /// The files as they are.
    Current,
    /// Broken files replaced by their last error-free state.
    LastGood,
}

/// The last analysis of each view, shared by the snapshots of one host.
#[derive(Default)]
pub(crate) struct ModuleCache {
    slots: Mutex<HashMap<View, (Inputs, Arc<ModuleAnalysis>)>>,
}

impl fmt::Debug for ModuleCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModuleCache")
    }
}

impl ModuleCache {
    /// The cached analysis of `view` when its inputs still hold in `db`, else a fresh one from
    /// `analyze` over the recorded `files`, which then replaces it.
    pub(crate) fn get_or_analyze(
        &self,
        db: &Db,
        view: View,
        files: &dyn Files,
        analyze: impl FnOnce(&dyn Files) -> ModuleAnalysis,
    ) -> Arc<ModuleAnalysis> {
        if let Some((inputs, analysis)) = self.lock().get(&view)
            && inputs.still_hold(db, view)
        {
            return Arc::clone(analysis);
        }
        let recorder = Recorder {
            inner: files,
            read: RefCell::default(),
        };
        let analysis = Arc::new(analyze(&recorder));
        let read = recorder
            .read
            .into_inner()
            .into_iter()
            .filter_map(|file| {
                let seen = db.file_as_seen(file, view == View::LastGood)?;
                Some((file, Arc::clone(seen)))
            })
            .collect();
        let inputs = Inputs {
            files: db.files().collect(),
            roots: Arc::clone(&db.roots),
            existing_paths: Arc::clone(&db.existing_paths),
            read,
        };
        self.lock().insert(view, (inputs, Arc::clone(&analysis)));
        analysis
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<View, (Inputs, Arc<ModuleAnalysis>)>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A `Files` view that notes every file whose content is read.
struct Recorder<'a> {
    inner: &'a dyn Files,
    read: RefCell<BTreeSet<FileId>>,
}

impl Recorder<'_> {
    fn note(&self, file: FileId) {
        self.read.borrow_mut().insert(file);
    }
}

impl Files for Recorder<'_> {
    fn files(&self) -> Vec<FileId> {
        self.inner.files()
    }

    fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.inner.file_id(path)
    }

    fn path(&self, file: FileId) -> VfsPath {
        self.inner.path(file)
    }

    fn text(&self, file: FileId) -> Arc<str> {
        self.note(file);
        self.inner.text(file)
    }

    fn parse(&self, file: FileId) -> Parse {
        self.note(file);
        self.inner.parse(file)
    }

    fn summary(&self, file: FileId) -> Arc<FileSummary> {
        self.note(file);
        self.inner.summary(file)
    }

    fn path_refs(&self, file: FileId) -> Arc<[PathRef]> {
        self.note(file);
        self.inner.path_refs(file)
    }

    fn has_existence_info(&self) -> bool {
        self.inner.has_existence_info()
    }

    fn exists(&self, path: &VfsPath) -> bool {
        self.inner.exists(path)
    }

    fn is_dir(&self, path: &VfsPath) -> bool {
        self.inner.is_dir(path)
    }

    fn is_in_workspace(&self, path: &VfsPath) -> bool {
        self.inner.is_in_workspace(path)
    }

    fn display_path(&self, file: FileId) -> String {
        self.inner.display_path(file)
    }
}

#[cfg(test)]
mod tests;
