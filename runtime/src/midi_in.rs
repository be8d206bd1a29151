//! What arrives on the MIDI input (`phonon live --midi-in`): the latest value of each
//! controller, the last note played, and the tempo of a MIDI clock, for the patterns `cc`
//! and `notein` and for the clock to read at any moment. Process-wide, as the input is:
//! written by the input's thread, read by patterns and the engine, through atomics, so neither
//! side waits and the audio thread never locks.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Each controller's latest value, 0..1 (f32 bits), on any channel.
static CC: [AtomicU32; 128] = [const { AtomicU32::new(0) }; 128];

/// The last note played (Phonon's numbers: c5 = 0; f32 bits).
static NOTE: AtomicU32 = AtomicU32::new(0);

/// The tempo a MIDI clock gives, cycles per second (f64 bits; 0: no clock).
static CLOCK_CPS: AtomicU64 = AtomicU64::new(0);

/// Controller `n` (0..127) took `value` (0..127).
pub fn set_cc(n: u8, value: u8) {
    CC[(n & 127) as usize].store((value.min(127) as f32 / 127.0).to_bits(), Ordering::Relaxed);
}

/// Controller `n`'s latest value, 0..1 (0 before any arrives, and for a number outside
/// 0..127).
pub fn cc(n: f64) -> f64 {
    if !(0.0..128.0).contains(&n) {
        return 0.0;
    }
    f32::from_bits(CC[n as usize].load(Ordering::Relaxed)) as f64
}

/// Note `midi` (0..127) was played.
pub fn note_on(midi: u8) {
    NOTE.store(((midi & 127) as f32 - 60.0).to_bits(), Ordering::Relaxed);
}

/// The last note played, in Phonon's numbers (MIDI 60 is 0); 0 before any.
pub fn note() -> f64 {
    f32::from_bits(NOTE.load(Ordering::Relaxed)) as f64
}

/// A MIDI clock says `cps` (or stopped: 0). For the engine, which reads it through
/// [`clock_cps`] as it schedules each cycle (`Engine::follow_tempo`).
pub fn set_clock_cps(cps: f64) {
    CLOCK_CPS.store(cps.to_bits(), Ordering::Relaxed);
}

/// The tempo of the MIDI clock coming in, if one is.
pub fn clock_cps() -> Option<f64> {
    let cps = f64::from_bits(CLOCK_CPS.load(Ordering::Relaxed));
    (cps > 0.0).then_some(cps)
}

/// Reads the messages of a MIDI input: control changes and note-ons into the tables above,
/// and clock ticks (24 a beat) into a tempo of `beats` beats a cycle.
pub struct Reader {
    beats: f64,
    /// The times (seconds, any origin) of the last ticks, oldest first.
    ticks: [f64; 25],
    count: usize,
}

impl Reader {
    pub fn new(beats: f64) -> Reader {
        Reader {
            beats,
            ticks: [0.0; 25],
            count: 0,
        }
    }

    /// One message, arrived at `seconds`.
    pub fn message(&mut self, seconds: f64, bytes: &[u8]) {
        match bytes {
            [status, n, v, ..] if status & 0xF0 == 0xB0 => set_cc(*n, *v),
            [status, n, v, ..] if status & 0xF0 == 0x90 && *v > 0 => note_on(*n),
            [0xF8, ..] => self.tick(seconds),
            // Start and stop: a stopped clock no longer sets the tempo.
            [0xFC, ..] => {
                self.count = 0;
                set_clock_cps(0.0);
            }
            [0xFA, ..] => self.count = 0,
            _ => {}
        }
    }

    /// A clock tick: once a beat's worth (24) have come, the tempo is the average over the
    /// last beat.
    fn tick(&mut self, seconds: f64) {
        if self.count == self.ticks.len() {
            self.ticks.copy_within(1.., 0);
            self.count -= 1;
        }
        self.ticks[self.count] = seconds;
        self.count += 1;
        if self.count == self.ticks.len() {
            let beat = self.ticks[self.count - 1] - self.ticks[0];
            if beat > 0.0 {
                // To a hundredth of a BPM: the clock's jitter stays out, and the tempo is a
                // fraction of small terms (k / (6000 · beats)) for the cycle clock.
                let bpm = (60.0 / beat * 100.0).round() / 100.0;
                set_clock_cps(bpm / 60.0 / self.beats);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controllers_notes_and_a_clock() {
        let mut r = Reader::new(4.0);
        r.message(0.0, &[0xB3, 74, 127]);
        r.message(0.0, &[0x90, 67, 100]);
        r.message(0.0, &[0x90, 50, 0]); // a note-on of velocity 0 is a note-off
        assert_eq!(cc(74.0), 1.0);
        assert_eq!(cc(75.0), 0.0);
        assert_eq!(cc(300.0), 0.0);
        assert_eq!(note(), 7.0);
        // 120 bpm: a tick every 1/48 s; 4 beats a cycle is 0.5 cps.
        for i in 0..30 {
            r.message(i as f64 / 48.0, &[0xF8]);
        }
        assert!((clock_cps().unwrap() - 0.5).abs() < 1e-9);
        r.message(1.0, &[0xFC]);
        assert_eq!(clock_cps(), None);
    }
}
