//! Background diagnostics: a scheduler task waits for changes, debounces, takes a snapshot and
//! computes diagnostics on a blocking thread, publishing each file as soon as it is done. A newer
//! change makes the running computation stop at the next file (generation check).

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
    loop {
        state.changed.notified().await;
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
        let snap = state.snapshot();
        let worker_state = Arc::clone(&state);
        let tx = tx.clone();
        let task = tokio::task::spawn_blocking(move || {
            compute(&worker_state, &snap, &mut published, &tx);
            published
        });
        match task.await {
            Ok(back) => published = back,
            Err(err) => {
                log::error!("diagnostics worker failed: {err}");
                published = Published::new();
            }
        }
    }
}

/// Computes diagnostics of every file, open documents first, and queues publications for the
/// files whose diagnostics or version changed. Stops early when a newer change arrives.
fn compute(
    state: &State,
    snap: &Snapshot,
    published: &mut Published,
    tx: &mpsc::UnboundedSender<Publish>,
) {
    let mut files = snap.analysis.files();
    // Open documents first: they are what the user looks at.
    files.sort_by_key(|&file_id| !snap.docs.contains_key(&snap.analysis.file_path(file_id)));
    let mut seen = HashSet::new();
    let mut waited_for_quiet = false;
    for file_id in files {
        if state.generation() != snap.generation {
            return;
        }
        let open = snap.docs.contains_key(&snap.analysis.file_path(file_id));
        if !open && !waited_for_quiet {
            waited_for_quiet = true;
            if !quiet_for(state, snap.generation, CLOSED_FILES_DELAY) {
                return;
            }
        }
        let Some(uri) = to_proto::uri(snap, file_id) else {
            continue;
        };
        let version = snap
            .docs
            .get(&snap.analysis.file_path(file_id))
            .map(|doc| doc.version);
        let diagnostics = file_diagnostics(snap, file_id);
        seen.insert(uri.clone());
        let unchanged = match published.get(&uri) {
            Some((old_version, old)) => *old_version == version && *old == diagnostics,
            None => diagnostics.is_empty() && version.is_none(),
        };
        if unchanged {
            continue;
        }
        published.insert(uri.clone(), (version, diagnostics.clone()));
        let _ = tx.send(Publish {
            uri,
            version,
            diagnostics,
        });
    }
    // Files that went away: clear what we said about them.
    let gone: Vec<Uri> = published
        .keys()
        .filter(|uri| !seen.contains(*uri))
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

/// Waits up to `delay` on this blocking thread; `false` as soon as a change newer than
/// `generation` arrives.
fn quiet_for(state: &State, generation: u64, delay: Duration) -> bool {
    let step = Duration::from_millis(5);
    let mut waited = Duration::ZERO;
    while waited < delay {
        if state.generation() != generation {
            return false;
        }
        std::thread::sleep(step);
        waited += step;
    }
    state.generation() == generation
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
