-- Ambient pad: detuned triangle chords, slow filter movement, long reverb and a quiet delay.
tempo: 0.125

~chords: "<c4'maj7 a3'min7 f3'maj7 g3'dom7>"
~pad: (tri ~chords + saw ~chords * 0.3)
    # adsr 1.5 0.5 0.7 2
    # lpf (range 400 1800 $ slow 4 sine) 0.6
~space: reverb 0.9 0.3 :mix 0.6 # delay 0.75 0.4 0.2

out: ~pad # ~space # gain 0.5
