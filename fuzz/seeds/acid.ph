-- Acid bass: a sawtooth line through a resonant filter whose cutoff an LFO sweeps.
cps: 130 / 60 / 4

~lfo: sine 0.25 * 0.5 + 0.5
~notes: "c2 c2 eb2 c3 c2 g1 bb1 c2"
~bass: saw ~notes # lpf (~lfo * 2400 + 300) 0.85 # distortion 2 0.4
~drums: s "bd*4, ~ hh ~ hh"

out: ~bass * 0.4 + ~drums
