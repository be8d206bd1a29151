//! `phonon plot`: the events of a few cycles as a picture. One band per output (its colour,
//! its name); in a band, samples on rows by sound name and notes on a pitch axis (higher
//! notes higher, each row labelled with its note; a chord on each of its notes), other
//! values on rows by value (a punchcard). Each event is a rectangle from its start to its end, its opacity its `gain`
//! or `velocity`; cycle lines run down the whole picture, lighter lines at quarters.
//!
//! Written as SVG by hand (rectangles, lines and text); PNG through resvg. Each event's
//! rectangle carries its output, row and exact span as `data-` attributes, so the picture can
//! be checked against the events.

pub mod sound;

use phonon_runtime::Rational;
use phonon_runtime::pattern::{Hap, Pattern, Value};
use std::fmt::Write;

/// The events of one output (from all the patterns it plays).
pub struct Lane {
    pub name: String,
    pub events: Vec<Hap>,
}

/// What an event is drawn as: a note (Phonon's numbers, c5 = 0), a sample, or a value.
#[derive(Clone, Debug, PartialEq)]
enum Row {
    Note(f64),
    Sound(String),
    Other(String),
}

/// The rows an event is drawn on: one, or each note of a chord.
fn rows_of(v: &Value) -> Vec<Row> {
    // A number or a note name is a note; a chord name (`c'maj7`) its notes.
    let notes = |v: &Value| -> Option<Vec<f64>> {
        match v {
            Value::Num(x) => Some(vec![*x]),
            Value::Str(s) => match phonon_runtime::pattern::ops::note_to_midi(s) {
                Some(m) => Some(vec![m - 60.0]),
                None => {
                    let chord = phonon_runtime::pattern::chords::parse(s).ok()?;
                    Some(chord.notes().iter().map(|m| m - 60.0).collect())
                }
            },
            _ => None,
        }
    };
    let as_notes = |n: Vec<f64>| n.into_iter().map(Row::Note).collect();
    match v {
        Value::Map(m) => {
            let sound = match m.get("s") {
                Some(Value::Str(s)) => Some(s.to_string()),
                Some(Value::List(l)) => match l.first() {
                    Some(Value::Str(s)) => Some(s.to_string()),
                    _ => None,
                },
                _ => None,
            };
            // A synth by name plays notes; any other sound is a row of its own.
            if let Some(s) = &sound
                && phonon_runtime::engine::synths::SynthKind::from_name(s).is_none()
            {
                return vec![Row::Sound(s.clone())];
            }
            match m.get("note").or(m.get("n")).and_then(notes) {
                Some(n) => as_notes(n),
                None => vec![Row::Other(v.to_json())],
            }
        }
        v => match notes(v) {
            Some(n) => as_notes(n),
            None => vec![Row::Other(v.to_json())],
        },
    }
}

/// An event's opacity: its `gain` or `velocity` (1 when it has neither), at least 0.2 so a
/// quiet event stays visible.
fn opacity(v: &Value) -> f64 {
    let Value::Map(m) = v else { return 1.0 };
    let get = |k| m.get(k).and_then(Value::as_f64);
    let level = get("gain").unwrap_or(1.0).min(1.0) * get("velocity").unwrap_or(1.0);
    level.clamp(0.2, 1.0)
}

const NOTE_NAMES: [&str; 12] = [
    "c", "c#", "d", "d#", "e", "f", "f#", "g", "g#", "a", "a#", "b",
];

/// A note's name in Phonon's (Tidal's) octaves: 0 is c5.
fn note_name(n: f64) -> String {
    let midi = n.round() as i64 + 60;
    format!(
        "{}{}",
        NOTE_NAMES[midi.rem_euclid(12) as usize],
        midi.div_euclid(12)
    )
}

/// Sixteen colours far apart in hue, light enough on the dark ground.
const COLOURS: [&str; 16] = [
    "#ff6b6b", "#4dabf7", "#ffd43b", "#69db7c", "#da77f2", "#ffa94d", "#3bc9db", "#f783ac",
    "#a9e34b", "#9775fa", "#ff8787", "#74c0fc", "#ffe066", "#8ce99a", "#e599f7", "#ffc078",
];

const WIDTH: f64 = 1200.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 36.0;
const GAP: f64 = 10.0;

/// The events of each lane from `from`, `cycles` long, with onsets (continuous values have no
/// place on a time axis).
pub fn events(pattern: &Pattern, from: Rational, cycles: Rational) -> Vec<Hap> {
    let mut haps: Vec<Hap> = pattern
        .query_span(from, from + cycles)
        .into_iter()
        .filter(|h| h.whole.is_some() && h.has_onset())
        .collect();
    haps.sort_by_key(|h| h.whole.map(|w| w.begin));
    haps
}

/// The picture as SVG.
pub fn svg(title: &str, lanes: &[Lane], from: Rational, cycles: Rational) -> String {
    let span = cycles.to_f64();
    let plot_w = WIDTH - LEFT - RIGHT;
    let x_of = |t: Rational| LEFT + (t - from).to_f64() / span * plot_w;
    // Each lane's rows, top to bottom.
    let rows: Vec<Vec<Row>> = lanes
        .iter()
        .map(|lane| {
            let mut rows: Vec<Row> = Vec::new();
            for h in &lane.events {
                for r in rows_of(&h.value) {
                    if !rows.contains(&r) {
                        rows.push(r);
                    }
                }
            }
            // Notes: every semitone between the lowest and the highest, highest on top;
            // then the sounds and other values in the order they first play.
            let notes: Vec<f64> = rows
                .iter()
                .filter_map(|r| match r {
                    Row::Note(n) => Some(*n),
                    _ => None,
                })
                .collect();
            let mut ordered: Vec<Row> = Vec::new();
            if let (Some(lo), Some(hi)) = (
                notes.iter().copied().reduce(f64::min),
                notes.iter().copied().reduce(f64::max),
            ) {
                let (lo, hi) = (lo.floor() as i64, hi.ceil() as i64);
                if hi - lo <= 72 {
                    ordered.extend((lo..=hi).rev().map(|n| Row::Note(n as f64)));
                } else {
                    let mut sorted = notes.clone();
                    sorted.sort_by(|a, b| b.total_cmp(a));
                    ordered.extend(sorted.into_iter().map(Row::Note));
                }
            }
            ordered.extend(rows.into_iter().filter(|r| !matches!(r, Row::Note(_))));
            ordered
        })
        .collect();
    let total_rows: usize = rows.iter().map(|r| r.len().max(1)).sum();
    // Rows from 16 px down to 6 px as there are more of them, so a 16-output set fits.
    let row_h = (700.0 / total_rows as f64).clamp(6.0, 16.0);
    let height: f64 = TOP
        + rows
            .iter()
            .map(|r| r.len().max(1) as f64 * row_h + GAP)
            .sum::<f64>()
        + 24.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"##
    );
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="#16181d"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="22" fill="#e9ecef" font-size="14">{}</text>"##,
        escape(title)
    );
    let mut y = TOP;
    for (k, (lane, rows)) in lanes.iter().zip(&rows).enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let band_h = rows.len().max(1) as f64 * row_h;
        // The band, its name, its rows' labels.
        let _ = writeln!(
            s,
            r##"<rect x="{LEFT}" y="{y:.1}" width="{plot_w}" height="{band_h:.1}" fill="#1f2229"/>"##
        );
        let _ = writeln!(
            s,
            r##"<rect x="8" y="{y:.1}" width="5" height="{band_h:.1}" fill="{colour}"/>"##
        );
        let _ = writeln!(
            s,
            r##"<text x="18" y="{:.1}" fill="{colour}" font-size="13" font-weight="bold">{}</text>"##,
            y + 12.0_f64.min(band_h),
            escape(&lane.name)
        );
        if row_h >= 9.0 {
            for (i, r) in rows.iter().enumerate() {
                let label = match r {
                    Row::Note(n) => note_name(*n),
                    Row::Sound(name) => name.clone(),
                    Row::Other(v) => v.chars().take(14).collect(),
                };
                let _ = writeln!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" fill="#adb5bd" font-size="{:.0}" text-anchor="end">{}</text>"##,
                    LEFT - 6.0,
                    y + (i as f64 + 0.8) * row_h,
                    (row_h * 0.75).min(11.0),
                    escape(&label)
                );
            }
        }
        for h in &lane.events {
            let w = h.whole.expect("events have wholes");
            let x0 = x_of(w.begin.max(from));
            let x1 = x_of(w.end.min(from + cycles));
            for r in rows_of(&h.value) {
                let Some(i) = rows.iter().position(|x| {
                    *x == r || matches!((x, &r), (Row::Note(a), Row::Note(b)) if *a == b.round())
                }) else {
                    continue;
                };
                let _ = writeln!(
                    s,
                    r##"<rect class="event" data-output="{}" data-row="{i}" data-begin="{}" data-end="{}" x="{x0:.2}" y="{:.2}" width="{:.2}" height="{:.2}" rx="2" fill="{colour}" fill-opacity="{:.2}"/>"##,
                    escape(&lane.name),
                    w.begin,
                    w.end,
                    y + i as f64 * row_h + 1.0,
                    (x1 - x0 - 1.0).max(1.0),
                    (row_h - 2.0).max(1.0),
                    opacity(&h.value)
                );
            }
        }
        y += band_h + GAP;
    }
    // Cycle lines over everything, quarters lighter, and the cycle numbers.
    let first = from.floor().num();
    let last = (from + cycles).ceil().num();
    for c in first..=last {
        for q in 0..4 {
            let t = Rational::int(c) + Rational::new(q, 4);
            if t < from || t > from + cycles {
                continue;
            }
            let x = x_of(t);
            let (stroke, opacity) = if q == 0 {
                ("#dee2e6", 0.55)
            } else {
                ("#dee2e6", 0.15)
            };
            let _ = writeln!(
                s,
                r##"<line x1="{x:.2}" y1="{TOP}" x2="{x:.2}" y2="{:.1}" stroke="{stroke}" stroke-opacity="{opacity}" stroke-width="1"/>"##,
                y - GAP
            );
            if q == 0 {
                let _ = writeln!(
                    s,
                    r##"<text x="{:.2}" y="{:.1}" fill="#adb5bd" font-size="11">{c}</text>"##,
                    x + 3.0,
                    y + 6.0
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG drawn into a PNG (fonts from the system, as the SVG names them).
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or("the picture has no size")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}
