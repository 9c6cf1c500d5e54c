---@brief
---
--- https://github.com/flake-lsp/flake-lsp
---
--- Language server for Nix flake configurations (NixOS, home-manager, nix-darwin): follows flake
--- inputs, specialArgs, extraSpecialArgs and _module.args across module files and reports missing
--- module arguments, unfree packages, flake input problems, broken imports and syntax errors.
---
--- Install the `flake-lsp` binary (e.g. `cargo install --locked --path crates/flake-lsp` from a
--- checkout). Settings go under `settings = { ['flake-lsp'] = { ... } }` (leave them out rather
--- than pass an empty table: Lua's `{}` is sent as the JSON array `[]`), see
--- https://github.com/flake-lsp/flake-lsp/blob/main/docs/configuration.md:
---
--- ```lua
--- vim.lsp.config('flake_lsp', {
---   settings = { ['flake-lsp'] = { logLevel = 'info', diagnostics = { debounceMs = 50 } } },
--- })
--- vim.lsp.enable('flake_lsp')
--- ```

---@type vim.lsp.Config
return {
  cmd = { 'flake-lsp' },
  filetypes = { 'nix' },
  root_markers = { 'flake.nix', '.git' },
}
