o1: s "bd*4" # gain 1e30
o2: s "bd*4 sn" # speed 0
o3: s "bd*4 sn" # speed (-1e9)
