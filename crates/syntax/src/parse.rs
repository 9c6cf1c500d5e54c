//! Parsing text into a tree plus errors.

use std::sync::Arc;

use rowan::{GreenNode, TextRange};

/// A parse error with a human message.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyntaxError {
    /// Where.
    pub range: TextRange,
    /// A sentence for people, not token kind names.
    pub message: String,
}

/// The result of parsing one file: an immutable green tree and its errors. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Parse {
    green: GreenNode,
    errors: Arc<[SyntaxError]>,
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
}

/// Parses a whole file.
pub fn parse(text: &str) -> Parse {
    let parse = rnix::Root::parse(text);
    let errors = parse
        .errors()
        .iter()
        .map(|e| SyntaxError { range: TextRange::empty(0.into()), message: e.to_string() })
        .collect();
    Parse { green: parse.syntax().green().to_owned(), errors }
}

impl Parse {
    /// Reparses after replacing `range` of the old text with `insert` produced `new_text`.
    /// Returns `None` when the edit cannot be handled incrementally; the caller then parses
    /// `new_text` afresh.
    pub fn reparse(&self, range: TextRange, insert: &str, new_text: &str) -> Option<Parse> {
        let _ = (range, insert, new_text);
        None
    }
}
