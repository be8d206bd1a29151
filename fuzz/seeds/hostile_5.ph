out: s "<bd bd*100000000>"
