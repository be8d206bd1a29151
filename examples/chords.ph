-- Pattern-played instruments: chords and arpeggios, one voice per event with its envelope.
tempo: 0.5

~chords: saw "<c4'maj e4'min a3'min7 f3'maj7>" # adsr 0.02 0.3 0.5 0.4 # lpf 1800 0.6
~arp: sine (note "0 4 7 12 7 4" + "<0 -3 -7 -5>") # ad 0.005 0.2
~bassline: tri "c3 ~ g2 ~" # ar 0.01 0.4

out: ~chords * 0.2 + ~arp * 0.15 + ~bassline * 0.3
