-- A set written the way Tidal users write it: `d1 $ ...`, SuperDirt's per-event controls,
-- three orbits, each with its own reverb and delay ringing on under the beat, and synths by
-- name (`superpiano`, `sawtooth`, `pluck`) played like samples.
cps: 0.55

d1 $ s "bd*4" # gain 1.05
d2 $ every 4 (fast 2) $ s "~ cp ~ cp" # room 0.3 # size 0.7 # orbit 1
d3 $ jux rev $ s "hh*8" # gain "0.9 0.8" # cutoff "<4000 2500>" # resonance 0.2
d4 $ off 0.25 (# crush 4) $ n "0 [4 7] ~ 3" # s "arpy" # legato 1
  # delay 0.4 # delaytime (3/16) # lock 1 # delayfb 0.5 # orbit 2
d5 $ sometimesBy 0.3 (# speed 2) $ s "bd(3,8,2)" # shape 0.4 # hcutoff 200 # gain 0.9
d6 $ whenmod 8 6 rev $ n "0 .. 3" # s "casio" # vowel "<a o>" # gain 0.9
d7 $ slow 2 $ n "<[0,4,7] [-3,0,4] [-7,-3,0] [-5,-1,2]>" # s "superpiano"
  # velocity 0.7 # legato 1.5 # room 0.4 # orbit 1
d8 $ note "0 ~ 12 7 ~ 3 ~ 10" # octave 3 # s "sawtooth" # cutoff "<600 1200>"
  # resonance 0.3 # gain 0.9
d9 $ sometimes (# accelerate 1) $ n "[0 7 12]/2" # s "pluck" # pan 0.6 # gain 0.9
