-- Four-on-the-floor house: kick, offbeat open hats, claps on 2 and 4, shuffled closed hats.
cps: 124 / 60 / 4   -- 124 bpm with four beats per cycle

~kick: s "bd*4" # gain 1.02
~hats: s "[~ oh]*4" # gain 0.91 # cut 1
~clap: s "~ cp ~ cp" # room 0.2
~shuffle: swingBy (1/6) 4 $ s "hh*16" # gain "0.84 0.74 0.88 0.74"

out: ~kick + ~hats + ~clap + ~shuffle
