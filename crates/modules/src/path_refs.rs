//! Literal paths that must exist (`import ./x.nix`, `imports = [ ./a.nix ]`, `modules = […]`,
//! `home-manager.users.x = ./home.nix;`), the input of `missing-import`.
//!
//! Every `.nix` file of a snapshot is scanned, so the scan must not cost O(file size) per
//! keystroke in a big file. Each path's use is decided by an *anchor* ancestor a few levels up
//! (the `import` application, or the binding whose value is the path or the list holding it),
//! which only looks down its own subtree. So the paths of a subtree are a function of the subtree
//! alone, and [`PathRefCache`] memoises them per green node: after an incremental reparse only
//! the nodes on the path from the root to the edit are new. A new big node is paired with its
//! previous version (the previous root walked down the same way): the children both share at
//! the start and at the end keep their paths (shifted), and only the children in between are
//! scanned, so a node with thousands of small children (a package set) costs a pointer
//! comparison per child. Without a previous version, children are memoised in content-defined
//! chunks (the boundaries depend on the children's identities, not their positions).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base::FileId;
use rowan::ast::AstNode;
use rowan::{GreenNode, GreenNodeData, GreenToken, NodeOrToken};
use syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize, ast};

use crate::syntax_util::{apply_head, strip_parens};

/// How a literal path is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathUse {
    /// `import ./x.nix`.
    Import,
    /// An element of an `imports = [ … ]` or `modules = [ … ]` list.
    ModuleList,
}

/// A literal relative or absolute path that must exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathRef {
    /// The path literal's range.
    pub range: TextRange,
    /// The literal text (`./hosts/a.nix`).
    pub text: Arc<str>,
    /// How it is used.
    pub usage: PathUse,
}

/// The path references of a whole tree, computed from scratch (the reference the memoised
/// [`PathRefCache`] must agree with).
pub fn path_refs(root: &SyntaxNode) -> Vec<PathRef> {
    let mut out = Vec::new();
    for node in root.descendants() {
        if !matches!(
            node.kind(),
            SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_ABS
        ) {
            continue;
        }
        push_if_used(&node, &mut out);
    }
    out
}

/// Pushes `path` when it is a literal path (no interpolation) with a use.
fn push_if_used(path: &SyntaxNode, out: &mut Vec<PathRef>) {
    if !matches!(
        path.kind(),
        SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_ABS
    ) {
        return;
    }
    let text = path.text().to_string();
    if text.contains("${") {
        return;
    }
    let text: Arc<str> = text.into();
    if let Some(usage) = path_usage(path) {
        out.push(PathRef {
            range: path.text_range(),
            text,
            usage,
        });
    }
}

/// How a path is used; looks up through parentheses to its anchor (an application or a binding).
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

/// The paths whose anchor is `node` itself: the argument of an application, the value of a
/// binding, and the elements of a list that is a binding's value (each through parentheses).
/// [`path_usage`] of such a path only reads `node`'s subtree.
fn anchor_refs(node: &SyntaxNode, out: &mut Vec<PathRef>) {
    let candidates: Vec<SyntaxNode> = match node.kind() {
        SyntaxKind::NODE_APPLY => ast::Apply::cast(node.clone())
            .and_then(|a| a.argument())
            .map(|a| vec![strip_parens(a.syntax().clone())])
            .unwrap_or_default(),
        // Every child, not only the value: in a tree with syntax errors a binding can hold
        // several expressions, and `path_usage` accepts a path or list under any of them.
        SyntaxKind::NODE_ATTRPATH_VALUE => node
            .children()
            .flat_map(|child| {
                if child.kind() == SyntaxKind::NODE_LIST {
                    child.children().map(strip_parens).collect()
                } else {
                    vec![strip_parens(child)]
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    for c in candidates {
        push_if_used(&c, out);
    }
}

/// The path references of a small subtree, with ranges relative to its start.
fn subtree_refs(green: &GreenNodeData, out: &mut Vec<PathRef>) {
    let root = SyntaxNode::new_root(green.to_owned());
    for node in root.descendants() {
        anchor_refs(&node, out);
    }
}

/// Nodes at least this long are memoised on their own.
const BIG: u32 = 2048;
/// A chunk of small children ends after about this many elements on average…
const CHUNK_SPLIT: u64 = 16;
/// …and at most this many.
const CHUNK_MAX: usize = 64;

type Element = NodeOrToken<GreenNode, GreenToken>;
/// Big nodes by green pointer: the node (kept alive so that the pointer is not reused) and its
/// paths relative to its start.
type NodeMap = HashMap<usize, Entry<GreenNode>>;
/// Chunks by the hash of their elements' pointers: the elements and their relative paths.
type ChunkMap = HashMap<u64, Entry<Box<[Element]>>>;

/// A memoised result: what it is the result of (kept alive so that pointers are not reused),
/// the paths relative to its start, and the last computation that used it.
struct Entry<K> {
    key: K,
    refs: Arc<[PathRef]>,
    /// For a big node: the paths its children contribute (its own anchor's left out), which
    /// the node's next version splices.
    inner: Arc<[PathRef]>,
    used: u64,
}

/// A big node's result from what its children contribute: its own anchor's paths (read through
/// a red root over the node) added, in text order. Returns (result, `inner`).
fn with_anchors(node: &GreenNode, inner: Arc<[PathRef]>) -> (Arc<[PathRef]>, Arc<[PathRef]>) {
    let mut refs = Vec::new();
    anchor_refs(&SyntaxNode::new_root(node.clone()), &mut refs);
    refs.extend(inner.iter().cloned());
    refs.sort_by_key(|r| r.range.start());
    (refs.into(), inner)
}

/// Where two versions of a node differ: the children between their longest common prefix and
/// suffix (compared by identity).
struct Changed {
    /// Byte length of the common prefix.
    prefix_len: TextSize,
    /// Byte length of the common suffix.
    suffix_len: TextSize,
    /// The differing children of the old version, by index.
    old: std::ops::Range<usize>,
    /// The differing children of the new version, by index.
    new: std::ops::Range<usize>,
}

impl Changed {
    fn between(old: &GreenNodeData, new: &GreenNodeData) -> Changed {
        let (n_old, n_new) = (old.children().len(), new.children().len());
        let mut prefix = 0;
        let mut prefix_len = TextSize::from(0);
        for (a, b) in old.children().zip(new.children()) {
            if element_ptr(a) != element_ptr(b) {
                break;
            }
            prefix += 1;
            prefix_len += element_len(a);
        }
        let mut suffix = 0;
        let mut suffix_len = TextSize::from(0);
        for (a, b) in old
            .children()
            .rev()
            .zip(new.children().rev())
            .take(n_old.min(n_new) - prefix)
        {
            if element_ptr(a) != element_ptr(b) {
                break;
            }
            suffix += 1;
            suffix_len += element_len(a);
        }
        Changed {
            prefix_len,
            suffix_len,
            old: prefix..n_old - suffix,
            new: prefix..n_new - suffix,
        }
    }
}

fn element_len(e: NodeOrToken<&GreenNodeData, &rowan::GreenTokenData>) -> TextSize {
    match e {
        NodeOrToken::Node(n) => n.text_len(),
        NodeOrToken::Token(t) => t.text_len(),
    }
}

/// Memoised results of one file.
#[derive(Default)]
struct FileMemo {
    /// The last root and its result.
    root: Option<(GreenNode, Arc<[PathRef]>)>,
    /// Big nodes by green pointer.
    nodes: NodeMap,
    /// Chunks by the hash of their elements' pointers.
    chunks: ChunkMap,
    /// The number of the current computation.
    generation: u64,
    /// Entries the current computation used.
    touched: usize,
    /// Bytes scanned from scratch by the latest computation (for tests).
    scanned: usize,
}

/// Path references memoised across snapshots per green node (see the module docs). Entries not
/// used by the last two computations of a file (the current tree and, while it is broken, the
/// last error-free one) are dropped once they outnumber the used ones.
#[derive(Default)]
pub struct PathRefCache {
    files: Mutex<HashMap<FileId, FileMemo>>,
}

impl std::fmt::Debug for PathRefCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathRefCache").finish_non_exhaustive()
    }
}

fn ptr(green: &GreenNodeData) -> usize {
    green as *const GreenNodeData as usize
}

fn element_ptr(e: NodeOrToken<&GreenNodeData, &rowan::GreenTokenData>) -> usize {
    match e {
        NodeOrToken::Node(n) => ptr(n),
        NodeOrToken::Token(t) => t as *const rowan::GreenTokenData as usize,
    }
}

fn owned_ptr(e: &Element) -> usize {
    match e {
        NodeOrToken::Node(n) => element_ptr(NodeOrToken::Node(n)),
        NodeOrToken::Token(t) => element_ptr(NodeOrToken::Token(t)),
    }
}

/// Whether a chunk ends after the node at `p` (a content-defined boundary).
fn is_boundary(p: usize) -> bool {
    ((p as u64 >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32).is_multiple_of(CHUNK_SPLIT)
}

fn shifted(refs: &[PathRef], by: TextSize, out: &mut Vec<PathRef>) {
    out.extend(refs.iter().map(|r| PathRef {
        range: r.range + by,
        text: r.text.clone(),
        usage: r.usage,
    }));
}

impl PathRefCache {
    /// An empty cache.
    pub fn new() -> PathRefCache {
        PathRefCache::default()
    }

    /// The path references of `root`, the tree of `file`, reusing what the previous trees of
    /// the file share with it.
    pub fn get(&self, file: FileId, root: &SyntaxNode) -> Arc<[PathRef]> {
        let green = root.green();
        // The file's memo is taken out while computing, so that other files are not blocked.
        let mut memo = {
            let mut files = self.lock();
            if let Some(FileMemo {
                root: Some((g, refs)),
                ..
            }) = files.get(&file)
                && ptr(g) == ptr(green)
            {
                return Arc::clone(refs);
            }
            files.remove(&file).unwrap_or_default()
        };
        memo.generation += 1;
        memo.touched = 0;
        memo.scanned = 0;
        let refs = memo.compute(green);
        memo.sweep();
        memo.root = Some((green.to_owned(), Arc::clone(&refs)));
        self.lock().insert(file, memo);
        refs
    }

    /// Forgets the files `keep` rejects (files that left the snapshot).
    pub fn retain(&self, keep: impl Fn(FileId) -> bool) {
        self.lock().retain(|f, _| keep(*f));
    }

    /// How many big-node entries the memo of `file` holds.
    #[cfg(test)]
    fn node_entries(&self, file: FileId) -> usize {
        self.lock().get(&file).map_or(0, |m| m.nodes.len())
    }

    /// Bytes the latest computation for `file` scanned from scratch.
    #[cfg(test)]
    fn last_scanned(&self, file: FileId) -> usize {
        self.lock().get(&file).map_or(0, |m| m.scanned)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<FileId, FileMemo>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl FileMemo {
    /// A memoised big node, marked as used.
    fn lookup(&mut self, green: &GreenNodeData) -> Option<Arc<[PathRef]>> {
        let entry = self.nodes.get_mut(&ptr(green))?;
        if entry.used != self.generation {
            entry.used = self.generation;
            self.touched += 1;
        }
        Some(Arc::clone(&entry.refs))
    }

    /// Drops the entries the last two computations did not use: big nodes at once, chunks once
    /// they are the majority. A big node entry holds a whole version of a subtree; letting them
    /// pile up made every few hundred keystrokes in a big file free them all in one go (28 ms
    /// for 200 versions of a 28,000-child attribute set), where one per keystroke costs ~0.1 ms.
    /// A big node dropped while an unchanged ancestor stands for it is rebuilt from its chunks
    /// when an edit reaches it.
    fn sweep(&mut self) {
        let oldest = self.generation.saturating_sub(1);
        self.nodes.retain(|_, e| e.used >= oldest);
        if self.nodes.len() + self.chunks.len() <= 2 * self.touched + 256 {
            return;
        }
        self.chunks.retain(|_, e| e.used >= oldest);
    }

    /// The result for a root, computing the big nodes that miss children-first. A node that
    /// misses is paired with its previous version (found by walking the previous root down the
    /// same path), so that only the children between their common prefix and suffix are looked
    /// at again.
    fn compute(&mut self, root: &GreenNodeData) -> Arc<[PathRef]> {
        if u32::from(root.text_len()) < BIG {
            self.scanned += usize::from(root.text_len());
            let mut out = Vec::new();
            subtree_refs(root, &mut out);
            out.sort_by_key(|r| r.range.start());
            return out.into();
        }
        let previous = self.root.as_ref().map(|(green, _)| green.clone());
        // Pass 1: the big nodes that miss, in preorder (an explicit stack, no recursion), each
        // with its previous version when there is one.
        let mut missing: Vec<(GreenNode, Option<GreenNode>)> = Vec::new();
        let mut stack: Vec<(GreenNode, Option<GreenNode>)> = vec![(root.to_owned(), previous)];
        while let Some((node, old)) = stack.pop() {
            if self.lookup(&node).is_some() {
                continue;
            }
            let old = old.filter(|old| self.nodes.contains_key(&ptr(old)));
            match &old {
                Some(old) => {
                    let changed = Changed::between(old, &node);
                    let paired = changed.old.len() == changed.new.len();
                    for (i, child) in node
                        .children()
                        .enumerate()
                        .take(changed.new.end)
                        .skip(changed.new.start)
                    {
                        if let NodeOrToken::Node(c) = child
                            && u32::from(c.text_len()) >= BIG
                        {
                            let counterpart = paired
                                .then(|| old.children().nth(i))
                                .flatten()
                                .and_then(NodeOrToken::into_node)
                                .map(|o| o.to_owned());
                            stack.push((c.to_owned(), counterpart));
                        }
                    }
                }
                None => {
                    for child in node.children() {
                        if let NodeOrToken::Node(c) = child
                            && u32::from(c.text_len()) >= BIG
                        {
                            stack.push((c.to_owned(), None));
                        }
                    }
                }
            }
            missing.push((node, old));
        }
        // Pass 2: children before parents, so every big child is memoised when its parent is
        // combined.
        let mut result: Arc<[PathRef]> = Arc::from(Vec::new());
        for (node, old) in missing.iter().rev() {
            let (refs, inner) = match old {
                Some(old) => self.splice(node, old),
                None => self.combine(node),
            };
            self.touched += 1;
            self.nodes.insert(
                ptr(node),
                Entry {
                    key: node.clone(),
                    refs: Arc::clone(&refs),
                    inner,
                    used: self.generation,
                },
            );
            result = refs;
        }
        // The root is the first node in preorder, hence the last combined.
        match self.lookup(root) {
            Some(refs) => refs,
            None => result,
        }
    }

    /// The result of `node` from that of its previous version `old` (memoised): the paths of
    /// the children both share at the start and at the end are kept (shifted), those of the
    /// children in between are computed.
    fn splice(&mut self, node: &GreenNode, old: &GreenNode) -> (Arc<[PathRef]>, Arc<[PathRef]>) {
        let old_inner = match self.nodes.get(&ptr(old)) {
            Some(entry) => Arc::clone(&entry.inner),
            None => return self.combine(node),
        };
        let changed = Changed::between(old, node);
        let old_end = old.text_len() - changed.suffix_len;
        // The common suffix moves by the difference of the lengths (either way).
        let (old_len, new_len) = (old.text_len(), node.text_len());
        let delta = |r: &PathRef| PathRef {
            range: if new_len >= old_len {
                r.range + (new_len - old_len)
            } else {
                r.range - (old_len - new_len)
            },
            text: r.text.clone(),
            usage: r.usage,
        };
        let mut inner: Vec<PathRef> = old_inner
            .iter()
            .filter(|r| r.range.start() < changed.prefix_len)
            .cloned()
            .collect();
        let mut offset = changed.prefix_len;
        for child in node
            .children()
            .take(changed.new.end)
            .skip(changed.new.start)
        {
            let len = match child {
                NodeOrToken::Node(n) => {
                    if u32::from(n.text_len()) >= BIG
                        && let Some(refs) = self.lookup(n)
                    {
                        shifted(&refs, offset, &mut inner);
                    } else {
                        self.scanned += usize::from(n.text_len());
                        let mut own = Vec::new();
                        subtree_refs(n, &mut own);
                        shifted(&own, offset, &mut inner);
                    }
                    n.text_len()
                }
                NodeOrToken::Token(t) => t.text_len(),
            };
            offset += len;
        }
        inner.extend(
            old_inner
                .iter()
                .filter(|r| r.range.start() >= old_end)
                .map(delta),
        );
        // A child's own paths come anchor by anchor, not always in text order.
        inner.sort_by_key(|r| r.range.start());
        with_anchors(node, inner.into())
    }

    /// The relative result of a big node whose big children are memoised, and the part its
    /// children contribute.
    fn combine(&mut self, node: &GreenNode) -> (Arc<[PathRef]>, Arc<[PathRef]>) {
        let mut out = Vec::new();
        let mut chunk: Vec<(
            TextSize,
            NodeOrToken<&GreenNodeData, &rowan::GreenTokenData>,
        )> = Vec::new();
        let mut offset = TextSize::from(0);
        for child in node.children() {
            let len = match child {
                NodeOrToken::Node(n) => n.text_len(),
                NodeOrToken::Token(t) => t.text_len(),
            };
            match child {
                NodeOrToken::Node(n) if u32::from(n.text_len()) >= BIG => {
                    self.flush_chunk(&mut chunk, &mut out);
                    match self.lookup(n) {
                        Some(refs) => shifted(&refs, offset, &mut out),
                        // Not reached: pass 1 computed every big descendant of a miss.
                        None => {
                            self.scanned += usize::from(n.text_len());
                            let mut own = Vec::new();
                            subtree_refs(n, &mut own);
                            shifted(&own, offset, &mut out);
                        }
                    }
                }
                NodeOrToken::Node(n) => {
                    chunk.push((offset, child));
                    if is_boundary(ptr(n)) || chunk.len() >= CHUNK_MAX {
                        self.flush_chunk(&mut chunk, &mut out);
                    }
                }
                NodeOrToken::Token(_) => {
                    chunk.push((offset, child));
                    if chunk.len() >= CHUNK_MAX {
                        self.flush_chunk(&mut chunk, &mut out);
                    }
                }
            }
            offset += len;
        }
        self.flush_chunk(&mut chunk, &mut out);
        out.sort_by_key(|r| r.range.start());
        with_anchors(node, out.into())
    }

    /// Adds the paths of a run of small children (memoised by the children's identities).
    fn flush_chunk(
        &mut self,
        chunk: &mut Vec<(
            TextSize,
            NodeOrToken<&GreenNodeData, &rowan::GreenTokenData>,
        )>,
        out: &mut Vec<PathRef>,
    ) {
        let Some(&(start, _)) = chunk.first() else {
            return;
        };
        // The pointers identify the elements; a multiplicative mix is enough to spread them.
        let key = chunk.iter().fold(0u64, |h, (_, e)| {
            (h.rotate_left(5) ^ element_ptr(*e) as u64).wrapping_mul(0x517C_C1B7_2722_0A95)
        });
        let same = |elems: &[Element]| {
            elems.len() == chunk.len()
                && elems
                    .iter()
                    .zip(chunk.iter())
                    .all(|(a, (_, b))| owned_ptr(a) == element_ptr(*b))
        };
        let generation = self.generation;
        let cached = match self.chunks.get_mut(&key) {
            Some(entry) if same(&entry.key) => {
                if entry.used != generation {
                    entry.used = generation;
                    self.touched += 1;
                }
                Some(Arc::clone(&entry.refs))
            }
            _ => None,
        };
        let refs = match cached {
            Some(refs) => refs,
            None => {
                let mut own = Vec::new();
                for (off, e) in chunk.iter() {
                    if let NodeOrToken::Node(n) = e {
                        self.scanned += usize::from(n.text_len());
                        let mut sub = Vec::new();
                        subtree_refs(n, &mut sub);
                        shifted(&sub, *off - start, &mut own);
                    }
                }
                let refs: Arc<[PathRef]> = own.into();
                let elems: Box<[Element]> = chunk
                    .iter()
                    .map(|(_, e)| match e {
                        NodeOrToken::Node(n) => NodeOrToken::Node((*n).to_owned()),
                        NodeOrToken::Token(t) => NodeOrToken::Token((*t).to_owned()),
                    })
                    .collect();
                self.touched += 1;
                self.chunks.insert(
                    key,
                    Entry {
                        key: elems,
                        inner: Arc::clone(&refs),
                        refs: Arc::clone(&refs),
                        used: generation,
                    },
                );
                refs
            }
        };
        shifted(&refs, start, out);
        chunk.clear();
    }
}

#[cfg(test)]
mod tests;
