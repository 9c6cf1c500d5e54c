//! What the server offers, and what it learns about the client in `initialize`.

use ide::PositionEncoding;
use tower_lsp_server::gen_lsp_types as lsp;

/// The client capabilities the server acts on.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct ClientCaps {
    /// The negotiated position encoding.
    pub(crate) encoding: PositionEncoding,
    /// `workspace/didChangeWatchedFiles` can be registered dynamically.
    pub(crate) watch_files: bool,
    /// `window/workDoneProgress/create` is supported.
    pub(crate) work_done_progress: bool,
    /// `workspace/configuration` (pull) is supported.
    pub(crate) configuration: bool,
}

impl ClientCaps {
    /// Reads the capabilities of an `initialize` request.
    pub(crate) fn new(caps: &lsp::ClientCapabilities) -> ClientCaps {
        let offers_utf8 = caps
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_ref())
            .is_some_and(|encodings| encodings.contains(&lsp::PositionEncodingKind::UTF8));
        let workspace = caps.workspace.as_ref();
        ClientCaps {
            encoding: if offers_utf8 {
                PositionEncoding::Utf8
            } else {
                PositionEncoding::Utf16
            },
            watch_files: workspace
                .and_then(|ws| ws.did_change_watched_files.as_ref())
                .and_then(|watch| watch.dynamic_registration)
                .unwrap_or(false),
            work_done_progress: caps
                .window
                .as_ref()
                .and_then(|window| window.work_done_progress)
                .unwrap_or(false),
            configuration: workspace.and_then(|ws| ws.configuration).unwrap_or(false),
        }
    }
}

/// The LSP name of a position encoding.
pub(crate) fn encoding_kind(encoding: PositionEncoding) -> lsp::PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => lsp::PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => lsp::PositionEncodingKind::UTF16,
    }
}

/// The capabilities the server announces.
pub(crate) fn server_capabilities(caps: &ClientCaps) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(encoding_kind(caps.encoding)),
        text_document_sync: Some(lsp::TextDocumentSync::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::Incremental),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProvider::Bool(true)),
        definition_provider: Some(lsp::DefinitionProvider::Bool(true)),
        references_provider: Some(lsp::ReferencesProvider::Bool(true)),
        rename_provider: Some(lsp::RenameProvider::RenameOptions(lsp::RenameOptions {
            prepare_provider: Some(true),
            ..Default::default()
        })),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![".".to_owned()]),
            ..Default::default()
        }),
        code_action_provider: Some(lsp::CodeActionProvider::CodeActionOptions(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QuickFix]),
                ..Default::default()
            },
        )),
        document_link_provider: Some(lsp::DocumentLinkOptions::default()),
        workspace: Some(lsp::WorkspaceOptions {
            workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(lsp::ChangeNotifications::Bool(true)),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The file watchers registered with clients that watch files for us.
pub(crate) fn watched_files_registration() -> lsp::Registration {
    let watcher = |glob: &str| lsp::FileSystemWatcher {
        glob_pattern: lsp::GlobPattern::Pattern(glob.to_owned()),
        kind: None,
    };
    let options = lsp::DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![watcher("**/*.nix"), watcher("**/flake.lock")],
    };
    lsp::Registration {
        id: "flake-lsp/watched-files".to_owned(),
        method: "workspace/didChangeWatchedFiles".to_owned(),
        register_options: serde_json::to_value(options).ok(),
    }
}
