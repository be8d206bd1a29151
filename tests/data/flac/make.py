"""Writes the FLAC test folders (Dirt-Samples layout) used by tests/tests/samples.rs.

Run from this directory: python3 make.py (needs numpy and soundfile).
"""
import numpy as np
import soundfile as sf
import os

def tone(hz, secs, rate):
    t = np.arange(int(secs * rate)) / rate
    return 0.5 * np.sin(2 * np.pi * hz * t)

os.makedirs("tone", exist_ok=True)
os.makedirs("wide", exist_ok=True)
# Sorted by file name: tone:0 is 440 Hz, tone:1 is 880 Hz. Both at 22050 Hz, so the loader
# must resample them to the engine's rate.
sf.write("tone/a_low.flac", tone(440, 0.2, 22050), 22050, subtype="PCM_16")
sf.write("tone/b_high.flac", tone(880, 0.1, 22050), 22050, subtype="PCM_16")
# Stereo at 48 kHz: 300 Hz on the left, silence on the right.
left = tone(300, 0.2, 48000)
sf.write("wide/w.flac", np.stack([left, np.zeros_like(left)], axis=1), 48000, subtype="PCM_24")
