//! Offsets to line/column and back, in the position encoding the client negotiated.

use rowan::TextSize;

/// How columns are counted.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum PositionEncoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units (the LSP default).
    #[default]
    Utf16,
}

/// A zero-based line and column, the column counted in some `PositionEncoding`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LineCol {
    /// Zero-based line.
    pub line: u32,
    /// Zero-based column.
    pub col: u32,
}

/// Line starts of one text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    inner: line_index::LineIndex,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        LineIndex { inner: line_index::LineIndex::new(text) }
    }

    /// Offset → line/column.
    pub fn line_col(&self, offset: TextSize, enc: PositionEncoding) -> LineCol {
        let lc = self.inner.line_col(offset);
        match enc {
            PositionEncoding::Utf8 => LineCol { line: lc.line, col: lc.col },
            PositionEncoding::Utf16 => {
                let wide = self.inner.to_wide(line_index::WideEncoding::Utf16, lc).unwrap_or(
                    line_index::WideLineCol { line: lc.line, col: lc.col },
                );
                LineCol { line: wide.line, col: wide.col }
            }
        }
    }

    /// Line/column → offset, clamped into the text.
    pub fn offset(&self, pos: LineCol, enc: PositionEncoding) -> Option<TextSize> {
        let lc = match enc {
            PositionEncoding::Utf8 => line_index::LineCol { line: pos.line, col: pos.col },
            PositionEncoding::Utf16 => self.inner.to_utf8(
                line_index::WideEncoding::Utf16,
                line_index::WideLineCol { line: pos.line, col: pos.col },
            )?,
        };
        self.inner.offset(lc)
    }
}
