-- Every effect: a crushed, compressed drum bus, a chorused and distorted bass, pad chords
-- into a reverb, and a tempo-locked delay on the lead.
tempo: 0.5

~drums: s "bd [~ bd] sn [bd cp]" # gain 1.05
~bass: saw "c3 c3 eb3 g2" # lpf 600 0.7 # distortion 3 0.5 # chorus 0.8 0.4 0.5
~keys: tri "<c5'min7 ab4'maj7>" # adsr 0.05 0.3 0.6 0.8 # gain 0.25
~lead: square "<g5 bb5> ~ ~ eb6" # ar 0.005 0.2 # lpf 2400 # gain 0.2

o1: ~drums # bitcrush 6 2 # compressor -18 4 0.005 0.1 4 # gain 0.6
o2: ~bass # gain 0.4
o3: ~keys # reverb 0.8 0.5 :mix 0.5
o4: ~lead # delay (3/16) 0.55 0.4 :lock 1
