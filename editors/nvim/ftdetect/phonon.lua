vim.filetype.add({ extension = { ph = "phonon" } })
