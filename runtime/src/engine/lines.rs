//! The delay lines of per-event effects that need memory (the phaser's 10 ms, `squiz`'s
//! 0.1 s, `comb`'s FFT frames), one slot per voice that uses them, kept by its sample player in one block
//! allocated when the player is built (and only when the program uses those effects), so
//! that starting a voice never allocates.

use super::dirt_extra::{line_frames, squiz_frames};
use super::spectral::COMB_FLOATS;

/// Which of the effects with lines a program's events may use: the sample players keep
/// lines for those only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineUse {
    pub phaser: bool,
    pub squiz: bool,
    pub comb: bool,
}

/// Voices with such effects a player runs at once: past it the oldest is stolen.
pub const LINE_CAP: usize = 256;

/// Fewer when a slot holds `squiz`'s tenth of a second or `comb`'s frames.
pub const SQUIZ_LINE_CAP: usize = 64;

/// A player's slots: each holds, per channel, the phaser's line, then (when the program
/// uses them) `squiz`'s and `comb`'s.
pub struct LinePool {
    data: Vec<f32>,
    /// Floats of the phaser's line, of `squiz`'s and of `comb`'s, per channel.
    phaser: usize,
    squiz: usize,
    comb: usize,
    free: Vec<u32>,
}

impl LinePool {
    /// A pool for the effects the program uses; empty when it uses none.
    pub fn new(uses: LineUse, sample_rate: u32) -> LinePool {
        let LineUse {
            phaser,
            squiz,
            comb,
        } = uses;
        if !phaser && !squiz && !comb {
            return LinePool {
                data: Vec::new(),
                phaser: 0,
                squiz: 0,
                comb: 0,
                free: Vec::new(),
            };
        }
        let phaser = line_frames(sample_rate as f64);
        let squiz = if squiz {
            squiz_frames(sample_rate as f64)
        } else {
            0
        };
        let comb = if comb { COMB_FLOATS } else { 0 };
        let slots = if squiz + comb > 0 {
            SQUIZ_LINE_CAP
        } else {
            LINE_CAP
        };
        LinePool {
            data: vec![0.0; slots * 2 * (phaser + squiz + comb)],
            phaser,
            squiz,
            comb,
            free: (0..slots as u32).rev().collect(),
        }
    }

    fn slot_len(&self) -> usize {
        2 * (self.phaser + self.squiz + self.comb)
    }

    /// Whether the player keeps no lines.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// A silent slot, if one is free.
    pub fn take(&mut self) -> Option<u32> {
        let slot = self.free.pop()?;
        let n = self.slot_len();
        self.data[slot as usize * n..(slot as usize + 1) * n].fill(0.0);
        Some(slot)
    }

    pub fn give(&mut self, slot: u32) {
        self.free.push(slot);
    }

    /// Every slot free again.
    pub fn reset(&mut self) {
        if self.is_empty() {
            return;
        }
        let slots = (self.data.len() / self.slot_len()) as u32;
        self.free.clear();
        self.free.extend((0..slots).rev());
    }

    /// Slot `slot`'s lines: the phaser's left and right, then `squiz`'s, then `comb`'s
    /// (empty when the program does not use them).
    pub fn lines(&mut self, slot: u32) -> [&mut [f32]; 6] {
        let n = self.slot_len();
        let s = &mut self.data[slot as usize * n..(slot as usize + 1) * n];
        let (phaser, rest) = s.split_at_mut(2 * self.phaser);
        let (squiz, comb) = rest.split_at_mut(2 * self.squiz);
        let (pl, pr) = phaser.split_at_mut(self.phaser);
        let (sl, sr) = squiz.split_at_mut(self.squiz);
        let (cl, cr) = comb.split_at_mut(self.comb);
        [pl, pr, sl, sr, cl, cr]
    }

    /// A copy of `other`'s slot `from` in a slot of this pool (a voice carried to a reloaded
    /// program), if this pool has one free and lines of the same sizes.
    pub fn adopt(&mut self, other: &LinePool, from: u32) -> Option<u32> {
        if self.slot_len() != other.slot_len() {
            return None;
        }
        let to = self.take()?;
        let n = self.slot_len();
        self.data[to as usize * n..(to as usize + 1) * n]
            .copy_from_slice(&other.data[from as usize * n..(from as usize + 1) * n]);
        Some(to)
    }
}
