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
//! 2. *Block reparse.* Otherwise the nearest attribute set, list, parenthesis, `let … in …` or
//!    binding (`name = value;` or `inherit …;` in a set or `let`, parsed inside `{ }`) that
//!    strictly contains the edit is parsed alone; if that gives exactly one node of the same kind
//!    and no errors, the node is replaced. Errors elsewhere in the file are kept (see
//!    `reparse_block` for why that is sound and when it is not attempted).
//!
//! Anything else returns `None` and the caller parses the whole text again.

use rnix::{
    SyntaxKind::{self, *},
    SyntaxNode, SyntaxToken,
};
use rowan::{GreenToken, TextRange, TextSize};

use crate::{
    depth::{self, MAX_NESTING},
    errors::RawError,
    parse::{Parse, ParseOrigin, raw_kind},
};

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
        reparse_token(self, &root, &edit).or_else(|| reparse_block(self, &root, &edit))
    }
}

/// One text edit, seen from both texts.
struct Edit<'a> {
    /// The replaced range, in the old text.
    range: TextRange,
    /// The length of the inserted text.
    insert_len: TextSize,
    /// The whole text after the edit.
    new_text: &'a str,
}

impl Edit<'_> {
    /// The range `old` (which contains the edit) covers in the new text.
    fn new_range_of(&self, old: TextRange) -> TextRange {
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

/// Tier 2: reparse the nearest balanced block that strictly contains the edit.
///
/// The parser decides everything from token kinds with at most two tokens of lookahead, and a
/// block is one unit for the construct around it: the parse before the block only looks at the
/// block's first token (whose kind the edit cannot change, as the edit is strictly inside), and
/// the parse after it continues in the same state. So if the new block parses alone without
/// errors, the whole file parses as before around it: errors inside the old block go away, and
/// errors outside it stay (those after it shifted by the edit's length change). rnix's error
/// nodes hold tokens only, so an error range is always inside, before or after a block. Errors without a position (end of file) cannot
/// be placed, so their presence sends the edit to a full parse, as do old errors inside a
/// `let … in …`, whose end depends on the tokens after it.
fn reparse_block(parse: &Parse, root: &SyntaxNode, edit: &Edit<'_>) -> Option<Parse> {
    let mut error_ranges = Vec::with_capacity(parse.raw_errors.len());
    for err in parse.raw_errors.iter() {
        error_ranges.push(err.range()?);
    }
    let start = match root.covering_element(edit.range) {
        rowan::NodeOrToken::Node(node) => node,
        rowan::NodeOrToken::Token(token) => token.parent()?,
    };
    let node = start.ancestors().find(|n| {
        let r = n.text_range();
        is_block(n) && r.start() < edit.range.start() && edit.range.end() < r.end()
    })?;
    let old_range = node.text_range();
    if node.kind() == NODE_LET_IN && !error_ranges.is_empty() {
        return None;
    }
    let new_range = edit.new_range_of(old_range);
    let block_text = edit
        .new_text
        .get(std::ops::Range::<usize>::from(new_range))?;
    if !block_is_isolated(&node, edit.new_text, new_range) {
        return None;
    }
    // A binding is parsed inside braces, as the only binding of an attribute set.
    let is_binding = matches!(node.kind(), NODE_ATTRPATH_VALUE | NODE_INHERIT);
    let wrap = |text: &str| {
        if is_binding {
            format!("{{{text}}}")
        } else {
            text.to_owned()
        }
    };
    let alone_text = wrap(block_text);

    // Keep the nesting bound: the block's own units add to those at its start (see depth.rs).
    let new_inner = depth::scan(&alone_text).max;
    let old_inner = depth::scan(&wrap(&node.text().to_string())).max;
    let nesting = parse.nesting.max(
        parse
            .nesting
            .saturating_sub(old_inner)
            .saturating_add(new_inner),
    );
    if nesting > MAX_NESTING {
        return None;
    }

    let alone = rnix::Root::parse(&alone_text);
    if !alone.errors().is_empty() {
        return None;
    }
    let new_node = only_child(&alone.syntax(), is_binding)?;
    if new_node.kind() != node.kind()
        || !ends_with_closer(&new_node)
        || empty_set_before_colon(&new_node, &node)
    {
        return None;
    }
    let green = node.replace_with(new_node.green().to_owned());
    let shift = |r: TextRange| {
        if r.start() >= old_range.end() {
            TextRange::at(r.start() - old_range.len() + new_range.len(), r.len())
        } else {
            r
        }
    };
    // Errors inside the old block go away with it; the new block has none.
    let inside = |r: TextRange| r.end() > old_range.start() && r.start() < old_range.end();
    let raw: Vec<RawError> = parse
        .raw_errors
        .iter()
        .zip(error_ranges)
        .filter(|(_, range)| !inside(*range))
        .map(|(e, _)| e.map_range(shift))
        .collect();
    Some(Parse::from_parts(
        green,
        raw,
        nesting,
        false,
        ParseOrigin::BlockReparse,
    ))
}

/// The single node a block parsed alone must consist of; for a binding, the only child of the
/// wrapping attribute set, which must hold nothing but `{`, the binding and `}`.
fn only_child(root: &SyntaxNode, is_binding: bool) -> Option<SyntaxNode> {
    let mut children = root.children_with_tokens();
    let node = children.next()?.into_node()?;
    if children.next().is_some() {
        return None;
    }
    if !is_binding {
        return Some(node);
    }
    let mut inner = node.children_with_tokens();
    let open = inner.next()?;
    let binding = inner.next()?.into_node()?;
    let close = inner.next()?;
    let shape_ok = node.kind() == NODE_ATTR_SET
        && open.kind() == TOKEN_L_BRACE
        && close.kind() == TOKEN_R_BRACE
        && inner.next().is_none();
    shape_ok.then_some(binding)
}

/// Attribute sets, lists, parentheses, `let … in …`, and bindings of attribute sets and `let`.
fn is_block(node: &SyntaxNode) -> bool {
    match node.kind() {
        NODE_ATTR_SET | NODE_LIST | NODE_PAREN | NODE_LET_IN => true,
        NODE_ATTRPATH_VALUE | NODE_INHERIT => node
            .parent()
            .is_some_and(|p| matches!(p.kind(), NODE_ATTR_SET | NODE_LET_IN)),
        _ => false,
    }
}

/// Whether lexing the block alone sees the same tokens as lexing it in place: no token before
/// it may look into it, and (for `let … in …`, which ends in an arbitrary token) nothing after
/// it may be glued to its last token.
fn block_is_isolated(node: &SyntaxNode, new_text: &str, new_range: TextRange) -> bool {
    let (Some(prefix), Some(suffix)) = (
        new_text.get(..usize::from(new_range.start())),
        new_text.get(usize::from(new_range.end())..),
    ) else {
        return false;
    };
    let before = prefix.chars().next_back();
    let after = suffix.chars().next();
    let starts_with_word = matches!(node.kind(), NODE_ATTRPATH_VALUE | NODE_INHERIT)
        || matches!(
            node.first_token().map(|t| t.kind()),
            Some(TOKEN_REC | TOKEN_LET)
        );
    if starts_with_word && before.is_some_and(|c| !c.is_whitespace() && !"([{;=,".contains(c)) {
        return false;
    }
    if node.kind() == NODE_LET_IN {
        return after.is_none_or(|c| c.is_whitespace() || ";)}],#".contains(c));
    }
    true
}

/// rnix closes parentheses by taking whatever token comes next; accept only real closers.
fn ends_with_closer(node: &SyntaxNode) -> bool {
    let closer = match node.kind() {
        NODE_ATTR_SET => TOKEN_R_BRACE,
        NODE_LIST => TOKEN_R_BRACK,
        NODE_PAREN => TOKEN_R_PAREN,
        NODE_ATTRPATH_VALUE | NODE_INHERIT => TOKEN_SEMICOLON,
        _ => return true,
    };
    node.last_token().is_some_and(|t| t.kind() == closer)
}

/// `{ }` followed by `:` or `@` is a lambda pattern in place (rnix decides that by looking past
/// the closing brace), but an attribute set when parsed alone.
fn empty_set_before_colon(new_node: &SyntaxNode, old_node: &SyntaxNode) -> bool {
    if new_node.kind() != NODE_ATTR_SET {
        return false;
    }
    let significant = new_node
        .children_with_tokens()
        .filter(|e| !e.kind().is_trivia() && e.kind() != TOKEN_REC)
        .count();
    if significant > 2 {
        return false;
    }
    let mut next = old_node.last_token().and_then(|t| t.next_token());
    while let Some(t) = next.as_ref().filter(|t| t.kind().is_trivia()) {
        next = t.next_token();
    }
    next.is_some_and(|t| matches!(t.kind(), TOKEN_COLON | TOKEN_AT))
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
