-- The benchmark Phonon exists for: 16 outputs, each 32 steps per cycle, stuttered 8 times and
-- doubled by jux: 16 x 32 x 8 x 2 = 8192 voice starts per cycle, 16384 per second at 2 cycles
-- per second.
cps: 2

o1: jux rev $ stut 8 0.6 0.0625 $ s "bd*32"
o2: jux rev $ stut 8 0.6 0.0625 $ s "sn*32"
o3: jux rev $ stut 8 0.6 0.0625 $ s "hh*32"
o4: jux rev $ stut 8 0.6 0.0625 $ s "oh*32"
o5: jux rev $ stut 8 0.6 0.0625 $ s "cp*32"
o6: jux rev $ stut 8 0.6 0.0625 $ s "lt*32"
o7: jux rev $ stut 8 0.6 0.0625 $ s "mt*32"
o8: jux rev $ stut 8 0.6 0.0625 $ s "ht*32"
o9: jux rev $ stut 8 0.6 0.0625 $ s "rim*32"
o10: jux rev $ stut 8 0.6 0.0625 $ s "cb*32"
o11: jux rev $ stut 8 0.6 0.0625 $ s "cr*32"
o12: jux rev $ stut 8 0.6 0.0625 $ s "ride*32"
o13: jux rev $ stut 8 0.6 0.0625 $ s "arpy*32"
o14: jux rev $ stut 8 0.6 0.0625 $ s "casio*32"
o15: jux rev $ stut 8 0.6 0.0625 $ s "perc*32"
o16: jux rev $ stut 8 0.6 0.0625 $ s "tabla*32"
