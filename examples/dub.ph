-- Dub: an effect chain stored in a bus and applied to the snare and the chords separately.
tempo: 0.55

~fx: hpf 300 # delay 0.375 0.6 0.5 # reverb 0.7 0.5 0.3
~skank: square "~ [c5'min, eb5, g5] ~ [c5'min, eb5, g5]" # ar 0.005 0.15 # gain 0.2
~snare: s "~ ~ sn ~" # gain 0.95

o1: s "bd ~ ~ ~ bd ~ ~ ~" # gain 1.05
o2: ~snare # ~fx
o3: ~skank # ~fx
