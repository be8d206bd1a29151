-- A set on separate outputs: drums, bass and lead can be recorded as stems with --split.
cps: 120 / 60 / 4

d1: s "bd ~ bd ~, ~ sn" # gain 1
d2: s "hh*8" # gain "0.88 0.8" # pan sine
d3: saw "a1 a1 c2 e2" # lpf 900 0.7 # gain 0.35
d4: square "<a4 c5 e5 g5>*4" # ad 0.01 0.2 # gain 0.15 # pan2 0.3
