//! Offsets to line/column and back, in the position encoding the client negotiated.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`, as LSP defines them. `line-index` only knows `\n`,
//! so for texts that contain `\r` the line table is built here and `line-index` is used for the
//! UTF-16 column arithmetic only (every `\n` line start is also one of our line starts, so a
//! line of ours always lies within one `line-index` line). Every conversion clamps instead of
//! failing: offsets past the end, columns past the end of a line, lines past the end of the
//! text and positions inside a character or surrogate pair all land on the nearest valid
//! position before them.

use line_index::WideEncoding;
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
    /// Our own line table, present only when the text contains `\r`.
    cr_lines: Option<Box<CrLines>>,
    len: TextSize,
}

/// Line starts and content ends (before the terminator) for texts with `\r`.
#[derive(Clone, Debug)]
struct CrLines {
    starts: Box<[TextSize]>,
    ends: Box<[TextSize]>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let cr_lines = text.contains('\r').then(|| Box::new(CrLines::new(text)));
        LineIndex {
            inner: line_index::LineIndex::new(text),
            cr_lines,
            len: TextSize::of(text),
        }
    }

    /// The length of the indexed text.
    pub fn len(&self) -> TextSize {
        self.len
    }

    /// Whether the indexed text is empty.
    pub fn is_empty(&self) -> bool {
        self.len == TextSize::from(0)
    }

    /// The number of lines (a text ending in a line break has an empty last line).
    pub fn line_count(&self) -> u32 {
        match &self.cr_lines {
            Some(lines) => lines.starts.len() as u32,
            None => self.inner.line_col(self.len).line + 1,
        }
    }

    /// Offset → line/column; offsets past the end or inside a character are clamped first.
    pub fn line_col(&self, offset: TextSize, enc: PositionEncoding) -> LineCol {
        let offset = self.snap(offset.min(self.len));
        let line = self.line_of(offset);
        let (start, end) = self.line_bounds(line);
        // An offset between `\r` and `\n` is reported at the end of the line's content.
        let offset = offset.min(end);
        let col = match enc {
            PositionEncoding::Utf8 => u32::from(offset - start),
            PositionEncoding::Utf16 => self.wide_col(offset) - self.wide_col(start),
        };
        LineCol { line, col }
    }

    /// Line/column → offset, clamped into the text: a column past the end of its line gives the
    /// line's end, a line past the last gives the end of the text, and a position inside a
    /// character (or between the halves of a UTF-16 surrogate pair) gives that character's
    /// start. Always `Some`; the `Option` is kept for callers written against it.
    pub fn offset(&self, pos: LineCol, enc: PositionEncoding) -> Option<TextSize> {
        Some(self.clamped_offset(pos, enc))
    }

    /// Line/column → offset, clamped into the text (see `offset`).
    pub fn clamped_offset(&self, pos: LineCol, enc: PositionEncoding) -> TextSize {
        if pos.line >= self.line_count() {
            return self.len;
        }
        let (start, end) = self.line_bounds(pos.line);
        let offset = match enc {
            PositionEncoding::Utf8 => clamp_add(start, pos.col, end),
            PositionEncoding::Utf16 => {
                let lc = self.inner.line_col(start);
                let wide_start = self.wide_col(start);
                let wide = line_index::WideLineCol {
                    line: lc.line,
                    col: wide_start.saturating_add(pos.col),
                };
                match self.inner.to_utf8(WideEncoding::Utf16, wide) {
                    // `col` is a byte column within `line-index`'s line, which starts at or
                    // before our line's start.
                    Some(utf8) => {
                        let inner_start = start - TextSize::from(lc.col);
                        clamp_add(inner_start, utf8.col, end)
                    }
                    None => end,
                }
            }
        };
        self.snap(offset)
    }

    /// The UTF-16 column of `offset` within its `line-index` (`\n`-terminated) line.
    fn wide_col(&self, offset: TextSize) -> u32 {
        let lc = self.inner.line_col(offset);
        self.inner
            .to_wide(WideEncoding::Utf16, lc)
            .map_or(lc.col, |w| w.col)
    }

    /// Moves `offset` back to the start of the character it points into.
    fn snap(&self, mut offset: TextSize) -> TextSize {
        while offset > TextSize::from(0) && self.inner.try_line_col(offset).is_none() {
            offset -= TextSize::from(1);
        }
        offset
    }

    fn line_of(&self, offset: TextSize) -> u32 {
        match &self.cr_lines {
            Some(lines) => {
                (lines.starts.partition_point(|&s| s <= offset) as u32).saturating_sub(1)
            }
            None => self.inner.line_col(offset).line,
        }
    }

    /// The start of `line` and the end of its content (before the line break).
    fn line_bounds(&self, line: u32) -> (TextSize, TextSize) {
        match &self.cr_lines {
            Some(lines) => (lines.starts[line as usize], lines.ends[line as usize]),
            None => {
                let range = self.inner.line(line).unwrap_or_default();
                let is_last = line + 1 >= self.line_count();
                let end = if is_last {
                    range.end()
                } else {
                    range.end() - TextSize::from(1)
                };
                (range.start(), end.max(range.start()))
            }
        }
    }
}

impl CrLines {
    fn new(text: &str) -> CrLines {
        let bytes = text.as_bytes();
        let mut starts = vec![TextSize::from(0)];
        let mut ends = Vec::new();
        let mut idx = 0;
        while idx < bytes.len() {
            match bytes[idx] {
                b'\n' => {
                    ends.push(TextSize::from(idx as u32));
                    starts.push(TextSize::from(idx as u32 + 1));
                }
                b'\r' => {
                    ends.push(TextSize::from(idx as u32));
                    if bytes.get(idx + 1) == Some(&b'\n') {
                        idx += 1;
                    }
                    starts.push(TextSize::from(idx as u32 + 1));
                }
                _ => {}
            }
            idx += 1;
        }
        ends.push(TextSize::of(text));
        CrLines {
            starts: starts.into(),
            ends: ends.into(),
        }
    }
}

/// `base + add`, but never past `limit`.
fn clamp_add(base: TextSize, add: u32, limit: TextSize) -> TextSize {
    let sum = u64::from(u32::from(base)) + u64::from(add);
    TextSize::from(sum.min(u64::from(u32::from(limit))) as u32)
}
