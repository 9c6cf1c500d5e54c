//! Multi-file fixtures (#- /path headers, $0 cursors) for flake-lsp tests.
