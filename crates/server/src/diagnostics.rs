//! Background diagnostics: a scheduler task waits for changes, debounces, and runs passes on
//! immutable snapshots on a blocking thread, publishing each file as soon as it is done. The
//! open documents come first, after every change; the other files follow once the text has been
//! quiet for a moment. A newer change makes a running pass stop at the next file (generation
//! check), and every wait is raced against the next change, so a keystroke never queues behind
//! a timer.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use ide::FileId;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::gen_lsp_types as lsp;
use tower_lsp_server::gen_lsp_types::Uri;

use crate::state::{Snapshot, State};
use crate::to_proto;

/// Closed files are recomputed only after the text has been quiet this long: while the user types,
/// each keystroke pays for the open documents alone, and cross-file results for closed files follow
/// as soon as typing pauses.
const CLOSED_FILES_DELAY: Duration = Duration::from_millis(150);

/// One `publishDiagnostics` to send.
struct Publish {
    uri: Uri,
    version: Option<i32>,
    diagnostics: Vec<lsp::Diagnostic>,
}

/// What was last published per URI: the version and the diagnostics.
type Published = HashMap<Uri, (Option<i32>, Vec<lsp::Diagnostic>)>;

/// Which files a pass covers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The documents open in the editor.
    Open,
    /// Every other file; this pass also clears what was said about files that went away.
    Closed,
}

/// Runs forever: recomputes and publishes diagnostics after every change.
pub(crate) async fn run_scheduler(state: Arc<State>, client: Client) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Publish>();
    tokio::spawn(async move {
        while let Some(publish) = rx.recv().await {
            client
                .publish_diagnostics(publish.uri, publish.diagnostics, publish.version)
                .await;
        }
    });
    let mut published = Published::new();
    // Set when a change was already noticed (its wake-up consumed) while waiting for quiet.
    let mut woken = false;
    loop {
        if !woken {
            state.changed.notified().await;
        }
        woken = false;
        let debounce = Duration::from_millis(state.config().diagnostics.debounce_ms);
        if !debounce.is_zero() {
            // Wait until the changes stop for `debounce`.
            loop {
                tokio::select! {
                    () = tokio::time::sleep(debounce) => break,
                    () = state.changed.notified() => {}
                }
            }
        }
        let generation = state.generation();
        published = run_pass(&state, Pass::Open, published, &tx).await;
        if state.generation() != generation {
            // A newer change is waiting (its wake-up is stored): start over with it.
            continue;
        }
        // Closed files only once typing pauses. The wait is a timer raced against the next
        // change, so a keystroke is never held up behind it.
        tokio::select! {
            () = tokio::time::sleep(CLOSED_FILES_DELAY) => {}
            () = state.changed.notified() => {
                woken = true;
                continue;
            }
        }
        published = run_pass(&state, Pass::Closed, published, &tx).await;
    }
}

/// Runs one pass on a snapshot taken now, on a blocking thread, and hands back what was
/// published.
async fn run_pass(
    state: &Arc<State>,
    pass: Pass,
    mut published: Published,
    tx: &mpsc::UnboundedSender<Publish>,
) -> Published {
    let snap = state.snapshot();
    let worker_state = Arc::clone(state);
    let tx = tx.clone();
    let task = tokio::task::spawn_blocking(move || {
        compute(&worker_state, &snap, pass, &mut published, &tx);
        published
    });
    match task.await {
        Ok(back) => back,
        Err(err) => {
            log::error!("diagnostics worker failed: {err}");
            Published::new()
        }
    }
}

/// Computes the diagnostics of the files of `pass` and queues publications for the files whose
/// diagnostics or version changed. Stops early when a newer change arrives.
fn compute(
    state: &State,
    snap: &Snapshot,
    pass: Pass,
    published: &mut Published,
    tx: &mpsc::UnboundedSender<Publish>,
) {
    let mut current = HashSet::new();
    let files = match pass {
        Pass::Open => {
            let mut open: Vec<FileId> = snap
                .docs
                .keys()
                .filter_map(|path| snap.analysis.file_id(path))
                .collect();
            open.sort();
            open
        }
        Pass::Closed => snap.analysis.files(),
    };
    for file_id in files {
        if state.generation() != snap.generation {
            return;
        }
        let path = snap.analysis.file_path(file_id);
        let Some(uri) = to_proto::uri(snap, file_id) else {
            continue;
        };
        let version = snap.docs.get(&path).map(|doc| doc.version);
        current.insert(uri.clone());
        if (pass == Pass::Open) != version.is_some() {
            continue;
        }
        let diagnostics = file_diagnostics(snap, file_id);
        let unchanged = match published.get(&uri) {
            Some((old_version, old)) => *old_version == version && *old == diagnostics,
            None => diagnostics.is_empty() && version.is_none(),
        };
        if !unchanged {
            published.insert(uri.clone(), (version, diagnostics.clone()));
            let _ = tx.send(Publish {
                uri,
                version,
                diagnostics,
            });
        }
        if pass == Pass::Open {
            // The next keystroke converts its range with this text's line index: build it now,
            // after publishing, rather than on the way of that keystroke.
            let _ = snap.analysis.line_index(file_id);
        }
    }
    if pass == Pass::Open {
        return;
    }
    // Files that went away: clear what we said about them.
    let gone: Vec<Uri> = published
        .keys()
        .filter(|uri| !current.contains(*uri))
        .cloned()
        .collect();
    for uri in gone {
        if let Some((_, old)) = published.remove(&uri)
            && !old.is_empty()
        {
            let _ = tx.send(Publish {
                uri,
                version: None,
                diagnostics: Vec::new(),
            });
        }
    }
}

/// One file's diagnostics in LSP form; a panic in the analysis is logged and yields none.
fn file_diagnostics(snap: &Snapshot, file_id: FileId) -> Vec<lsp::Diagnostic> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        snap.analysis
            .diagnostics(file_id)
            .iter()
            .map(|diag| to_proto::diagnostic(snap, diag))
            .collect::<Vec<_>>()
    }));
    match result {
        Ok(diagnostics) => diagnostics,
        Err(_) => {
            log::error!(
                "diagnostics of {} panicked",
                snap.analysis.file_path(file_id)
            );
            Vec::new()
        }
    }
}
