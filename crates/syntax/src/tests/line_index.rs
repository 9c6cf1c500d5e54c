//! Offset ↔ line/column conversions on non-ASCII text, every kind of line break, and
//! out-of-range positions.

use expect_test::{Expect, expect};

use crate::{LineCol, LineIndex, PositionEncoding, TextSize};

use PositionEncoding::{Utf8, Utf16};

/// Prints `offset → (line, utf8 col, utf16 col)` for every byte offset, plus one past the end.
fn check_all_offsets(text: &str, expect: Expect) {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for offset in 0..=text.len() + 1 {
        let offset = TextSize::from(offset as u32);
        let a = index.line_col(offset, Utf8);
        let b = index.line_col(offset, Utf16);
        assert_eq!(a.line, b.line);
        out.push_str(&format!("{offset:?}: {}:{}/{}\n", a.line, a.col, b.col));
    }
    expect.assert_eq(&out);
}

/// Every char boundary converts to a position and back to itself, in both encodings.
fn check_round_trips(text: &str) {
    let index = LineIndex::new(text);
    for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
        let offset = TextSize::from(offset as u32);
        for enc in [Utf8, Utf16] {
            let pos = index.line_col(offset, enc);
            let back = index.offset(pos, enc);
            // The only offsets that do not round-trip are those between `\r` and `\n`.
            let between_cr_lf = text[..offset.into()].ends_with('\r')
                && text[usize::from(offset)..].starts_with('\n');
            if !between_cr_lf {
                assert_eq!(back, Some(offset), "{text:?} {offset:?} {enc:?} {pos:?}");
            }
        }
    }
}

#[test]
fn emoji_cjk_and_combining_marks() {
    // 🙂 is 4 bytes and 2 UTF-16 units, 漢 and 字 are 3 bytes and 1 unit, U+0301 is 2 and 1.
    let text = "a🙂b\n漢字\ne\u{301}x";
    check_all_offsets(
        text,
        expect![[r#"
            0: 0:0/0
            1: 0:1/1
            2: 0:1/1
            3: 0:1/1
            4: 0:1/1
            5: 0:5/3
            6: 0:6/4
            7: 1:0/0
            8: 1:0/0
            9: 1:0/0
            10: 1:3/1
            11: 1:3/1
            12: 1:3/1
            13: 1:6/2
            14: 2:0/0
            15: 2:1/1
            16: 2:1/1
            17: 2:3/2
            18: 2:4/3
            19: 2:4/3
        "#]],
    );
    check_round_trips(text);
}

#[test]
fn line_breaks() {
    // LSP counts `\n`, `\r\n` and a lone `\r` as line breaks.
    let text = "a\r\nb\rc\nd\r";
    check_all_offsets(
        text,
        expect![[r#"
            0: 0:0/0
            1: 0:1/1
            2: 0:1/1
            3: 1:0/0
            4: 1:1/1
            5: 2:0/0
            6: 2:1/1
            7: 3:0/0
            8: 3:1/1
            9: 4:0/0
            10: 4:0/0
        "#]],
    );
    check_round_trips(text);
    check_round_trips("\r\r\n\n\r");
    check_round_trips("🙂\r漢\r\n字");
    assert_eq!(LineIndex::new(text).line_count(), 5);
    assert_eq!(LineIndex::new("").line_count(), 1);
    assert_eq!(LineIndex::new("a\n").line_count(), 2);
}

#[test]
fn positions_are_clamped() {
    let text = "ab🙂\ncd\r\nlast";
    let index = LineIndex::new(text);
    let offset = |line, col, enc| index.offset(LineCol { line, col }, enc).map(u32::from);
    // A column past the end of a line lands at the end of its content, before the break.
    assert_eq!(offset(0, 100, Utf8), Some(6));
    assert_eq!(offset(0, 100, Utf16), Some(6));
    assert_eq!(offset(1, 3, Utf16), Some(9));
    assert_eq!(offset(2, u32::MAX, Utf16), Some(15));
    assert_eq!(offset(2, u32::MAX, Utf8), Some(15));
    // A line past the last lands at the end of the text.
    assert_eq!(offset(3, 0, Utf16), Some(15));
    assert_eq!(offset(u32::MAX, u32::MAX, Utf8), Some(15));
    // Inside a surrogate pair (UTF-16) or inside a UTF-8 sequence: the character's start.
    assert_eq!(offset(0, 3, Utf16), Some(2));
    assert_eq!(offset(0, 4, Utf16), Some(6));
    assert_eq!(offset(0, 3, Utf8), Some(2));
    assert_eq!(offset(0, 5, Utf8), Some(2));
    // Offsets past the end, or inside a character, are clamped the same way.
    assert_eq!(
        index.line_col(1000.into(), Utf16),
        LineCol { line: 2, col: 4 }
    );
    assert_eq!(index.line_col(4.into(), Utf16), LineCol { line: 0, col: 2 });
    assert_eq!(index.line_col(4.into(), Utf8), LineCol { line: 0, col: 2 });
    // An offset between `\r` and `\n` is the end of that line's content.
    assert_eq!(index.line_col(10.into(), Utf8), LineCol { line: 1, col: 2 });
}

#[test]
fn empty_text() {
    let index = LineIndex::new("");
    assert_eq!(index.line_col(0.into(), Utf16), LineCol { line: 0, col: 0 });
    assert_eq!(index.line_col(5.into(), Utf8), LineCol { line: 0, col: 0 });
    assert_eq!(
        index.offset(LineCol { line: 3, col: 3 }, Utf16),
        Some(0.into())
    );
}
