//! The single translator between `ide` vocabulary (UTF-8 offsets, `FileId`, `base::Diagnostic`)
//! and LSP types. Nothing else in the server builds positions or ranges by hand.

/// LSP → ide.
pub(crate) mod from_proto {
    use ide::{FileId, FilePosition, FileRange, LineCol, LineIndex, PositionEncoding};
    use ide::{TextRange, TextSize, VfsPath};
    use tower_lsp_server::gen_lsp_types::{Position, Range, Uri};

    use crate::state::Snapshot;

    /// The path of a `file:` URI; `None` for other schemes.
    pub(crate) fn vfs_path(uri: &Uri) -> Option<VfsPath> {
        if uri.scheme() != "file" {
            return None;
        }
        uri.to_file_path().ok().map(VfsPath::new)
    }

    /// An offset for an LSP position, clamped into the text and onto a character boundary:
    /// a column past the end of its line means the line's end, a line past the end means the
    /// end of the text.
    pub(crate) fn offset(
        line_index: &LineIndex,
        text: &str,
        pos: Position,
        enc: PositionEncoding,
    ) -> TextSize {
        let len = text.len();
        let line_start = line_index.offset(
            LineCol {
                line: pos.line,
                col: 0,
            },
            enc,
        );
        let Some(line_start) = line_start.map(usize::from) else {
            return TextSize::of(text);
        };
        let line_end = match text[line_start.min(len)..].find('\n') {
            Some(idx) => line_start + idx,
            None => len,
        };
        let mut offset = line_index
            .offset(
                LineCol {
                    line: pos.line,
                    col: pos.character,
                },
                enc,
            )
            .map_or(line_end, usize::from)
            .clamp(line_start, line_end);
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        TextSize::try_from(offset).unwrap_or_else(|_| TextSize::of(text))
    }

    /// A text range for an LSP range (clamped, see [`offset`]).
    pub(crate) fn text_range(
        line_index: &LineIndex,
        text: &str,
        range: Range,
        enc: PositionEncoding,
    ) -> TextRange {
        let start = offset(line_index, text, range.start, enc);
        let end = offset(line_index, text, range.end, enc);
        TextRange::new(start.min(end), end.max(start))
    }

    /// The file a URI names in this snapshot.
    pub(crate) fn file_id(snap: &Snapshot, uri: &Uri) -> Option<FileId> {
        snap.analysis.file_id(&vfs_path(uri)?)
    }

    /// A position in a file of the snapshot.
    pub(crate) fn file_position(snap: &Snapshot, uri: &Uri, pos: Position) -> Option<FilePosition> {
        let file_id = file_id(snap, uri)?;
        let text = snap.analysis.file_text(file_id);
        let line_index = snap.analysis.line_index(file_id);
        Some(FilePosition {
            file_id,
            offset: offset(&line_index, &text, pos, snap.encoding),
        })
    }

    /// A range in a file of the snapshot.
    pub(crate) fn file_range(snap: &Snapshot, uri: &Uri, range: Range) -> Option<FileRange> {
        let file_id = file_id(snap, uri)?;
        let text = snap.analysis.file_text(file_id);
        let line_index = snap.analysis.line_index(file_id);
        Some(FileRange {
            file_id,
            range: text_range(&line_index, &text, range, snap.encoding),
        })
    }
}

/// ide → LSP.
pub(crate) mod to_proto {
    use std::collections::HashMap;

    use ide::{FileId, FileRange, LineIndex, PositionEncoding, Severity, TextRange, TextSize};
    use tower_lsp_server::gen_lsp_types as lsp;
    use tower_lsp_server::gen_lsp_types::Uri;

    use crate::state::Snapshot;

    /// Where the per-code documentation pages live.
    const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/diagnostics/");

    /// An LSP position.
    pub(crate) fn position(
        line_index: &LineIndex,
        offset: TextSize,
        enc: PositionEncoding,
    ) -> lsp::Position {
        let lc = line_index.line_col(offset, enc);
        lsp::Position {
            line: lc.line,
            character: lc.col,
        }
    }

    /// An LSP range.
    pub(crate) fn range(
        line_index: &LineIndex,
        range: TextRange,
        enc: PositionEncoding,
    ) -> lsp::Range {
        lsp::Range {
            start: position(line_index, range.start(), enc),
            end: position(line_index, range.end(), enc),
        }
    }

    /// The URI of a file: the client's own spelling for open documents, else a `file:` URI.
    pub(crate) fn uri(snap: &Snapshot, file_id: FileId) -> Option<Uri> {
        let path = snap.analysis.file_path(file_id);
        if let Some(doc) = snap.docs.get(&path) {
            return Some(doc.uri.clone());
        }
        Uri::from_file_path(path.as_path()).ok()
    }

    /// A range of a file of the snapshot.
    pub(crate) fn file_range(snap: &Snapshot, range: FileRange) -> lsp::Range {
        self::range(
            &snap.analysis.line_index(range.file_id),
            range.range,
            snap.encoding,
        )
    }

    /// An LSP location.
    pub(crate) fn location(snap: &Snapshot, range: FileRange) -> Option<lsp::Location> {
        Some(lsp::Location {
            uri: uri(snap, range.file_id)?,
            range: file_range(snap, range),
        })
    }

    /// An LSP diagnostic severity.
    pub(crate) fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
        match severity {
            Severity::Error => lsp::DiagnosticSeverity::Error,
            Severity::Warning => lsp::DiagnosticSeverity::Warning,
            Severity::Info => lsp::DiagnosticSeverity::Information,
            Severity::Hint => lsp::DiagnosticSeverity::Hint,
        }
    }

    /// An LSP diagnostic, with related locations, a link to the code's documentation page and
    /// the `Unnecessary` tag.
    pub(crate) fn diagnostic(snap: &Snapshot, diag: &ide::Diagnostic) -> lsp::Diagnostic {
        let code = diag.code.as_str();
        let related: Vec<lsp::DiagnosticRelatedInformation> = diag
            .related
            .iter()
            .filter_map(|related| {
                Some(lsp::DiagnosticRelatedInformation {
                    location: location(snap, related.location)?,
                    message: related.message.clone(),
                })
            })
            .collect();
        lsp::Diagnostic {
            range: file_range(snap, diag.location),
            severity: Some(severity(diag.severity)),
            code: Some(lsp::Code::String(code.to_owned())),
            code_description: Uri::parse(&format!("{DOCS_BASE}{code}.md"))
                .ok()
                .map(|href| lsp::CodeDescription { href }),
            source: Some("flake-lsp".to_owned()),
            message: lsp::Message::String(diag.message.clone()),
            tags: diag
                .unnecessary
                .then(|| vec![lsp::DiagnosticTag::Unnecessary]),
            related_information: (!related.is_empty()).then_some(related),
            data: None,
        }
    }

    /// A workspace edit for a multi-file change.
    pub(crate) fn workspace_edit(
        snap: &Snapshot,
        change: &ide::SourceChange,
    ) -> lsp::WorkspaceEdit {
        let mut changes: HashMap<Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for (&file_id, edits) in &change.edits {
            let Some(uri) = uri(snap, file_id) else {
                continue;
            };
            let line_index = snap.analysis.line_index(file_id);
            let edits = edits
                .iter()
                .map(|edit| lsp::TextEdit {
                    range: range(&line_index, edit.range, snap.encoding),
                    new_text: edit.new_text.clone(),
                })
                .collect();
            changes.insert(uri, edits);
        }
        lsp::WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }
    }

    /// A quick fix as a code action.
    pub(crate) fn code_action(snap: &Snapshot, fix: &ide::Fix) -> lsp::CodeAction {
        lsp::CodeAction {
            title: fix.label.clone(),
            kind: Some(lsp::CodeActionKind::QuickFix),
            edit: Some(workspace_edit(snap, &fix.change)),
            ..Default::default()
        }
    }

    /// Hover content as markdown.
    pub(crate) fn hover(snap: &Snapshot, file_id: FileId, hover: ide::HoverResult) -> lsp::Hover {
        lsp::Hover {
            contents: lsp::Contents::MarkupContent(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: hover.markdown,
            }),
            range: Some(file_range(
                snap,
                FileRange {
                    file_id,
                    range: hover.range,
                },
            )),
        }
    }

    /// A completion item that replaces its range with its label.
    pub(crate) fn completion_item(
        snap: &Snapshot,
        file_id: FileId,
        item: ide::CompletionItem,
    ) -> lsp::CompletionItem {
        let kind = match item.kind {
            ide::CompletionKind::Input => lsp::CompletionItemKind::Module,
            ide::CompletionKind::Argument => lsp::CompletionItemKind::Variable,
            ide::CompletionKind::Package => lsp::CompletionItemKind::Value,
            ide::CompletionKind::Other => lsp::CompletionItemKind::Text,
        };
        let range = file_range(
            snap,
            FileRange {
                file_id,
                range: item.replace_range,
            },
        );
        lsp::CompletionItem {
            text_edit: Some(lsp::CompletionItemTextEdit::TextEdit(lsp::TextEdit {
                range,
                new_text: item.label.clone(),
            })),
            label: item.label,
            kind: Some(kind),
            detail: item.detail,
            ..Default::default()
        }
    }

    /// A definition target as a location link.
    pub(crate) fn location_link(
        snap: &Snapshot,
        origin: Option<lsp::Range>,
        target: &ide::NavigationTarget,
    ) -> Option<lsp::LocationLink> {
        Some(lsp::LocationLink {
            origin_selection_range: origin,
            target_uri: uri(snap, target.full_range.file_id)?,
            target_range: file_range(snap, target.full_range),
            target_selection_range: file_range(snap, target.focus_range),
        })
    }

    /// A document link, when its target is a valid URI.
    pub(crate) fn document_link(
        snap: &Snapshot,
        file_id: FileId,
        link: &ide::DocumentLink,
    ) -> Option<lsp::DocumentLink> {
        Some(lsp::DocumentLink {
            range: file_range(
                snap,
                FileRange {
                    file_id,
                    range: link.range,
                },
            ),
            target: Some(Uri::parse(&link.target).ok()?),
            tooltip: None,
            data: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use ide::{LineIndex, PositionEncoding, TextRange};
    use tower_lsp_server::gen_lsp_types::Position;

    use super::{from_proto, to_proto};

    fn offset(text: &str, line: u32, character: u32, enc: PositionEncoding) -> u32 {
        let index = LineIndex::new(text);
        from_proto::offset(&index, text, Position { line, character }, enc).into()
    }

    #[test]
    fn positions_count_the_negotiated_unit() {
        let text = "é😀x\ny";
        assert_eq!(offset(text, 0, 3, PositionEncoding::Utf16), 6);
        assert_eq!(offset(text, 0, 6, PositionEncoding::Utf8), 6);
        assert_eq!(offset(text, 1, 0, PositionEncoding::Utf16), 8);
    }

    #[test]
    fn out_of_range_positions_are_clamped_onto_boundaries() {
        let text = "é😀x\ny";
        // Past the end of a line: the line's end, not the next line.
        assert_eq!(offset(text, 0, 99, PositionEncoding::Utf16), 7);
        // Past the last line: the end of the text.
        assert_eq!(offset(text, 9, 0, PositionEncoding::Utf8), 9);
        // Inside a UTF-8 sequence or a surrogate pair: the character's start.
        assert_eq!(offset(text, 0, 1, PositionEncoding::Utf8), 0);
        assert_eq!(offset(text, 0, 4, PositionEncoding::Utf8), 2);
        assert_eq!(offset(text, 0, 2, PositionEncoding::Utf16), 2);
        assert_eq!(offset("", 0, 5, PositionEncoding::Utf16), 0);
    }

    #[test]
    fn ranges_round_trip() {
        let text = "let\n  é = \"😀\";\nin é\n";
        let index = LineIndex::new(text);
        for enc in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
            let range = TextRange::new(6.into(), 18.into());
            let lsp = to_proto::range(&index, range, enc);
            assert_eq!(
                from_proto::text_range(&index, text, lsp, enc),
                range,
                "{enc:?}"
            );
        }
        let lsp = to_proto::range(
            &index,
            TextRange::new(6.into(), 18.into()),
            PositionEncoding::Utf16,
        );
        assert_eq!(
            (lsp.start.line, lsp.start.character, lsp.end.character),
            (1, 2, 11)
        );
    }
}
