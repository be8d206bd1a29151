-- Chord changes as Strudel voices them, a bass line transposed under them, a tempo that
-- leans forward every fourth cycle, and Tidal's playback commands: save the file with a
-- line added or removed and hear what it does (`phonon live examples/changes.ph`).
bpm: "<112 112 112 118>"

d1 $ voicing $ chord "<C^7 A7 Dm7 G7>" # s "superpiano" # velocity 0.5 # legato 1.1
  # room 0.25 # orbit 1
d2 $ note (transpose "<0 -3 2 -5>" "-24 -17 -12 -17") # s "sawtooth" # cutoff 900
  # resonance 0.2 # gain 0.8
d3 $ rot "<0 1 2 3>" $ s "bd hh sn hh" # nudge "0 0.015"
d4 $ ur 4 "a b a:double c" [["a", s "hh*4"], ["b", s "[hh oh]*2"], ["c", s "cp*2"]]
  [["double", fast 2]]
  # gain 0.8

-- Once, from the next cycle, each time the file is loaded: a crash.
once: s "cr" # gain 0.8
-- Edits of d1 cross over in two cycles instead of 20 ms.
xfadeIn d1 2
-- Comment this out to hear the ur pattern.
mute d4
