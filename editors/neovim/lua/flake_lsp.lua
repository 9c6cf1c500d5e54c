-- Starts flake-lsp on Nix buffers in any Neovim from 0.7 on.
--
-- On 0.11+ prefer the native config: put this directory on 'runtimepath' and call
-- `vim.lsp.enable('flake_lsp')` (lsp/flake_lsp.lua is the config). This module is for 0.7–0.10,
-- and on 0.11+ it simply forwards to `vim.lsp.config` + `vim.lsp.enable`:
--
--   require('flake_lsp').setup({ cmd = { '/path/to/flake-lsp' }, settings = { ['flake-lsp'] = {} } })
local M = {}

local defaults = {
  name = 'flake_lsp',
  cmd = { 'flake-lsp' },
  filetypes = { 'nix' },
  root_markers = { 'flake.nix', '.git' },
}

--- Finds the nearest ancestor of `path` holding one of the markers, else the file's directory.
local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  for _, marker in ipairs(markers) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found == '' then
      found = vim.fn.finddir(marker, dir .. ';')
    end
    if found ~= '' then
      return (vim.fn.fnamemodify(found, ':p:h'):gsub('/%.git/?$', ''))
    end
  end
  return dir
end

-- 0.7 has neither vim.lsp.start nor root reuse: keep one client per root ourselves.
local clients_by_root = {}

local function start_legacy(bufnr, config)
  local root = find_root(vim.api.nvim_buf_get_name(bufnr), config.root_markers)
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client({
      name = config.name,
      cmd = config.cmd,
      root_dir = root,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
      settings = config.settings,
      init_options = config.init_options,
      on_attach = config.on_attach,
      capabilities = config.capabilities,
    })
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

local function start_0_8(bufnr, config)
  vim.lsp.start({
    name = config.name,
    cmd = config.cmd,
    root_dir = find_root(vim.api.nvim_buf_get_name(bufnr), config.root_markers),
    settings = config.settings,
    init_options = config.init_options,
    on_attach = config.on_attach,
    capabilities = config.capabilities,
  }, { bufnr = bufnr })
end

--- Starts flake-lsp for Nix buffers. `opts` overrides the defaults above (cmd, settings, ...).
function M.setup(opts)
  local config = vim.tbl_deep_extend('force', defaults, opts or {})
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    local native = vim.deepcopy(config)
    native.name = nil
    vim.lsp.config(config.name, native)
    vim.lsp.enable(config.name)
    return
  end
  local start = vim.lsp.start ~= nil and start_0_8 or start_legacy
  local group = vim.api.nvim_create_augroup('flake_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      if vim.bo[args.buf].buftype == '' then
        start(args.buf, config)
      end
    end,
  })
  -- Buffers already open when setup runs.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      start(bufnr, config)
    end
  end
end

return M
