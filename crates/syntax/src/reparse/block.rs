//! Tier 2 of incremental reparsing: parse one block of the new text alone and splice it in.
//!
//! A *region* is either a whole balanced node (attribute set, list, parenthesis, `let … in …`)
//! or a run of consecutive bindings of an attribute set or `let` (`name = value;`,
//! `inherit …;`), which is parsed inside `{ }` as an attribute set of its own. The region must
//! strictly contain the edit, so its first and last characters (an opening token, and a closing
//! bracket or `;`) survive it.
//!
//! Why the rest of the file parses as before: rnix decides everything from token kinds with at
//! most two tokens of lookahead, and a region is one unit for the construct around it. The parse
//! in front of it only looks at its first token, whose kind the edit cannot change, and behind
//! it the parser continues in the same state (after a closing bracket, or in the loop over
//! bindings after a `;`). So if the region parses alone into the same kind of node, ending in
//! its own closing token, with every error placed inside it, then the file parses the same
//! around it: old errors inside the region are replaced by the new ones, errors before it stay,
//! and errors after it shift by the edit's length change. rnix's error nodes hold tokens only,
//! so an error range is always inside, before or after a region.
//!
//! Not attempted: errors without a position (end of file) anywhere, because they cannot be
//! placed; and errors around a `let … in …` or its bindings, because a `let` ends at whatever
//! token cannot continue its body and `in` ends its bindings, which an error could change.

use rnix::{
    SyntaxElement,
    SyntaxKind::{self, *},
    SyntaxNode,
};
use rowan::{NodeOrToken, TextRange, TextSize};

use super::Edit;
use crate::{
    depth::{self, MAX_NESTING},
    errors::RawError,
    parse::{Parse, ParseOrigin},
};

/// The part of the old tree that gets reparsed.
#[derive(Clone)]
struct Region {
    /// The node whose green tree is rebuilt: the whole block, or the set or `let` holding a run
    /// of bindings.
    node: SyntaxNode,
    /// The old text range reparsed.
    range: TextRange,
    /// For a run of bindings, the node's first and last child (with tokens) it replaces.
    children: Option<(SyntaxElement, SyntaxElement)>,
    /// Text around the region's text that makes it parse alone as one node.
    prefix: &'static str,
    suffix: &'static str,
    /// Whether the region may contain errors (not around `let`).
    errors_ok: bool,
}

/// Reparses the smallest region around the edit, or returns `None`.
pub(super) fn reparse_block(parse: &Parse, root: &SyntaxNode, edit: &Edit<'_>) -> Option<Parse> {
    let mut old_errors = Vec::with_capacity(parse.raw_errors.len());
    for err in parse.raw_errors.iter() {
        old_errors.push((err.range()?, err));
    }
    let start = match root.covering_element(edit.range) {
        NodeOrToken::Node(node) => node,
        NodeOrToken::Token(token) => token.parent()?,
    };
    let mut region = start
        .ancestors()
        .find_map(|node| region_around(&node, edit.range))?;
    if !region.errors_ok && !old_errors.is_empty() {
        return None;
    }
    // Error recovery often runs on into the next binding (an unclosed `(` takes the `;` as its
    // closer, and the binding then swallows the next one up to its `;`), so a run of bindings
    // that fails alone is retried with the following bindings, a few times.
    for _ in 0..MAX_RUN_EXTENSIONS {
        if let Some(parse) = reparse_region(parse, &region, &old_errors, edit) {
            return Some(parse);
        }
        region = extend_run(&region)?;
    }
    reparse_region(parse, &region, &old_errors, edit)
}

/// How many more bindings a failed run is extended by, one at a time.
const MAX_RUN_EXTENSIONS: usize = 2;

/// The run of bindings `region` extended by the next binding, if it is a run and one follows.
fn extend_run(region: &Region) -> Option<Region> {
    let (first, last) = region.children.as_ref()?;
    if region.suffix.is_empty() {
        return None;
    }
    let mut next = last.next_sibling_or_token()?;
    while next.kind().is_trivia() {
        next = next.next_sibling_or_token()?;
    }
    if !is_binding(&next) {
        return None;
    }
    Some(Region {
        node: region.node.clone(),
        range: TextRange::new(region.range.start(), next.text_range().end()),
        children: Some((first.clone(), next)),
        prefix: region.prefix,
        suffix: region.suffix,
        errors_ok: region.errors_ok,
    })
}

/// Reparses `region` alone and splices it in, or returns `None`.
fn reparse_region(
    parse: &Parse,
    region: &Region,
    old_errors: &[(TextRange, &RawError)],
    edit: &Edit<'_>,
) -> Option<Parse> {
    let new_range = edit.new_range_of(region.range);
    let text = edit
        .new_text
        .get(std::ops::Range::<usize>::from(new_range))?;
    if !is_isolated(region, edit.new_text, new_range) {
        return None;
    }
    let alone_text = format!("{}{text}{}", region.prefix, region.suffix);

    // Keep the nesting bound: the region's own units add to those at its start (see depth.rs).
    let old_text = format!(
        "{}{}{}",
        region.prefix,
        old_region_text(region),
        region.suffix
    );
    let new_inner = depth::scan(&alone_text).max;
    let old_inner = depth::scan(&old_text).max;
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
    let text_start = TextSize::of(region.prefix);
    let text_range = TextRange::at(text_start, TextSize::of(text));
    let mut new_errors = Vec::with_capacity(alone.errors().len());
    for err in alone.errors() {
        let err = RawError::from_rnix(err, TextSize::from(0));
        let range = err.range()?;
        if !region.errors_ok || !text_range.contains_range(range) {
            return None;
        }
        // Move the error from the alone text to the new file.
        new_errors.push(err.map_range(|r| r - text_start + new_range.start()));
    }
    let alone_root = alone.syntax();
    // The old region is checked as it would be parsed alone: inside the same wrapping braces.
    let wrapper_kinds = |text: &str| {
        if text.is_empty() {
            None
        } else {
            Some(if text == "{" {
                TOKEN_L_BRACE
            } else {
                TOKEN_R_BRACE
            })
        }
    };
    let old_kinds = wrapper_kinds(region.prefix)
        .into_iter()
        .chain(old_region_elements(region).into_iter().flat_map(|e| {
            match e {
                NodeOrToken::Node(n) => n
                    .descendants_with_tokens()
                    .filter_map(|e| e.into_token())
                    .map(|t| t.kind())
                    .collect(),
                NodeOrToken::Token(t) => vec![t.kind()],
            }
        }))
        .chain(wrapper_kinds(region.suffix));
    let new_kinds = alone_root
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .map(|t| t.kind());
    if !leaves_lexer_state_alone(old_kinds) || !leaves_lexer_state_alone(new_kinds) {
        return None;
    }
    let new_node = only_child(&alone_root)?;
    let green = match &region.children {
        None => {
            if new_node.kind() != region.node.kind()
                || !ends_with_closer(&new_node)
                || empty_set_before_colon(&new_node, &region.node)
            {
                return None;
            }
            region.node.replace_with(new_node.green().to_owned())
        }
        Some((first, last)) => {
            let new_children = binding_run_children(region, &new_node)?;
            let indices = first.index()..=last.index();
            let parent = region.node.green().splice_children(indices, new_children);
            region.node.replace_with(parent)
        }
    };

    let old_range = region.range;
    let shift = |r: TextRange| {
        if r.start() >= old_range.end() {
            TextRange::at(r.start() - old_range.len() + new_range.len(), r.len())
        } else {
            r
        }
    };
    let inside = |r: TextRange| r.end() > old_range.start() && r.start() < old_range.end();
    let before = old_errors
        .iter()
        .filter(|(r, _)| !inside(*r) && r.start() < old_range.start());
    let after = old_errors
        .iter()
        .filter(|(r, _)| !inside(*r) && r.start() >= old_range.end());
    let raw: Vec<RawError> = before
        .map(|(_, e)| (*e).clone())
        .chain(new_errors)
        .chain(after.map(|(_, e)| e.map_range(shift)))
        .collect();
    Some(Parse::from_parts(
        green,
        raw,
        nesting,
        false,
        ParseOrigin::BlockReparse,
    ))
}

/// The region `node` offers for an edit at `edit`, if it strictly contains it.
fn region_around(node: &SyntaxNode, edit: TextRange) -> Option<Region> {
    let range = node.text_range();
    if !(range.start() < edit.start() && edit.end() < range.end()) {
        return None;
    }
    let whole = |errors_ok| Region {
        node: node.clone(),
        range,
        children: None,
        prefix: "",
        suffix: "",
        errors_ok,
    };
    match node.kind() {
        NODE_LIST | NODE_PAREN => Some(whole(true)),
        NODE_ATTR_SET => Some(binding_run(node, edit, true).unwrap_or_else(|| whole(true))),
        NODE_LET_IN => Some(binding_run(node, edit, false).unwrap_or_else(|| whole(false))),
        _ => None,
    }
}

fn is_binding(element: &SyntaxElement) -> bool {
    matches!(element.kind(), NODE_ATTRPATH_VALUE | NODE_INHERIT)
}

/// The run of bindings of `node` around the edit: from the last binding that starts before the
/// edit to the first that ends after it. In an attribute set, a missing end of the run is the
/// set's own brace; in a `let`, both must be bindings. Sets in generated files can have tens of
/// thousands of children, so this walks from the edit outwards instead of over all children.
fn binding_run(node: &SyntaxNode, edit: TextRange, is_set: bool) -> Option<Region> {
    let one = TextSize::from(1);
    // The children holding the characters just before and just after the edit.
    let before = node.child_or_token_at_range(TextRange::at(edit.start() - one, one))?;
    let after = node.child_or_token_at_range(TextRange::at(edit.end(), one))?;
    let first_binding = walk(before, |e| e.prev_sibling_or_token());
    let last_binding = walk(after, |e| e.next_sibling_or_token());
    let (first, prefix) = match first_binding {
        Ok(binding) => (binding, "{"),
        Err(edge) if is_set && edge.index() == 0 => (edge, ""),
        Err(_) => return None,
    };
    let (last, suffix) = match last_binding {
        Ok(binding) => (binding, "}"),
        Err(edge)
            if is_set && edge.kind() == TOKEN_R_BRACE && edge.next_sibling_or_token().is_none() =>
        {
            (edge, "")
        }
        Err(_) => return None,
    };
    if prefix.is_empty() && suffix.is_empty() || first.index() > last.index() {
        return None;
    }
    // Between the two ends there may only be bindings and trivia (no error nodes, no `in`),
    // apart from the set's own opening and closing tokens when the run reaches them.
    let mut element = first.clone();
    loop {
        let at_set_start = prefix.is_empty() && matches!(element.kind(), TOKEN_REC | TOKEN_L_BRACE);
        let at_set_end = suffix.is_empty() && element.index() == last.index();
        if !(is_binding(&element) || element.kind().is_trivia() || at_set_start || at_set_end) {
            return None;
        }
        if element.index() == last.index() {
            break;
        }
        element = element.next_sibling_or_token()?;
    }
    let range = TextRange::new(first.text_range().start(), last.text_range().end());
    Some(Region {
        node: node.clone(),
        range,
        children: Some((first, last)),
        prefix,
        suffix,
        errors_ok: is_set,
    })
}

/// Walks from `start` (inclusive) in one direction to the nearest binding, over trivia and the
/// set's opening tokens. Returns the binding, or the last element reached (the set's edge) if
/// something else comes first or the children end.
fn walk(
    start: SyntaxElement,
    step: impl Fn(&SyntaxElement) -> Option<SyntaxElement>,
) -> Result<SyntaxElement, SyntaxElement> {
    let mut element = start;
    loop {
        if is_binding(&element) {
            return Ok(element);
        }
        if !element.kind().is_trivia() {
            // Keep walking over `rec {` towards the start of a set; stop at anything else.
            if !matches!(element.kind(), TOKEN_REC | TOKEN_L_BRACE) || element.index() == 0 {
                return Err(element);
            }
        }
        match step(&element) {
            Some(next) => element = next,
            None => return Err(element),
        }
    }
}

/// The old tree's elements the region covers.
fn old_region_elements(region: &Region) -> Vec<SyntaxElement> {
    match &region.children {
        None => vec![NodeOrToken::Node(region.node.clone())],
        Some((first, last)) => {
            let mut elements = vec![first.clone()];
            while let Some(next) = elements.last().filter(|e| e.index() < last.index()) {
                match next.next_sibling_or_token() {
                    Some(next) => elements.push(next),
                    None => break,
                }
            }
            elements
        }
    }
}

fn old_region_text(region: &Region) -> String {
    old_region_elements(region)
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// Whether lexing the region leaves the tokenizer's state as it found it, so that the text after
/// the region lexes the same in the old and the new file (checked on the old region's tokens and
/// on the new ones, both with the braces that wrap a run of bindings). Braces and interpolations
/// must balance without ever closing more than was opened: an unmatched `${`
/// turns every later `}` of the file into the end of an interpolation, and inside an
/// interpolation the tokenizer counts braces to find where it ends. (Unterminated strings never
/// get this far: they swallow the region's closing token.)
fn leaves_lexer_state_alone(kinds: impl Iterator<Item = SyntaxKind>) -> bool {
    let mut braces = 0i64;
    let mut interpolations = 0i64;
    for kind in kinds {
        match kind {
            TOKEN_L_BRACE => braces += 1,
            TOKEN_R_BRACE => braces -= 1,
            TOKEN_INTERPOL_START => interpolations += 1,
            TOKEN_INTERPOL_END => interpolations -= 1,
            _ => continue,
        }
        if braces < 0 || interpolations < 0 {
            return false;
        }
    }
    braces == 0 && interpolations == 0
}

/// The single node the alone text must parse into.
fn only_child(root: &SyntaxNode) -> Option<SyntaxNode> {
    let mut children = root.children_with_tokens();
    let node = children.next()?.into_node()?;
    children.next().is_none().then_some(node)
}

/// The children that replace a run of bindings: those of the alone attribute set without the
/// braces the run was wrapped in. Only bindings and trivia may come out (plus the set's own
/// opening or closing tokens when the run reaches them).
fn binding_run_children(
    region: &Region,
    set: &SyntaxNode,
) -> Option<Vec<NodeOrToken<rowan::GreenNode, rowan::GreenToken>>> {
    if set.kind() != NODE_ATTR_SET || last_child_kind(set) != Some(TOKEN_R_BRACE) {
        return None;
    }
    let mut children: Vec<SyntaxElement> = set.children_with_tokens().collect();
    if !region.suffix.is_empty() {
        children.pop().filter(|c| c.kind() == TOKEN_R_BRACE)?;
    }
    if !region.prefix.is_empty() {
        if children.first().map(|c| c.kind()) != Some(TOKEN_L_BRACE) {
            return None;
        }
        children.remove(0);
    }
    let count = children.len();
    let all_ok = children.iter().enumerate().all(|(i, c)| {
        let at_set_start =
            region.prefix.is_empty() && matches!(c.kind(), TOKEN_REC | TOKEN_L_BRACE);
        let at_set_end = region.suffix.is_empty() && i + 1 == count && c.kind() == TOKEN_R_BRACE;
        is_binding(c) || c.kind().is_trivia() || at_set_start || at_set_end
    });
    if !all_ok {
        return None;
    }
    Some(
        children
            .into_iter()
            .map(|c| match c {
                NodeOrToken::Node(n) => NodeOrToken::Node(n.green().to_owned()),
                NodeOrToken::Token(t) => NodeOrToken::Token(t.green().to_owned()),
            })
            .collect(),
    )
}

/// Whether lexing the region alone sees the same tokens as lexing it in place: no token before
/// it may look into it, and (for `let … in …`, which ends in an arbitrary token) nothing after
/// it may be glued to its last token.
fn is_isolated(region: &Region, new_text: &str, new_range: TextRange) -> bool {
    let (Some(prefix), Some(suffix)) = (
        new_text.get(..usize::from(new_range.start())),
        new_text.get(usize::from(new_range.end())..),
    ) else {
        return false;
    };
    let before = prefix.chars().next_back();
    let after = suffix.chars().next();
    let first_kind = match &region.children {
        Some((first, _)) => first.kind(),
        None => region.node.first_token().map_or(NODE_ERROR, |t| t.kind()),
    };
    let starts_with_word = matches!(
        first_kind,
        TOKEN_REC | TOKEN_LET | NODE_ATTRPATH_VALUE | NODE_INHERIT
    );
    if starts_with_word && before.is_some_and(|c| !c.is_whitespace() && !"([{;=,".contains(c)) {
        return false;
    }
    if region.children.is_none() && region.node.kind() == NODE_LET_IN {
        return after.is_none_or(|c| c.is_whitespace() || ";)}],#".contains(c));
    }
    true
}

/// The node must end with its own closing token (rnix closes a parenthesis with whatever token
/// comes next, and error recovery can swallow a closing bracket).
fn ends_with_closer(node: &SyntaxNode) -> bool {
    let closer = match node.kind() {
        NODE_ATTR_SET => TOKEN_R_BRACE,
        NODE_LIST => TOKEN_R_BRACK,
        NODE_PAREN => TOKEN_R_PAREN,
        _ => return true,
    };
    last_child_kind(node) == Some(closer)
}

fn last_child_kind(node: &SyntaxNode) -> Option<SyntaxKind> {
    node.children_with_tokens().last().map(|c| c.kind())
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
