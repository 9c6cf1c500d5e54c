//! The server's view of the disk: which flakes to load, loading them in the background with
//! progress, reacting to file changes (client watching or `project::Watcher`), and settings.
//! All file IO goes through the `project` crate, on blocking threads.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ide::VfsPath;
use project::ChangedPaths;
use serde_json::Value;
use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::gen_lsp_types as lsp;

use crate::capabilities::ClientCaps;
use crate::config::{self, Config};
use crate::state::State;

/// How long the server waits for the client to answer one of its requests before going on
/// without it (a client that never answers must not stall loading).
const CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Everything the handlers and the background tasks share.
pub(crate) struct Ctx {
    /// Talks to the client.
    pub(crate) client: Client,
    /// Documents and analysis.
    pub(crate) state: Arc<State>,
    /// What the client can do (set by `initialize`).
    pub(crate) caps: OnceLock<ClientCaps>,
    /// Workspace folders, as directories.
    pub(crate) folders: Mutex<Vec<PathBuf>>,
    /// Flake roots found upward from opened files outside every workspace folder.
    pub(crate) extra_roots: Mutex<BTreeSet<VfsPath>>,
    /// Serialises loads.
    load_lock: tokio::sync::Mutex<()>,
    /// Serialises the scan step of package loads.
    scan_lock: tokio::sync::Mutex<()>,
    /// Serialises `unfree.evaluate` runs: never two `nix` processes at once.
    evaluation_lock: tokio::sync::Mutex<()>,
    /// The number of the newest package load; older loads apply nothing more.
    package_loads: AtomicU64,
    /// The server-side watcher, when the client does not watch for us.
    watcher: Mutex<Option<project::Watcher>>,
    /// Where the server-side watcher sends its batches.
    disk_tx: mpsc::UnboundedSender<ChangedPaths>,
    /// Set once `shutdown` was received.
    pub(crate) shut_down: Arc<AtomicBool>,
    progress_ids: AtomicU32,
    /// How many loads are pending or running; requests wait for zero (see [`Ctx::loaded`]).
    loads: tokio::sync::watch::Sender<usize>,
}

/// Marks one load as pending from its creation (in the handler, before the task is spawned)
/// until it is dropped (when the load task ends).
pub(crate) struct LoadGuard(Arc<Ctx>);

impl Drop for LoadGuard {
    fn drop(&mut self) {
        self.0.loads.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// How long a request waits for pending loads before answering from what is loaded.
const LOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Ctx {
    /// A context; the returned receiver must be handed to [`run_disk_changes`].
    pub(crate) fn new(
        client: Client,
        shut_down: Arc<AtomicBool>,
    ) -> (Ctx, mpsc::UnboundedReceiver<ChangedPaths>) {
        let (disk_tx, disk_rx) = mpsc::unbounded_channel();
        let ctx = Ctx {
            client,
            state: Arc::new(State::new()),
            caps: OnceLock::new(),
            folders: Mutex::new(Vec::new()),
            extra_roots: Mutex::new(BTreeSet::new()),
            load_lock: tokio::sync::Mutex::new(()),
            scan_lock: tokio::sync::Mutex::new(()),
            evaluation_lock: tokio::sync::Mutex::new(()),
            package_loads: AtomicU64::new(0),
            watcher: Mutex::new(None),
            disk_tx,
            shut_down,
            progress_ids: AtomicU32::new(0),
            loads: tokio::sync::watch::Sender::new(0),
        };
        (ctx, disk_rx)
    }

    /// Registers a pending load; hold the guard until the load is applied.
    pub(crate) fn begin_load(self: &Arc<Ctx>) -> LoadGuard {
        self.loads.send_modify(|n| *n += 1);
        LoadGuard(Arc::clone(self))
    }

    /// Waits (at most [`LOAD_WAIT`]) until no load is pending, so that a request sent right after
    /// `initialized` or `didOpen` is answered from the loaded flake rather than from nothing.
    pub(crate) async fn loaded(&self) {
        let mut loads = self.loads.subscribe();
        if tokio::time::timeout(LOAD_WAIT, loads.wait_for(|n| *n == 0))
            .await
            .is_err()
        {
            log::warn!("answering a request before the workspace finished loading");
        }
    }

    /// Whether the package load numbered `generation` is the newest one.
    fn is_newest_package_load(&self, generation: u64) -> bool {
        self.package_loads.load(Ordering::SeqCst) == generation
    }

    /// The client's capabilities (defaults before `initialize`).
    pub(crate) fn caps(&self) -> ClientCaps {
        self.caps.get().copied().unwrap_or_default()
    }
}

/// Locks a std mutex, ignoring poisoning (the data are plain collections).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Finds the flakes of the workspace folders (plus the extra roots) and loads them, replacing
/// what was loaded before. Runs one at a time; reports `$/progress` when the client can show it.
pub(crate) async fn load_workspace(ctx: Arc<Ctx>) {
    let _guard = ctx.load_lock.lock().await;
    let progress = begin_progress(&ctx, "Loading flakes").await;
    let folders = lock(&ctx.folders).clone();
    let extra: Vec<VfsPath> = lock(&ctx.extra_roots).iter().cloned().collect();
    let cfg = ctx.state.config().load_config();
    let loaded = tokio::task::spawn_blocking(move || {
        let mut roots = project::find_flake_roots(&folders);
        roots.extend(extra);
        roots.sort();
        roots.dedup();
        let (change, issues) = project::load(&roots, &[], &cfg);
        (roots, change, issues)
    })
    .await;
    match loaded {
        Ok((roots, change, issues)) => {
            for issue in &issues {
                log::warn!("could not read {issue}");
            }
            let n_files = change.files.len();
            ctx.state.replace_disk(change, roots.clone());
            log::info!("loaded {} flake(s), {n_files} file(s)", roots.len());
            if !ctx.caps().watch_files {
                start_watcher(&ctx, &roots).await;
            }
            let guard = ctx.begin_load();
            // Numbered here, in the order of the loads, not when the task starts.
            let generation = ctx.package_loads.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(load_packages(Arc::clone(&ctx), roots, generation, guard));
        }
        Err(err) => {
            log::error!("loading the workspace failed: {err}");
            let message = format!("flake-lsp could not load the workspace: {err}");
            ctx.client
                .show_message(lsp::MessageType::Error, message)
                .await;
        }
    }
    if let Some(progress) = progress {
        progress.finish().await;
    }
}

/// Loads the package (license) data of the loaded flakes' locked nixpkgs in the background: from
/// the cache, or by scanning the nixpkgs source (seconds), or the bundled list when neither is
/// available. Requests do not wait for it: until it arrives the bundled list answers.
///
/// With `unfree.evaluate`, `nix eval` then decides what the scan could not, and its verdicts are
/// applied as a second change when it ends (up to 120 s later). Evaluations run one at a time; a
/// newer load waits for the running one (whose verdicts it then finds in the cache), and a load
/// that a newer one superseded (`generation`: the number of this one) applies nothing more.
async fn load_packages(ctx: Arc<Ctx>, roots: Vec<VfsPath>, generation: u64, guard: LoadGuard) {
    // Requests need not wait for package data.
    drop(guard);
    let is_current = || ctx.is_newest_package_load(generation);
    let scanned = {
        let _scan = ctx.scan_lock.lock().await;
        if !is_current() {
            return;
        }
        let progress = begin_progress(&ctx, "Indexing nixpkgs packages").await;
        let scanned = scan_packages(&ctx, roots, generation).await;
        if let Some(progress) = progress {
            progress.finish().await;
        }
        scanned
    };
    let Some(scanned) = scanned.filter(project::ScannedPackages::needs_evaluation) else {
        return;
    };
    let _evaluation = ctx.evaluation_lock.lock().await;
    if !is_current() {
        return;
    }
    let progress = begin_progress(&ctx, "Evaluating package licenses with nix").await;
    let evaluated = tokio::task::spawn_blocking(move || {
        let cache = project::cache_dir();
        let mut warnings = Vec::new();
        let packages = project::evaluate_undecided(&scanned, cache.as_deref(), &mut |line| {
            log_line(&line);
            if line.level == project::LogLevel::Warn {
                warnings.push(line.text);
            }
        });
        (packages, warnings)
    })
    .await;
    match evaluated {
        Ok(_) if !is_current() => {}
        Ok((packages, warnings)) => {
            // The user turned `unfree.evaluate` on: a failure is shown, once per load.
            if let Some(first) = warnings.first() {
                let more = match warnings.len() {
                    1 => String::new(),
                    n => format!(" ({} more in the log)", n - 1),
                };
                let message = format!("flake-lsp: {first}{more}.");
                ctx.client
                    .show_message(lsp::MessageType::Warning, message)
                    .await;
            }
            if let Some(packages) = packages {
                let mut change = ide::Change::new();
                change.packages = Some(Arc::new(packages));
                ctx.state.apply_disk(change);
            }
        }
        Err(err) => log::error!("evaluating package licenses failed: {err}"),
    }
    if let Some(progress) = progress {
        progress.finish().await;
    }
}

/// The scan step of [`load_packages`]: loads the scanned package data and applies it, unless a
/// newer load superseded this one (`generation`: its number). `None` when loading failed.
async fn scan_packages(
    ctx: &Ctx,
    roots: Vec<VfsPath>,
    generation: u64,
) -> Option<project::ScannedPackages> {
    let config = ctx.state.config().analysis_config();
    let nixpkgs_path = config.nixpkgs_path.clone();
    let roots: Vec<PathBuf> = roots.iter().map(|r| r.as_path().to_path_buf()).collect();
    let loaded = tokio::task::spawn_blocking(move || {
        let cache = project::cache_dir();
        let mut lines = Vec::new();
        let scanned = project::load_package_data(&roots, &config, cache.as_deref(), &mut |line| {
            log_line(&line);
            lines.push(line.text);
        });
        (scanned, lines)
    })
    .await;
    let (scanned, lines) = match loaded {
        Ok(loaded) => loaded,
        Err(err) => {
            log::error!("loading package data failed: {err}");
            return None;
        }
    };
    if !ctx.is_newest_package_load(generation) {
        return Some(scanned);
    }
    // The setting names a tree that gave no index: the user should know, once per load.
    if let Some(path) = nixpkgs_path.filter(|_| scanned.packages.default.is_none()) {
        let why = lines
            .last()
            .map(String::as_str)
            .unwrap_or("no package data found");
        let message = format!(
            "flake-lsp: the setting `nixpkgs.path` = `{path}` could not be used ({why}); \
             unfree checks fall back to the locked nixpkgs or the bundled list."
        );
        ctx.client
            .show_message(lsp::MessageType::Warning, message)
            .await;
    }
    let mut change = ide::Change::new();
    change.packages = Some(Arc::new(scanned.packages.clone()));
    ctx.state.apply_disk(change);
    Some(scanned)
}

/// Logs a line of the package load at its level.
fn log_line(line: &project::LogLine) {
    match line.level {
        project::LogLevel::Info => log::info!("{line}"),
        project::LogLevel::Warn => log::warn!("{line}"),
    }
}

/// Starts a `$/progress` stream if the client supports it.
async fn begin_progress(
    ctx: &Ctx,
    title: &str,
) -> Option<
    tower_lsp_server::OngoingProgress<
        tower_lsp_server::Unbounded,
        tower_lsp_server::NotCancellable,
    >,
> {
    if !ctx.caps().work_done_progress {
        return None;
    }
    let n = ctx.progress_ids.fetch_add(1, Ordering::Relaxed);
    let token = lsp::ProgressToken::String(format!("flake-lsp/load/{n}"));
    match tokio::time::timeout(
        CLIENT_TIMEOUT,
        ctx.client.create_work_done_progress(token.clone()),
    )
    .await
    {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            log::debug!("client refused a progress token: {err}");
            return None;
        }
        Err(_) => {
            log::warn!("client did not answer window/workDoneProgress/create; no progress shown");
            return None;
        }
    }
    Some(ctx.client.progress(token, title).begin().await)
}

/// (Re)starts the server-side watcher on `roots`.
async fn start_watcher(ctx: &Ctx, roots: &[VfsPath]) {
    let tx = ctx.disk_tx.clone();
    let roots_for_thread = roots.to_vec();
    let made = tokio::task::spawn_blocking(move || {
        // Drop the old watcher first so that its watches are released.
        project::Watcher::new(&roots_for_thread, move |changed| {
            let _ = tx.send(changed);
        })
    });
    let old = lock(&ctx.watcher).take();
    drop(old);
    match made.await {
        Ok(Ok(watcher)) => *lock(&ctx.watcher) = Some(watcher),
        Ok(Err(err)) => {
            log::warn!("cannot watch files: {err}");
            let message =
                format!("flake-lsp cannot watch files ({err}); changes on disk are not seen.");
            ctx.client
                .show_message(lsp::MessageType::Warning, message)
                .await;
        }
        Err(err) => log::error!("starting the watcher failed: {err}"),
    }
}

/// Applies the batches of the server-side watcher, forever.
pub(crate) async fn run_disk_changes(ctx: Arc<Ctx>, mut rx: mpsc::UnboundedReceiver<ChangedPaths>) {
    while let Some(changed) = rx.recv().await {
        apply_disk_changes(Arc::clone(&ctx), changed).await;
    }
}

/// The client's file events as a batch of changed paths.
pub(crate) fn changed_paths(events: &[lsp::FileEvent]) -> ChangedPaths {
    let mut changed = ChangedPaths::default();
    for event in events {
        let Some(path) = crate::from_proto::vfs_path(&event.uri) else {
            continue;
        };
        if event.kind != lsp::FileChangeType::Changed {
            changed.tree_changed = true;
        }
        if project::is_analysed_file(path.as_path()) {
            changed.files.push(path);
        }
    }
    changed
}

/// Re-reads changed files of the loaded flakes; reloads everything when a flake appeared or
/// disappeared. Open documents keep their editor text.
pub(crate) async fn apply_disk_changes(ctx: Arc<Ctx>, mut changed: ChangedPaths) {
    let roots = ctx.state.roots();
    let flake_set_changed = changed.files.iter().any(|path| {
        path.file_name() == Some("flake.nix")
            && path
                .parent()
                .is_some_and(|dir| roots.contains(&dir) != path.as_path().exists())
    });
    if flake_set_changed {
        load_workspace(ctx).await;
        return;
    }
    changed.files.retain(|path| {
        roots
            .iter()
            .any(|root| path.as_path().starts_with(root.as_path()))
    });
    if changed.files.is_empty() && !changed.tree_changed {
        return;
    }
    let cfg = ctx.state.config().load_config();
    let roots: Vec<VfsPath> = roots.into_iter().collect();
    let reloaded =
        tokio::task::spawn_blocking(move || project::reload(&roots, &changed, &cfg)).await;
    match reloaded {
        Ok((change, issues)) => {
            for issue in &issues {
                log::warn!("could not read {issue}");
            }
            ctx.state.apply_disk(change);
        }
        Err(err) => log::error!("reloading changed files failed: {err}"),
    }
}

/// After `didOpen` of a file that lies in no loaded flake and no workspace folder: finds its flake
/// upward (clients like Helix may send no workspace at all) and loads it.
pub(crate) async fn load_flake_of(ctx: Arc<Ctx>, path: VfsPath) {
    let in_folder = lock(&ctx.folders)
        .iter()
        .any(|dir| path.as_path().starts_with(dir));
    let in_root = ctx
        .state
        .roots()
        .iter()
        .any(|root| path.as_path().starts_with(root.as_path()));
    if in_folder || in_root {
        return;
    }
    let file = path.as_path().to_path_buf();
    let Ok(Some(root)) =
        tokio::task::spawn_blocking(move || project::find_flake_root_upward(&file)).await
    else {
        return;
    };
    if !lock(&ctx.extra_roots).insert(root.clone()) {
        return;
    }
    log::info!("loading the flake at {root} (found from {path})");
    load_workspace(ctx).await;
}

/// After `didClose`: the file's content comes from disk again (or it is forgotten when it
/// belongs to no loaded flake).
pub(crate) async fn reload_closed(ctx: Arc<Ctx>, path: VfsPath) {
    let roots = ctx.state.roots();
    if !roots
        .iter()
        .any(|root| path.as_path().starts_with(root.as_path()))
    {
        ctx.state.forget_file(path);
        return;
    }
    let cfg = ctx.state.config().load_config();
    let file = path.as_path().to_path_buf();
    match tokio::task::spawn_blocking(move || project::read_file(&file, &cfg)).await {
        Ok(Ok(content)) => ctx.state.set_disk_file(path, content),
        Ok(Err(_)) => ctx.state.forget_file(path),
        Err(err) => log::error!("reading {path} failed: {err}"),
    }
}

/// Registers client-side file watching, when the client offers it.
pub(crate) async fn register_watchers(ctx: &Ctx) {
    if !ctx.caps().watch_files {
        return;
    }
    let registration = crate::capabilities::watched_files_registration();
    if let Err(err) = ctx.client.register_capability(vec![registration]).await {
        log::warn!("the client refused file watching ({err}); changes on disk are not seen");
    }
}

/// Applies a settings object (already our section). Reloads the workspace when a setting that
/// affects reading files changed.
pub(crate) async fn apply_settings(ctx: Arc<Ctx>, value: &Value) {
    let (config, problems) = Config::from_json(value);
    report_problems(&ctx, problems).await;
    log::set_max_level(config.log_level.to_filter());
    let old = ctx.state.config();
    let reload = old.max_file_size != config.max_file_size
        || old.store_dir != config.store_dir
        || old.nixpkgs != config.nixpkgs
        || old.unfree != config.unfree;
    ctx.state.set_config(config);
    if reload && ctx.state.roots().len() + lock(&ctx.folders).len() > 0 {
        load_workspace(ctx).await;
    }
}

/// Logs settings problems; wrong values are also shown to the user (unknown keys only logged,
/// since clients often send settings of other tools along).
pub(crate) async fn report_problems(ctx: &Ctx, problems: Vec<String>) {
    for problem in problems {
        log::warn!("{problem}");
        if !problem.starts_with("ignoring unknown") {
            ctx.client
                .show_message(lsp::MessageType::Warning, problem)
                .await;
        }
    }
}

/// Pulls our settings with `workspace/configuration`, when the client supports it.
pub(crate) async fn pull_settings(ctx: Arc<Ctx>) {
    if !ctx.caps().configuration {
        return;
    }
    let item = lsp::ConfigurationItem {
        scope_uri: None,
        section: Some(config::SECTION.to_owned()),
    };
    match tokio::time::timeout(CLIENT_TIMEOUT, ctx.client.configuration(vec![item])).await {
        Ok(Ok(values)) => {
            if let Some(value) = values.into_iter().next().filter(|v| !v.is_null()) {
                apply_settings(ctx, &value).await;
            }
        }
        Ok(Err(err)) => log::debug!("workspace/configuration failed: {err}"),
        Err(_) => log::warn!("client did not answer workspace/configuration; keeping settings"),
    }
}
