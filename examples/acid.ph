-- Acid bass: a sawtooth line through a resonant filter whose cutoff an LFO sweeps.
cps: 130 / 60 / 4

~lfo: sine 0.25 * 0.5 + 0.5
~notes: "c3 c3 eb3 c4 c3 g2 bb2 c3"
~bass: saw ~notes # lpf (~lfo * 2400 + 300) 0.85 # distortion 2 0.4
~drums: s "bd*4, ~ hh ~ hh"

out: ~bass * 0.4 + ~drums
