out: jux rev $ every 2 (fast 2) $ s "bd*2 [sn cp]" # gain 0.9 # pan sine
