//! `phonon render --plot out.png`: what was rendered, as a picture: for the mix (or each
//! output with `--split`), its waveform over a spectrogram.
//!
//! The waveform: per pixel column the lowest and highest sample of the channels' mean, on
//! ±1. The spectrogram: per pixel column a 2048-point FFT (Hann window, centred on the
//! column's time), its rows a logarithmic frequency axis from 20 Hz at the bottom to half
//! the sample rate at the top, each row the loudest bin in its band, in dB relative to a
//! full-scale sine, from -90 dB (black) through purple and orange to 0 dB (pale yellow).
//! Drawn into pixels directly; the labels on top through resvg.

use realfft::RealFftPlanner;
use resvg::tiny_skia::{Color, Paint, Pixmap, Rect, Transform};
use std::fmt::Write;

pub const WIDTH: u32 = 1200;
pub const LEFT: u32 = 70;
pub const RIGHT: u32 = 20;
pub const TOP: u32 = 30;
/// Each panel: its title, its waveform, its spectrogram, and a gap.
pub const TITLE: u32 = 20;
pub const WAVE: u32 = 80;
pub const SPECTRUM: u32 = 160;
pub const GAP: u32 = 24;
pub const FFT: usize = 2048;
/// The lowest frequency drawn, Hz.
pub const LOW: f64 = 20.0;
const FLOOR_DB: f64 = -90.0;

/// The frequency at row `r` (0 at the top) of a spectrogram `rows` high.
pub fn frequency_of_row(r: u32, rows: u32, sample_rate: u32) -> f64 {
    let high = sample_rate as f64 / 2.0;
    let up = (rows - 1 - r) as f64 / (rows - 1) as f64;
    LOW * (high / LOW).powf(up)
}

/// Black, purple, red, orange, pale yellow: level 0..1.
fn colour(level: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [
        [0.0, 0.0, 4.0],
        [87.0, 16.0, 110.0],
        [188.0, 55.0, 84.0],
        [249.0, 142.0, 9.0],
        [252.0, 255.0, 164.0],
    ];
    let x = level.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let t = x - i as f64;
    let mut out = [0u8; 3];
    for (c, o) in out.iter_mut().enumerate() {
        *o = (STOPS[i][c] + (STOPS[i + 1][c] - STOPS[i][c]) * t).round() as u8;
    }
    out
}

fn fill(pixmap: &mut Pixmap, x: f32, y: f32, w: f32, h: f32, rgb: [u8; 3]) {
    if let Some(rect) = Rect::from_xywh(x, y, w.max(1.0), h.max(1.0)) {
        let mut paint = Paint::default();
        paint.set_color(Color::from_rgba8(rgb[0], rgb[1], rgb[2], 255));
        pixmap.fill_rect(rect, &paint, Transform::identity(), None);
    }
}

/// The picture of `panels` (a name and the mean of its channels each) at `sample_rate`.
pub fn png(
    title: &str,
    panels: &[(String, Vec<f32>)],
    sample_rate: u32,
) -> Result<Vec<u8>, String> {
    let panel_h = TITLE + WAVE + SPECTRUM + GAP;
    let height = TOP + panel_h * panels.len() as u32 + 10;
    let mut pixmap = Pixmap::new(WIDTH, height).ok_or("the picture has no size")?;
    pixmap.fill(Color::from_rgba8(0x16, 0x18, 0x1d, 255));
    let plot_w = WIDTH - LEFT - RIGHT;
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(FFT);
    let window: Vec<f32> = (0..FFT)
        .map(|i| (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / FFT as f64).cos()) as f32)
        .collect();
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let bin_hz = sample_rate as f64 / FFT as f64;
    // A full-scale sine's peak through the Hann window: N/4.
    let full = FFT as f64 / 4.0;
    let mut labels = String::new();
    for (k, (_, samples)) in panels.iter().enumerate() {
        let top = TOP + k as u32 * panel_h + TITLE;
        let n = samples.len().max(1);
        // The waveform on its own ground, a centre line, the min..max of each column.
        fill(
            &mut pixmap,
            LEFT as f32,
            top as f32,
            plot_w as f32,
            WAVE as f32,
            [0x1f, 0x22, 0x29],
        );
        let mid = top as f32 + WAVE as f32 / 2.0;
        fill(
            &mut pixmap,
            LEFT as f32,
            mid,
            plot_w as f32,
            1.0,
            [0x34, 0x3a, 0x40],
        );
        for x in 0..plot_w {
            let a = x as usize * n / plot_w as usize;
            let b = ((x as usize + 1) * n / plot_w as usize).clamp(a + 1, n);
            let part = &samples[a.min(samples.len())..b.min(samples.len())];
            let (lo, hi) = part
                .iter()
                .fold((0.0f32, 0.0f32), |(lo, hi), &s| (lo.min(s), hi.max(s)));
            let half = WAVE as f32 / 2.0;
            let y0 = mid - hi.clamp(-1.0, 1.0) * half;
            let y1 = mid - lo.clamp(-1.0, 1.0) * half;
            fill(
                &mut pixmap,
                (LEFT + x) as f32,
                y0,
                1.0,
                y1 - y0,
                [0x4d, 0xab, 0xf7],
            );
        }
        // The spectrogram.
        let spec_top = top + WAVE + 4;
        for x in 0..plot_w {
            let centre = (x as usize * n / plot_w as usize) as isize;
            for (i, v) in input.iter_mut().enumerate() {
                let at = centre - FFT as isize / 2 + i as isize;
                let s = if at >= 0 && (at as usize) < samples.len() {
                    samples[at as usize]
                } else {
                    0.0
                };
                *v = s * window[i];
            }
            if fft.process(&mut input, &mut spectrum).is_err() {
                continue;
            }
            for r in 0..SPECTRUM {
                // The band of this row: from its frequency to the next row's up.
                let f0 = frequency_of_row(r.min(SPECTRUM - 1), SPECTRUM, sample_rate);
                let f1 = if r == 0 {
                    f0
                } else {
                    frequency_of_row(r - 1, SPECTRUM, sample_rate)
                };
                let (b0, b1) = (
                    (f0 / bin_hz).round() as usize,
                    (f1 / bin_hz).round() as usize,
                );
                let top_bin = spectrum.len() - 1;
                let peak = (b0.min(top_bin)..=b1.clamp(b0, top_bin).min(top_bin))
                    .map(|b| spectrum[b].norm() as f64)
                    .fold(0.0, f64::max);
                let db = 20.0 * (peak / full).max(1e-12).log10();
                let level = (db - FLOOR_DB) / -FLOOR_DB;
                fill(
                    &mut pixmap,
                    (LEFT + x) as f32,
                    (spec_top + r) as f32,
                    1.0,
                    1.0,
                    colour(level),
                );
            }
        }
        // Labels: the name, ±1, frequencies, seconds.
        let name = &panels[k].0;
        let _ = writeln!(
            labels,
            r##"<text x="{LEFT}" y="{}" fill="#e9ecef" font-size="13" font-weight="bold">{}</text>"##,
            top - 5,
            escape(name)
        );
        for (v, y) in [("+1", top + 9), ("-1", top + WAVE - 2)] {
            let _ = writeln!(
                labels,
                r##"<text x="{}" y="{y}" fill="#adb5bd" font-size="10" text-anchor="end">{v}</text>"##,
                LEFT - 6
            );
        }
        for (hz, label) in [(100.0, "100 Hz"), (1000.0, "1 kHz"), (10_000.0, "10 kHz")] {
            if hz >= sample_rate as f64 / 2.0 {
                continue;
            }
            let high = sample_rate as f64 / 2.0;
            let up = (hz / LOW).ln() / (high / LOW).ln();
            let y = spec_top as f64 + (1.0 - up) * (SPECTRUM - 1) as f64;
            let _ = writeln!(
                labels,
                r##"<text x="{}" y="{:.1}" fill="#adb5bd" font-size="10" text-anchor="end">{label}</text>"##,
                LEFT - 6,
                y + 3.0
            );
        }
        let seconds = samples.len() as f64 / sample_rate as f64;
        let step = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0]
            .into_iter()
            .find(|s| seconds / s <= 12.0)
            .unwrap_or(120.0);
        let mut t = 0.0;
        while t <= seconds + 1e-9 {
            let x = LEFT as f64 + t / seconds.max(1e-9) * plot_w as f64;
            let _ = writeln!(
                labels,
                r##"<text x="{x:.1}" y="{}" fill="#adb5bd" font-size="10">{t} s</text>"##,
                spec_top + SPECTRUM + 12
            );
            t += step;
        }
    }
    let _ = writeln!(
        labels,
        r##"<text x="{LEFT}" y="20" fill="#e9ecef" font-size="14">{}</text>"##,
        escape(title)
    );
    let overlay = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">{labels}</svg>"##
    );
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(&overlay, &options).map_err(|e| e.to_string())?;
    resvg::render(&tree, Transform::identity(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| e.to_string())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
