//! A token pre-scan that bounds how deep a parse would nest, before anything recursive runs.
//!
//! rnix parses by recursive descent and rowan drops trees recursively. rnix guards some nesting
//! (512 nested expressions), but not nested lists, chains of unary operators, right-associative
//! operator chains, or the depth of left-nested trees such as `a + a + …` and `f a a …`, which
//! only overflow when the tree is dropped. This scan walks the tokens once and computes an upper
//! bound of the stack the parse and the drop need, in *nesting units*:
//!
//! - a list bracket, an operator (unary or binary, including `.`, `?` and `or`) and an
//!   application of a function to one more argument count one unit each;
//! - a construct that makes the parser start a new expression (a parenthesis, an attribute set or
//!   pattern, `${`, `let`, the body of a `let`, a lambda, `with`, `assert`, `if`) counts four,
//!   because rnix descends through its whole precedence ladder there.
//!
//! Measured on 0.15.1 in a debug build, one unit costs at most about 600 bytes of stack (nested
//! lists: 3,600 survive a 2 MiB thread, four-unit constructs cost 2.0–2.4 KiB each, dropping a
//! tree costs about 390 bytes per level); a release build needs about a third of that. With
//! `MAX_NESTING` = 2,000 units the parse and the drop stay below 1.3 MiB even in debug builds,
//! and the 512-expression guard of rnix is never reached (2,000 / 4 = 500).
//!
//! The bound is compositional: the units inside a balanced block (an attribute set, list,
//! parenthesis or `let … in …` that parses without errors) add to the units at the block's start,
//! which is what lets incremental reparsing keep the bound up to date without a full scan.

use rnix::SyntaxKind::{self, *};
use rowan::{TextRange, TextSize};

/// The deepest nesting, in nesting units, that flake-lsp parses; deeper files get a flat tree.
pub const MAX_NESTING: u32 = 2_000;

/// Units for constructs that make rnix parse a nested expression.
const EXPR_UNITS: u32 = 4;

/// The result of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Nesting {
    /// The largest bound seen, in nesting units.
    pub(crate) max: u32,
    /// The token where `max` was first reached.
    pub(crate) deepest: TextRange,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FrameKind {
    Root,
    Paren,
    Brace,
    List,
    Interpol,
    Let,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    kind: FrameKind,
    /// Units of everything that encloses this frame, including its own weight.
    base: u32,
    /// Units of `let` bodies, lambdas, `with`, `assert` and `if` open at this level.
    prefix: u32,
    /// Operators and applications in the current operand chain at this level.
    chain: u32,
    /// `with` and `assert` whose `;` has not been seen yet.
    pending_semicolons: u32,
    /// Inside `inherit … ;`, where names follow each other without nesting.
    in_inherit: bool,
    /// The previous token ended an operand, so a following operand is an application argument
    /// (or, in a list, the next element).
    after_operand: bool,
}

impl Frame {
    fn new(kind: FrameKind, base: u32) -> Frame {
        Frame {
            kind,
            base,
            prefix: 0,
            chain: 0,
            pending_semicolons: 0,
            in_inherit: false,
            after_operand: false,
        }
    }

    fn units(&self) -> u32 {
        self.base
            .saturating_add(self.prefix)
            .saturating_add(self.chain)
    }
}

/// Scans `text` (tokenized from the start, outside any string) and bounds its nesting.
pub(crate) fn scan(text: &str) -> Nesting {
    let mut stack = vec![Frame::new(FrameKind::Root, 0)];
    let mut nesting = Nesting {
        max: 0,
        deepest: TextRange::empty(TextSize::from(0)),
    };
    let mut offset = TextSize::from(0);
    for (kind, token_text) in rnix::tokenize(text) {
        let range = TextRange::at(offset, TextSize::of(token_text));
        offset = range.end();
        if kind.is_trivia() {
            continue;
        }
        step(&mut stack, kind);
        let units = stack.last().map_or(0, Frame::units);
        if units > nesting.max {
            nesting = Nesting {
                max: units,
                deepest: range,
            };
        }
    }
    nesting
}

/// Applies one non-trivia token to the frame stack.
fn step(stack: &mut Vec<Frame>, kind: SyntaxKind) {
    let Some(top) = stack.last_mut() else { return };
    match kind {
        TOKEN_L_PAREN | TOKEN_L_BRACK | TOKEN_L_BRACE => {
            operand_start(top);
            let (frame_kind, weight) = match kind {
                TOKEN_L_PAREN => (FrameKind::Paren, EXPR_UNITS),
                TOKEN_L_BRACK => (FrameKind::List, 1),
                _ => (FrameKind::Brace, EXPR_UNITS),
            };
            let base = top.units().saturating_add(weight);
            stack.push(Frame::new(frame_kind, base));
        }
        TOKEN_INTERPOL_START => {
            let base = top.units().saturating_add(EXPR_UNITS);
            top.after_operand = false;
            stack.push(Frame::new(FrameKind::Interpol, base));
        }
        TOKEN_LET => {
            let base = top.units().saturating_add(EXPR_UNITS);
            top.after_operand = false;
            stack.push(Frame::new(FrameKind::Let, base));
        }
        TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE => {
            pop_until(stack, |k| {
                matches!(k, FrameKind::Paren | FrameKind::Brace | FrameKind::List)
            });
            if let Some(top) = stack.last_mut() {
                top.after_operand = true;
            }
        }
        TOKEN_INTERPOL_END => {
            pop_until(stack, |k| k == FrameKind::Interpol);
            if let Some(top) = stack.last_mut() {
                top.after_operand = false;
            }
        }
        TOKEN_IN => {
            // `in` closes the bindings of a `let` only when that `let` is the innermost open
            // frame; a stray `in` inside brackets changes nothing.
            if top.kind == FrameKind::Let {
                stack.pop();
            }
            if let Some(top) = stack.last_mut() {
                top.prefix = top.prefix.saturating_add(EXPR_UNITS);
                top.chain = 0;
                top.after_operand = false;
            }
        }
        TOKEN_WITH | TOKEN_ASSERT => {
            top.prefix = top.prefix.saturating_add(EXPR_UNITS);
            top.pending_semicolons += 1;
            top.after_operand = false;
        }
        TOKEN_IF | TOKEN_COLON => {
            top.prefix = top.prefix.saturating_add(EXPR_UNITS);
            top.chain = 0;
            top.after_operand = false;
        }
        TOKEN_THEN | TOKEN_ELSE => {
            top.chain = 0;
            top.after_operand = false;
        }
        TOKEN_SEMICOLON => {
            if top.pending_semicolons > 0 {
                top.pending_semicolons -= 1;
            } else {
                top.prefix = 0;
                top.in_inherit = false;
            }
            top.chain = 0;
            top.after_operand = false;
        }
        TOKEN_ASSIGN | TOKEN_COMMA => {
            top.prefix = 0;
            top.chain = 0;
            top.after_operand = false;
        }
        TOKEN_INHERIT => {
            top.in_inherit = true;
            top.after_operand = false;
        }
        TOKEN_IDENT | TOKEN_INTEGER | TOKEN_FLOAT | TOKEN_PATH_ABS | TOKEN_PATH_REL
        | TOKEN_PATH_HOME | TOKEN_PATH_SEARCH | TOKEN_URI | TOKEN_CUR_POS => {
            operand_start(top);
            top.after_operand = true;
        }
        TOKEN_STRING_START | TOKEN_REC => {
            operand_start(top);
            top.after_operand = false;
        }
        TOKEN_STRING_END => top.after_operand = true,
        TOKEN_STRING_CONTENT => {}
        _ if is_operator(kind) => {
            top.chain = top.chain.saturating_add(1);
            top.after_operand = false;
        }
        _ => top.after_operand = false,
    }
}

/// Counts an application argument (or starts a new list element) when an operand follows one.
fn operand_start(top: &mut Frame) {
    if !top.after_operand || top.in_inherit {
        return;
    }
    if top.kind == FrameKind::List {
        top.chain = 0;
    } else {
        top.chain = top.chain.saturating_add(1);
    }
}

/// Pops frames up to and including the nearest one `is_target` accepts; never pops the root.
fn pop_until(stack: &mut Vec<Frame>, is_target: impl Fn(FrameKind) -> bool) {
    let Some(idx) = stack.iter().rposition(|f| is_target(f.kind)) else {
        return;
    };
    if idx > 0 {
        stack.truncate(idx);
    }
}

pub(crate) fn is_operator(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_ADD
            | TOKEN_SUB
            | TOKEN_MUL
            | TOKEN_DIV
            | TOKEN_CONCAT
            | TOKEN_UPDATE
            | TOKEN_AND_AND
            | TOKEN_OR_OR
            | TOKEN_IMPLICATION
            | TOKEN_EQUAL
            | TOKEN_NOT_EQUAL
            | TOKEN_LESS
            | TOKEN_LESS_OR_EQ
            | TOKEN_MORE
            | TOKEN_MORE_OR_EQ
            | TOKEN_PIPE_LEFT
            | TOKEN_PIPE_RIGHT
            | TOKEN_INVERT
            | TOKEN_QUESTION
            | TOKEN_DOT
            | TOKEN_OR
    )
}
