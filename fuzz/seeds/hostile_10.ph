out: echo 100000 0.1 0.5 $ s "bd"
