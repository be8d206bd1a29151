-- A tour of mini-notation: groups, alternation, polymeter, replication, elongation,
-- randomness, euclid, ranges, feet and sample indices.
tempo: 0.5

o1: s "bd [sn sn] <hh oh> [~ cp]"
o2: s "{arpy arpy:1 arpy:2, casio casio:1}%8" # gain 0.88
o3: s "bd!3 sn@2 hh _ _ cp?0.3" # gain 0.97
o4: n "0 .. 7" # s "arpy" # speed "[1 | 1.5 | 2]"
o5: s "tabla*<2 3 4> . perc perc:2 . rim(3,8,2)"
o6: s "<lt mt ht>*2 [cb, cr]/2" # gain 0.84
