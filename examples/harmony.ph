-- Harmony and Tidal's wider vocabulary: scales, arpeggios, ghost notes, shuffles and
-- transforms on part of a cycle, written as a Tidal user writes them.
cps: 0.55

d1 $ n (arp "<up downup thumbup>" "<c'maj'ii e'min7 a4'min'o f4'maj7>")
  # s "superpiano" # velocity 0.6 # legato 1.2 # room 0.3 # orbit 1
d2 $ every' 4 3 (within (0.5, 1) (fast 2)) $ n (scale "<c:minor c:dorian>" "0 .. 7")
  # s "pluck" # gain 0.8 # pan "-0.4 0.4"
d3 $ ghost $ s "~ sn ~ sn" # gain 0.9
d4 $ foldEvery [3, 4] (0.25 <~) $ s "bd*2 [~ bd] ~ bd"
d5 $ someCyclesBy 0.3 (# speed 2) $ shuffle 4 $ s "hh*2 hh*3 [hh oh] hh" # gain 0.8
d6 $ note (toScale [0, 3, 7, 10] (segment 8 $ irand 8) - 24) # s "sawtooth"
  # cutoff (segment 8 $ rangex 300 3000 perlin) # resonance 0.2 # gain 0.7
