//! The audio device's clock against the system's. A sound card's crystal runs a few tens of
//! parts per million off the system clock (50 ppm is 180 ms an hour), and its buffer plays
//! some milliseconds after the callback that fills it: what is timed by the system clock
//! (MIDI messages, OSC bundles, Tidal's bundles into `phonon serve`, an Ableton Link
//! session) drifts from the sound unless frames are placed where the device plays them.
//!
//! Each callback of a device tells when its first frame will play (cpal's playback
//! timestamp). The audio thread fits a line through the last [`WINDOW`] of these (frame,
//! time) points, as the time left over from `origin + frame / rate` (so the numbers stay
//! small), and publishes the line: the correction to add to the nominal time of a frame.
//! The null clock needs none (it is paced by the system clock): then the correction is 0.

use super::seqlock::SeqLock;
use std::time::Instant;

/// Callbacks a line is fitted through: a few seconds of callbacks.
pub const WINDOW: usize = 256;

/// The published line: nanoseconds to add to a played frame's nominal time, as `a + b·frame`.
#[derive(Default)]
pub struct Correction(SeqLock<2>);

impl Correction {
    /// Nanoseconds to add to the nominal time of played frame `frame` (0 until a device has
    /// played a few callbacks, and on the null clock).
    pub fn nanos(&self, frame: i64) -> f64 {
        self.0.read().map_or(0.0, |[a, b]| {
            f64::from_bits(a) + f64::from_bits(b) * frame as f64
        })
    }

    /// The line (nanoseconds at frame 0, nanoseconds per frame), once a device has fitted
    /// one.
    pub fn line(&self) -> Option<(f64, f64)> {
        let [a, b] = self.0.read()?;
        let (a, b) = (f64::from_bits(a), f64::from_bits(b));
        (a != 0.0 || b != 0.0).then_some((a, b))
    }

    fn set(&self, a: f64, b: f64) {
        self.0.write([a.to_bits(), b.to_bits()]);
    }

    /// Back to none (the null clock plays, or a new stream starts over).
    pub fn clear(&self) {
        self.set(0.0, 0.0);
    }
}

/// The audio thread's side: the last callbacks' points. Fixed size: nothing allocates.
pub struct Fit {
    origin: Instant,
    nanos_per_frame: f64,
    frames: [f64; WINDOW],
    late: [f64; WINDOW],
    len: usize,
    next: usize,
}

/// Fewer points than this fit no line (the correction stays as it was).
const FEWEST: usize = 8;

impl Fit {
    pub fn new(origin: Instant, sample_rate: u32) -> Fit {
        Fit {
            origin,
            nanos_per_frame: 1e9 / sample_rate as f64,
            frames: [0.0; WINDOW],
            late: [0.0; WINDOW],
            len: 0,
            next: 0,
        }
    }

    /// Forgets the points (a new stream, whose latency differs).
    pub fn restart(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    /// Played frame `frame` plays at `at`: refits, and publishes into `to`.
    pub fn note(&mut self, frame: i64, at: Instant, to: &Correction) {
        let nominal = frame as f64 * self.nanos_per_frame;
        let actual = if at >= self.origin {
            (at - self.origin).as_nanos() as f64
        } else {
            -((self.origin - at).as_nanos() as f64)
        };
        self.frames[self.next] = frame as f64;
        self.late[self.next] = actual - nominal;
        self.next = (self.next + 1) % WINDOW;
        self.len = (self.len + 1).min(WINDOW);
        if self.len < FEWEST {
            return;
        }
        // Least squares, about the points' means.
        let n = self.len as f64;
        let points = || self.frames[..self.len].iter().zip(&self.late[..self.len]);
        let (mx, my) = points().fold((0.0, 0.0), |(x, y), (f, l)| (x + f / n, y + l / n));
        let (sxy, sxx) = points().fold((0.0, 0.0), |(sxy, sxx), (f, l)| {
            (sxy + (f - mx) * (l - my), sxx + (f - mx) * (f - mx))
        });
        let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        to.set(my - b * mx, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_drifting_late_device_is_found_through_jitter() {
        // 48 kHz nominal; the device plays 40 ppm fast, 7 ms after its callbacks, each
        // callback's timestamp off by up to ±0.5 ms.
        let origin = Instant::now();
        let (mut fit, correction) = (Fit::new(origin, 48_000), Correction::default());
        let mut noise = 12345u32;
        for k in 0..2000i64 {
            let frame = k * 512;
            let seconds = frame as f64 / 48_000.0 / (1.0 + 40e-6) + 0.007;
            noise = noise.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let jitter = (noise >> 16) as f64 / 65_536.0 - 0.5;
            let at = origin + Duration::from_secs_f64(seconds + jitter * 1e-3);
            fit.note(frame, at, &correction);
        }
        // At the last frame the device is 40 ppm of its 21 s early, less its latency.
        let frame = 1999 * 512;
        let want =
            (frame as f64 / 48_000.0 / (1.0 + 40e-6) + 0.007 - frame as f64 / 48_000.0) * 1e9;
        let got = correction.nanos(frame);
        assert!((got - want).abs() < 100_000.0, "{got} ns, want {want}");
        // And a second ahead, where messages are timed, by the same line.
        let ahead = frame + 48_000;
        let want =
            (ahead as f64 / 48_000.0 / (1.0 + 40e-6) + 0.007 - ahead as f64 / 48_000.0) * 1e9;
        assert!((correction.nanos(ahead) - want).abs() < 100_000.0);
        correction.clear();
        assert_eq!(correction.nanos(frame), 0.0);
    }
}
