//! The routing table: every LSP method the server answers, on one screen.
//!
//! Text-sync notifications apply their change synchronously (no `.await` before the mutation),
//! so edits land in the order the client sent them even though the framework runs handlers
//! concurrently. Requests take a snapshot synchronously and compute on a blocking thread under
//! `catch_unwind`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tower_lsp_server::LanguageServer;
use tower_lsp_server::gen_lsp_types as lsp;
use tower_lsp_server::jsonrpc::{Error, Result};

use crate::capabilities::{self, ClientCaps};
use crate::handlers::{self, DebugText, DebugTextParams};
use crate::state::Snapshot;
use crate::workspace::{self, Ctx, lock};
use crate::{config, diagnostics, from_proto};

/// The `LanguageServer` implementation.
pub struct Backend {
    ctx: Arc<Ctx>,
}

impl Backend {
    pub(crate) fn new(ctx: Arc<Ctx>) -> Backend {
        Backend { ctx }
    }

    /// Runs `f` on a snapshot taken now, on a blocking thread; a panic becomes an error reply.
    async fn run<T, F>(&self, method: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Snapshot) -> Result<T> + Send + 'static,
    {
        self.ctx.loaded().await;
        let snap = self.ctx.state.snapshot();
        let joined =
            tokio::task::spawn_blocking(move || catch_unwind(AssertUnwindSafe(|| f(&snap)))).await;
        match joined {
            Ok(Ok(result)) => result,
            Ok(Err(payload)) => {
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                log::error!("{method} panicked: {what}");
                Err(Error {
                    message: format!("flake-lsp: {method} failed: {what}").into(),
                    ..Error::internal_error()
                })
            }
            Err(err) => {
                log::error!("{method} failed: {err}");
                Err(Error::internal_error())
            }
        }
    }

    /// `flake-lsp/debugText`: the server's text of a document.
    pub async fn debug_text(&self, params: DebugTextParams) -> Result<Option<DebugText>> {
        self.run("flake-lsp/debugText", |snap| {
            Ok(handlers::debug_text(snap, params))
        })
        .await
    }

    /// `flake-lsp/debugPanic` (registered only for tests): panics inside a request.
    pub async fn debug_panic(&self) -> Result<()> {
        self.run("flake-lsp/debugPanic", |_| -> Result<()> {
            panic!("debugPanic was called")
        })
        .await
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: lsp::InitializeParams) -> Result<lsp::InitializeResult> {
        let caps = ClientCaps::new(&params.capabilities);
        let _ = self.ctx.caps.set(caps);
        self.ctx.state.set_encoding(caps.encoding);
        if let Some(options) = &params.initialization_options
            && let Some(section) = config::section(options, true)
        {
            let (config, problems) = config::Config::from_json(section);
            log::set_max_level(config.log_level.to_filter());
            self.ctx.state.set_config(config);
            for problem in problems {
                // The client cannot show messages before `initialize` returns.
                log::warn!("{problem}");
            }
        }
        let folders = workspace_folders(&params);
        log::info!(
            "initialize: client {}, encoding {:?}, folders {:?}",
            params
                .client_info
                .as_ref()
                .map_or("(unnamed)", |info| info.name.as_str()),
            caps.encoding,
            folders
        );
        *lock(&self.ctx.folders) = folders;
        tokio::spawn(diagnostics::run_scheduler(
            Arc::clone(&self.ctx.state),
            self.ctx.client.clone(),
        ));
        Ok(lsp::InitializeResult {
            capabilities: capabilities::server_capabilities(&caps),
            server_info: Some(lsp::ServerInfo {
                name: "flake-lsp".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
        })
    }

    async fn initialized(&self, _: lsp::InitializedParams) {
        let ctx = Arc::clone(&self.ctx);
        // Registration runs on its own: a client that never answers must not delay loading.
        let registering = Arc::clone(&ctx);
        tokio::spawn(async move { workspace::register_watchers(&registering).await });
        let loading = ctx.begin_load();
        tokio::spawn(async move {
            workspace::pull_settings(Arc::clone(&ctx)).await;
            workspace::load_workspace(ctx).await;
            drop(loading);
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.ctx.shut_down.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: lsp::DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let Some(path) = from_proto::vfs_path(&doc.uri) else {
            log::info!("ignoring non-file document {}", doc.uri);
            return;
        };
        self.ctx
            .state
            .open(doc.uri, path.clone(), doc.version, doc.text);
        let loading = self.ctx.begin_load();
        let ctx = Arc::clone(&self.ctx);
        tokio::spawn(async move {
            workspace::load_flake_of(ctx, path).await;
            drop(loading);
        });
    }

    async fn did_change(&self, params: lsp::DidChangeTextDocumentParams) {
        let id = params.text_document;
        let Some(path) = from_proto::vfs_path(&id.text_document_identifier.uri) else {
            return;
        };
        if !self
            .ctx
            .state
            .change(&path, id.version, params.content_changes)
        {
            log::warn!("didChange for a document that is not open: {path}");
        }
    }

    async fn did_close(&self, params: lsp::DidCloseTextDocumentParams) {
        let Some(path) = from_proto::vfs_path(&params.text_document.uri) else {
            return;
        };
        if self.ctx.state.close(&path) {
            tokio::spawn(workspace::reload_closed(Arc::clone(&self.ctx), path));
        }
    }

    async fn did_change_configuration(&self, params: lsp::DidChangeConfigurationParams) {
        let ctx = Arc::clone(&self.ctx);
        if ctx.caps().configuration {
            tokio::spawn(workspace::pull_settings(ctx));
        } else if let Some(section) = config::section(&params.settings, false).cloned() {
            tokio::spawn(async move { workspace::apply_settings(ctx, &section).await });
        }
    }

    async fn did_change_workspace_folders(&self, params: lsp::DidChangeWorkspaceFoldersParams) {
        {
            let mut folders = lock(&self.ctx.folders);
            for removed in &params.event.removed {
                if let Ok(dir) = removed.uri.to_file_path() {
                    folders.retain(|folder| *folder != dir);
                }
            }
            for added in &params.event.added {
                if let Ok(dir) = added.uri.to_file_path()
                    && !folders.contains(&dir)
                {
                    folders.push(dir);
                }
            }
        }
        tokio::spawn(workspace::load_workspace(Arc::clone(&self.ctx)));
    }

    async fn did_change_watched_files(&self, params: lsp::DidChangeWatchedFilesParams) {
        let changed = workspace::changed_paths(&params.changes);
        tokio::spawn(workspace::apply_disk_changes(
            Arc::clone(&self.ctx),
            changed,
        ));
    }

    async fn hover(&self, params: lsp::HoverParams) -> Result<Option<lsp::Hover>> {
        self.run("hover", |snap| Ok(handlers::hover(snap, params)))
            .await
    }

    async fn goto_definition(
        &self,
        params: lsp::DefinitionParams,
    ) -> Result<Option<lsp::DefinitionResponse>> {
        self.run("definition", |snap| {
            Ok(handlers::goto_definition(snap, params))
        })
        .await
    }

    async fn references(&self, params: lsp::ReferenceParams) -> Result<Option<Vec<lsp::Location>>> {
        self.run("references", |snap| Ok(handlers::references(snap, params)))
            .await
    }

    async fn prepare_rename(
        &self,
        params: lsp::TextDocumentPositionParams,
    ) -> Result<Option<lsp::PrepareRenameResult>> {
        self.run("prepareRename", |snap| {
            handlers::prepare_rename(snap, params)
        })
        .await
    }

    async fn rename(&self, params: lsp::RenameParams) -> Result<Option<lsp::WorkspaceEdit>> {
        self.run("rename", |snap| handlers::rename(snap, params))
            .await
    }

    async fn completion(
        &self,
        params: lsp::CompletionParams,
    ) -> Result<Option<lsp::CompletionResponse>> {
        self.run("completion", |snap| Ok(handlers::completion(snap, params)))
            .await
    }

    async fn code_action(
        &self,
        params: lsp::CodeActionParams,
    ) -> Result<Option<Vec<lsp::CodeActionResponse>>> {
        self.run("codeAction", |snap| Ok(handlers::code_action(snap, params)))
            .await
    }

    async fn document_link(
        &self,
        params: lsp::DocumentLinkParams,
    ) -> Result<Option<Vec<lsp::DocumentLink>>> {
        self.run("documentLink", |snap| {
            Ok(handlers::document_link(snap, params))
        })
        .await
    }
}

/// The workspace folders as directories: `workspaceFolders`, else `rootUri`, else `rootPath`.
/// Empty when the client sent none (Helix without a workspace): flakes are then found upward
/// from opened files.
fn workspace_folders(params: &lsp::InitializeParams) -> Vec<std::path::PathBuf> {
    if let Some(lsp::WorkspaceFolders::WorkspaceFolderList(folders)) =
        &params.workspace_folders_initialize_params.workspace_folders
    {
        let dirs: Vec<_> = folders
            .iter()
            .filter_map(|f| f.uri.to_file_path().ok())
            .collect();
        if !dirs.is_empty() {
            return dirs;
        }
    }
    #[allow(deprecated)]
    if let Some(root) = &params.root_uri
        && let Ok(dir) = root.to_file_path()
    {
        return vec![dir];
    }
    #[allow(deprecated)]
    if let Some(lsp::RootPath::String(path)) = &params.root_path {
        return vec![std::path::PathBuf::from(path)];
    }
    Vec::new()
}
