//! Per-file summaries: name resolution, module infos (computed on demand) and the literal paths a
//! file imports. A summary depends on the file's text only, so it is cached across snapshots by
//! text identity ([`SummaryCache`]) and an edit re-summarises just the edited file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rowan::ast::AstNode;
use syntax::{SyntaxKind, SyntaxNode, TextRange, ast};

use crate::module_info::{ModuleInfo, module_info};
use crate::scope::{Resolution, resolve};
use crate::syntax_util::{apply_head, node_at, strip_parens};

/// How a literal path is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathUse {
    /// `import ./x.nix`.
    Import,
    /// An element of an `imports = [ … ]` or `modules = [ … ]` list.
    ModuleList,
}

/// A literal relative or absolute path that must exist.
#[derive(Clone, Debug)]
pub struct PathRef {
    /// The path literal's range.
    pub range: TextRange,
    /// The literal text (`./hosts/a.nix`).
    pub text: String,
    /// How it is used.
    pub usage: PathUse,
}

/// Everything derived from one file's text.
#[derive(Debug)]
pub struct FileSummary {
    /// Name resolution of the whole file.
    pub resolution: Resolution,
    /// Literal paths used by `import`, `imports` and `modules`.
    pub path_refs: Vec<PathRef>,
    modules: Mutex<HashMap<TextRange, Arc<ModuleInfo>>>,
}

impl FileSummary {
    /// Summarises the tree of one file.
    pub fn new(root: &SyntaxNode) -> FileSummary {
        FileSummary {
            resolution: resolve(root),
            path_refs: path_refs(root),
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

fn path_refs(root: &SyntaxNode) -> Vec<PathRef> {
    let mut out = Vec::new();
    for node in root.descendants() {
        if !matches!(
            node.kind(),
            SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_ABS
        ) {
            continue;
        }
        let text = node.text().to_string();
        if text.contains("${") {
            continue;
        }
        if let Some(usage) = path_usage(&node) {
            out.push(PathRef {
                range: node.text_range(),
                text,
                usage,
            });
        }
    }
    out
}

fn path_usage(path: &SyntaxNode) -> Option<PathUse> {
    let mut cur = path.clone();
    while let Some(p) = cur.parent() {
        if p.kind() == SyntaxKind::NODE_PAREN {
            cur = p;
        } else {
            break;
        }
    }
    let parent = cur.parent()?;
    match parent.kind() {
        SyntaxKind::NODE_APPLY => {
            let apply = ast::Apply::cast(parent.clone())?;
            if apply.argument()?.syntax() != &cur {
                return None;
            }
            let f = strip_parens(apply.lambda()?.syntax().clone());
            let is_import = match f.kind() {
                SyntaxKind::NODE_IDENT => f.text() == "import",
                SyntaxKind::NODE_SELECT => {
                    apply_head(&parent).is_some_and(|(n, _)| n == "import")
                        && f.text() == "builtins.import"
                }
                _ => false,
            };
            is_import.then_some(PathUse::Import)
        }
        SyntaxKind::NODE_LIST => {
            let apv = parent.parent().and_then(ast::AttrpathValue::cast)?;
            let last = apv.attrpath()?.attrs().last()?;
            let name = crate::syntax_util::attr_name(&last)?;
            matches!(name.as_str(), "imports" | "modules" | "sharedModules")
                .then_some(PathUse::ModuleList)
        }
        SyntaxKind::NODE_ATTRPATH_VALUE => {
            // `home-manager.users.x = ./home.nix;`
            let apv = ast::AttrpathValue::cast(parent)?;
            let names = crate::syntax_util::attrpath_names(&apv.attrpath()?)?;
            let n = names.len();
            (n >= 3 && names[n - 3] == "home-manager" && names[n - 2] == "users")
                .then_some(PathUse::ModuleList)
        }
        _ => None,
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
        assert_eq!(a.path_refs.len(), 1);
    }
}
