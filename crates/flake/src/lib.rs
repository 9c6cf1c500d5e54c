//! flake.nix and flake.lock model for flake-lsp: inputs, follows, lock nodes, store paths.
//!
//! Everything here is a pure function of text or syntax trees: [`FlakeModel`] reads a
//! `flake.nix`, [`Lock`] reads a `flake.lock`, [`InputResolver`] answers "which input is this
//! expression?", and [`store_path`] computes where Nix keeps a locked input.

mod checks;
mod date;
mod edits;
mod flake_ref;
mod literal;
mod lock;
mod lock_text;
mod model;
mod resolve;
mod store_path;
#[cfg(test)]
mod tests;

pub use crate::checks::{
    FlakeContext, LockState, check_flake, undeclared_input_uses, unused_inputs,
};
pub use crate::date::utc_date;
pub use crate::flake_ref::{FlakeRef, RefError, RefKind};
pub use crate::literal::Spanned;
pub use crate::lock::{Lock, LockEdge, LockError, LockNode, ResolveError, flake_ref_from_json};
pub use crate::lock_text::NodeKeys;
pub use crate::model::{
    Duplicate, FlakeModel, Follows, Formal, Input, InputSpec, NestedInput, Outputs, OutputsParam,
    StructureProblem,
};
pub use crate::resolve::{InputRef, InputResolver, InputUse, InputUses, UseKind};
pub use crate::store_path::{encode_nix32, parse_nar_hash, store_path};
