//! Shared vocabulary of flake-lsp: file identities, ranges, diagnostics and edits.
//!
//! Every analysis crate (flake, modules, nixpkgs, ide) speaks these types; none of them
//! knows LSP. Offsets are UTF-8 byte offsets into the file text.

mod diagnostic;
mod edit;
mod file;

pub use diagnostic::{Diagnostic, DiagnosticCode, Related, Severity};
pub use edit::{Fix, SourceChange, TextEdit};
pub use file::{FileId, FilePosition, FileRange, VfsPath};
pub use text_size::{TextRange, TextSize};
