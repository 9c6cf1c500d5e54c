//! Request handlers: each turns LSP parameters into an `ide` query on a snapshot and the answer
//! back into LSP. They run on blocking threads under `catch_unwind` (see `Backend::run`).

use serde::{Deserialize, Serialize};
use tower_lsp_server::gen_lsp_types as lsp;
use tower_lsp_server::jsonrpc::{Error, Result};

use crate::state::Snapshot;
use crate::{from_proto, to_proto};

/// `textDocument/hover`.
pub(crate) fn hover(snap: &Snapshot, params: lsp::HoverParams) -> Option<lsp::Hover> {
    let pos = params.text_document_position_params;
    let position = from_proto::file_position(snap, &pos.text_document.uri, pos.position)?;
    let hover = snap.analysis.hover(position)?;
    Some(to_proto::hover(snap, position.file_id, hover))
}

/// `textDocument/definition`.
pub(crate) fn goto_definition(
    snap: &Snapshot,
    params: lsp::DefinitionParams,
) -> Option<lsp::DefinitionResponse> {
    let pos = params.text_document_position_params;
    let position = from_proto::file_position(snap, &pos.text_document.uri, pos.position)?;
    let links: Vec<lsp::LocationLink> = snap
        .analysis
        .goto_definition(position)
        .iter()
        .filter_map(|target| to_proto::location_link(snap, None, target))
        .collect();
    (!links.is_empty()).then_some(lsp::DefinitionResponse::DefinitionLinkList(links))
}

/// `textDocument/references`.
pub(crate) fn references(
    snap: &Snapshot,
    params: lsp::ReferenceParams,
) -> Option<Vec<lsp::Location>> {
    let pos = params.text_document_position_params;
    let position = from_proto::file_position(snap, &pos.text_document.uri, pos.position)?;
    let locations: Vec<lsp::Location> = snap
        .analysis
        .references(position)
        .into_iter()
        .filter_map(|range| to_proto::location(snap, range))
        .collect();
    Some(locations)
}

/// `textDocument/prepareRename`.
pub(crate) fn prepare_rename(
    snap: &Snapshot,
    params: lsp::TextDocumentPositionParams,
) -> Result<Option<lsp::PrepareRenameResult>> {
    let Some(position) =
        from_proto::file_position(snap, &params.text_document.uri, params.position)
    else {
        return Ok(None);
    };
    match snap.analysis.prepare_rename(position) {
        Ok(range) => Ok(Some(lsp::PrepareRenameResult::Range(to_proto::file_range(
            snap, range,
        )))),
        Err(message) => Err(request_failed(message)),
    }
}

/// `textDocument/rename`.
pub(crate) fn rename(
    snap: &Snapshot,
    params: lsp::RenameParams,
) -> Result<Option<lsp::WorkspaceEdit>> {
    let pos = params.text_document_position_params;
    let Some(position) = from_proto::file_position(snap, &pos.text_document.uri, pos.position)
    else {
        return Ok(None);
    };
    match snap.analysis.rename(position, &params.new_name) {
        Ok(change) => Ok(Some(to_proto::workspace_edit(snap, &change))),
        Err(message) => Err(request_failed(message)),
    }
}

/// `textDocument/completion`.
pub(crate) fn completion(
    snap: &Snapshot,
    params: lsp::CompletionParams,
) -> Option<lsp::CompletionResponse> {
    let pos = params.text_document_position_params;
    let position = from_proto::file_position(snap, &pos.text_document.uri, pos.position)?;
    let items: Vec<lsp::CompletionItem> = snap
        .analysis
        .completions(position)
        .into_iter()
        .map(|item| to_proto::completion_item(snap, position.file_id, item))
        .collect();
    Some(lsp::CompletionResponse::CompletionItemList(items))
}

/// `textDocument/codeAction`: the quick fixes of diagnostics in the range, plus assists.
pub(crate) fn code_action(
    snap: &Snapshot,
    params: lsp::CodeActionParams,
) -> Option<Vec<lsp::CodeActionResponse>> {
    let range = from_proto::file_range(snap, &params.text_document.uri, params.range)?;
    let actions = snap
        .analysis
        .code_actions(range)
        .iter()
        .map(|fix| lsp::CodeActionResponse::CodeAction(to_proto::code_action(snap, fix)))
        .collect();
    Some(actions)
}

/// `textDocument/documentLink`.
pub(crate) fn document_link(
    snap: &Snapshot,
    params: lsp::DocumentLinkParams,
) -> Option<Vec<lsp::DocumentLink>> {
    let file_id = from_proto::file_id(snap, &params.text_document.uri)?;
    let links = snap
        .analysis
        .document_links(file_id)
        .iter()
        .filter_map(|link| to_proto::document_link(snap, file_id, link))
        .collect();
    Some(links)
}

/// Parameters of the `flake-lsp/debugText` request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugTextParams {
    /// The document.
    pub text_document: lsp::TextDocumentIdentifier,
    /// Whether to include the text (default `true`); without it the reply is just the version.
    #[serde(default = "yes")]
    pub with_text: bool,
}

fn yes() -> bool {
    true
}

/// The answer of `flake-lsp/debugText`: the server's text of a document, for tests.
#[derive(Serialize)]
pub struct DebugText {
    /// The version of the open document (`null` for closed files).
    pub version: Option<i32>,
    /// The text the analysis sees (absent when not asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `flake-lsp/debugText`: the text the analysis sees, for tests and bug reports.
pub(crate) fn debug_text(snap: &Snapshot, params: DebugTextParams) -> Option<DebugText> {
    let uri = &params.text_document.uri;
    let file_id = from_proto::file_id(snap, uri)?;
    let path = snap.analysis.file_path(file_id);
    Some(DebugText {
        version: snap.docs.get(&path).map(|doc| doc.version),
        text: params
            .with_text
            .then(|| snap.analysis.file_text(file_id).to_string()),
    })
}

/// An error reply for a request the analysis declined (e.g. "nothing to rename here").
fn request_failed(message: String) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32803),
        message: message.into(),
        data: None,
    }
}
