//! The built-in sample kit: sixteen drum and instrument sounds, four variants each, made by
//! Phonon's own synthesis. Every variant is one output of a Phonon program (below); the kit is
//! that program compiled and rendered once per sample rate a process asks for, so
//! `s "bd sn hh cp"` plays with no files on disk. What is rendered is kept in the user's
//! cache folder ([`disk`]), so later processes load it instead. `phonon kit --export DIR`
//! writes it out in the Dirt-Samples layout.

mod disk;

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};
use phonon_runtime::engine::Engine;
use phonon_runtime::render::render;
use phonon_runtime::samples::Sample;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Variants per sound (`bd:0` .. `bd:3`).
pub const VARIANTS: usize = 4;

/// One sound of the kit: its name, what it is, and its variants as (expression, seconds).
pub struct KitSound {
    pub name: &'static str,
    pub description: &'static str,
    variant: fn(usize) -> (String, f64),
}

impl KitSound {
    /// The Phonon expression of variant `v` and its length in seconds.
    pub fn variant(&self, v: usize) -> (String, f64) {
        (self.variant)(v % VARIANTS)
    }
}

/// Exponential decay to -60 dB over `secs`, then cut.
fn decay(secs: f64) -> String {
    format!("(xline 1 0.001 {secs} # ad 0 {secs})")
}

fn pick<T: Copy>(v: usize, options: [T; VARIANTS]) -> T {
    options[v]
}

pub const SOUNDS: &[KitSound] = &[
    KitSound {
        name: "bd",
        description: "kick drum: a sine swept down, with a click",
        variant: |v| {
            let (f0, f1, sweep, len) = pick(
                v,
                [
                    (150.0, 50.0, 0.05, 0.5),
                    (185.0, 56.0, 0.03, 0.32),
                    (110.0, 42.0, 0.09, 0.8),
                    (210.0, 60.0, 0.02, 0.25),
                ],
            );
            (
                format!(
                    "sine (xline {f0} {f1} {sweep}) * {} + (noise # hpf 3000 # ad 0.0002 0.006) * 0.25",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "sn",
        description: "snare: a tuned body and band-passed noise",
        variant: |v| {
            let (f, len) = pick(
                v,
                [(190.0, 0.3), (215.0, 0.22), (175.0, 0.4), (240.0, 0.28)],
            );
            (
                format!(
                    "tri {f} * {} * 0.6 + (noise # bpf 3500 0.6) * {}",
                    decay(0.12),
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "hh",
        description: "closed hi-hat: short high noise",
        variant: |v| {
            let (hp, len) = pick(
                v,
                [
                    (7000.0, 0.07),
                    (8000.0, 0.05),
                    (6000.0, 0.09),
                    (9000.0, 0.12),
                ],
            );
            (format!("(noise # hpf {hp} 0.9) * {}", decay(len)), len)
        },
    },
    KitSound {
        name: "oh",
        description: "open hi-hat: long high noise with metallic partials",
        variant: |v| {
            let (hp, len) = pick(
                v,
                [(6500.0, 0.5), (7500.0, 0.38), (5500.0, 0.6), (8500.0, 0.45)],
            );
            (
                format!(
                    "((noise + square 3120 * square 4470 * 0.3) # hpf {hp} 0.9) * {}",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "cp",
        description: "hand clap: bursts of band-passed noise and a tail",
        variant: |v| {
            let (f, len) = pick(
                v,
                [(1100.0, 0.3), (1300.0, 0.25), (950.0, 0.38), (1500.0, 0.3)],
            );
            (
                format!(
                    "(noise # bpf {f} 1.4) * 2 * (((0.5 - saw 95 * 0.5) # ad 0 0.035) + {} * 0.5)",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "lt",
        description: "low tom",
        variant: |v| {
            tom(
                pick(v, [95.0, 85.0, 105.0, 78.0]),
                pick(v, [0.55, 0.6, 0.45, 0.7]),
            )
        },
    },
    KitSound {
        name: "mt",
        description: "mid tom",
        variant: |v| {
            tom(
                pick(v, [135.0, 125.0, 150.0, 118.0]),
                pick(v, [0.45, 0.5, 0.4, 0.55]),
            )
        },
    },
    KitSound {
        name: "ht",
        description: "high tom",
        variant: |v| {
            tom(
                pick(v, [185.0, 170.0, 205.0, 160.0]),
                pick(v, [0.4, 0.45, 0.35, 0.5]),
            )
        },
    },
    KitSound {
        name: "rim",
        description: "rim shot: a hard click with a short ring",
        variant: |v| {
            let (f, len) = pick(
                v,
                [
                    (1700.0, 0.07),
                    (1900.0, 0.06),
                    (1500.0, 0.09),
                    (2200.0, 0.08),
                ],
            );
            (
                format!(
                    "(tri {f} * 0.7 + (noise # bpf 2500 2) * 1.5) * {}",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "cb",
        description: "cowbell: two detuned squares through a band-pass",
        variant: |v| {
            let (f, len) = pick(
                v,
                [(540.0, 0.35), (590.0, 0.3), (500.0, 0.45), (640.0, 0.3)],
            );
            (
                format!(
                    "((square {f} + square ({f} * 1.48)) # bpf ({f} * 1.6) 1.2) * {} * 0.6",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "cr",
        description: "crash cymbal: a long wash of bright noise",
        variant: |v| {
            let (hp, len) = pick(
                v,
                [(4000.0, 1.0), (5000.0, 0.85), (3500.0, 1.0), (4500.0, 0.9)],
            );
            (
                format!(
                    "((noise + square 2350 * square 3810 * 0.4) # hpf {hp} 0.7) * {}",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "ride",
        description: "ride cymbal: a bell ping over shimmering noise",
        variant: |v| {
            let (f, len) = pick(v, [(370.0, 0.9), (410.0, 0.8), (340.0, 1.0), (450.0, 0.75)]);
            (
                format!(
                    "(((square {f} * square ({f} * 1.45) * 0.6 + noise * 0.4) # hpf 5000 0.8) + sine ({f} * 8.1) * 0.1) * {}",
                    decay(len)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "arpy",
        description: "plucked synth notes (c e g c'), like Dirt's arpy",
        variant: |v| {
            let f = pick(v, [261.63, 329.63, 392.0, 523.25]);
            (
                format!("(saw {f} # lpf (xline 5000 500 0.25) 1.2) * {}", decay(0.5)),
                0.5,
            )
        },
    },
    KitSound {
        name: "casio",
        description: "a cheap keyboard's square-ish tone (a c e g)",
        variant: |v| {
            let f = pick(v, [220.0, 261.63, 329.63, 392.0]);
            (
                format!("(pulse {f} 0.3 # lpf 3500) * {} * 0.7", decay(0.35)),
                0.35,
            )
        },
    },
    KitSound {
        name: "perc",
        description: "woodblock-like percussion",
        variant: |v| {
            let (f, len) = pick(
                v,
                [(800.0, 0.2), (950.0, 0.16), (650.0, 0.25), (1200.0, 0.15)],
            );
            (
                format!(
                    "sine (xline ({f} * 1.5) {f} 0.01) * {} + (noise # bpf {f} 4) * {}",
                    decay(len),
                    decay(0.02)
                ),
                len,
            )
        },
    },
    KitSound {
        name: "tabla",
        description: "tabla-like strokes: a resonant, bending membrane",
        variant: |v| {
            let (f, len) = pick(
                v,
                [(300.0, 0.45), (360.0, 0.35), (250.0, 0.55), (420.0, 0.3)],
            );
            (
                format!(
                    "sine (xline ({f} * 0.8) {f} 0.06) * {} + sine ({f} * 2.7) * {} * 0.3",
                    decay(len),
                    decay(len * 0.3)
                ),
                len,
            )
        },
    },
];

fn tom(f: f64, len: f64) -> (String, f64) {
    (
        format!(
            "sine (xline ({f} * 1.6) {f} 0.08) * {} + (noise # lpf 3000) * {} * 0.2",
            decay(len),
            decay(0.04)
        ),
        len,
    )
}

pub fn names() -> impl Iterator<Item = &'static str> {
    SOUNDS.iter().map(|s| s.name)
}

pub fn lookup(name: &str) -> Option<&'static KitSound> {
    SOUNDS.iter().find(|s| s.name == name)
}

type Cache = Mutex<HashMap<(&'static str, u32), Vec<Arc<Sample>>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The variants of each named kit sound at `sample_rate`: those this process already has,
/// else those kept in the cache folder, else rendered now (all the missing ones in one
/// program) and kept there. Names that are not kit sounds are left out.
pub fn sounds(
    names: &[&str],
    sample_rate: u32,
) -> Result<HashMap<String, Vec<Arc<Sample>>>, String> {
    let wanted: Vec<&'static KitSound> = names.iter().filter_map(|n| lookup(n)).collect();
    let absent: Vec<&'static KitSound> = {
        let c = cache().lock().expect("kit cache");
        wanted
            .iter()
            .copied()
            .filter(|s| !c.contains_key(&(s.name, sample_rate)))
            .collect()
    };
    let folder = disk::folder();
    // Read in parallel: a dozen files of a few hundred KB each.
    let kept: Vec<Option<Vec<Arc<Sample>>>> = absent
        .par_iter()
        .map(|s| {
            folder
                .as_deref()
                .and_then(|f| disk::load(f, s.name, sample_rate))
        })
        .collect();
    let mut missing = Vec::new();
    for (s, kept) in absent.into_iter().zip(kept) {
        match kept {
            Some(variants) => {
                cache()
                    .lock()
                    .expect("kit cache")
                    .insert((s.name, sample_rate), variants);
            }
            None => missing.push(s),
        }
    }
    if !missing.is_empty() {
        let rendered = render_sounds(&missing, sample_rate)?;
        if let Some(f) = &folder {
            for ((name, rate), variants) in &rendered {
                disk::store(f, name, *rate, variants);
            }
        }
        cache().lock().expect("kit cache").extend(rendered);
    }
    let c = cache().lock().expect("kit cache");
    Ok(wanted
        .iter()
        .map(|s| (s.name.to_string(), c[&(s.name, sample_rate)].clone()))
        .collect())
}

/// Renders the variants of `names` at `sample_rate` now, without the caches (for tests of
/// the synthesis itself).
pub fn render_fresh(
    names: &[&str],
    sample_rate: u32,
) -> Result<HashMap<String, Vec<Arc<Sample>>>, String> {
    let wanted: Vec<&'static KitSound> = names.iter().filter_map(|n| lookup(n)).collect();
    Ok(render_sounds(&wanted, sample_rate)?
        .into_iter()
        .map(|((name, _), v)| (name.to_string(), v))
        .collect())
}

/// The Phonon program that makes these sounds: output `o{k}` is variant `k % 4` of sound
/// `k / 4`.
pub fn program(sounds: &[&KitSound]) -> String {
    let mut src = String::from("-- The built-in kit: one output per sound variant.\n");
    for (i, s) in sounds.iter().enumerate() {
        for v in 0..VARIANTS {
            let (expr, _) = s.variant(v);
            src.push_str(&format!("o{}: {expr}\n", i * VARIANTS + v + 1));
        }
    }
    src
}

type Rendered = Vec<((&'static str, u32), Vec<Arc<Sample>>)>;

fn render_sounds(sounds: &[&'static KitSound], sample_rate: u32) -> Result<Rendered, String> {
    let src = program(sounds);
    let compiled = compile(
        &src,
        &Catalogue::default(),
        &Options {
            sample_rate,
            ..Options::default()
        },
    )
    .map_err(|d| format!("the built-in kit does not compile: {}", d[0].message))?;
    let longest = sounds
        .iter()
        .flat_map(|s| (0..VARIANTS).map(|v| s.variant(v).1))
        .fold(0.0f64, f64::max);
    let frames = (longest * sample_rate as f64).ceil() as usize;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut engine =
        Engine::new(compiled.spec, 512, threads).map_err(|e| format!("the built-in kit: {e}"))?;
    let audio = engine.run(|e| render(e, frames, 512, true, false, &mut |_| {}));
    let fade = (0.002 * sample_rate as f64) as usize;
    Ok(sounds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let variants = (0..VARIANTS)
                .map(|v| {
                    let output = i * VARIANTS + v;
                    let len = (s.variant(v).1 * sample_rate as f64).round() as usize;
                    // Outputs are mono sounds on both sides: keep the left channel.
                    let mut x: Vec<f32> = (0..len)
                        .map(|f| audio.samples[f * audio.channels + 2 * output])
                        .collect();
                    let peak = x.iter().fold(0.0f32, |m, &y| m.max(y.abs()));
                    let scale = if peak > 0.0 { 0.9 / peak } else { 0.0 };
                    for (f, y) in x.iter_mut().enumerate() {
                        let tail = (len - f).min(fade) as f32 / fade.max(1) as f32;
                        *y *= scale * tail.min(1.0);
                    }
                    Arc::new(Sample::new(vec![x], format!("kit:{}:{v}", s.name)))
                })
                .collect();
            ((s.name, sample_rate), variants)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kit_is_a_real_drum_set() {
        let names: Vec<&str> = names().collect();
        assert!(names.len() >= 16);
        let kit = render_fresh(&names, 44_100).unwrap();
        let mut total = 0.0;
        let mut count = 0;
        for s in SOUNDS {
            let variants = &kit[s.name];
            assert_eq!(variants.len(), VARIANTS);
            for (v, x) in variants.iter().enumerate() {
                let secs = x.len() as f64 / 44_100.0;
                assert!(
                    (0.05..=1.0).contains(&secs),
                    "{}:{v} lasts {secs} s",
                    s.name
                );
                total += secs;
                count += 1;
                let frames = x.frames(0);
                let peak = frames.iter().fold(0.0f32, |m, &y| m.max(y.abs()));
                assert!((peak - 0.9).abs() < 1e-4, "{}:{v} peaks at {peak}", s.name);
                // It has decayed by its end: the last 5 ms are quiet.
                let tail = &frames[frames.len() - 220..];
                let tail_peak = tail.iter().fold(0.0f32, |m, &y| m.max(y.abs()));
                assert!(tail_peak < 0.05, "{}:{v} ends at {tail_peak}", s.name);
            }
            // Variants differ.
            assert_ne!(variants[0].frames(0), variants[1].frames(0), "{}", s.name);
        }
        assert!(
            total / count as f64 >= 0.3,
            "mean length {}",
            total / count as f64
        );
        // A kick rings longer than a closed hat.
        assert!(kit["bd"][0].len() > 4 * kit["hh"][0].len());
    }

    #[test]
    fn the_cached_kit_is_the_rendered_kit() {
        // From this process, the cache folder or a render: the same samples either way.
        let cached = sounds(&["cp", "arpy"], 22_050).unwrap();
        let fresh = render_fresh(&["cp", "arpy"], 22_050).unwrap();
        for name in ["cp", "arpy"] {
            for (a, b) in cached[name].iter().zip(&fresh[name]) {
                assert_eq!(a.frames(0), b.frames(0), "{name}");
            }
        }
    }

    #[test]
    fn a_kick_sweeps_down_and_a_hat_is_bright() {
        let kit = render_fresh(&["bd", "hh"], 44_100).unwrap();
        // Zero crossings per second: the kick's fall as it sweeps down; the hat's are many.
        let crossings = |x: &[f32]| {
            x.windows(2)
                .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
                .count()
        };
        let bd = kit["bd"][0].frames(0);
        let early = crossings(&bd[0..2205]) as f64 * 20.0;
        let late = crossings(&bd[8820..13230]) as f64 * 10.0;
        assert!(early > late * 1.3, "kick: {early} then {late} crossings/s");
        assert!((40.0..200.0).contains(&late), "{late}");
        let hh = kit["hh"][0].frames(0);
        let rate = crossings(hh) as f64 / (hh.len() as f64 / 44_100.0);
        assert!(rate > 8000.0, "hat: {rate} crossings/s");
    }
}
