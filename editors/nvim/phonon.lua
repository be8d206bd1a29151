-- Phonon in Neovim (0.8 or later): `phonon lsp` for .ph files. Put this file and the
-- ftdetect/ and syntax/ folders beside it on the runtimepath (see editors/README.md).
vim.api.nvim_create_autocmd("FileType", {
  pattern = "phonon",
  callback = function(args)
    vim.bo[args.buf].commentstring = "-- %s"
    vim.lsp.start({
      name = "phonon",
      cmd = { "phonon", "lsp" },
      root_dir = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
    })
  end,
})
