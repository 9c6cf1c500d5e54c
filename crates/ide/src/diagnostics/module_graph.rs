//! The bridge to the `modules` crate: the snapshot's files as `modules::Files`, per-file summaries
//! cached across snapshots by text identity, and the module analysis memoised per snapshot.
//! The diagnostics it reports: `missing-module-argument`, `module-args-recursion`,
//! `missing-import`, `unexpected-module-argument`, `imports-in-config`.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, LazyLock};

use base::{Diagnostic, FileId, FileRange, TextRange, TextSize, VfsPath};
use modules::{FileSummary, ModuleAnalysis, PathRef, PathRefCache, SummaryCache};
use syntax::Parse;

use crate::db::Db;
use crate::diagnostics::module_cache::View;

/// Summaries outlive snapshots: a file's summary is recomputed only when its text changes.
static SUMMARIES: LazyLock<SummaryCache> = LazyLock::new(SummaryCache::new);

/// Literal path references outlive snapshots too, memoised per green node, so that an edit in a
/// big file rescans only the part of the tree it changed.
static PATH_REFS: LazyLock<PathRefCache> = LazyLock::new(PathRefCache::new);

/// The snapshot seen through the `modules::Files` interface.
pub(crate) struct DbFiles<'a> {
    pub(crate) db: &'a Db,
    /// Files with syntax errors are seen in their last error-free state (when there is one), so
    /// that a half-typed file keeps its place in the module graph.
    last_good: bool,
}

impl<'a> DbFiles<'a> {
    /// The snapshot's files as they are.
    pub(crate) fn new(db: &'a Db) -> DbFiles<'a> {
        DbFiles {
            db,
            last_good: false,
        }
    }

    /// The snapshot with every broken file replaced by its last error-free state.
    fn last_good(db: &'a Db) -> DbFiles<'a> {
        DbFiles {
            db,
            last_good: true,
        }
    }

    /// The last error-free state standing in for `file`, when this view uses one.
    fn stand_in(&self, file: FileId) -> Option<(Arc<str>, Parse)> {
        if self.last_good {
            self.db.last_error_free(file)
        } else {
            None
        }
    }
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
        self.stand_in(file)
            .map_or_else(|| self.db.text(file), |(text, _)| text)
    }

    fn parse(&self, file: FileId) -> Parse {
        self.stand_in(file)
            .map_or_else(|| self.db.parse(file), |(_, parse)| parse)
    }

    fn summary(&self, file: FileId) -> Arc<FileSummary> {
        match self.stand_in(file) {
            Some((text, parse)) => SUMMARIES.get(&text, || parse.syntax_node()),
            // The tree is parsed only when the summary is not cached yet.
            None => SUMMARIES.get(&self.db.text(file), || self.db.parse(file).syntax_node()),
        }
    }

    fn path_refs(&self, file: FileId) -> Arc<[PathRef]> {
        PATH_REFS.get(file, &self.parse(file).syntax_node())
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
        self.db.display_path(file)
    }
}

/// The module analysis of the snapshot: computed at most once per snapshot, and reused from an
/// earlier snapshot when nothing it read has changed (see [`module_cache`](super::module_cache)).
pub(crate) fn analysis(db: &Db) -> Arc<ModuleAnalysis> {
    Arc::clone(&db.memo(|db| Memoised(analyze(db, View::Current))).0)
}

/// A per-snapshot memo slot for an analysis that may be shared with earlier snapshots.
struct Memoised(Arc<ModuleAnalysis>);

/// The analysis of `view`, from the cache when its inputs still hold.
fn analyze(db: &Db, view: View) -> Arc<ModuleAnalysis> {
    let files = match view {
        View::Current => DbFiles::new(db),
        View::LastGood => DbFiles::last_good(db),
    };
    db.module_cache.get_or_analyze(db, view, &files, |files| {
        let result = modules::analyze(files);
        let live: Vec<Arc<str>> = db
            .files()
            .map(|f| db.text(f))
            .chain(db.files().filter_map(|f| Some(db.last_error_free(f)?.0)))
            .collect();
        SUMMARIES.retain(&live);
        PATH_REFS.retain(|f| db.file(f).is_some());
        result
    })
}

/// The module analysis behind the module diagnostics: the snapshot's own when no file is
/// standing in for a broken one, else one over [`DbFiles::last_good`]. Only diagnostics use it; other
/// features read [`analysis`], whose ranges always match the current texts.
struct DiagnosticAnalysis {
    analysis: Arc<ModuleAnalysis>,
    /// Files analysed in their last error-free state: (old text, current text).
    stand_ins: HashMap<FileId, (Arc<str>, Arc<str>)>,
}

fn diagnostic_analysis(db: &Db) -> Arc<DiagnosticAnalysis> {
    db.memo(|db| {
        let stand_ins: HashMap<FileId, (Arc<str>, Arc<str>)> = db
            .files()
            .filter_map(|f| Some((f, (db.last_error_free(f)?.0, db.text(f)))))
            .collect();
        let analysis = if stand_ins.is_empty() {
            analysis(db)
        } else {
            analyze(db, View::LastGood)
        };
        DiagnosticAnalysis {
            analysis,
            stand_ins,
        }
    })
}

/// Maps a range of `old` to the same text in `new` when it lies in their common prefix or
/// common suffix (the part the edit did not touch); `None` otherwise.
fn map_range(old: &str, new: &str, range: TextRange) -> Option<TextRange> {
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    if end <= prefix {
        return Some(range);
    }
    if start >= old.len() - suffix && end <= old.len() {
        let shift = |o: usize| TextSize::try_from(o + new.len() - old.len()).ok();
        return Some(TextRange::new(shift(start)?, shift(end)?));
    }
    None
}

/// Maps a location through the stand-ins; `None` when it is in a stand-in and cannot be mapped.
fn map_location(
    stand_ins: &HashMap<FileId, (Arc<str>, Arc<str>)>,
    at: FileRange,
) -> Option<FileRange> {
    match stand_ins.get(&at.file_id) {
        Some((old, new)) => Some(FileRange {
            file_id: at.file_id,
            range: map_range(old, new, at.range)?,
        }),
        None => Some(at),
    }
}

/// Adds the module diagnostics of `file_id`. While a file has syntax errors, the graph uses its
/// last error-free state, so the other files keep their diagnostics; the broken file keeps
/// only those whose ranges lie in text the edits did not touch. Related locations that cannot
/// be mapped are left out, and fixes that would edit a stand-in are dropped.
pub(crate) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let diag = diagnostic_analysis(db);
    let graph_diagnostics = diag.analysis.diagnostics(file_id).iter().cloned();
    if diag.stand_ins.is_empty() {
        acc.extend(graph_diagnostics);
        acc.extend(modules::missing_imports(&DbFiles::new(db), file_id));
        return;
    }
    let missing_imports = modules::missing_imports(&DbFiles::last_good(db), file_id);
    for d in graph_diagnostics.chain(missing_imports) {
        let Some(location) = map_location(&diag.stand_ins, d.location) else {
            continue;
        };
        let mut d = d;
        d.location = location;
        d.related
            .retain_mut(|r| match map_location(&diag.stand_ins, r.location) {
                Some(l) => {
                    r.location = l;
                    true
                }
                None => false,
            });
        d.fixes.retain(|f| {
            f.change
                .edits
                .keys()
                .all(|file| !diag.stand_ins.contains_key(file))
        });
        acc.push(d);
    }
}
