-- Functions, as Tidal's `let` defines them: `~name params: body`. A use puts its arguments in
-- place of the parameters; without its last argument it is a transform (`every 2 (~swingy
-- 0.2)`). Functions may take transforms (`~twice rev`) and use one another.
cps: 0.55

~swingy amt pat: swingBy amt 4 $ pat
~up n pat: pat |+ note n
~twice f pat: f (f pat)
~wash amount pat: pat # room amount # size 0.8 # orbit 1
~bassline root: (saw (note root) # lpf (range 300 1800 (sine 0.125)) 0.3) * 0.25

d1 $ s "bd*4" # gain 1.05
d2 $ every 2 (~swingy 0.15) $ s "hh*8" # gain 0.8
d3 $ ~wash 0.3 $ sometimesBy 0.25 (~twice (hurry 2)) $ s "~ cp ~ cp"
d4 $ jux (~up 12) $ n "<0 3 5 7>" # s "superpiano" # velocity 0.6 # legato 1
d5 $ ~bassline "<c3 c3 eb3 g2>"
