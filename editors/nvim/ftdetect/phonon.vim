" Phonon: .ph files (every Neovim and Vim version).
autocmd BufRead,BufNewFile *.ph setfiletype phonon
