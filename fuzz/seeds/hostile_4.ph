out: fast 1000 $ s "bd*1000"
