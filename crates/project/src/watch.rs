//! A file watcher for clients that cannot watch files themselves (Neovim on Linux).
//!
//! On Linux (inotify) every directory is watched on its own, so that skipped directories such as
//! `.git` and `node_modules` cost no watches and new directories are picked up as they appear.
//! Elsewhere (FSEvents, ReadDirectoryChanges, kqueue) each root is watched recursively and events
//! under skipped directories are dropped. Events are debounced into batches.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base::VfsPath;
use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _, WatcherKind};

use crate::discover::{is_skipped_dir_name, walk};
use crate::load::{ChangedPaths, is_analysed_file};

/// How long the file system must stay quiet before a batch is delivered.
const QUIET: Duration = Duration::from_millis(50);
/// The longest a batch is held back while events keep coming.
const MAX_DELAY: Duration = Duration::from_millis(500);

/// Watches flake roots for changes of analysed files and of the directory tree; calls a callback
/// with debounced [`ChangedPaths`] batches on a background thread. Dropping it stops watching.
pub struct Watcher {
    inner: Option<Arc<Mutex<RecommendedWatcher>>>,
    thread: Option<JoinHandle<()>>,
}

/// Whether every directory gets its own watch (inotify) rather than one recursive watch per root.
fn per_directory() -> bool {
    <RecommendedWatcher as notify::Watcher>::kind() == WatcherKind::Inotify
}

impl Watcher {
    /// Starts watching `roots`. `on_change` runs on the watcher's thread, once per batch.
    /// Fails when a watch cannot be set up (e.g. the inotify watch limit is reached).
    pub fn new(
        roots: &[VfsPath],
        on_change: impl Fn(ChangedPaths) + Send + 'static,
    ) -> notify::Result<Watcher> {
        let (tx, rx) = std::sync::mpsc::channel();
        let config = notify::Config::default().with_follow_symlinks(false);
        let watcher = Arc::new(Mutex::new(RecommendedWatcher::new(tx, config)?));
        {
            let mut guard = watcher.lock().unwrap_or_else(|e| e.into_inner());
            for root in roots {
                if per_directory() {
                    for dir in directories(root.as_path()) {
                        guard.watch(&dir, RecursiveMode::NonRecursive)?;
                    }
                } else {
                    guard.watch(root.as_path(), RecursiveMode::Recursive)?;
                }
            }
        }
        let state = EventLoop {
            roots: roots.to_vec(),
            watcher: Arc::downgrade(&watcher),
            on_change: Box::new(on_change),
        };
        let thread = std::thread::Builder::new()
            .name("flake-lsp-watcher".to_owned())
            .spawn(move || state.run(rx))
            .map_err(notify::Error::io)?;
        Ok(Watcher {
            inner: Some(watcher),
            thread: Some(thread),
        })
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        // Dropping the notify watcher closes the event channel, which ends the thread.
        drop(self.inner.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The directories under `dir` (itself included) that a walk enters.
fn directories(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
        .entries
        .into_iter()
        .filter(|e| e.path.is_dir() && !e.path.is_symlink())
        .map(|e| e.path)
        .collect()
}

struct EventLoop {
    roots: Vec<VfsPath>,
    watcher: Weak<Mutex<RecommendedWatcher>>,
    on_change: Box<dyn Fn(ChangedPaths) + Send>,
}

impl EventLoop {
    fn run(self, rx: Receiver<notify::Result<notify::Event>>) {
        loop {
            let Ok(first) = rx.recv() else { return };
            let mut batch = ChangedPaths::default();
            self.absorb(first, &mut batch);
            let started = Instant::now();
            loop {
                let left = MAX_DELAY.saturating_sub(started.elapsed());
                if left.is_zero() {
                    break;
                }
                match rx.recv_timeout(QUIET.min(left)) {
                    Ok(event) => self.absorb(event, &mut batch),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        self.deliver(batch);
                        return;
                    }
                }
            }
            self.deliver(batch);
        }
    }

    fn deliver(&self, mut batch: ChangedPaths) {
        batch.files.sort();
        batch.files.dedup();
        if !batch.files.is_empty() || batch.tree_changed {
            (self.on_change)(batch);
        }
    }

    fn absorb(&self, event: notify::Result<notify::Event>, batch: &mut ChangedPaths) {
        let event = match event {
            Ok(event) => event,
            Err(_) => {
                // The backend lost track (e.g. a queue overflow): everything may have changed.
                batch.tree_changed = true;
                return;
            }
        };
        if event.need_rescan() {
            batch.tree_changed = true;
        }
        let structural = match event.kind {
            EventKind::Access(_) => return,
            EventKind::Create(_)
            | EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Name(_)) => true,
            EventKind::Modify(_) | EventKind::Any | EventKind::Other => false,
        };
        for path in event.paths {
            if self.is_skipped(&path) {
                continue;
            }
            if structural {
                batch.tree_changed = true;
                if path.is_dir() && !path.is_symlink() {
                    self.new_directory(&path, batch);
                }
            }
            if is_analysed_file(&path) {
                batch.files.push(VfsPath::new(&path));
            }
        }
    }

    /// A directory appeared: watch it and its subdirectories (per-directory mode) and report the
    /// files already in them, which were created before any watch could see them. Each directory
    /// is watched before it is listed, so nothing created in between is missed.
    fn new_directory(&self, dir: &Path, batch: &mut ChangedPaths) {
        if !per_directory() {
            for entry in walk(dir).entries {
                if entry.is_file && is_analysed_file(&entry.path) {
                    batch.files.push(VfsPath::new(&entry.path));
                }
            }
            return;
        }
        let Some(watcher) = self.watcher.upgrade() else {
            return;
        };
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            {
                let mut guard = watcher.lock().unwrap_or_else(|e| e.into_inner());
                // A directory that vanished again needs no watch.
                if guard.watch(&dir, RecursiveMode::NonRecursive).is_err() {
                    continue;
                }
            }
            let Ok(read_dir) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in read_dir.flatten() {
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if file_type.is_dir() {
                    if !is_skipped_dir_name(&entry.file_name()) {
                        stack.push(path);
                    }
                } else if is_analysed_file(&path) && path.is_file() {
                    batch.files.push(VfsPath::new(&path));
                }
            }
        }
    }

    /// Whether `path` lies in a skipped directory below one of the roots.
    fn is_skipped(&self, path: &Path) -> bool {
        let Some(root) = self.roots.iter().find(|r| path.starts_with(r.as_path())) else {
            return false;
        };
        let Ok(rel) = path.strip_prefix(root.as_path()) else {
            return false;
        };
        let mut components: Vec<_> = rel.components().collect();
        // The last component is the changed entry itself; a skipped directory being created or
        // removed is still a change of the tree.
        components.pop();
        components
            .into_iter()
            .any(|c| is_skipped_dir_name(c.as_os_str()))
    }
}
