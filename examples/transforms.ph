-- Pattern transforms, Tidal style: prefix chains applied nearest-first, suffix chains in order.
tempo: 0.5

o1: every 4 (fast 2) $ whenmod 8 6 rev $ s "bd sn [~ bd] sn"
o2: off 0.125 (# speed 2) $ superimpose (slow 2) $ s "arpy arpy:2"
o3: s "hh*8" $ swing 4 $ degradeBy 0.2 $ iter 4
o4: chunk 4 (hurry 2) $ palindrome $ s "cp perc tabla rim"
o5: inside 2 rev $ linger 0.25 $ s "casio casio:1 casio:2 casio:3"
o6: sometimes (# pan "-1 1") $ often (|+ n 1) $ n "0 2" # s "arpy" # gain 0.91
