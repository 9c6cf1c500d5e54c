//! Tests of the syntax crate, one file per concern.

mod depth;
mod errors;
mod line_index;
mod parse;
mod reparse;
