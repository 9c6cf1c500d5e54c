//! The analysis state: files, their texts, trees and line indexes.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use base::{FileId, TextEdit, VfsPath};
use syntax::{LineIndex, Parse};

use crate::change::{AnalysisConfig, Change, FileContent};
use crate::diagnostics::module_cache::ModuleCache;

/// One file's state. Shared between snapshots; derived data is computed at most once.
#[derive(Debug)]
pub(crate) struct FileData {
    pub(crate) content: FileContent,
    text: Arc<str>,
    line_index: OnceLock<Arc<LineIndex>>,
    parse: OnceLock<Parse>,
}

impl FileData {
    fn new(content: FileContent) -> FileData {
        let text = match &content {
            FileContent::Text(text) => Arc::clone(text),
            FileContent::NotUtf8 | FileContent::TooLarge { .. } => Arc::from(""),
        };
        FileData {
            content,
            text,
            line_index: OnceLock::new(),
            parse: OnceLock::new(),
        }
    }
}

/// Every file known to the analysis, plus workspace facts.
#[derive(Clone, Default, Debug)]
pub(crate) struct Db {
    paths: Vec<VfsPath>,
    ids: HashMap<VfsPath, FileId>,
    files: HashMap<FileId, Arc<FileData>>,
    pub(crate) roots: Arc<Vec<VfsPath>>,
    pub(crate) existing_paths: Arc<BTreeSet<VfsPath>>,
    pub(crate) config: Arc<AnalysisConfig>,
    pub(crate) store_path_presence: Arc<BTreeMap<String, bool>>,
    packages: Option<Arc<nixpkgs::Packages>>,
    /// Each file's last state that parsed without errors, kept while later texts have errors
    /// (the module graph keeps using it while the user types; see `module_graph`).
    last_error_free: HashMap<FileId, Arc<FileData>>,
    memo: Memo,
    /// The last module analyses, reused by later snapshots whose inputs did not change.
    pub(crate) module_cache: Arc<ModuleCache>,
}

/// Whole-snapshot derived values (the flake models, the module graph…), computed at most once
/// per snapshot and dropped by the next change.
#[derive(Default, Debug)]
struct Memo {
    slots: Mutex<HashMap<TypeId, Arc<OnceLock<MemoValue>>>>,
}

/// One memoised value, downcast by its type.
type MemoValue = Arc<dyn Any + Send + Sync>;

impl Clone for Memo {
    /// A changed snapshot starts with nothing memoised.
    fn clone(&self) -> Memo {
        Memo::default()
    }
}

impl Db {
    pub(crate) fn apply_change(&mut self, change: Change) {
        self.memo = Memo::default();
        if let Some(roots) = change.roots {
            self.roots = Arc::new(roots);
        }
        if let Some(paths) = change.existing_paths {
            self.existing_paths = Arc::new(paths);
        }
        if !change.store_path_presence.is_empty() {
            Arc::make_mut(&mut self.store_path_presence).extend(change.store_path_presence);
        }
        if let Some(config) = change.config {
            self.config = Arc::new(config);
        }
        if let Some(packages) = change.packages {
            self.packages = Some(packages);
        }
        for (path, content) in change.files {
            match content {
                Some(content) => {
                    let file_id = self.intern(path);
                    let old = self.files.insert(file_id, Arc::new(FileData::new(content)));
                    self.remember_error_free(file_id, old);
                }
                None => {
                    if let Some(file_id) = self.ids.get(&path) {
                        self.files.remove(file_id);
                        self.last_error_free.remove(file_id);
                    }
                }
            }
        }
        for (path, edits) in change.edits {
            let Some(&file_id) = self.ids.get(&path) else {
                continue;
            };
            let Some(old) = self.files.get(&file_id).cloned() else {
                continue;
            };
            self.files
                .insert(file_id, Arc::new(apply_edits(&old, &edits)));
            self.remember_error_free(file_id, Some(old));
        }
    }

    /// Keeps `old` as the file's last error-free state when it parsed without errors (only if
    /// it was parsed at all: a state nobody looked at is not worth a parse here).
    fn remember_error_free(&mut self, file_id: FileId, old: Option<Arc<FileData>>) {
        if let Some(old) = old
            && old.parse.get().is_some_and(|p| p.errors().is_empty())
        {
            self.last_error_free.insert(file_id, old);
        }
    }

    /// When the file's current text has syntax errors: its last text that parsed without
    /// errors, with that parse.
    pub(crate) fn last_error_free(&self, file_id: FileId) -> Option<(Arc<str>, Parse)> {
        let old = self.stand_in(file_id)?;
        Some((Arc::clone(&old.text), old.parse.get()?.clone()))
    }

    /// The state standing in for a file with syntax errors: its last error-free one.
    fn stand_in(&self, file_id: FileId) -> Option<&Arc<FileData>> {
        if self.parse(file_id).errors().is_empty() {
            return None;
        }
        self.last_error_free
            .get(&file_id)
            .filter(|old| old.parse.get().is_some())
    }

    /// The state of a file as a view sees it: with `last_good`, a broken file's stand-in.
    pub(crate) fn file_as_seen(&self, file_id: FileId, last_good: bool) -> Option<&Arc<FileData>> {
        let stand_in = if last_good {
            self.stand_in(file_id)
        } else {
            None
        };
        stand_in.or_else(|| self.file(file_id))
    }

    /// The snapshot's value of type `T`, computed by `compute` on first use. Concurrent callers
    /// wait for one computation.
    pub(crate) fn memo<T: Any + Send + Sync>(&self, compute: impl FnOnce(&Db) -> T) -> Arc<T> {
        let slot = {
            let mut slots = self.memo.slots.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(slots.entry(TypeId::of::<T>()).or_default())
        };
        let value = slot.get_or_init(|| Arc::new(compute(self)) as MemoValue);
        Arc::clone(value)
            .downcast::<T>()
            .expect("memo slots are keyed by type")
    }

    /// The package/license data: what the last change set, else the bundled fallback list.
    pub(crate) fn packages(&self) -> Arc<nixpkgs::Packages> {
        static BUNDLED: OnceLock<Arc<nixpkgs::Packages>> = OnceLock::new();
        match &self.packages {
            Some(packages) => Arc::clone(packages),
            None => Arc::clone(BUNDLED.get_or_init(|| Arc::new(nixpkgs::Packages::bundled()))),
        }
    }

    fn intern(&mut self, path: VfsPath) -> FileId {
        if let Some(&id) = self.ids.get(&path) {
            return id;
        }
        let id = FileId(self.paths.len() as u32);
        self.paths.push(path.clone());
        self.ids.insert(path, id);
        id
    }

    pub(crate) fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.ids
            .get(path)
            .copied()
            .filter(|id| self.files.contains_key(id))
    }

    pub(crate) fn path(&self, file_id: FileId) -> &VfsPath {
        &self.paths[file_id.0 as usize]
    }

    /// A file's path for messages: relative to the innermost flake root that holds it, else
    /// absolute.
    pub(crate) fn display_path(&self, file_id: FileId) -> String {
        let path = self.path(file_id);
        let root = self
            .roots
            .iter()
            .filter(|r| path.as_path().starts_with(r.as_path()))
            .max_by_key(|r| r.as_path().as_os_str().len());
        match root.and_then(|r| path.as_path().strip_prefix(r.as_path()).ok()) {
            Some(rel) => rel.display().to_string(),
            None => path.to_string(),
        }
    }

    pub(crate) fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        let mut ids: Vec<FileId> = self.files.keys().copied().collect();
        ids.sort();
        ids.into_iter()
    }

    pub(crate) fn file(&self, file_id: FileId) -> Option<&Arc<FileData>> {
        self.files.get(&file_id)
    }

    pub(crate) fn text(&self, file_id: FileId) -> Arc<str> {
        self.file(file_id)
            .map(|f| Arc::clone(&f.text))
            .unwrap_or_else(|| Arc::from(""))
    }

    pub(crate) fn line_index(&self, file_id: FileId) -> Arc<LineIndex> {
        match self.file(file_id) {
            Some(f) => Arc::clone(
                f.line_index
                    .get_or_init(|| Arc::new(LineIndex::new(&f.text))),
            ),
            None => Arc::new(LineIndex::new("")),
        }
    }

    pub(crate) fn parse(&self, file_id: FileId) -> Parse {
        match self.file(file_id) {
            Some(f) => f.parse.get_or_init(|| syntax::parse(&f.text)).clone(),
            None => syntax::parse(""),
        }
    }
}

/// Applies edits to a text file; reparses incrementally when the old tree is at hand.
fn apply_edits(old: &FileData, edits: &[TextEdit]) -> FileData {
    let FileContent::Text(_) = old.content else {
        return FileData::new(old.content.clone());
    };
    let mut text: Option<String> = None;
    let mut parse = old.parse.get().cloned();
    for edit in edits {
        let current = text.as_deref().unwrap_or(&old.text);
        let start = usize::from(edit.range.start()).min(current.len());
        let end = usize::from(edit.range.end()).clamp(start, current.len());
        if !current.is_char_boundary(start) || !current.is_char_boundary(end) {
            parse = None;
            continue;
        }
        // One copy of a big text per edit: the new text is built at its final size.
        let mut next = String::with_capacity(current.len() - (end - start) + edit.new_text.len());
        next.push_str(&current[..start]);
        next.push_str(&edit.new_text);
        next.push_str(&current[end..]);
        parse = parse.and_then(|p| p.reparse(edit.range, &edit.new_text, &next));
        text = Some(next);
    }
    let text = text.map_or_else(|| Arc::clone(&old.text), Arc::from);
    let data = FileData::new(FileContent::Text(text));
    if let Some(parse) = parse {
        let _ = data.parse.set(parse);
    }
    data
}
