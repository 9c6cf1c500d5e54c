//! Incremental reparsing: reuse the old tree when an edit stays inside one token or one block.
//!
//! rowan has no incremental parser and rnix parses whole files only, so this follows
//! rust-analyzer's `reparsing.rs` with two tiers, both of which must give exactly the tree (and
//! errors) that a fresh parse of the new text would give:
//!
//! 1. *Token relex.* An edit inside one identifier, number, comment, whitespace or string content
//!    token relexes that token (with the real text after it, so merges with the next character
//!    are seen) and swaps in the new token if it is still one token of the same kind. The parser
//!    only looks at token kinds, so the tree shape and the errors stay the same; error ranges
//!    after the token shift by the edit's length change.
//! 2. *Block reparse.* Otherwise the smallest region around the edit is parsed alone: an
//!    attribute set, list, parenthesis or `let … in …`, or a run of bindings of a set or `let`
//!    (parsed inside `{ }`). If that gives the same kind of node, ending in its own closing
//!    token, with all its errors inside, it replaces the old region; errors elsewhere are kept.
//!    `block.rs` explains why that equals a fresh parse and when it is not attempted.
//!
//! Anything else returns `None` and the caller parses the whole text again.

use rnix::{
    SyntaxKind::{self, *},
    SyntaxNode, SyntaxToken,
};
use rowan::{GreenToken, TextRange, TextSize};

use crate::{
    errors::RawError,
    parse::{Parse, ParseOrigin, raw_kind},
};

mod block;

/// How many tokens the token tier relexes in front of the edited token, at most.
const MAX_RELEX_CONTEXT: usize = 32;

impl Parse {
    /// Reparses after replacing `range` of the old text with `insert` produced `new_text`.
    /// Returns `None` when the edit cannot be handled incrementally; the caller then parses
    /// `new_text` afresh.
    pub fn reparse(&self, range: TextRange, insert: &str, new_text: &str) -> Option<Parse> {
        let old_len = self.green.text_len();
        if range.end() > old_len || self.too_deep {
            return None;
        }
        let expected_len =
            u64::from(u32::from(old_len)) - u64::from(u32::from(range.len())) + insert.len() as u64;
        if new_text.len() as u64 != expected_len {
            return None;
        }
        let start = usize::from(range.start());
        if new_text.get(start..start + insert.len()) != Some(insert) {
            return None;
        }
        let edit = Edit {
            range,
            insert_len: TextSize::of(insert),
            new_text,
        };
        let root = self.syntax_node();
        reparse_token(self, &root, &edit).or_else(|| block::reparse_block(self, &root, &edit))
    }
}

/// One text edit, seen from both texts.
pub(crate) struct Edit<'a> {
    /// The replaced range, in the old text.
    pub(crate) range: TextRange,
    /// The length of the inserted text.
    pub(crate) insert_len: TextSize,
    /// The whole text after the edit.
    pub(crate) new_text: &'a str,
}

impl Edit<'_> {
    /// The range `old` (which contains the edit) covers in the new text.
    pub(crate) fn new_range_of(&self, old: TextRange) -> TextRange {
        TextRange::new(old.start(), old.end() - self.range.len() + self.insert_len)
    }

    /// Whether the edit types or uncovers something that opens or closes a string, comment or
    /// interpolation; such edits can change how everything after them is lexed.
    fn touches_delimiters(&self) -> bool {
        let start = usize::from(self.range.start());
        let end = start + usize::from(self.insert_len);
        let inserted = &self.new_text[start..end];
        if inserted.contains(['"', '#']) {
            return true;
        }
        let lo = floor_char_boundary(self.new_text, start.saturating_sub(1));
        let hi = ceil_char_boundary(self.new_text, end + 1);
        let window = &self.new_text[lo..hi];
        ["''", "${", "/*", "*/"].iter().any(|s| window.contains(s))
    }
}

/// Tier 1: relex the single token that contains the edit.
fn reparse_token(parse: &Parse, root: &SyntaxNode, edit: &Edit<'_>) -> Option<Parse> {
    // The token must contain the edit and at least the character before it, so its first
    // character survives and tokens in front of it lex as before. `covering_element` descends
    // by binary search; `token_at_offset` scans every child of wide nodes.
    let before = edit.range.start().checked_sub(TextSize::from(1))?;
    let rowan::NodeOrToken::Token(token) =
        root.covering_element(TextRange::new(before, edit.range.end()))
    else {
        return None;
    };
    let old_range = token.text_range();
    let kind = token.kind();
    let relexable = matches!(
        kind,
        TOKEN_IDENT
            | TOKEN_WHITESPACE
            | TOKEN_COMMENT
            | TOKEN_INTEGER
            | TOKEN_FLOAT
            | TOKEN_STRING_CONTENT
    );
    // The tree spells `or` used as a name and `__curPos` as identifiers, but the parser saw other
    // kinds for them, so they never qualify.
    if !relexable || is_special_ident(kind, token.text()) || edit.touches_delimiters() {
        return None;
    }
    let new_range = edit.new_range_of(old_range);
    let new_token_text = edit
        .new_text
        .get(std::ops::Range::<usize>::from(new_range))?;
    if new_token_text.is_empty() || is_special_ident(kind, new_token_text) {
        return None;
    }
    let relexed_ok = match kind {
        TOKEN_STRING_CONTENT => relexes_as_string_content(&token, edit.new_text, new_range),
        _ => relexes_as_code(&token, edit.new_text, new_range),
    };
    if !relexed_ok {
        return None;
    }
    let green = token.replace_with(GreenToken::new(raw_kind(kind), new_token_text));
    let shift = |r: TextRange| {
        let move_point = |p: TextSize| {
            if p <= old_range.start() {
                p
            } else {
                p - old_range.len() + new_range.len()
            }
        };
        TextRange::new(move_point(r.start()), move_point(r.end()))
    };
    let raw: Vec<RawError> = parse
        .raw_errors
        .iter()
        .map(|e| e.map_range(shift))
        .collect();
    Some(Parse::from_parts(
        green,
        raw,
        parse.nesting,
        false,
        ParseOrigin::TokenRelex,
    ))
}

fn is_special_ident(kind: SyntaxKind, text: &str) -> bool {
    kind == TOKEN_IDENT && matches!(text, "or" | "__curPos")
}

/// Relexes a code token, starting at the whitespace in front of it so that any lookahead of the
/// tokens before it (paths and URIs look ahead over several characters) is checked too.
fn relexes_as_code(token: &SyntaxToken, new_text: &str, new_range: TextRange) -> bool {
    let mut expected = vec![(token.kind(), new_range.len())];
    if !matches!(token.kind(), TOKEN_WHITESPACE | TOKEN_COMMENT) {
        let mut prev = token.prev_token();
        loop {
            let Some(t) = prev else { break };
            expected.push((t.kind(), t.text_range().len()));
            if t.kind() == TOKEN_WHITESPACE {
                break;
            }
            if expected.len() > MAX_RELEX_CONTEXT {
                return false;
            }
            prev = t.prev_token();
        }
    }
    expected.reverse();
    let restart = new_range.start()
        - expected[..expected.len() - 1]
            .iter()
            .map(|(_, len)| *len)
            .sum::<TextSize>();
    let Some(rest) = new_text.get(usize::from(restart)..) else {
        return false;
    };
    let mut lexed = rnix::tokenize(rest);
    expected.iter().all(|&(kind, len)| {
        lexed
            .next()
            .is_some_and(|(k, text)| k == kind && TextSize::of(text) == len)
    })
}

/// Relexes string content by lexing the new text after a synthetic string start, which puts
/// the tokenizer in the state it has inside the real string.
fn relexes_as_string_content(token: &SyntaxToken, new_text: &str, new_range: TextRange) -> bool {
    let Some(string) = token.parent().filter(|p| p.kind() == NODE_STRING) else {
        return false;
    };
    let Some(opener) = string
        .first_token()
        .filter(|t| t.kind() == TOKEN_STRING_START)
    else {
        return false;
    };
    // The content ends at `"`, `''` or `${`, which the tokenizer sees within a few characters.
    let start = usize::from(new_range.start());
    let end = ceil_char_boundary(new_text, usize::from(new_range.end()) + 8);
    let synthetic = format!("{}{}", opener.text(), &new_text[start..end]);
    let mut lexed = rnix::tokenize(&synthetic);
    let opener_ok = lexed
        .next()
        .is_some_and(|(k, t)| k == TOKEN_STRING_START && t == opener.text());
    opener_ok
        && lexed
            .next()
            .is_some_and(|(k, t)| k == TOKEN_STRING_CONTENT && TextSize::of(t) == new_range.len())
}

fn floor_char_boundary(text: &str, mut idx: usize) -> usize {
    idx = idx.min(text.len());
    while !text.is_char_boundary(idx) {
        idx -= 1;
    }
    idx
}

fn ceil_char_boundary(text: &str, mut idx: usize) -> usize {
    idx = idx.min(text.len());
    while !text.is_char_boundary(idx) {
        idx += 1;
    }
    idx
}
