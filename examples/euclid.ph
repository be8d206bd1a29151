-- Euclidean rhythms: Bjorklund patterns in mini-notation and as functions.
tempo: 0.55

o1: s "bd(3,8) bd(5,8,2)"
o2: s "rim(<3 5>,8,<0 2>)" # gain 0.95
o3: euclidRot 7 16 3 $ s "hh" # gain 0.88 # pan "-0.5 0.5"
o4: euclidLegato 3 8 $ s "cb" # speed 1.5
