//! The master stage: what stands between the program and the device or file, so that nothing
//! above the ceiling (−1 dBFS) ever leaves Phonon. A look-ahead peak limiter, stereo-linked:
//! it sees each frame [`LOOKAHEAD_SECONDS`] before it plays it, so the gain is already down
//! when a peak arrives, with no clipping, and rises back over [`RELEASE_SECONDS`].
//!
//! The gain computer (the design of Signalsmith's and most brick-wall limiters): each frame
//! needs the gain `min(1, ceiling / peak)`; the required gain is held at its minimum over the
//! look-ahead window (a sliding minimum), released exponentially towards 1, then smoothed by
//! a moving average over the same window. Every value averaged for the frame that leaves is at
//! most what that frame needs, so the output never exceeds the ceiling, while the gain moves
//! smoothly (a linear ramp over the look-ahead into a peak). A program that stays under the
//! ceiling passes through bit for bit, only delayed.

/// The most any sample leaves the master at: −1 dBFS, leaving room for the peaks between
/// samples that a device's reconstruction filter makes.
pub const CEILING: f32 = 0.891_250_9;

/// How far ahead the limiter looks: the attack time, and the latency it adds.
pub const LOOKAHEAD_SECONDS: f64 = 0.002;

/// The time constant with which the gain returns to unity after a peak.
pub const RELEASE_SECONDS: f64 = 0.1;

/// The limiter's look-ahead, and so its latency, in frames at `sample_rate`.
pub fn lookahead_frames(sample_rate: u32) -> usize {
    ((LOOKAHEAD_SECONDS * sample_rate as f64).round() as usize).max(1)
}

/// A stereo-linked look-ahead limiter. Allocates only when made.
pub struct Limiter {
    /// Frames of look-ahead; the delay line and windows hold `window = lookahead + 1` frames.
    lookahead: usize,
    /// The delayed audio, interleaved stereo, a ring of `window` frames.
    delay: Vec<f32>,
    /// The sliding minimum: a ring of (frame, gain) with increasing gains.
    min_frames: Vec<u64>,
    min_gains: Vec<f32>,
    min_head: usize,
    min_len: usize,
    /// The released gains of the last `window` frames (ring) and their sum.
    released: Vec<f64>,
    sum: f64,
    release_coef: f64,
    last_released: f64,
    /// `1 / window`.
    inverse_window: f64,
    /// Consecutive frames whose released gain was exactly 1.
    ones: usize,
    frame: u64,
    /// `frame % window`, kept so a frame costs no division.
    slot: usize,
    /// The lowest gain applied since [`Limiter::take_min_gain`] was last called.
    min_gain: f32,
}

impl Limiter {
    pub fn new(sample_rate: u32) -> Limiter {
        let lookahead = lookahead_frames(sample_rate);
        let window = lookahead + 1;
        Limiter {
            lookahead,
            delay: vec![0.0; 2 * window],
            min_frames: vec![0; window],
            min_gains: vec![1.0; window],
            min_head: 0,
            min_len: 0,
            released: vec![1.0; window],
            sum: window as f64,
            release_coef: (-1.0 / (RELEASE_SECONDS * sample_rate as f64)).exp(),
            last_released: 1.0,
            inverse_window: 1.0 / window as f64,
            ones: 0,
            frame: 0,
            slot: 0,
            min_gain: 1.0,
        }
    }

    /// The delay the limiter adds, in frames.
    pub fn latency(&self) -> usize {
        self.lookahead
    }

    /// Takes one frame in, returns the frame `latency()` frames earlier, limited.
    #[inline]
    pub fn frame(&mut self, l: f32, r: f32) -> (f32, f32) {
        let window = self.lookahead + 1;
        // A value that is not a number never gets in (the engine's guard silences blown
        // outputs; this is the last line).
        let l = if l.is_finite() { l } else { 0.0 };
        let r = if r.is_finite() { r } else { 0.0 };
        let peak = l.abs().max(r.abs());
        let need = if peak > CEILING { CEILING / peak } else { 1.0 };
        // Sliding minimum over the last `window` frames (a monotonic queue). Ring indices
        // wrap by a comparison, not `%` (a division per use, most of a frame's cost).
        let wrap = |i: usize| if i >= window { i - window } else { i };
        let n = self.frame;
        // The frame that leaves the window goes first, so the queue never holds more than
        // the window (a peak rising for a whole window fills it).
        if self.min_len > 0 && self.min_frames[self.min_head] + (window as u64) <= n {
            self.min_head = wrap(self.min_head + 1);
            self.min_len -= 1;
        }
        while self.min_len > 0 {
            let back = wrap(self.min_head + self.min_len - 1);
            if self.min_gains[back] >= need {
                self.min_len -= 1;
            } else {
                break;
            }
        }
        let back = wrap(self.min_head + self.min_len);
        self.min_frames[back] = n;
        self.min_gains[back] = need;
        self.min_len += 1;
        let held = self.min_gains[self.min_head] as f64;
        self.release(held, l, r)
    }

    /// The rest of [`Limiter::frame`] once the sliding minimum gave the gain the window needs
    /// (`held`): the release, the smoothing, and the delay line.
    #[inline(always)]
    fn release(&mut self, held: f64, l: f32, r: f32) -> (f32, f32) {
        let window = self.lookahead + 1;
        // Release towards 1, never above what the window needs.
        let released = held.min(1.0 - self.release_coef * (1.0 - self.last_released));
        self.last_released = released;
        let slot = self.slot;
        self.sum += released - self.released[slot];
        self.released[slot] = released;
        // After a window of unity gains the sum is exact again (no drift over a long set, and
        // quiet audio passes bit for bit).
        self.ones = if released == 1.0 { self.ones + 1 } else { 0 };
        if self.ones >= window {
            self.sum = window as f64;
        }
        // (A window of ones is the usual case: no multiplication for it, the same 1.0.) The
        // mean by a reciprocal: a division's latency was most of a frame's cost.
        let gain = if self.ones >= window {
            1.0
        } else {
            (self.sum * self.inverse_window) as f32
        };
        // Written now, read `lookahead` frames later: the ring's next slot.
        self.delay[2 * slot] = l;
        self.delay[2 * slot + 1] = r;
        let out = if slot + 1 == window { 0 } else { slot + 1 };
        let (out_l, out_r) = (self.delay[2 * out], self.delay[2 * out + 1]);
        self.frame += 1;
        self.slot = out;
        if gain >= 1.0 {
            return (out_l, out_r);
        }
        self.min_gain = self.min_gain.min(gain);
        // The average is of gains each at most what the outgoing frame needs, so it is below
        // the ceiling already; the clamp only catches rounding.
        let clamp = |x: f32| (x * gain).clamp(-CEILING, CEILING);
        (clamp(out_l), clamp(out_r))
    }

    /// Processes interleaved stereo in place (each frame comes out `latency()` later).
    pub fn process(&mut self, stereo: &mut [f32]) {
        self.process_pair(stereo, 2, 0);
    }

    /// Processes the stereo pair `pair` of a block of interleaved `channels` in place, the
    /// same as [`Limiter::frame`] on each of its frames. When nothing in the block is above
    /// the ceiling (or not a number) and the look-ahead window needs no reduction either (the
    /// usual case, also while the gain recovers from an earlier peak), every frame needs
    /// unity gain: the sliding minimum is skipped and set once at the end.
    pub fn process_pair(&mut self, block: &mut [f32], channels: usize, pair: usize) {
        let frames = block.len() / channels;
        let at = |f: usize| f * channels + 2 * pair;
        let window_clear = self.min_len == 0 || self.min_gains[self.min_head] >= 1.0;
        // The largest magnitude's bits (a pass without branches): above the ceiling's bits
        // when a sample is above it, infinite or not a number.
        let magnitude = |x: f32| x.to_bits() & 0x7fff_ffff;
        let loudest = (0..frames).fold(0, |m, f| {
            m.max(magnitude(block[at(f)]))
                .max(magnitude(block[at(f) + 1]))
        });
        if !(window_clear && loudest <= CEILING.to_bits()) {
            for f in 0..frames {
                let (l, r) = self.frame(block[at(f)], block[at(f) + 1]);
                block[at(f)] = l;
                block[at(f) + 1] = r;
            }
            return;
        }
        if frames == 0 {
            return;
        }
        for f in 0..frames {
            let (l, r) = self.release(1.0, block[at(f)], block[at(f) + 1]);
            block[at(f)] = l;
            block[at(f) + 1] = r;
        }
        // What `frame` leaves after frames that each need unity gain: the sliding minimum
        // holds only the newest.
        self.min_head = 0;
        self.min_len = 1;
        self.min_frames[0] = self.frame - 1;
        self.min_gains[0] = 1.0;
    }

    /// The lowest gain applied since the last call (1 when the limiter did nothing), and
    /// starts over.
    pub fn take_min_gain(&mut self) -> f32 {
        std::mem::replace(&mut self.min_gain, 1.0)
    }
}

/// The master of a stream of blocks: one limiter per stereo pair (or none, `--no-limiter`),
/// and the compensation of its latency, so that frame k of the stream is the program's
/// frame k: the first `latency()` frames that come out are the limiter's empty delay line and
/// are dropped.
pub struct Master {
    limiters: Vec<Limiter>,
    skip: usize,
}

impl Master {
    /// `pairs` stereo pairs interleaved in every block; `limit: false` passes them through.
    pub fn new(sample_rate: u32, pairs: usize, limit: bool) -> Master {
        let limiters: Vec<Limiter> = if limit {
            (0..pairs).map(|_| Limiter::new(sample_rate)).collect()
        } else {
            Vec::new()
        };
        Master {
            skip: limiters.first().map_or(0, Limiter::latency),
            limiters,
        }
    }

    /// Frames the stream must run past its end to deliver its last frames.
    pub fn latency(&self) -> usize {
        self.limiters.first().map_or(0, Limiter::latency)
    }

    /// Limits a block of interleaved frames in place and returns the index of the first
    /// sample ready to play (0, after the first `latency()` frames of the stream).
    pub fn process(&mut self, block: &mut [f32]) -> usize {
        let channels = 2 * self.limiters.len().max(1);
        if !self.limiters.is_empty() {
            for (p, lim) in self.limiters.iter_mut().enumerate() {
                lim.process_pair(block, channels, p);
            }
        } else {
            // No limiter: still nothing that is not a number.
            for x in block.iter_mut() {
                if !x.is_finite() {
                    *x = 0.0;
                }
            }
        }
        let frames = block.len() / channels;
        let skipped = self.skip.min(frames);
        self.skip -= skipped;
        skipped * channels
    }

    /// The lowest gain any limiter applied since the last call (1: none limited).
    pub fn take_min_gain(&mut self) -> f32 {
        self.limiters
            .iter_mut()
            .map(Limiter::take_min_gain)
            .fold(1.0, f32::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lim: &mut Limiter, input: &[(f32, f32)]) -> Vec<(f32, f32)> {
        let mut out: Vec<(f32, f32)> = input.iter().map(|&(l, r)| lim.frame(l, r)).collect();
        for _ in 0..lim.latency() {
            out.push(lim.frame(0.0, 0.0));
        }
        out.split_off(lim.latency())
    }

    #[test]
    fn a_loud_sound_decaying_for_longer_than_the_look_ahead_is_held_under_the_ceiling() {
        // Each frame quieter than the last but still over the ceiling: every frame needs
        // less reduction, so the sliding minimum's queue holds the whole window (it once
        // overflowed here, a panic on the render thread).
        let mut lim = Limiter::new(44_100);
        let input: Vec<(f32, f32)> = (0..2000).map(|i| (20.0 - i as f32 * 0.009, 0.0)).collect();
        let out = run(&mut lim, &input);
        assert!(
            out.iter().all(|&(l, _)| l.abs() <= CEILING),
            "under the ceiling"
        );
        assert!(out[1999].0 > 0.1, "and passed, reduced: {}", out[1999].0);
    }

    #[test]
    fn quiet_audio_passes_bit_for_bit() {
        let mut lim = Limiter::new(44_100);
        let input: Vec<(f32, f32)> = (0..5000)
            .map(|i| {
                let x = (i as f32 * 0.05).sin() * 0.89;
                (x, -x * 0.5)
            })
            .collect();
        assert_eq!(run(&mut lim, &input), input);
        assert_eq!(lim.take_min_gain(), 1.0);
    }

    #[test]
    fn loud_audio_never_exceeds_the_ceiling_and_gain_moves_smoothly() {
        let mut lim = Limiter::new(44_100);
        // A 100 Hz sine at +12 dB with a single-sample spike of +40 dB in the middle.
        let mut input: Vec<(f32, f32)> = (0..44_100)
            .map(|i| {
                let x = 4.0 * (i as f32 * 2.0 * std::f32::consts::PI * 100.0 / 44_100.0).sin();
                (x, x * 0.25)
            })
            .collect();
        input[20_000].0 = 100.0;
        let out = run(&mut lim, &input);
        let peak = out
            .iter()
            .fold(0.0f32, |m, &(l, r)| m.max(l.abs()).max(r.abs()));
        assert!(peak <= CEILING, "peak {peak}");
        assert!(
            peak > 0.85,
            "the limiter holds the level near the ceiling: {peak}"
        );
        // The spike is caught: the frames around it are reduced, not clipped to a square.
        assert!(out[20_000].0.abs() <= CEILING);
        // Gain changes per frame stay small away from the spike's ramp (no hard clipping):
        // the ratio out/in for the right channel (never above the ceiling itself) changes by
        // less than 5% from one frame to the next outside the look-ahead around the spike.
        let gains: Vec<f32> = out
            .iter()
            .zip(&input)
            .map(|(o, i)| {
                if i.1.abs() > 0.05 {
                    o.1 / i.1
                } else {
                    f32::NAN
                }
            })
            .collect();
        for w in gains.windows(2).skip(2000) {
            if w[0].is_finite() && w[1].is_finite() {
                assert!(
                    (w[0] - w[1]).abs() < 0.05 * w[0].abs().max(0.01) + 0.02,
                    "{w:?}"
                );
            }
        }
        assert!(lim.take_min_gain() < 0.01);
    }

    #[test]
    fn a_block_is_what_frame_by_frame_gives() {
        // Quiet stretches (the shortcut), loud bursts, a NaN and blocks of odd sizes: the
        // block path equals `frame` on every frame, bit for bit, and so does its state after.
        let input: Vec<f32> = (0..40_000)
            .flat_map(|i| {
                let x = (i as f32 * 0.013).sin() * if (i / 3000) % 3 == 1 { 3.0 } else { 0.5 };
                [x, if i == 25_000 { f32::NAN } else { -0.7 * x }]
            })
            .collect();
        let (mut by_frame, mut by_block) = (Limiter::new(44_100), Limiter::new(44_100));
        let expected: Vec<f32> = input
            .chunks(2)
            .flat_map(|f| {
                let (l, r) = by_frame.frame(f[0], f[1]);
                [l, r]
            })
            .collect();
        let mut got = input.clone();
        let mut rest = &mut got[..];
        for n in [1usize, 37, 512, 89, 1000].iter().cycle() {
            let take = (2 * n).min(rest.len());
            let (now, later) = rest.split_at_mut(take);
            by_block.process_pair(now, 2, 0);
            rest = later;
            if rest.is_empty() {
                break;
            }
        }
        let same = expected
            .iter()
            .zip(&got)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "bit for bit");
        let tail = |lim: &mut Limiter| (0..200).map(|_| lim.frame(2.0, 0.1)).collect::<Vec<_>>();
        assert_eq!(
            tail(&mut by_frame),
            tail(&mut by_block),
            "the same state after"
        );
        // A pair other than the first of a wider block.
        let mut wide: Vec<f32> = input[..2000]
            .chunks(2)
            .flat_map(|f| [9.0, 9.0, f[0], f[1]])
            .collect();
        let mut lim = Limiter::new(44_100);
        lim.process_pair(&mut wide, 4, 1);
        let mut alone = Limiter::new(44_100);
        let want: Vec<f32> = input[..2000]
            .chunks(2)
            .flat_map(|f| {
                let (l, r) = alone.frame(f[0], f[1]);
                [l, r]
            })
            .collect();
        let got: Vec<f32> = wide.chunks(4).flat_map(|f| [f[2], f[3]]).collect();
        assert_eq!(got, want);
        assert!(wide.chunks(4).all(|f| f[0] == 9.0 && f[1] == 9.0));
    }

    #[test]
    fn not_a_number_becomes_silence() {
        let mut lim = Limiter::new(48_000);
        let out = run(&mut lim, &[(f32::NAN, f32::INFINITY), (0.5, 0.5)]);
        assert_eq!(out, vec![(0.0, 0.0), (0.5, 0.5)]);
    }

    #[test]
    fn master_compensates_its_latency() {
        let mut m = Master::new(44_100, 1, true);
        let lat = m.latency();
        assert_eq!(lat, 88);
        let mut stream = Vec::new();
        for b in 0..4 {
            let mut block: Vec<f32> = (0..64)
                .flat_map(|f| [(b * 64 + f) as f32 * 1e-3; 2])
                .collect();
            let start = m.process(&mut block);
            stream.extend_from_slice(&block[start..]);
        }
        assert_eq!(stream.len(), 2 * (256 - lat));
        assert_eq!(stream[0], 0.0);
        assert_eq!(stream[2], 1e-3);
        let mut off = Master::new(44_100, 2, false);
        let mut block = vec![0.1, f32::NAN, 2.0, -3.0];
        assert_eq!(off.process(&mut block), 0);
        assert_eq!(block, [0.1, 0.0, 2.0, -3.0]);
    }
}
