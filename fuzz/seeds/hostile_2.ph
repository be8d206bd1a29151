out: fast 1e12 $ s "bd sn"
