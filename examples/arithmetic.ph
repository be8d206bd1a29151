-- Arithmetic on patterns and signals: structure from the left, right, or both sides.
tempo: 0.5

~melody: n ("0 2 4 5" |+ "<0 3>") # s "arpy"
~harmony: n ("0 2 4 5" + "7 12") # s "arpy" # gain 0.84
~tremolo: sine 220 * (sine 4 * 0.5 + 0.5)

o1: ~melody
o2: ~harmony
o3: (~tremolo * 0.2) # pan2 (-0.3)
