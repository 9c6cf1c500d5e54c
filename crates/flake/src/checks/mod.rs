//! Diagnostics of one flake (its `flake.nix` and `flake.lock`), one file per code.

mod duplicate_input;
mod flake_structure;
mod invalid_input_url;
mod malformed_lock;
mod stale_lock;
mod undeclared_input;
mod unknown_follows;
mod unused_input;

#[cfg(test)]
mod tests;

use base::{Diagnostic, FileId};

use crate::{FlakeModel, Lock, LockError};

pub use undeclared_input::undeclared_input_uses;
pub use unused_input::unused_inputs;

/// What is known of a flake's `flake.lock`.
#[derive(Clone, Copy, Debug)]
pub enum LockState<'a> {
    /// There is no `flake.lock` next to `flake.nix`.
    Missing,
    /// It exists but cannot be used.
    Malformed(&'a LockError),
    /// It was read.
    Loaded(&'a Lock),
}

impl<'a> LockState<'a> {
    /// The lock, when it was read.
    pub fn lock(self) -> Option<&'a Lock> {
        match self {
            LockState::Loaded(lock) => Some(lock),
            _ => None,
        }
    }
}

/// Everything one flake's checks look at.
#[derive(Clone, Copy, Debug)]
pub struct FlakeContext<'a> {
    /// The model of `flake.nix`.
    pub model: &'a FlakeModel,
    /// The text of `flake.nix` (for fixes).
    pub nix_text: &'a str,
    /// The `flake.nix` file.
    pub nix_file: FileId,
    /// The `flake.lock` file, when there is one.
    pub lock_file: Option<FileId>,
    /// What the lock holds.
    pub lock: LockState<'a>,
    /// What is known of uses outside `flake.nix` (e.g. by modules that receive `inputs`).
    pub used_elsewhere: &'a UsesElsewhere,
}

/// What a caller that follows the inputs beyond `flake.nix` (the module graph) learned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsesElsewhere {
    /// Escapes (ranges from [`crate::InputUses::escapes`]) that were followed completely: every
    /// use behind them is in `inputs`. `unused-input` stays silent while any other escape exists.
    pub followed_escapes: Vec<base::TextRange>,
    /// Inputs used behind those escapes.
    pub inputs: Vec<String>,
}

/// Every flake diagnostic, on `flake.nix` or `flake.lock`, in a stable order.
pub fn check_flake(cx: &FlakeContext<'_>) -> Vec<Diagnostic> {
    let mut acc = Vec::new();
    flake_structure::check(cx, &mut acc);
    duplicate_input::check(cx, &mut acc);
    invalid_input_url::check(cx, &mut acc);
    undeclared_input::check(cx, &mut acc);
    unused_input::check(cx, &mut acc);
    unknown_follows::check(cx, &mut acc);
    malformed_lock::check(cx, &mut acc);
    stale_lock::check(cx, &mut acc);
    acc.sort_by_key(|d| {
        (
            d.location.file_id,
            d.location.range.start(),
            d.location.range.end(),
        )
    });
    acc
}
