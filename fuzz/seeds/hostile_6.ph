~fb: ~fb * 2 + sine 440 * 0.1
o1: sine 441 * 0.3
o2: ~fb # lpf 2000
