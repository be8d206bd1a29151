-- Five different mistakes, one per kind; `phonon compile` must report every one.
tempo: 0.5

~drums: s "bd*2 [sn cp]"
o1: ~drums # lfp 800
o2: s "hh*8" # gain ~level
o3: every 4 "bd" $ s "bd sn"
o4: lpf(800, 0.9)
o5: s "bd [sn hh"
