-- Phonon in Neovim (0.7 or later): `phonon lsp` for .ph files, and keys that play with the
-- `phonon live` playing the file. Put this file and the ftdetect/ and syntax/ folders on the
-- runtimepath (see editors/README.md).
local M = {}

-- Runs one of the server's commands for the current buffer; the answer is shown.
local function command(name, ...)
  local args = { vim.uri_from_bufnr(0), ... }
  vim.lsp.buf_request(0, "workspace/executeCommand", { command = name, arguments = args },
    function(err, result)
      if err then
        vim.notify("phonon: " .. err.message, vim.log.levels.ERROR)
      else
        vim.notify("phonon: " .. tostring(result))
      end
    end)
end

local function cursor()
  return vim.lsp.util.make_position_params().position
end

-- The keys, in the buffer of a .ph file (<localleader> is `\` unless set).
local function keys(buf)
  local map = function(mode, lhs, rhs, desc)
    vim.keymap.set(mode, lhs, rhs, { buffer = buf, desc = desc })
  end
  map("n", "<localleader>e", function() command("phonon.evaluate") end, "phonon: evaluate the buffer")
  map("n", "<localleader>h", function() command("phonon.hush") end, "phonon: hush")
  map("n", "<localleader>o", function() command("phonon.playOnce", cursor()) end,
    "phonon: play the output line at the cursor once")
  map("x", "<localleader>o", function()
    local from, to = vim.fn.getpos("v"), vim.fn.getpos(".")
    if from[2] > to[2] or (from[2] == to[2] and from[3] > to[3]) then from, to = to, from end
    local range = vim.lsp.util.make_given_range_params({ from[2], from[3] - 1 }, { to[2], to[3] - 1 }).range
    -- The selection includes its last character.
    range["end"].character = range["end"].character + 1
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<Esc>", true, false, true), "n", false)
    command("phonon.playOnce", range)
  end, "phonon: play the selection once")
  for key, what in pairs({ m = "mute", u = "unmute", s = "solo", S = "unsolo" }) do
    map("n", "<localleader>" .. key, function() command("phonon." .. what, cursor()) end,
      "phonon: " .. what .. " the output at the cursor")
  end
end

vim.api.nvim_create_autocmd("FileType", {
  pattern = "phonon",
  callback = function(args)
    vim.bo[args.buf].commentstring = "-- %s"
    local config = {
      name = "phonon",
      cmd = { "phonon", "lsp" },
      root_dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(args.buf), ":p:h"),
    }
    if vim.lsp.start then
      vim.lsp.start(config)
    else
      -- Neovim 0.7: one client per root, attached to each buffer.
      M.clients = M.clients or {}
      local id = M.clients[config.root_dir]
      if not id or not vim.lsp.get_client_by_id(id) then
        id = vim.lsp.start_client(config)
        M.clients[config.root_dir] = id
      end
      vim.lsp.buf_attach_client(args.buf, id)
    end
    keys(args.buf)
  end,
})

return M
