//! An in-memory [`Files`]: the module analysis over a set of texts, without the `ide` database.
//! Used by this crate's tests, benchmarks and the `graph` example.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex};

use base::{FileId, FileRange, VfsPath};
use syntax::Parse;

use crate::{FileSummary, Files, SummaryCache};

/// Files held in memory, with parses and summaries cached per text.
pub struct MemFiles {
    paths: Vec<VfsPath>,
    texts: Vec<Arc<str>>,
    ids: HashMap<VfsPath, FileId>,
    existing: BTreeSet<VfsPath>,
    /// Paths under this root count as inside the workspace; everything does when `None`.
    root: Option<VfsPath>,
    parses: Mutex<HashMap<u32, (Arc<str>, Parse)>>,
    /// The summary cache; replace it to measure a cold analysis.
    pub cache: SummaryCache,
}

impl MemFiles {
    /// Files from `(path, text)` pairs; every file and each of its ancestor directories exists,
    /// plus the `extra` existing paths (e.g. non-Nix files found on disk).
    pub fn new(
        files: impl IntoIterator<Item = (VfsPath, String)>,
        extra: impl IntoIterator<Item = VfsPath>,
    ) -> MemFiles {
        let files: Vec<(VfsPath, String)> = files.into_iter().collect();
        let mut existing: BTreeSet<VfsPath> = extra.into_iter().collect();
        for (path, _) in &files {
            let mut dir = path.parent();
            while let Some(d) = dir {
                dir = d.parent();
                existing.insert(d);
            }
            existing.insert(path.clone());
        }
        MemFiles {
            ids: files
                .iter()
                .enumerate()
                .map(|(i, (p, _))| (p.clone(), FileId(i as u32)))
                .collect(),
            paths: files.iter().map(|(p, _)| p.clone()).collect(),
            texts: files.iter().map(|(_, t)| Arc::from(t.as_str())).collect(),
            existing,
            root: None,
            parses: Mutex::new(HashMap::new()),
            cache: SummaryCache::new(),
        }
    }

    /// Files from a fixture with `#- /path` headers (as in the ide fixtures).
    pub fn from_fixture(fixture: &str) -> MemFiles {
        let mut files: Vec<(VfsPath, String)> = Vec::new();
        for line in fixture.lines() {
            if let Some(path) = line.strip_prefix("#- ") {
                files.push((VfsPath::new(path.trim()), String::new()));
            } else if let Some((_, text)) = files.last_mut() {
                text.push_str(line);
                text.push('\n');
            }
        }
        MemFiles::new(files, [])
    }

    /// Limits the workspace (where `missing-import` may judge paths) to `root`.
    pub fn with_root(mut self, root: VfsPath) -> MemFiles {
        self.root = Some(root);
        self
    }

    /// The id of a known file; panics when the path is unknown (a test's mistake).
    pub fn id(&self, path: &str) -> FileId {
        self.file_id(&VfsPath::new(path))
            .unwrap_or_else(|| panic!("unknown file {path}"))
    }

    /// Replaces a file's text.
    pub fn set_text(&mut self, file: FileId, text: &str) {
        self.texts[file.0 as usize] = Arc::from(text);
    }

    /// `path:`text`` of a range, for readable test output.
    pub fn show(&self, r: FileRange) -> String {
        let text = &self.texts[r.file_id.0 as usize];
        format!("{}:`{}`", self.paths[r.file_id.0 as usize], &text[r.range])
    }
}

impl Files for MemFiles {
    fn files(&self) -> Vec<FileId> {
        (0..self.paths.len() as u32).map(FileId).collect()
    }
    fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.ids.get(path).copied()
    }
    fn path(&self, file: FileId) -> VfsPath {
        self.paths[file.0 as usize].clone()
    }
    fn text(&self, file: FileId) -> Arc<str> {
        Arc::clone(&self.texts[file.0 as usize])
    }
    fn parse(&self, file: FileId) -> Parse {
        // Parses are cached per text, as the ide's database does.
        let text = &self.texts[file.0 as usize];
        let mut parses = self.parses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, p)) = parses.get(&file.0)
            && Arc::ptr_eq(t, text)
        {
            return p.clone();
        }
        let p = syntax::parse(text);
        parses.insert(file.0, (Arc::clone(text), p.clone()));
        p
    }
    fn summary(&self, file: FileId) -> Arc<FileSummary> {
        self.cache.get(&self.texts[file.0 as usize], || {
            self.parse(file).syntax_node()
        })
    }
    fn has_existence_info(&self) -> bool {
        true
    }
    fn exists(&self, path: &VfsPath) -> bool {
        self.existing.contains(path)
    }
    fn is_dir(&self, path: &VfsPath) -> bool {
        self.existing
            .range((Bound::Excluded(path), Bound::Unbounded))
            .next()
            .is_some_and(|p| p.as_path().starts_with(path.as_path()))
    }
    fn is_in_workspace(&self, path: &VfsPath) -> bool {
        self.root
            .as_ref()
            .is_none_or(|root| path.as_path().starts_with(root.as_path()))
    }
    fn display_path(&self, file: FileId) -> String {
        let path = &self.paths[file.0 as usize];
        match &self.root {
            Some(root) => path
                .as_path()
                .strip_prefix(root.as_path())
                .map_or_else(|_| path.to_string(), |rel| rel.display().to_string()),
            None => path.to_string(),
        }
    }
}
