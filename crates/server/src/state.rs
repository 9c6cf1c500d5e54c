//! The server's mutable state: the analysis host, open documents and settings, behind one
//! synchronous lock. Text-sync notifications mutate it without awaiting, so edits are applied
//! in the order the client sent them; everything else reads immutable [`Snapshot`]s.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ide::{Analysis, AnalysisHost, Change, FileContent, PositionEncoding, TextEdit, VfsPath};
use tokio::sync::Notify;
use tower_lsp_server::gen_lsp_types::{TextDocumentContentChangeEvent, Uri};

use crate::config::Config;
use crate::from_proto;

/// One document the client has open.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    /// The URI exactly as the client spelled it (clients match diagnostics by string).
    pub(crate) uri: Uri,
    /// The client's version of the text.
    pub(crate) version: i32,
}

/// An immutable view of everything a request or the diagnostics worker needs.
#[derive(Clone)]
pub(crate) struct Snapshot {
    /// The analysis of this moment.
    pub(crate) analysis: Analysis,
    /// Open documents of this moment, by path.
    pub(crate) docs: Arc<HashMap<VfsPath, Document>>,
    /// The negotiated column unit.
    pub(crate) encoding: PositionEncoding,
    /// The generation this snapshot was taken at.
    pub(crate) generation: u64,
}

struct Inner {
    host: AnalysisHost,
    docs: Arc<HashMap<VfsPath, Document>>,
    encoding: PositionEncoding,
    config: Arc<Config>,
    roots: BTreeSet<VfsPath>,
}

/// The shared state of one server.
pub(crate) struct State {
    inner: Mutex<Inner>,
    generation: AtomicU64,
    /// Woken after every change of the analysis; the diagnostics scheduler waits on it.
    pub(crate) changed: Notify,
}

impl State {
    /// An empty state.
    pub(crate) fn new() -> State {
        State {
            inner: Mutex::new(Inner {
                host: AnalysisHost::new(),
                docs: Arc::default(),
                encoding: PositionEncoding::Utf16,
                config: Arc::default(),
                roots: BTreeSet::new(),
            }),
            generation: AtomicU64::new(0),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every mutation is one
        // `apply_change`), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current generation; it grows with every change.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_one();
    }

    /// A consistent snapshot of this moment.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let inner = self.lock();
        Snapshot {
            analysis: inner.host.analysis(),
            docs: Arc::clone(&inner.docs),
            encoding: inner.encoding,
            generation: self.generation(),
        }
    }

    /// Sets the negotiated position encoding.
    pub(crate) fn set_encoding(&self, encoding: PositionEncoding) {
        self.lock().encoding = encoding;
    }

    /// The current settings.
    pub(crate) fn config(&self) -> Arc<Config> {
        Arc::clone(&self.lock().config)
    }

    /// Replaces the settings; passes analysis-relevant ones on to the analysis.
    pub(crate) fn set_config(&self, config: Config) {
        let mut inner = self.lock();
        let mut change = Change::new();
        change.config = Some(config.analysis_config());
        inner.host.apply_change(change);
        inner.config = Arc::new(config);
        drop(inner);
        self.bump();
    }

    /// The flake roots loaded so far.
    pub(crate) fn roots(&self) -> BTreeSet<VfsPath> {
        self.lock().roots.clone()
    }

    /// Records a document the client opened; its text wins over the disk from now on.
    pub(crate) fn open(&self, uri: Uri, path: VfsPath, version: i32, text: String) {
        let mut inner = self.lock();
        Arc::make_mut(&mut inner.docs).insert(path.clone(), Document { uri, version });
        let mut change = Change::new();
        change.set_text(path, text);
        inner.host.apply_change(change);
        drop(inner);
        self.bump();
    }

    /// Applies the content changes of one `didChange`, in order, before returning.
    /// Returns `false` when the document is not open.
    pub(crate) fn change(
        &self,
        path: &VfsPath,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> bool {
        let mut inner = self.lock();
        let encoding = inner.encoding;
        let Some(doc) = Arc::make_mut(&mut inner.docs).get_mut(path) else {
            return false;
        };
        doc.version = version;
        for event in changes {
            let mut change = Change::new();
            match event {
                TextDocumentContentChangeEvent::TextDocumentContentChangeWholeDocument(whole) => {
                    change.set_text(path.clone(), whole.text);
                }
                TextDocumentContentChangeEvent::TextDocumentContentChangePartial(partial) => {
                    let edit = {
                        let analysis = inner.host.analysis();
                        let Some(file_id) = analysis.file_id(path) else {
                            return false;
                        };
                        let text = analysis.file_text(file_id);
                        let line_index = analysis.line_index(file_id);
                        let range =
                            from_proto::text_range(&line_index, &text, partial.range, encoding);
                        TextEdit {
                            range,
                            new_text: partial.text,
                        }
                    };
                    change.edit_file(path.clone(), vec![edit]);
                }
            }
            inner.host.apply_change(change);
        }
        drop(inner);
        self.bump();
        true
    }

    /// Forgets an open document; returns `true` if it was open. The caller reloads the disk
    /// content (or removes the file) afterwards.
    pub(crate) fn close(&self, path: &VfsPath) -> bool {
        let mut inner = self.lock();
        // No new generation yet: the caller's disk reload makes one, so no diagnostics are
        // published for the editor's last text under the closed file's name.
        Arc::make_mut(&mut inner.docs).remove(path).is_some()
    }

    /// Applies content read from disk. Files open in the editor are skipped: their text comes
    /// from the client.
    pub(crate) fn apply_disk(&self, mut change: Change) {
        let mut inner = self.lock();
        let docs = Arc::clone(&inner.docs);
        change.files.retain(|(path, _)| !docs.contains_key(path));
        change.edits.retain(|(path, _)| !docs.contains_key(path));
        if change.config.is_some() {
            // The loader knows only its own settings; ours are authoritative.
            change.config = Some(inner.config.analysis_config());
        }
        inner.host.apply_change(change);
        drop(inner);
        self.bump();
    }

    /// Applies a full load of `roots`: like [`State::apply_disk`], and files that the load did
    /// not produce are forgotten unless they are open.
    pub(crate) fn replace_disk(&self, mut change: Change, roots: Vec<VfsPath>) {
        let mut inner = self.lock();
        let loaded: BTreeSet<VfsPath> = change.files.iter().map(|(path, _)| path.clone()).collect();
        let analysis = inner.host.analysis();
        for file_id in analysis.files() {
            let path = analysis.file_path(file_id);
            if !loaded.contains(&path) && !inner.docs.contains_key(&path) {
                change.remove_file(path);
            }
        }
        drop(analysis);
        inner.roots = roots.into_iter().collect();
        drop(inner);
        self.apply_disk(change);
    }

    /// Removes a closed file that belongs to no loaded flake.
    pub(crate) fn forget_file(&self, path: VfsPath) {
        let mut change = Change::new();
        change.remove_file(path);
        self.apply_disk(change);
    }

    /// Sets one file's disk content (skipped when the file is open).
    pub(crate) fn set_disk_file(&self, path: VfsPath, content: FileContent) {
        let mut change = Change::new();
        change.set_file(path, content);
        self.apply_disk(change);
    }
}
