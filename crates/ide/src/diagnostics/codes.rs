//! The registry of diagnostic codes. Every code the analysis emits is listed here, and every
//! listed code has a page `docs/diagnostics/<code>.md` (checked by the workspace's tidy test).

/// Every diagnostic code flake-lsp can emit, in alphabetical order.
pub const CODES: &[&str] = &[
    "duplicate-input",
    "file-too-large",
    "flake-structure",
    "ignored-nixpkgs-config",
    "imports-in-config",
    "invalid-input-url",
    "malformed-lock",
    "missing-import",
    "missing-module-argument",
    "module-args-recursion",
    "nesting-too-deep",
    "no-lock-file",
    "not-utf8",
    "stale-lock",
    "syntax-error",
    "undeclared-input",
    "unexpected-module-argument",
    "unfree-package",
    "unknown-follows",
    "unused-input",
];

/// Whether `code` is registered.
pub(crate) fn is_registered(code: &str) -> bool {
    CODES.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_sorted_and_unique() {
        assert!(super::CODES.windows(2).all(|w| w[0] < w[1]));
    }
}
