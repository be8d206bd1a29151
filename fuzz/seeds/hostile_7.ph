o1: saw 110 # lpf 1e9 100
o2: sine 220 * (1/0)
o3: sine 220 * (0/0)
