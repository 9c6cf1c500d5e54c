//! rnix's parse errors, kept in a raw form that edits can shift, and turned into sentences.
//!
//! rnix reports errors as `ParseError` values whose `Display` prints token kind names
//! (`unexpected TOKEN_SEMICOLON at 19..20, wanted any of [TOKEN_IDENT, …]`), and its end-of-file
//! errors carry no position. Here every variant becomes a sentence about the text the user wrote,
//! with the range of the offending token, and end-of-file errors point at the end of the last
//! token and at every bracket, string or `let` left open.

use rnix::{
    ParseError,
    SyntaxKind::{self, *},
    SyntaxNode, SyntaxToken,
};
use rowan::{NodeOrToken, TextRange, TextSize};

use crate::parse::SyntaxError;

mod words;

use words::{
    describe_error_token, describe_found, describe_kind, describe_wanted, is_attr_name_set,
    is_keyword,
};

/// A parse error as the parser reported it, with ranges into the whole file.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum RawError {
    /// A node rnix could not classify.
    Unexpected(TextRange),
    /// Tokens after the file's expression ended.
    Extra(TextRange),
    /// Tokens skipped because the parser wanted one of `wanted`.
    Wanted {
        found: SyntaxKind,
        range: TextRange,
        wanted: Box<[SyntaxKind]>,
    },
    /// A second `@` binding on one pattern.
    DoubleBind(TextRange),
    /// The file ended while something was still open.
    Eof,
    /// The file ended while the parser wanted one of these tokens.
    EofWanted(Box<[SyntaxKind]>),
    /// A formal argument listed twice.
    DuplicatedArg(TextRange, String),
    /// rnix's own recursion guard fired.
    RecursionLimit,
    /// Our pre-scan refused to parse (see `depth.rs`).
    TooDeep { units: u32, range: TextRange },
    /// A variant added to rnix after 0.15.1.
    Other(String),
}

impl RawError {
    /// Converts rnix's error, moving its ranges `offset` bytes to the right.
    pub(crate) fn from_rnix(err: &ParseError, offset: TextSize) -> RawError {
        let at = |range: &TextRange| *range + offset;
        match err {
            ParseError::Unexpected(range) => RawError::Unexpected(at(range)),
            ParseError::UnexpectedExtra(range) => RawError::Extra(at(range)),
            ParseError::UnexpectedWanted(found, range, wanted) => RawError::Wanted {
                found: *found,
                range: at(range),
                wanted: wanted.clone(),
            },
            ParseError::UnexpectedDoubleBind(range) => RawError::DoubleBind(at(range)),
            ParseError::UnexpectedEOF => RawError::Eof,
            ParseError::UnexpectedEOFWanted(wanted) => RawError::EofWanted(wanted.clone()),
            ParseError::DuplicatedArgs(range, name) => {
                RawError::DuplicatedArg(at(range), name.clone())
            }
            ParseError::RecursionLimitExceeded => RawError::RecursionLimit,
            other => RawError::Other(other.to_string()),
        }
    }

    /// The error's range, if rnix gave it one.
    pub(crate) fn range(&self) -> Option<TextRange> {
        match self {
            RawError::Unexpected(r)
            | RawError::Extra(r)
            | RawError::Wanted { range: r, .. }
            | RawError::DoubleBind(r)
            | RawError::DuplicatedArg(r, _)
            | RawError::TooDeep { range: r, .. } => Some(*r),
            RawError::Eof
            | RawError::EofWanted(_)
            | RawError::RecursionLimit
            | RawError::Other(_) => None,
        }
    }

    /// Maps this error's range through `f` (used when an edit changes one token's length).
    pub(crate) fn map_range(&self, f: impl Fn(TextRange) -> TextRange) -> RawError {
        match self {
            RawError::Unexpected(r) => RawError::Unexpected(f(*r)),
            RawError::Extra(r) => RawError::Extra(f(*r)),
            RawError::Wanted {
                found,
                range,
                wanted,
            } => RawError::Wanted {
                found: *found,
                range: f(*range),
                wanted: wanted.clone(),
            },
            RawError::DoubleBind(r) => RawError::DoubleBind(f(*r)),
            RawError::DuplicatedArg(r, name) => RawError::DuplicatedArg(f(*r), name.clone()),
            RawError::TooDeep { units, range } => RawError::TooDeep {
                units: *units,
                range: f(*range),
            },
            RawError::Eof
            | RawError::EofWanted(_)
            | RawError::RecursionLimit
            | RawError::Other(_) => self.clone(),
        }
    }
}

/// Turns raw errors into human ones, in text order, without duplicates.
pub(crate) fn humanize(raw: &[RawError], root: &SyntaxNode) -> Vec<SyntaxError> {
    let mut out = Vec::new();
    let mut eof_wanted: Option<&[SyntaxKind]> = None;
    let mut saw_eof = false;
    // When the parser skipped tokens up to the end of the file (say, the `}` of `{ a = 1 }`
    // while looking for `;`), the end-of-file errors that follow are consequences of that
    // first error and would only add noise ("unclosed `{`" for a brace that is there).
    let last_end = last_significant_token(root).map(|t| t.text_range().end());
    let mut skipped_to_end = false;
    for err in raw {
        match err {
            RawError::Eof => saw_eof = true,
            RawError::EofWanted(wanted) => {
                saw_eof = true;
                eof_wanted.get_or_insert(wanted);
            }
            RawError::Wanted { range, .. } | RawError::Extra(range) => {
                skipped_to_end |= Some(range.end()) == last_end;
                out.extend(describe(err, root));
            }
            _ => out.extend(describe(err, root)),
        }
    }
    if saw_eof && !skipped_to_end {
        eof_errors(root, eof_wanted, &mut out);
    }
    out.sort_by_key(|e| (e.range.start(), e.range.end()));
    out.dedup();
    out
}

fn error(range: TextRange, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        range,
        message: message.into(),
    }
}

fn describe(err: &RawError, root: &SyntaxNode) -> Option<SyntaxError> {
    let found_token = |range: TextRange| first_token_in(root, range);
    Some(match err {
        RawError::Wanted {
            found,
            range,
            wanted,
        } => {
            let token = found_token(*range);
            if let (TOKEN_ERROR, Some(token)) = (*found, &token) {
                return Some(describe_error_token(token));
            }
            let token_range = token.as_ref().map_or(*range, |t| t.text_range());
            let found_text = describe_found(*found, token.as_ref().map(|t| t.text()));
            let parent = token.as_ref().and_then(|t| t.parent()).and_then(|p| {
                if p.kind() == NODE_ERROR {
                    p.parent()
                } else {
                    Some(p)
                }
            });
            let parent_kind = parent.map(|p| p.kind());
            let message = match (&**wanted, parent_kind) {
                ([TOKEN_SEMICOLON], Some(NODE_ATTRPATH_VALUE | NODE_INHERIT)) => {
                    format!("missing `;` after the binding (found {found_text})")
                }
                ([TOKEN_SEMICOLON], Some(NODE_WITH)) => {
                    format!("expected `;` after the `with` expression, found {found_text}")
                }
                ([TOKEN_SEMICOLON], Some(NODE_ASSERT)) => {
                    format!("expected `;` after the assertion, found {found_text}")
                }
                _ if is_attr_name_set(wanted)
                    && parent_kind == Some(NODE_INHERIT)
                    && matches!(found, TOKEN_R_BRACE | TOKEN_IN) =>
                {
                    format!("missing `;` at the end of `inherit` (found {found_text})")
                }
                _ if is_attr_name_set(wanted) && is_keyword(*found) => {
                    let word = token.as_ref().map_or("", |t| t.text());
                    format!(
                        "unexpected {found_text}, expected an attribute name \
                         (keywords must be quoted to be used as names: `\"{word}\"`)"
                    )
                }
                _ => format!(
                    "unexpected {found_text}, expected {}",
                    describe_wanted(wanted)
                ),
            };
            error(token_range, message)
        }
        RawError::Extra(range) => {
            let token = found_token(*range);
            let token_range = token.as_ref().map_or(*range, |t| t.text_range());
            let kind = token.as_ref().map_or(TOKEN_ERROR, |t| t.kind());
            let message = match kind {
                TOKEN_R_BRACE | TOKEN_R_BRACK | TOKEN_R_PAREN => {
                    format!("unmatched {}", describe_found(kind, None))
                }
                TOKEN_ERROR => match &token {
                    Some(token) => return Some(describe_error_token(token)),
                    None => "unexpected text after the end of the expression".to_owned(),
                },
                _ => format!(
                    "unexpected {} after the end of the expression",
                    describe_found(kind, token.as_ref().map(|t| t.text()))
                ),
            };
            error(token_range, message)
        }
        RawError::Unexpected(range) => error(*range, "unexpected syntax"),
        RawError::DoubleBind(range) => error(
            *range,
            "a pattern can be bound to a name with `@` only once",
        ),
        RawError::DuplicatedArg(range, name) => {
            error(*range, format!("the argument `{name}` is listed twice"))
        }
        RawError::RecursionLimit => {
            let range = recursion_limit_range(root);
            error(
                range,
                "expressions nest too deeply here: the parser stops after 512 levels",
            )
        }
        RawError::TooDeep { units, range } => error(
            *range,
            format!(
                "this expression nests too deeply to analyse (depth {units}, counting each \
                 bracket and operator once and each set, `let`, function or parenthesis four \
                 times; the limit is {})",
                crate::depth::MAX_NESTING
            ),
        ),
        RawError::Other(text) => error(TextRange::empty(0.into()), format!("syntax error: {text}")),
        RawError::Eof | RawError::EofWanted(_) => return None,
    })
}

/// The end-of-file error itself, plus one error per construct left open at the end.
fn eof_errors(root: &SyntaxNode, wanted: Option<&[SyntaxKind]>, out: &mut Vec<SyntaxError>) {
    let last = last_significant_token(root);
    let Some(last) = last else {
        let only_comments = root
            .descendants_with_tokens()
            .any(|e| e.kind() == TOKEN_COMMENT);
        let message = if only_comments {
            "the file contains only comments, but a Nix file must contain an expression"
        } else {
            "the file is empty, but a Nix file must contain an expression"
        };
        out.push(error(TextRange::empty(0.into()), message));
        return;
    };
    let end = TextRange::empty(last.text_range().end());
    let unclosed: Vec<(SyntaxError, SyntaxKind)> = last
        .parent_ancestors()
        .filter_map(|node| unclosed(&node))
        .collect();
    let message = match (unclosed.first(), wanted) {
        (Some((_, closer)), _) => {
            format!(
                "unexpected end of file, expected {}",
                describe_kind(*closer)
            )
        }
        _ if expects_expression_after(last.kind()) => {
            "unexpected end of file, expected an expression".to_owned()
        }
        (None, Some(wanted)) => {
            format!(
                "unexpected end of file, expected {}",
                describe_wanted(wanted)
            )
        }
        (None, None) => "unexpected end of file".to_owned(),
    };
    out.push(error(end, message));
    out.extend(unclosed.into_iter().map(|(err, _)| err));
}

/// Tokens after which the parser needs an expression.
fn expects_expression_after(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_ASSIGN
            | TOKEN_COLON
            | TOKEN_THEN
            | TOKEN_ELSE
            | TOKEN_IF
            | TOKEN_IN
            | TOKEN_WITH
            | TOKEN_ASSERT
            | TOKEN_L_PAREN
            | TOKEN_INTERPOL_START
    ) || crate::depth::is_operator(kind) && !matches!(kind, TOKEN_DOT | TOKEN_QUESTION)
}

/// An error for `node` if it is a construct whose closing token is missing, and that token.
fn unclosed(node: &SyntaxNode) -> Option<(SyntaxError, SyntaxKind)> {
    let (opener, closer, what) = match node.kind() {
        NODE_ATTR_SET | NODE_PATTERN | NODE_LEGACY_LET => (TOKEN_L_BRACE, TOKEN_R_BRACE, "`{`"),
        NODE_LIST => (TOKEN_L_BRACK, TOKEN_R_BRACK, "`[`"),
        NODE_PAREN | NODE_INHERIT_FROM => (TOKEN_L_PAREN, TOKEN_R_PAREN, "`(`"),
        NODE_STRING => (TOKEN_STRING_START, TOKEN_STRING_END, "string"),
        NODE_INTERPOL | NODE_DYNAMIC => (TOKEN_INTERPOL_START, TOKEN_INTERPOL_END, "`${`"),
        NODE_LET_IN => {
            let has_in = direct_tokens(node).any(|t| t.kind() == TOKEN_IN);
            if has_in {
                return None;
            }
            let let_token = direct_tokens(node).find(|t| t.kind() == TOKEN_LET)?;
            return Some((
                error(let_token.text_range(), "this `let` has no `in`"),
                TOKEN_IN,
            ));
        }
        _ => return None,
    };
    let open = direct_tokens(node).find(|t| t.kind() == opener)?;
    let closed = direct_tokens(node)
        .filter(|t| !t.kind().is_trivia())
        .last()?
        .kind()
        == closer;
    if closed {
        return None;
    }
    let message = if opener == TOKEN_STRING_START {
        "unterminated string".to_owned()
    } else {
        format!("unclosed {what}")
    };
    Some((error(open.text_range(), message), closer))
}

fn direct_tokens(node: &SyntaxNode) -> impl Iterator<Item = SyntaxToken> {
    node.children_with_tokens()
        .filter_map(NodeOrToken::into_token)
}

fn last_significant_token(root: &SyntaxNode) -> Option<SyntaxToken> {
    let mut token = root.last_token()?;
    loop {
        if !token.kind().is_trivia() {
            return Some(token);
        }
        token = token.prev_token()?;
    }
}

/// The first non-trivia token that starts inside `range`. (`covering_element` descends by
/// binary search; `token_at_offset` would scan every child of a huge attribute set.)
fn first_token_in(root: &SyntaxNode, range: TextRange) -> Option<SyntaxToken> {
    if range.start() >= root.text_range().end() {
        return None;
    }
    let NodeOrToken::Token(mut token) =
        root.covering_element(TextRange::at(range.start(), TextSize::from(1)))
    else {
        return None;
    };
    loop {
        if !token.kind().is_trivia() && token.text_range().start() >= range.start() {
            return Some(token);
        }
        token = token.next_token()?;
        if token.text_range().start() >= range.end() && !range.is_empty() {
            return None;
        }
    }
}

/// The range where rnix's recursion guard swallowed the rest of the file.
fn recursion_limit_range(root: &SyntaxNode) -> TextRange {
    let end = root.text_range().end();
    root.descendants()
        .filter(|n| n.kind() == NODE_ERROR && n.text_range().end() == end)
        .last()
        .map_or(TextRange::empty(end), |n| {
            n.first_token().map_or(n.text_range(), |t| t.text_range())
        })
}
