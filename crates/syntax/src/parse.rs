//! Parsing text into a tree plus errors.

use std::sync::Arc;

use rnix::SyntaxKind::{self, *};
use rowan::{GreenNode, GreenToken, Language, NodeOrToken, TextRange, TextSize};

use crate::{
    depth::{self, MAX_NESTING},
    errors::{self, RawError},
};

/// A parse error with a human message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyntaxError {
    /// Where.
    pub range: TextRange,
    /// A sentence for people, not token kind names.
    pub message: String,
}

/// How a `Parse` was produced; tests use it to check that edits took the incremental paths.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParseOrigin {
    /// Parsed from scratch.
    Full,
    /// One token was relexed and swapped in.
    TokenRelex,
    /// One balanced block (attribute set, list, parenthesis, `let … in`) was reparsed.
    BlockReparse,
}

/// The result of parsing one file: an immutable green tree and its errors. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Parse {
    pub(crate) green: GreenNode,
    pub(crate) errors: Arc<[SyntaxError]>,
    /// The errors as rnix reported them, with file ranges, so edits can shift them.
    pub(crate) raw_errors: Arc<[RawError]>,
    /// An upper bound of the file's nesting, in the units of `depth.rs`.
    pub(crate) nesting: u32,
    /// The tree is the flat stand-in built for a too-deep file.
    pub(crate) too_deep: bool,
    pub(crate) origin: ParseOrigin,
}

impl Parse {
    /// The green (position-independent) tree.
    pub fn green(&self) -> &GreenNode {
        &self.green
    }

    /// A fresh red tree over the green one.
    pub fn syntax_node(&self) -> rnix::SyntaxNode {
        rnix::SyntaxNode::new_root(self.green.clone())
    }

    /// The typed root.
    pub fn tree(&self) -> rnix::Root {
        use rowan::ast::AstNode;
        rnix::Root::cast(self.syntax_node()).expect("parse root is a NODE_ROOT")
    }

    /// The syntax errors, in text order.
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// Whether the file nested too deeply to be parsed; the tree is then one flat error node.
    pub fn is_too_deep(&self) -> bool {
        self.too_deep
    }

    /// How this parse was produced (from scratch, or by which incremental path).
    pub fn origin(&self) -> ParseOrigin {
        self.origin
    }

    /// Builds a `Parse` from a green tree and raw errors, computing the human messages.
    pub(crate) fn from_parts(
        green: GreenNode,
        raw_errors: Vec<RawError>,
        nesting: u32,
        too_deep: bool,
        origin: ParseOrigin,
    ) -> Parse {
        let root = rnix::SyntaxNode::new_root(green.clone());
        let errors = errors::humanize(&raw_errors, &root);
        Parse {
            green,
            errors: errors.into(),
            raw_errors: raw_errors.into(),
            nesting,
            too_deep,
            origin,
        }
    }
}

/// The byte order mark some editors put at the start of a file.
const BOM: &str = "\u{feff}";

/// Parses a whole file.
///
/// A leading byte order mark is kept in the tree as whitespace, so it neither shifts offsets
/// nor produces an error. A file that nests deeper than `MAX_NESTING` gets a flat tree and one
/// error instead of a real parse (see `depth.rs`).
pub fn parse(text: &str) -> Parse {
    let (bom, body) = match text.strip_prefix(BOM) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let offset = if bom {
        TextSize::of(BOM)
    } else {
        TextSize::from(0)
    };
    let nesting = depth::scan(body);
    if nesting.max > MAX_NESTING {
        return too_deep(text, bom, body, nesting);
    }
    let parse = rnix::Root::parse(body);
    let raw = parse
        .errors()
        .iter()
        .map(|e| RawError::from_rnix(e, offset))
        .collect();
    let mut green = parse.syntax().green().to_owned();
    if bom {
        green = with_leading_bom(&green);
    }
    Parse::from_parts(green, raw, nesting.max, false, ParseOrigin::Full)
}

/// Puts a byte order mark, as a whitespace token, in front of a root's children.
fn with_leading_bom(root: &GreenNode) -> GreenNode {
    let bom = NodeOrToken::Token(GreenToken::new(raw_kind(TOKEN_WHITESPACE), BOM));
    let children: Vec<_> = std::iter::once(bom)
        .chain(root.children().map(|c| c.to_owned()))
        .collect();
    GreenNode::new(raw_kind(NODE_ROOT), children)
}

/// The flat stand-in tree for a file that nests too deeply: the root holds one error node with
/// every token, so the tree is still lossless and every later tree walk stays shallow.
fn too_deep(text: &str, bom: bool, body: &str, nesting: depth::Nesting) -> Parse {
    let offset = if bom {
        TextSize::of(BOM)
    } else {
        TextSize::from(0)
    };
    let tokens: Vec<_> = rnix::tokenize(body)
        .map(|(kind, text)| NodeOrToken::Token(GreenToken::new(raw_kind(kind), text)))
        .collect();
    let error_node = GreenNode::new(raw_kind(NODE_ERROR), tokens);
    let mut children = Vec::with_capacity(2);
    if bom {
        children.push(NodeOrToken::Token(GreenToken::new(
            raw_kind(TOKEN_WHITESPACE),
            BOM,
        )));
    }
    children.push(NodeOrToken::Node(error_node));
    let green = GreenNode::new(raw_kind(NODE_ROOT), children);
    debug_assert_eq!(usize::from(green.text_len()), text.len());
    let raw = vec![RawError::TooDeep {
        units: nesting.max,
        range: nesting.deepest + offset,
    }];
    Parse::from_parts(green, raw, nesting.max, true, ParseOrigin::Full)
}

pub(crate) fn raw_kind(kind: SyntaxKind) -> rowan::SyntaxKind {
    rnix::NixLanguage::kind_to_raw(kind)
}
