//! How tokens, token kinds and sets of expected kinds are named in messages.

use rnix::{
    SyntaxKind::{self, *},
    SyntaxToken,
};

use super::error;
use crate::parse::SyntaxError;

/// A sentence for a token the tokenizer could not make sense of.
pub(super) fn describe_error_token(token: &SyntaxToken) -> SyntaxError {
    let text = token.text();
    let range = token.text_range();
    let parent = token.parent().and_then(|p| {
        if p.kind() == NODE_ERROR {
            p.parent()
        } else {
            Some(p)
        }
    });
    if let Some(string) = parent.filter(|p| p.kind() == NODE_STRING) {
        let start = string
            .first_token()
            .filter(|t| t.kind() == TOKEN_STRING_START)
            .map_or(range, |t| t.text_range());
        return error(start, "unterminated string");
    }
    let message = if text.starts_with("/*") {
        "unterminated comment: `/*` has no matching `*/`".to_owned()
    } else if text.starts_with('<') {
        "unclosed search path: expected `>`".to_owned()
    } else if text.starts_with('~') && !text.starts_with("~/") {
        "a home path must start with `~/`".to_owned()
    } else if text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && text.contains(['e', 'E'])
        && !text.contains('/')
    {
        format!("invalid number `{text}`: the exponent has no digits")
    } else if text.contains("//") && looks_like_path(text) {
        format!("a path cannot contain `//`: `{}`", clip(text))
    } else if text.ends_with('/') && looks_like_path(text) {
        format!("a path cannot end with `/`: `{}`", clip(text))
    } else if let Some(c) = single_char(text) {
        if c.is_control() || c == '\u{feff}' || c.is_whitespace() {
            format!("invalid character U+{:04X}", c as u32)
        } else {
            format!("invalid character `{c}`")
        }
    } else if text.starts_with('\'') || text.starts_with('"') {
        "unterminated string".to_owned()
    } else {
        format!("invalid token `{}`", clip(text))
    };
    error(range, message)
}

fn looks_like_path(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_.+-~".contains(c))
}

fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Shortens long token texts for messages.
fn clip(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((idx, _)) => format!("{}…", &text[..idx]),
        None => text.to_owned(),
    }
}

/// Describes the token the parser found, e.g. "`;`", "keyword `in`", "identifier `foo`".
pub(super) fn describe_found(kind: SyntaxKind, text: Option<&str>) -> String {
    if let Some(symbol) = symbol(kind) {
        return if is_keyword(kind) {
            format!("keyword `{symbol}`")
        } else {
            format!("`{symbol}`")
        };
    }
    let with_text = |what: &str| match text {
        Some(text) => format!("{what} `{}`", clip(text)),
        None => what.to_owned(),
    };
    match kind {
        TOKEN_IDENT => with_text("identifier"),
        TOKEN_INTEGER | TOKEN_FLOAT => with_text("number"),
        TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME | TOKEN_PATH_SEARCH => with_text("path"),
        TOKEN_URI => with_text("URI"),
        TOKEN_STRING_START => "string".to_owned(),
        TOKEN_STRING_CONTENT => "string content".to_owned(),
        TOKEN_STRING_END => "end of a string".to_owned(),
        TOKEN_COMMENT => "comment".to_owned(),
        TOKEN_WHITESPACE => "whitespace".to_owned(),
        TOKEN_CUR_POS => "`__curPos`".to_owned(),
        _ => with_text("token"),
    }
}

/// Describes what the parser wanted, e.g. "an attribute name" or "`then`".
pub(super) fn describe_wanted(wanted: &[SyntaxKind]) -> String {
    if is_attr_name_set(wanted) {
        return "an attribute name".to_owned();
    }
    let mut sorted = wanted.to_vec();
    sorted.sort();
    let expression_starts = {
        let mut v = vec![
            TOKEN_L_PAREN,
            TOKEN_REC,
            TOKEN_L_BRACE,
            TOKEN_L_BRACK,
            TOKEN_STRING_START,
            TOKEN_IDENT,
        ];
        v.sort();
        v
    };
    if sorted == expression_starts {
        return "an expression".to_owned();
    }
    if sorted.contains(&TOKEN_STRING_END) && sorted.contains(&TOKEN_INTERPOL_START) {
        return "the end of the string".to_owned();
    }
    if sorted == [TOKEN_IDENT] {
        return "a name".to_owned();
    }
    if sorted.contains(&TOKEN_ELLIPSIS) && sorted.contains(&TOKEN_IDENT) {
        return "an argument name, `...` or `}`".to_owned();
    }
    let items: Vec<String> = wanted.iter().map(|&k| describe_kind(k)).collect();
    match items.as_slice() {
        [] => "something else".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub(super) fn describe_kind(kind: SyntaxKind) -> String {
    match symbol(kind) {
        Some(symbol) => format!("`{symbol}`"),
        None => match kind {
            TOKEN_IDENT => "a name".to_owned(),
            TOKEN_INTERPOL_END => "`}`".to_owned(),
            TOKEN_STRING_START => "a string".to_owned(),
            TOKEN_STRING_END => "the end of the string".to_owned(),
            TOKEN_STRING_CONTENT => "string content".to_owned(),
            TOKEN_INTEGER | TOKEN_FLOAT => "a number".to_owned(),
            TOKEN_PATH_ABS | TOKEN_PATH_REL | TOKEN_PATH_HOME | TOKEN_PATH_SEARCH => {
                "a path".to_owned()
            }
            TOKEN_URI => "a URI".to_owned(),
            TOKEN_CUR_POS => "`__curPos`".to_owned(),
            _ => "a token".to_owned(),
        },
    }
}

pub(super) fn is_attr_name_set(wanted: &[SyntaxKind]) -> bool {
    wanted.contains(&TOKEN_IDENT) && wanted.contains(&TOKEN_OR)
}

pub(super) fn is_keyword(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_ASSERT
            | TOKEN_ELSE
            | TOKEN_IF
            | TOKEN_IN
            | TOKEN_INHERIT
            | TOKEN_LET
            | TOKEN_OR
            | TOKEN_REC
            | TOKEN_THEN
            | TOKEN_WITH
    )
}

/// The source spelling of punctuation and keywords.
fn symbol(kind: SyntaxKind) -> Option<&'static str> {
    Some(match kind {
        TOKEN_ADD => "+",
        TOKEN_AND_AND => "&&",
        TOKEN_ASSIGN => "=",
        TOKEN_ASSERT => "assert",
        TOKEN_AT => "@",
        TOKEN_COLON => ":",
        TOKEN_COMMA => ",",
        TOKEN_CONCAT => "++",
        TOKEN_DIV => "/",
        TOKEN_DOT => ".",
        TOKEN_ELLIPSIS => "...",
        TOKEN_ELSE => "else",
        TOKEN_EQUAL => "==",
        TOKEN_IF => "if",
        TOKEN_IMPLICATION => "->",
        TOKEN_IN => "in",
        TOKEN_INHERIT => "inherit",
        TOKEN_INTERPOL_START => "${",
        TOKEN_INVERT => "!",
        TOKEN_L_BRACE => "{",
        TOKEN_L_BRACK => "[",
        TOKEN_L_PAREN => "(",
        TOKEN_LESS => "<",
        TOKEN_LESS_OR_EQ => "<=",
        TOKEN_LET => "let",
        TOKEN_MORE => ">",
        TOKEN_MORE_OR_EQ => ">=",
        TOKEN_MUL => "*",
        TOKEN_NOT_EQUAL => "!=",
        TOKEN_OR => "or",
        TOKEN_OR_OR => "||",
        TOKEN_PIPE_LEFT => "<|",
        TOKEN_PIPE_RIGHT => "|>",
        TOKEN_QUESTION => "?",
        TOKEN_R_BRACE => "}",
        TOKEN_R_BRACK => "]",
        TOKEN_R_PAREN => ")",
        TOKEN_REC => "rec",
        TOKEN_SEMICOLON => ";",
        TOKEN_SUB => "-",
        TOKEN_THEN => "then",
        TOKEN_UPDATE => "//",
        TOKEN_WITH => "with",
        _ => return None,
    })
}
