-- Breakbeat: chopped and shuffled break slices with a stuttering snare.
tempo: 0.6

~break: chop 8 $ s "perc:1 perc:3" # legato 1
~snare: every 4 (ply 2) $ s "~ sn ~ sn"
~ghost: sometimesBy 0.3 (# speed 2) $ s "~ ~ ~ rim ~ ~ rim ~" # gain 0.84

o1: ~break
o2: ~snare + ~ghost
