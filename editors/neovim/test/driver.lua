-- Headless Neovim driver for the editor tests: executes the plan written by editors/testlib
-- (open files, collect diagnostics, hover, definition, completion, rename) through Neovim's own
-- LSP client and writes what Neovim saw as JSON. Works on 0.7 (legacy setup) and 0.11+
-- (vim.lsp.enable with lsp/flake_lsp.lua).
--
-- Env: PLAN (plan JSON), OUT (result JSON), FLAKE_LSP (server binary), SETUP = "enable" | "legacy".
local out = { ok = false, diagnostics = vim.empty_dict(), hover = vim.empty_dict(), hover_float = vim.empty_dict(),
  definition = vim.empty_dict(), completion = vim.empty_dict(), rename = vim.empty_dict(), log = {} }
local v = vim.version()
out.client = string.format('Neovim %d.%d.%d', v.major, v.minor, v.patch)

local function log(msg) table.insert(out.log, msg) end

local function finish(ok, err)
  out.ok = ok
  out.error = err
  local f = assert(io.open(os.getenv('OUT'), 'w'))
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd(ok and 'qall!' or 'cquit 1')
end

local plan = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('PLAN')), '\n'))
local root = plan.root

local function rel(path) return (vim.fn.fnamemodify(path, ':p'):gsub('^' .. vim.pesc(root .. '/'), '')) end

-- Remember which URIs the server published diagnostics for (even empty ones).
local published = {}
local orig = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result and result.uri then published[result.uri] = (published[result.uri] or 0) + 1 end
  return orig(err, result, ctx, config)
end

-- Messages the server shows the user (window/showMessage).
out.messages = {}
local orig_show = vim.lsp.handlers['window/showMessage']
vim.lsp.handlers['window/showMessage'] = function(err, result, ctx, config)
  if result then table.insert(out.messages, { type = result.type, message = result.message }) end
  return orig_show(err, result, ctx, config)
end

local function client_for(bufnr)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr }) or vim.lsp.buf_get_clients(bufnr)
  for _, c in pairs(clients) do
    if c.name == 'flake_lsp' then return c end
  end
end

local function open(file)
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/' .. file))
  local bufnr = vim.api.nvim_get_current_buf()
  if not vim.wait(10000, function() return client_for(bufnr) ~= nil end, 20) then
    error('no flake_lsp client attached to ' .. file .. ' (filetype=' .. vim.bo[bufnr].filetype .. ')')
  end
  return bufnr
end

local function diag_code(d)
  if d.code ~= nil then return d.code end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end

local function request(bufnr, method, params)
  local res, err = vim.lsp.buf_request_sync(bufnr, method, params, 10000)
  if not res then error(method .. ' failed: ' .. tostring(err)) end
  for _, r in pairs(res) do
    if r.err then error(method .. ' error: ' .. vim.inspect(r.err)) end
    return r.result
  end
end

local function set_cursor(item)
  local bufnr = open(item.file)
  -- Like a user, wait until the server has looked at the file (its first diagnostics).
  local uri = vim.uri_from_bufnr(bufnr)
  vim.wait(10000, function() return published[uri] ~= nil end, 20)
  -- Columns in the plan are UTF-16; the example files are ASCII around cursor positions.
  vim.api.nvim_win_set_cursor(0, { item.line + 1, item.character })
  return bufnr
end

-- Items the server answers nothing for are reported as skipped by the runner; don't wait on them.
local function answered(item)
  local e = item.expected
  return e ~= nil and e ~= vim.NIL and e ~= '' and not (type(e) == 'table' and next(e) == nil)
end

local function only_answered(items)
  local out = {}
  for _, item in ipairs(items) do
    if answered(item) then table.insert(out, item) end
  end
  return out
end

local function float_text()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      local lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
      return table.concat(lines, '\n')
    end
  end
end

local function close_floats()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then vim.api.nvim_win_close(win, true) end
  end
end

local ok, perr = pcall(function()
  vim.cmd('filetype on')
  local server = os.getenv('FLAKE_LSP')
  -- Settings as a user writes them (docs/editors.md); the server must accept them silently.
  local settings = { ['flake-lsp'] = { logLevel = 'info', diagnostics = { debounceMs = 50 } } }
  if os.getenv('SETUP') == 'enable' then
    -- The path users take on 0.11+: lsp/flake_lsp.lua from the runtimepath, cmd overridden.
    vim.lsp.config('flake_lsp', { cmd = { server }, settings = settings })
    vim.lsp.enable('flake_lsp')
  else
    require('flake_lsp').setup({ cmd = { server }, settings = settings })
  end

  -- Diagnostics, file by file, as the editor shows them.
  for _, file in ipairs(plan.files) do
    local bufnr = open(file)
    local uri = vim.uri_from_bufnr(bufnr)
    local want = 0
    for _, d in ipairs(plan.expected_diagnostics) do
      if d.file == file then want = want + 1 end
    end
    vim.wait(10000, function() return published[uri] ~= nil end, 20)
    vim.wait(5000, function() return #vim.diagnostic.get(bufnr) == want end, 20)
    local list = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      table.insert(list, { line = d.lnum, col = d.col, code = diag_code(d), message = d.message,
        severity = d.severity, source = d.source })
    end
    out.diagnostics[file] = list
  end
  -- The root each file's client got (root markers: the nearest flake.nix).
  out.root_dirs = vim.empty_dict()
  for _, file in ipairs(plan.root_probe_files) do
    out.root_dirs[file] = client_for(open(file)).config.root_dir
  end
  local c = client_for(vim.api.nvim_get_current_buf())
  out.offset_encoding = c.offset_encoding

  for _, item in ipairs(plan.hover) do
    local bufnr = set_cursor(item)
    local params = vim.lsp.util.make_position_params(0, c.offset_encoding)
    local result = request(bufnr, 'textDocument/hover', params)
    local text = ''
    if result and result.contents then
      local cts = result.contents
      if type(cts) == 'string' then text = cts
      elseif cts.value then text = cts.value
      else
        local parts = {}
        for _, p in ipairs(cts) do table.insert(parts, type(p) == 'string' and p or p.value) end
        text = table.concat(parts, '\n')
      end
    end
    out.hover[item.id] = text
    -- What the user sees: K (vim.lsp.buf.hover) opens a floating window.
    close_floats()
    vim.lsp.buf.hover()
    if vim.wait(3000, function() return float_text() ~= nil end, 20) then
      out.hover_float[item.id] = float_text()
    end
    close_floats()
  end

  for _, item in ipairs(only_answered(plan.definition)) do
    set_cursor(item)
    local before = { vim.api.nvim_buf_get_name(0), vim.api.nvim_win_get_cursor(0)[1], vim.api.nvim_win_get_cursor(0)[2] }
    vim.fn.setqflist({})
    vim.lsp.buf.definition()
    local moved = vim.wait(5000, function()
      local now = { vim.api.nvim_buf_get_name(0), vim.api.nvim_win_get_cursor(0)[1], vim.api.nvim_win_get_cursor(0)[2] }
      return now[1] ~= before[1] or now[2] ~= before[2] or now[3] ~= before[3] or #vim.fn.getqflist() > 0
    end, 20)
    local locs = {}
    if #vim.fn.getqflist() > 0 then
      for _, e in ipairs(vim.fn.getqflist()) do
        table.insert(locs, { rel(vim.api.nvim_buf_get_name(e.bufnr)), e.lnum - 1 })
      end
      vim.cmd('cclose')
    elseif moved then
      table.insert(locs, { rel(vim.api.nvim_buf_get_name(0)), vim.api.nvim_win_get_cursor(0)[1] - 1 })
    end
    out.definition[item.id] = locs
  end

  for _, item in ipairs(only_answered(plan.completion)) do
    local bufnr = set_cursor(item)
    local params = vim.lsp.util.make_position_params(0, c.offset_encoding)
    local result = request(bufnr, 'textDocument/completion', params)
    local labels = {}
    local items = result and (result.items or result) or {}
    for _, it in ipairs(items) do table.insert(labels, it.label) end
    out.completion[item.id] = labels
  end

  -- Rename last: it edits buffers. The client applies the WorkspaceEdit itself.
  for _, item in ipairs(only_answered(plan.rename)) do
    set_cursor(item)
    local ticks = {}
    for _, b in ipairs(vim.api.nvim_list_bufs()) do ticks[b] = vim.api.nvim_buf_get_changedtick(b) end
    vim.lsp.buf.rename(item.new_name)
    local changed = function()
      local files = {}
      for _, b in ipairs(vim.api.nvim_list_bufs()) do
        if vim.api.nvim_buf_is_loaded(b) and ticks[b] ~= vim.api.nvim_buf_get_changedtick(b) then
          files[rel(vim.api.nvim_buf_get_name(b))] = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n') .. '\n'
        end
      end
      return files
    end
    vim.wait(5000, function() return next(changed()) ~= nil end, 20)
    vim.wait(300)
    local files = changed()
    out.rename[item.id] = next(files) and files or vim.empty_dict()
    vim.cmd('silent! bufdo edit!')
  end

  vim.lsp.stop_client(c.id)
  vim.wait(3000, function() return vim.lsp.get_client_by_id(c.id) == nil end, 20)
  out.server_stopped = vim.lsp.get_client_by_id(c.id) == nil
  finish(true)
end)
if not ok then finish(false, 'lua error: ' .. tostring(perr)) end
