//! flake.nix and flake.lock model for flake-lsp: inputs, follows, lock nodes, store paths.
//!
//! Everything here is a pure function of text or syntax trees: [`FlakeModel`] reads a
//! `flake.nix`, [`Lock`] reads a `flake.lock`, [`InputResolver`] answers "which input is this
//! expression?", and [`store_path`] computes where Nix keeps a locked input.
//! [`check_flake`] produces the flake diagnostics of one flake (`flake-structure`,
//! `duplicate-input`, `invalid-input-url`, `undeclared-input`, `unused-input`, `unknown-follows`, `stale-lock`,
//! `no-lock-file`, `malformed-lock`).
//!
//! For code outside `flake.nix` that receives the inputs (a module with `{ inputs, ... }:`):
//!
//! ```
//! use flake::{FlakeModel, InputRef, InputResolver, undeclared_input_uses};
//! let model = FlakeModel::from_text(r#"{ inputs.nixpkgs.url = "github:NixOS/nixpkgs"; outputs = _: { }; }"#);
//! let module = syntax::parse("{ inputs, ... }: { x = inputs.nixpkgs; y = inputs.typo; }");
//! let root = module.syntax_node();
//! // The seed: the `inputs` name in the module's pattern means the whole input set.
//! let seed = root.descendants().find(|n| n.kind() == syntax::SyntaxKind::NODE_IDENT).unwrap();
//! let resolver = InputResolver::new([(seed.text_range(), InputRef::AllInputs)]);
//! let uses = resolver.collect_uses(&root);
//! let bad: Vec<&str> = undeclared_input_uses(&model, &uses).iter().map(|u| u.name.as_str()).collect();
//! assert_eq!(bad, ["typo"]);
//! ```

mod checks;
mod date;
pub mod edits;
mod flake_ref;
mod literal;
mod lock;
mod lock_text;
mod model;
mod rename;
mod resolve;
mod store_path;
#[cfg(test)]
mod tests;

pub use crate::checks::{
    FlakeContext, LockState, UsesElsewhere, check_flake, undeclared_input_uses, unused_inputs,
};
pub use crate::date::utc_date;
pub use crate::flake_ref::{FlakeRef, RefError, RefKind};
pub use crate::literal::Spanned;
pub use crate::lock::{
    Lock, LockEdge, LockError, LockNode, ResolveError, flake_ref_from_json, is_nixpkgs,
};
pub use crate::lock_text::NodeKeys;
pub use crate::model::{
    Duplicate, FlakeModel, Follows, Formal, Input, InputSpec, NestedInput, Outputs, OutputsParam,
    StructureProblem,
};
pub use crate::rename::{rename_input, rename_input_followed};
pub use crate::resolve::binding_site;
pub use crate::resolve::{InputRef, InputResolver, InputUse, InputUses, UseKind};
pub use crate::store_path::{encode_nix32, parse_nar_hash, store_path};
