//! `phonon live --scope`: under the status line, a level meter per output and an
//! oscilloscope of the mix, redrawn with the status line.
//!
//! The render thread (never the audio callback) measures each output's peak after each
//! block into atomics (kept as the highest since the terminal last read them) and pushes the
//! mix into a wait-free ring; the printing thread reads both and draws with ANSI escapes:
//! the meters as bars on a -60..0 dBFS scale, the scope as braille dots (two columns and
//! four rows of dots a character), a trigger on a rising zero crossing holding it still.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Outputs metered; more share the last meter's place and are not shown.
pub const METERS: usize = 32;

/// Samples of the mix the terminal may hold back.
pub const RING: usize = 16_384;

/// The render thread's side: what it writes after each block.
pub struct Taps {
    pub peaks: Arc<[AtomicU32; METERS]>,
    pub mix: rtrb::Producer<f32>,
    /// Each output's peak of the last block (room for `METERS`, reused).
    scratch: Vec<f32>,
}

/// The terminal's side.
pub struct Scope {
    peaks: Arc<[AtomicU32; METERS]>,
    mix: rtrb::Consumer<f32>,
    window: std::collections::VecDeque<f32>,
    /// What each meter shows: its peak, falling 20 dB a second.
    shown: Vec<f32>,
}

pub fn scope() -> (Taps, Scope) {
    let peaks: Arc<[AtomicU32; METERS]> = Arc::new([const { AtomicU32::new(0) }; METERS]);
    let (tx, rx) = rtrb::RingBuffer::new(RING);
    (
        Taps {
            peaks: peaks.clone(),
            mix: tx,
            scratch: vec![0.0; METERS],
        },
        Scope {
            peaks,
            mix: rx,
            window: std::collections::VecDeque::with_capacity(RING),
            shown: vec![0.0; METERS],
        },
    )
}

impl Taps {
    /// After a block: each output's peak from the engine, and the block's mix (`width`
    /// interleaved channels, the first two its left and right).
    pub fn block(&mut self, engine: &phonon_runtime::engine::Engine, mix: &[f32], width: usize) {
        let n = engine.outputs().len().min(METERS);
        engine.output_peaks(mix.len() / width.max(1), &mut self.scratch[..n]);
        for (slot, &p) in self.peaks.iter().zip(&self.scratch[..n]) {
            // Bits of non-negative floats order as the floats do.
            slot.fetch_max(p.to_bits(), Ordering::Relaxed);
        }
        for frame in mix.chunks_exact(width.max(2)) {
            // A full ring (the terminal fell behind) drops samples: only a picture.
            let _ = self.mix.push(0.5 * (frame[0] + frame[1]));
        }
    }
}

/// Braille dots: bit of (column 0..2, row 0..4) in a character from U+2800.
const DOTS: [[u32; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];

impl Scope {
    /// The lines to draw under the status line for outputs `names`, `width` characters
    /// wide, `seconds` since the last call (for the meters' fall).
    pub fn lines(&mut self, names: &[String], width: usize, seconds: f64) -> Vec<String> {
        let mut lines = Vec::new();
        let fall = 10f32.powf(-(20.0 * seconds as f32) / 20.0);
        let name_w = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(3)
            .clamp(3, 12);
        let bar_w = width.saturating_sub(name_w + 14).clamp(10, 60);
        for (i, name) in names.iter().take(METERS).enumerate() {
            let peak = f32::from_bits(self.peaks[i].swap(0, Ordering::Relaxed));
            self.shown[i] = (self.shown[i] * fall).max(peak);
            let db = 20.0 * self.shown[i].max(1e-9).log10();
            let filled = (((db + 60.0) / 60.0).clamp(0.0, 1.0) * bar_w as f32).round() as usize;
            let bar: String = (0..bar_w)
                .map(|k| if k < filled { '█' } else { '·' })
                .collect();
            let level = if db <= -60.0 {
                "  -inf".to_string()
            } else {
                format!("{db:6.1}")
            };
            lines.push(format!("{name:<name_w$} {bar} {level} dB"));
        }
        // The scope: the last samples, from a rising zero crossing where there is one.
        while let Ok(x) = self.mix.pop() {
            if self.window.len() == RING {
                self.window.pop_front();
            }
            self.window.push_back(x);
        }
        let cols = width.saturating_sub(name_w + 1).clamp(10, 120);
        let samples = 2 * cols * 4;
        let rows = 4;
        if self.window.len() >= samples {
            let latest = self.window.len() - samples;
            let start = (1..=latest)
                .rev()
                .find(|&s| self.window[s - 1] <= 0.0 && self.window[s] > 0.0)
                .unwrap_or(latest);
            let mut grid = vec![vec![0u32; cols]; rows];
            for d in 0..2 * cols {
                let x = self.window[start + d * 4];
                // Rows of dots, top +1, bottom -1.
                let dot =
                    (((1.0 - x.clamp(-1.0, 1.0)) / 2.0) * (rows * 4 - 1) as f32).round() as usize;
                grid[dot / 4][d / 2] |= DOTS[d % 2][dot % 4];
            }
            for (r, row) in grid.iter().enumerate() {
                let label = if r == 0 { "mix" } else { "" };
                let text: String = row
                    .iter()
                    .map(|&b| char::from_u32(0x2800 + b).unwrap_or(' '))
                    .collect();
                lines.push(format!("{label:<name_w$} {text}"));
            }
        }
        lines
    }
}
