//! Per-file summaries: name resolution and module infos (computed on demand); only files the
//! graph reaches or a query asks about are summarised (literal paths are in [`crate::path_refs`]). A summary depends on the file's text only, so it is cached across snapshots by
//! text identity ([`SummaryCache`]) and an edit re-summarises just the edited file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use syntax::{SyntaxNode, TextRange};

use crate::module_info::{ModuleInfo, module_info};
use crate::scope::{Resolution, resolve};
use crate::syntax_util::node_at;

pub use crate::path_refs::{PathRef, PathUse};

/// Everything derived from one file's text.
#[derive(Debug)]
pub struct FileSummary {
    /// Name resolution of the whole file.
    pub resolution: Resolution,
    modules: Mutex<HashMap<TextRange, Arc<ModuleInfo>>>,
}

impl FileSummary {
    /// Summarises the tree of one file.
    pub fn new(root: &SyntaxNode) -> FileSummary {
        FileSummary {
            resolution: resolve(root),
            modules: Mutex::new(HashMap::new()),
        }
    }

    /// The info of the module expression at `range` (computed once, then cached).
    pub fn module_info(&self, root: &SyntaxNode, range: TextRange) -> Option<Arc<ModuleInfo>> {
        if let Some(info) = self.lock().get(&range) {
            return Some(Arc::clone(info));
        }
        let node = node_at(root, range)?;
        let info = Arc::new(module_info(&node, &self.resolution));
        self.lock().insert(range, Arc::clone(&info));
        Some(info)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TextRange, Arc<ModuleInfo>>> {
        self.modules.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Summaries cached by text identity: an entry is reused while its file's text is the very
/// same `Arc<str>` (shared by snapshots until the file changes).
#[derive(Default)]
pub struct SummaryCache {
    entries: Mutex<CacheMap>,
}

/// Text identity (address, length) → the text (kept alive so the address is not reused) and
/// its summary.
type CacheMap = HashMap<(usize, usize), (Arc<str>, Arc<FileSummary>)>;

impl SummaryCache {
    /// An empty cache.
    pub fn new() -> SummaryCache {
        SummaryCache::default()
    }

    /// The summary of `text`, computing it from `root()` on a miss.
    pub fn get(&self, text: &Arc<str>, root: impl FnOnce() -> SyntaxNode) -> Arc<FileSummary> {
        let key = (Arc::as_ptr(text) as *const u8 as usize, text.len());
        if let Some((_, s)) = self.lock().get(&key) {
            return Arc::clone(s);
        }
        let summary = Arc::new(FileSummary::new(&root()));
        let mut entries = self.lock();
        entries.insert(key, (Arc::clone(text), Arc::clone(&summary)));
        summary
    }

    /// Drops every entry whose text is not in `live` (called after a snapshot's analysis).
    pub fn retain(&self, live: &[Arc<str>]) {
        let keep: std::collections::HashSet<(usize, usize)> = live
            .iter()
            .map(|t| (Arc::as_ptr(t) as *const u8 as usize, t.len()))
            .collect();
        let mut entries = self.lock();
        if entries.len() > keep.len() * 2 + 64 {
            entries.retain(|k, _| keep.contains(k));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheMap> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for SummaryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryCache")
            .field("entries", &self.lock().len())
            .finish()
    }
}

/// The root expression of a file (what a path to it denotes as a module).
pub fn root_expr(root: &SyntaxNode) -> Option<SyntaxNode> {
    root.children().next()
}

/// Needed by callers that only hold a range.
pub fn range_of(node: &SyntaxNode) -> TextRange {
    node.text_range()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::SummaryCache;

    #[test]
    fn summaries_are_reused_by_text_identity() {
        let cache = SummaryCache::new();
        let text: Arc<str> = Arc::from("{ pkgs, ... }: { imports = [ ./a.nix ]; }");
        let mut computed = 0;
        let a = cache.get(&text, || {
            computed += 1;
            syntax::parse(&text).syntax_node()
        });
        let b = cache.get(&text, || {
            computed += 1;
            syntax::parse(&text).syntax_node()
        });
        assert!(Arc::ptr_eq(&a, &b));
        // Equal content in a new allocation is a new text (an edit): summarised again.
        let edited: Arc<str> = Arc::from(&*text);
        let c = cache.get(&edited, || {
            computed += 1;
            syntax::parse(&edited).syntax_node()
        });
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(computed, 2);
    }
}
