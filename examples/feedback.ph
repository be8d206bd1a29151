-- Feedback: a bus that hears itself through a one-sample delay, filtered to keep it stable.
tempo: 0.5

~exciter: impulse 2 * 0.8
~resonator: (~exciter + ~resonator * 0.995) # lpf 900 0.5
out: ~resonator # pan2 0 # gain 4
