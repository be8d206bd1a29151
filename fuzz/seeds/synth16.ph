-- 16 sawtooth voices, each through a low-pass filter whose cutoff an LFO sweeps, panned
-- across the stereo field and summed: the synthesis benchmark.
tempo: 0.5

~v1: saw 55.0 # lpf (sine 0.07 * 800 + 1200) 0.8 # pan2 (-1.0)
~v2: saw 56.34 # lpf (sine 0.09 * 800 + 1200) 0.8 # pan2 (-0.867)
~v3: saw 57.71 # lpf (sine 0.11 * 800 + 1200) 0.8 # pan2 (-0.733)
~v4: saw 59.12 # lpf (sine 0.13 * 800 + 1200) 0.8 # pan2 (-0.6)
~v5: saw 60.56 # lpf (sine 0.15 * 800 + 1200) 0.8 # pan2 (-0.467)
~v6: saw 62.03 # lpf (sine 0.17 * 800 + 1200) 0.8 # pan2 (-0.333)
~v7: saw 63.54 # lpf (sine 0.19 * 800 + 1200) 0.8 # pan2 (-0.2)
~v8: saw 65.09 # lpf (sine 0.21 * 800 + 1200) 0.8 # pan2 (-0.067)
~v9: saw 66.68 # lpf (sine 0.23 * 800 + 1200) 0.8 # pan2 (0.067)
~v10: saw 68.3 # lpf (sine 0.25 * 800 + 1200) 0.8 # pan2 (0.2)
~v11: saw 69.97 # lpf (sine 0.27 * 800 + 1200) 0.8 # pan2 (0.333)
~v12: saw 71.67 # lpf (sine 0.29 * 800 + 1200) 0.8 # pan2 (0.467)
~v13: saw 73.42 # lpf (sine 0.31 * 800 + 1200) 0.8 # pan2 (0.6)
~v14: saw 75.2 # lpf (sine 0.33 * 800 + 1200) 0.8 # pan2 (0.733)
~v15: saw 77.04 # lpf (sine 0.35 * 800 + 1200) 0.8 # pan2 (0.867)
~v16: saw 78.91 # lpf (sine 0.37 * 800 + 1200) 0.8 # pan2 (1.0)

out: (~v1 + ~v2 + ~v3 + ~v4 + ~v5 + ~v6 + ~v7 + ~v8
    + ~v9 + ~v10 + ~v11 + ~v12 + ~v13 + ~v14 + ~v15 + ~v16) * 0.06
