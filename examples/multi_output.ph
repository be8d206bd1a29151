-- A set on separate outputs: drums, bass and lead can be recorded as stems with --split.
cps: 120 / 60 / 4

d1: s "bd ~ bd ~, ~ sn" # gain 1
d2: s "hh*8" # gain "0.88 0.8" # pan sine
d3: saw "a2 a2 c3 e3" # lpf 900 0.7 # gain 0.35
d4: square "<a5 c6 e6 g6>*4" # ad 0.01 0.2 # gain 0.15 # pan2 0.3
