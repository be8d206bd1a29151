//! Per-event effects of a sample voice, as SuperDirt applies them to each event (its core
//! modules, `synths/core-modules.scd`, and their synths in `core-synths.scd`), in SuperDirt's
//! order: `vowel` (formants), `shape`, `hcutoff` (high-pass), `bandf` (band-pass), `crush`,
//! `coarse`, `cutoff` (low-pass). Each voice has its own parameters and filter state; they act on the sample
//! before its gain, pan and envelope, which are linear and come after, as in SuperDirt's
//! `dirt_gate`.
//!
//! The filters are SuperCollider's `RHPF`, `BPF` and `RLPF` (the coefficient formulas of
//! its `FilterUGens.cpp`, in double precision as there), with SuperDirt's parameter maps:
//! the cutoff clipped to 20 Hz .. Nyquist, `resonance` 0..1 mapped exponentially to the
//! reciprocal Q 1..0.001, `bandq` at least 1 with the band-pass output scaled by it.

use super::dirt_extra::{Distort, FreqShift, Krush, LeakDc, Octer, Phaser, Squiz, WaveLoss};
use super::spectral::{Comb, Spectral};
use super::synths::SynthParams;

/// A two-pole filter in SuperCollider's form: `y0 = g·x + b1·y1 + b2·y2`, output
/// `h·(y0 + c1·y1 + c2·y2)`; state per channel.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TwoPole {
    pub(super) g: f64,
    pub(super) b1: f64,
    pub(super) b2: f64,
    pub(super) h: f64,
    pub(super) c1: f64,
    pub(super) c2: f64,
    /// Per channel, the last two `y0`.
    pub(super) y: [[f64; 2]; 2],
    /// A low-pass that single precision runs as well ([`TwoPole::fits_single`]).
    pub(super) single: bool,
}

impl TwoPole {
    /// SuperCollider's `RLPF`/`RHPF` with cutoff `freq` and reciprocal Q `rq`.
    pub(super) fn resonant(freq: f64, rq: f64, sample_rate: f64, high: bool) -> TwoPole {
        let rq = rq.max(0.001);
        let w = freq * std::f64::consts::TAU / sample_rate;
        let d = (w * rq * 0.5).tan();
        let c = (1.0 - d) / (1.0 + d);
        let b1 = (1.0 + c) * w.cos();
        let b2 = -c;
        let (g, c1) = if high {
            ((1.0 + c + b1) * 0.25, -2.0)
        } else {
            ((1.0 + c - b1) * 0.25, 2.0)
        };
        let mut p = TwoPole {
            g,
            b1,
            b2,
            h: 1.0,
            c1,
            c2: 1.0,
            y: [[0.0; 2]; 2],
            single: false,
        };
        p.single = !high && p.fits_single();
        p
    }

    /// SuperCollider's `BPF` with centre `freq` and bandwidth `rq` (reciprocal Q), its output
    /// scaled by `scale`.
    fn band(freq: f64, rq: f64, sample_rate: f64, scale: f64) -> TwoPole {
        let w = freq * std::f64::consts::TAU / sample_rate;
        let c = 1.0 / (rq * w * 0.5).tan();
        let d = 2.0 * w.cos();
        let a0 = 1.0 / (1.0 + c);
        TwoPole {
            g: 1.0,
            b1: c * d * a0,
            b2: (1.0 - c) * a0,
            h: a0 * scale,
            c1: 0.0,
            c2: -1.0,
            y: [[0.0; 2]; 2],
            single: false,
        }
    }

    /// Whether single precision keeps this low-pass's response (the lane mixer then runs it
    /// so): its poles' angle θ (the cutoff) must not be so small that rounding `b1` moves it
    /// far (θ ≥ 0.04 rad, 280 Hz at 44.1 kHz), and their distance from the unit circle (the bandwidth, about
    /// θ·rq/2) not so small that such a move matters (rq ≥ 0.03, resonance up to 0.5).
    /// Real poles (`b2 ≥ 0`, a heavily damped filter) always fit. The bounds are where the
    /// test measures the single-precision filter within -80 dB of the double one.
    pub(super) fn fits_single(&self) -> bool {
        if self.b2 >= 0.0 {
            return true;
        }
        let r = (-self.b2).sqrt();
        let theta = (self.b1 / (2.0 * r)).clamp(-1.0, 1.0).acos();
        theta >= 0.04 && 1.0 - r >= 0.015 * theta
    }

    #[inline]
    pub(super) fn run(&mut self, ch: usize, x: f32) -> f32 {
        let [y1, y2] = self.y[ch];
        let y0 = self.g * x as f64 + self.b1 * y1 + self.b2 * y2;
        let out = self.h * (y0 + self.c1 * y1 + self.c2 * y2);
        self.y[ch] = [y0, y1];
        out as f32
    }

    /// Denormals and blow-ups do not stay in the state: SuperCollider's `zapgremlins`, as
    /// there once per block.
    pub(super) fn settle(&mut self) {
        let zap = |v: f64| {
            if v.is_finite() && v.abs() > 1e-15 {
                v
            } else {
                0.0
            }
        };
        for y in &mut self.y {
            *y = [zap(y[0]), zap(y[1])];
        }
    }
}

/// The effects the lane mixer runs (all a voice it takes has): copied in and out of the
/// lanes each block, so kept apart from the rest of [`VoiceFx`], which is larger.
#[derive(Clone, Copy, Debug, Default)]
pub struct LaneFx {
    /// `k` of `dirt_shape`.
    pub(super) shape: Option<f32>,
    pub(super) hpf: Option<TwoPole>,
    pub(super) bpf: Option<TwoPole>,
    /// The rounding step of `dirt_crush`.
    pub(super) crush: Option<f32>,
    pub(super) lpf: Option<TwoPole>,
}

/// The effects of one voice. `active` is false when the event sets none of the controls:
/// the voice then takes the plain path of the voice kernels.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub struct VoiceFx {
    /// `dirt_shape`, the filters and `dirt_crush` (first, so that the lane mixer's reads
    /// and writes of a voice's effects touch only the start of this large struct).
    pub(super) lane: LaneFx,
    pub active: bool,
    vowel: Option<Vowel>,
    /// `dirt_coarse`: hold every `period`-th input frame.
    coarse: Option<Coarse>,
    /// SuperDirt's modules after the low-pass, in their order (`dirt_tremolo`, then the
    /// extra effects `dirt_fshift`, `dirt_triode`, `dirt_krush`, `dirt_octer`, `dirt_ring`,
    /// `dirt_distort` and `dj-filter`).
    tremolo: Option<Tremolo>,
    /// `dirt_phaser`, `waveloss`, `squiz`; the phaser's and squiz's lines are in the bank's
    /// pool, slot `line`.
    phaser: Option<Phaser>,
    waveloss: Option<WaveLoss>,
    squiz: Option<Squiz>,
    pub line: u32,
    fshift: Option<FreqShift>,
    triode: Option<Triode>,
    krush: Option<Krush>,
    octer: Option<Octer>,
    ring: Option<Ring>,
    distort: Option<Distort>,
    /// `spectral-comb`: its frames in the bank's pool, its transforms the bank's.
    comb: Option<Comb>,
    /// `dj-filter`: a low-pass then a high-pass.
    djf: Option<[TwoPole; 2]>,
    /// Frames of the voice processed so far (the clock of `tremolo` and `ring`).
    frames: f64,
}

/// `dirt_tremolo`: `(1 - d) + d·cos(2π·rate·t)` with `d = tremolodepth.clip(0, 1)/2`.
#[derive(Clone, Copy, Debug)]
struct Tremolo {
    /// Radians per frame.
    w: f64,
    depth: f64,
}

/// `dirt_triode`: the positive half as it is, the negative half `tanh(x·sc)/sc` with
/// `sc = triode·10 + 0.001`, then `LeakDC` per channel.
#[derive(Clone, Copy, Debug)]
struct Triode {
    sc: f32,
    leak: [LeakDc; 2],
}

/// `dirt_ring`: `x·m + x` (`ring1`) with `m = ring·sin(2π·f·t)`, `f` gliding exponentially
/// from `ringf` to `ringf + ringdf` over a second (`XLine`), clipped to 20 Hz .. 20 kHz.
#[derive(Clone, Copy, Debug)]
struct Ring {
    amount: f64,
    from: f64,
    to: f64,
    /// The sine's phase (turns) at the start of the next block, per channel.
    phase: [f64; 2],
    sample_rate: f64,
}

impl Ring {
    /// The modulator's frequency `t` frames into the voice.
    fn freq(&self, t: f64) -> f64 {
        let x = (t / self.sample_rate).min(1.0);
        (self.from * (self.to / self.from).powf(x)).clamp(20.0, 20_000.0)
    }
}

#[derive(Clone, Copy, Debug)]
struct Coarse {
    period: f64,
    /// Frames processed since the voice started, and the frame of the next latch.
    frame: f64,
    next: f64,
    held: [f32; 2],
}

/// SuperDirt's `dirt_vowel`: five band-passes at the vowel's formants (the Vowel quark's
/// counter-tenor table, SuperDirt's register), summed and cross-faded with the dry sound.
#[derive(Clone, Copy, Debug)]
struct Vowel {
    formants: [TwoPole; 5],
    dry: f32,
    wet: f32,
}

/// A vowel: its name, and its formants' frequencies (Hz), levels (dB) and bandwidths (Hz).
type Formants = (&'static str, [f64; 5], [f64; 5], [f64; 5]);

/// The formants of a, e, i, o, u.
const VOWELS: [Formants; 5] = [
    (
        "a",
        [660.0, 1120.0, 2750.0, 3000.0, 3350.0],
        [0.0, -6.0, -23.0, -24.0, -38.0],
        [80.0, 90.0, 120.0, 130.0, 140.0],
    ),
    (
        "e",
        [440.0, 1800.0, 2700.0, 3000.0, 3300.0],
        [0.0, -14.0, -18.0, -20.0, -20.0],
        [70.0, 80.0, 100.0, 120.0, 120.0],
    ),
    (
        "i",
        [270.0, 1850.0, 2900.0, 3350.0, 3590.0],
        [0.0, -24.0, -24.0, -36.0, -36.0],
        [40.0, 90.0, 100.0, 120.0, 120.0],
    ),
    (
        "o",
        [430.0, 820.0, 2700.0, 3000.0, 3300.0],
        [0.0, -10.0, -26.0, -22.0, -34.0],
        [40.0, 80.0, 100.0, 120.0, 120.0],
    ),
    (
        "u",
        [370.0, 630.0, 2750.0, 3000.0, 3400.0],
        [0.0, -20.0, -23.0, -30.0, -34.0],
        [40.0, 60.0, 100.0, 120.0, 120.0],
    ),
];

/// The vowels `vowel` names.
pub const VOWEL_NAMES: [&str; 5] = ["a", "e", "i", "o", "u"];

/// SuperCollider's `linlin(0, 1, lo, hi)`, clipped.
fn linlin(x: f64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * x.clamp(0.0, 1.0)
}

impl Vowel {
    /// `dirt_vowel` with the event's `resonance` (0.5 when it has none, the synth's
    /// default): the formants' gains `dbamp · linlin(res, 50, 200)`, reciprocal Qs
    /// `(1 / bandwidth) / linlin(res, 1/10, 1/2)` (the quark's `rqs` are reciprocal
    /// bandwidths), then `XFade2(dry, formants, linlin(res, -0.5, 1), 0.25)`.
    fn new(name: &str, resonance: f64, sample_rate: f64) -> Option<Vowel> {
        let (_, freqs, dbs, widths) = VOWELS.iter().find(|(n, ..)| *n == name)?;
        let gain = linlin(resonance, 50.0, 200.0);
        let rq_div = linlin(resonance, 0.1, 0.5);
        let formants = std::array::from_fn(|i| {
            let amp = 10f64.powf(dbs[i] / 20.0) * gain;
            let rq = (1.0 / widths[i]) / rq_div;
            TwoPole::band(freqs[i].min(sample_rate / 2.0), rq, sample_rate, amp)
        });
        // XFade2: equal power, `pan` -1 all dry .. 1 all wet.
        let pan = linlin(resonance, -0.5, 1.0);
        let angle = std::f64::consts::FRAC_PI_4 * (pan + 1.0);
        Some(Vowel {
            formants,
            dry: (0.25 * angle.cos()) as f32,
            wet: (0.25 * angle.sin()) as f32,
        })
    }

    #[inline]
    fn run(&mut self, ch: usize, x: f32) -> f32 {
        let wet: f32 = self.formants.iter_mut().map(|f| f.run(ch, x)).sum();
        self.dry * x + self.wet * wet
    }
}

/// SuperCollider's `linexp(0, 1, 1, 0.001)` (clipped): `resonance` to reciprocal Q.
fn rq_of(resonance: f64) -> f64 {
    0.001f64.powf(resonance.clamp(0.0, 1.0))
}

/// Whether control `name` turns on an effect (the others only tune one): an event with none
/// of these skips reading the effects' controls, which most events, plain samples, have not.
pub fn turns_on_an_effect(name: &str) -> bool {
    matches!(
        name,
        "vowel"
            | "shape"
            | "hcutoff"
            | "bandf"
            | "crush"
            | "coarse"
            | "cutoff"
            | "tremolorate"
            | "phaserrate"
            | "waveloss"
            | "squiz"
            | "fshift"
            | "triode"
            | "krush"
            | "octer"
            | "octersub"
            | "octersubsub"
            | "ring"
            | "distort"
            | "comb"
            | "djf"
    )
}

impl VoiceFx {
    /// No effects.
    pub fn none() -> VoiceFx {
        VoiceFx {
            line: u32::MAX,
            ..VoiceFx::default()
        }
    }

    /// The effects an event's controls ask for (`get` reads a control as a number;
    /// `vowel` is the event's vowel, if it names one).
    /// `seed` seeds the event's random draws (`waveloss`).
    pub fn of_event(
        get: impl Fn(&str) -> Option<f64>,
        vowel: Option<&str>,
        sample_rate: f64,
        seed: u64,
    ) -> VoiceFx {
        let nyquist = sample_rate / 2.0;
        let cutoff = |f: f64| f.abs().clamp(20.0, nyquist);
        let mut fx = VoiceFx {
            vowel: vowel.and_then(|v| Vowel::new(v, get("resonance").unwrap_or(0.5), sample_rate)),
            lane: LaneFx {
                shape: get("shape").map(|s| {
                    let s = s.min(1.0 - 4e-10);
                    (2.0 * s / (1.0 - s)) as f32
                }),
                hpf: get("hcutoff").map(|f| {
                    let rq = rq_of(get("hresonance").unwrap_or(0.0));
                    TwoPole::resonant(cutoff(f), rq, sample_rate, true)
                }),
                bpf: get("bandf").map(|f| {
                    let q = get("bandq").unwrap_or(10.0).max(1.0);
                    TwoPole::band(cutoff(f), 1.0 / q, sample_rate, q)
                }),
                crush: get("crush").map(|c| 0.5f64.powf(c - 1.0) as f32),
                lpf: get("cutoff").map(|f| {
                    let rq = rq_of(get("resonance").unwrap_or(0.0));
                    TwoPole::resonant(cutoff(f), rq, sample_rate, false)
                }),
            },
            coarse: get("coarse").filter(|&c| c > 1.0).map(|c| Coarse {
                period: c,
                frame: 0.0,
                next: 0.0,
                held: [0.0; 2],
            }),
            active: false,
            line: u32::MAX,
            ..VoiceFx::default()
        };
        // As in SuperDirt, the module runs when `tremolorate` is given.
        fx.tremolo = get("tremolorate").map(|rate| Tremolo {
            w: std::f64::consts::TAU * rate / sample_rate,
            depth: get("tremolodepth").unwrap_or(0.5).clamp(0.0, 1.0) * 0.5,
        });
        // As in SuperDirt, the module runs when `phaserrate` is given.
        fx.phaser = get("phaserrate")
            .map(|rate| Phaser::new(rate, get("phaserdepth").unwrap_or(0.5), sample_rate));
        fx.waveloss = get("waveloss").map(|d| WaveLoss::new(d, seed));
        fx.squiz = get("squiz").map(Squiz::new);
        fx.fshift = get("fshift").map(|shift| {
            // SuperDirt adds `fshiftnote` times the event's frequency.
            let note = get("fshiftnote").unwrap_or(0.0) * SynthParams::pitch(&get, true);
            FreqShift::new(shift + note, get("fshiftphase").unwrap_or(0.0), sample_rate)
        });
        fx.krush = get("krush").map(|k| Krush::new(k, get("kcutoff"), sample_rate));
        let (octer, sub, subsub) = (get("octer"), get("octersub"), get("octersubsub"));
        if octer.is_some() || sub.is_some() || subsub.is_some() {
            let v = |x: Option<f64>| x.unwrap_or(0.0);
            fx.octer = Some(Octer::new(v(octer), v(sub), v(subsub), sample_rate));
        }
        fx.distort = get("distort").map(|d| Distort::new(d, sample_rate));
        fx.comb = get("comb").map(|c| Comb::new(c.clamp(0.0, 1.0)));
        fx.triode = get("triode").map(|t| Triode {
            sc: (t * 10.0 + 1e-3) as f32,
            leak: [LeakDc::default(); 2],
        });
        fx.ring = get("ring").map(|amount| {
            let from = get("ringf").unwrap_or(0.0);
            let to = from + get("ringdf").unwrap_or(0.0);
            // XLine cannot cross or touch zero: SuperCollider clips the frequency anyway.
            let (from, to) = (from.max(20.0), to.max(20.0));
            Ring {
                amount,
                from,
                to,
                phase: [0.0; 2],
                sample_rate,
            }
        });
        fx.djf = get("djf").map(|d| {
            // `linexp(0, 0.5, 20, 10000)` and `linexp(0.5, 1, 20, 10000)`, clipped; rq 1.
            let linexp = |x: f64, lo: f64, hi: f64| {
                20.0 * 500f64.powf(((x - lo) / (hi - lo)).clamp(0.0, 1.0))
            };
            [
                TwoPole::resonant(linexp(d, 0.0, 0.5).min(nyquist), 1.0, sample_rate, false),
                TwoPole::resonant(linexp(d, 0.5, 1.0).min(nyquist), 1.0, sample_rate, true),
            ]
        });
        // Active when it has an effect the lanes do not run, or one they do.
        let lane = fx.lane_part();
        fx.active = !fx.lane_ready()
            || lane.shape.is_some()
            || lane.hpf.is_some()
            || lane.bpf.is_some()
            || lane.crush.is_some()
            || lane.lpf.is_some();
        fx
    }

    /// Whether the voice's effects are all ones the lane mixer runs (`fx_lanes`: shape, the
    /// three filters, crush).
    pub fn lane_ready(&self) -> bool {
        self.vowel.is_none()
            && self.coarse.is_none()
            && self.tremolo.is_none()
            && self.phaser.is_none()
            && self.waveloss.is_none()
            && self.squiz.is_none()
            && self.fshift.is_none()
            && self.krush.is_none()
            && self.octer.is_none()
            && self.distort.is_none()
            && self.comb.is_none()
            && self.triode.is_none()
            && self.ring.is_none()
            && self.djf.is_none()
    }

    /// The part the lane mixer runs.
    pub fn lane_part(&self) -> LaneFx {
        self.lane
    }

    /// Takes back the lane mixer's part after a block.
    pub fn set_lane_part(&mut self, p: LaneFx) {
        self.lane = p;
    }

    /// Runs the chain over consecutive frames of the voice: channel 0 in `left`, and
    /// channel 1 in `right` for a stereo sample.
    pub fn process(&mut self, left: &mut [f32], right: Option<&mut [f32]>) {
        let lines: [&mut [f32]; 6] = [&mut [], &mut [], &mut [], &mut [], &mut [], &mut []];
        self.process_with_lines(left, right, None, lines, None);
    }

    /// Whether its effects need lines from the bank's pool (the phaser, `squiz`, `comb`).
    pub fn needs_line(&self) -> bool {
        self.phaser.is_some() || self.squiz.is_some() || self.comb.is_some()
    }

    /// Without the effects that need lines (the bank keeps none for them).
    pub fn drop_lined(&mut self) {
        self.phaser = None;
        self.squiz = None;
        self.comb = None;
    }

    /// [`process`](Self::process) with the voice's lines from the bank's pool: the
    /// phaser's left and right, `squiz`'s, `comb`'s (an empty one skips its effect), and
    /// the bank's transforms for `comb`; and with the voice's envelope (a level per frame),
    /// applied where SuperDirt's `envelope` module runs: after the low-pass, before
    /// `tremolo`, the phaser and the extra effects.
    pub fn process_with_lines(
        &mut self,
        left: &mut [f32],
        right: Option<&mut [f32]>,
        envelope: Option<&[f32]>,
        lines: [&mut [f32]; 6],
        mut spectral: Option<&mut Spectral>,
    ) {
        let [pl, pr, sl, sr, cl, cr] = lines;
        let mut phaser_lines = [pl, pr];
        let mut squiz_lines = [sl, sr];
        let mut comb_lines = [cl, cr];
        // Stage by stage over the frames (each a tight loop), in SuperDirt's order; `coarse`
        // latches both channels on the same frames, so its clock advances once.
        let mut latch_clock = self.coarse.map(|c| (c.frame, c.next));
        let mut run = |ch: usize, buf: &mut [f32], fx: &mut VoiceFx| {
            if let Some(v) = &mut fx.vowel {
                buf.iter_mut().for_each(|x| *x = v.run(ch, *x));
            }
            if let Some(k) = fx.lane.shape {
                // dirt_shape: (1 + k)·x / (1 + k·|x|).
                buf.iter_mut()
                    .for_each(|x| *x = (1.0 + k) * *x / (1.0 + k * x.abs()));
            }
            for f in [&mut fx.lane.hpf, &mut fx.lane.bpf].into_iter().flatten() {
                buf.iter_mut().for_each(|x| *x = f.run(ch, *x));
            }
            if let Some(step) = fx.lane.crush {
                // SuperCollider's `round(x, step)`: to the nearest multiple, halves up.
                buf.iter_mut()
                    .for_each(|x| *x = (*x / step + 0.5).floor() * step);
            }
            if let Some(c) = &mut fx.coarse {
                let (mut frame, mut next) = latch_clock.expect("coarse has a clock");
                for x in buf.iter_mut() {
                    if frame >= next {
                        next += c.period;
                        c.held[ch] = *x;
                    }
                    frame += 1.0;
                    *x = c.held[ch];
                }
                latch_clock = Some((frame, next));
                if ch == 0 {
                    // The right channel replays the same clock from the block's start.
                    latch_clock = Some((c.frame, c.next));
                    c.frame = frame;
                    c.next = next;
                }
            }
            if let Some(f) = &mut fx.lane.lpf {
                buf.iter_mut().for_each(|x| *x = f.run(ch, *x));
            }
            if let Some(e) = envelope {
                buf.iter_mut().zip(e).for_each(|(x, g)| *x *= g);
            }
            let t0 = fx.frames;
            if let Some(tr) = fx.tremolo {
                // SinOsc at phase π/2 from the voice's start: a cosine.
                for (i, x) in buf.iter_mut().enumerate() {
                    let wave = 1.0 - tr.depth + tr.depth * (tr.w * (t0 + i as f64)).cos();
                    *x *= wave as f32;
                }
            }
            if let Some(p) = &mut fx.phaser
                && !phaser_lines[ch].is_empty()
            {
                p.process(ch, buf, phaser_lines[ch]);
            }
            if let Some(w) = &mut fx.waveloss {
                w.process(ch, buf);
            }
            if let Some(q) = &mut fx.squiz
                && !squiz_lines[ch].is_empty()
            {
                q.process(ch, buf, squiz_lines[ch]);
            }
            if let Some(f) = &mut fx.fshift {
                f.process(ch, buf);
            }
            if let Some(tri) = &mut fx.triode {
                let sc = tri.sc;
                let leak = &mut tri.leak[ch];
                for x in buf.iter_mut() {
                    let v = if *x > 0.0 { *x } else { (*x * sc).tanh() / sc };
                    *x = leak.run(v as f64) as f32;
                }
            }
            if let Some(k) = &mut fx.krush {
                k.process(ch, buf);
            }
            if let Some(o) = &mut fx.octer {
                o.process(ch, buf);
            }
            if let Some(r) = &mut fx.ring {
                let mut phase = r.phase[ch];
                for (i, x) in buf.iter_mut().enumerate() {
                    let m = r.amount * (std::f64::consts::TAU * phase).sin();
                    *x = (*x as f64 * m + *x as f64) as f32;
                    phase = (phase + r.freq(t0 + i as f64) / r.sample_rate).fract();
                }
                r.phase[ch] = phase;
            }
            if let Some(d) = &mut fx.distort {
                d.process(ch, buf);
            }
            if let Some(c) = &mut fx.comb
                && let Some(s) = spectral.as_deref_mut()
                && !comb_lines[ch].is_empty()
            {
                c.process(ch, buf, comb_lines[ch], s);
            }
            if let Some([lp, hp]) = &mut fx.djf {
                buf.iter_mut().for_each(|x| *x = hp.run(ch, lp.run(ch, *x)));
            }
        };
        let n = left.len();
        run(0, left, self);
        if let Some(right) = right {
            run(1, right, self);
        }
        self.frames += n as f64;
        let vowel = self.vowel.iter_mut().flat_map(|v| v.formants.iter_mut());
        let dj = self.djf.iter_mut().flat_map(|d| d.iter_mut());
        for f in vowel
            .chain(dj)
            .chain(&mut self.lane.hpf)
            .chain(&mut self.lane.bpf)
            .chain(&mut self.lane.lpf)
        {
            f.settle();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f64 = 44_100.0;

    #[test]
    fn the_controls_that_turn_on_an_effect_are_the_ones_the_predicate_names() {
        let names = [
            "vowel",
            "shape",
            "hcutoff",
            "hresonance",
            "bandf",
            "bandq",
            "crush",
            "coarse",
            "cutoff",
            "resonance",
            "tremolorate",
            "tremolodepth",
            "phaserrate",
            "phaserdepth",
            "waveloss",
            "squiz",
            "fshift",
            "fshiftnote",
            "fshiftphase",
            "triode",
            "krush",
            "kcutoff",
            "octer",
            "octersub",
            "octersubsub",
            "ring",
            "ringf",
            "ringdf",
            "distort",
            "comb",
            "djf",
            "gain",
            "pan",
            "speed",
            "room",
            "leslie",
        ];
        for name in names {
            let vowel = (name == "vowel").then_some("a");
            let fx = VoiceFx::of_event(|k| (k == name).then_some(2.0), vowel, SR, 1);
            assert_eq!(fx.active, turns_on_an_effect(name), "{name}");
        }
    }

    fn sine(hz: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (std::f64::consts::TAU * hz * i as f64 / SR).sin() as f32)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    fn controls<'a>(pairs: &'a [(&'a str, f64)]) -> impl Fn(&str) -> Option<f64> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v)
    }

    /// Steady-state gain of the chain for a sine at `hz`.
    fn gain(pairs: &[(&str, f64)], hz: f64) -> f64 {
        let mut fx = VoiceFx::of_event(controls(pairs), None, SR, 1);
        let mut x = sine(hz, 44_100);
        fx.process(&mut x, None);
        rms(&x[22_050..]) / rms(&sine(hz, 44_100)[22_050..])
    }

    #[test]
    fn no_control_no_effect() {
        assert!(!VoiceFx::of_event(|_| None, None, SR, 1).active);
        assert!(VoiceFx::of_event(controls(&[("cutoff", 800.0)]), None, SR, 1).active);
        // `coarse 1` is full rate: SuperDirt does not run the module.
        assert!(!VoiceFx::of_event(controls(&[("coarse", 1.0)]), None, SR, 1).active);
    }

    #[test]
    fn the_low_pass_passes_below_and_cuts_above_at_12_db_per_octave() {
        let c = [("cutoff", 1000.0)];
        assert!((gain(&c, 100.0) - 1.0).abs() < 0.02);
        // rq 1 (resonance 0): Q 1, so unity gain at the cutoff itself.
        assert!(
            (gain(&c, 1000.0) - 1.0).abs() < 0.05,
            "{}",
            gain(&c, 1000.0)
        );
        let (g4, g8) = (gain(&c, 4000.0), gain(&c, 8000.0));
        let per_octave = 20.0 * (g4 / g8).log10();
        assert!(
            (per_octave - 12.0).abs() < 2.0,
            "{per_octave} dB per octave"
        );
        // Resonance raises the peak at the cutoff.
        assert!(gain(&[("cutoff", 1000.0), ("resonance", 0.5)], 1000.0) > 5.0);
    }

    #[test]
    fn the_high_pass_and_band_pass_keep_their_bands() {
        let h = [("hcutoff", 1000.0)];
        assert!(gain(&h, 100.0) < 0.02);
        assert!((gain(&h, 8000.0) - 1.0).abs() < 0.05);
        // Band-pass at 1 kHz, Q 10: the centre passes at `bandq` times (SuperDirt scales
        // it up), an octave away it is far down.
        let b = [("bandf", 1000.0), ("bandq", 10.0)];
        assert!(
            (gain(&b, 1000.0) - 10.0).abs() < 0.5,
            "{}",
            gain(&b, 1000.0)
        );
        assert!(gain(&b, 2000.0) < 1.0);
    }

    #[test]
    fn shape_crush_and_coarse_follow_superdirt() {
        // shape 0.5: k = 2, so a full-scale sample stays at 1 and 0.5 becomes 0.75.
        let mut fx = VoiceFx::of_event(controls(&[("shape", 0.5)]), None, SR, 1);
        let mut x = vec![1.0, 0.5, -0.5, 0.0];
        fx.process(&mut x, None);
        assert_eq!(x, vec![1.0, 0.75, -0.75, 0.0]);
        // crush 2: steps of 0.5.
        let mut fx = VoiceFx::of_event(controls(&[("crush", 2.0)]), None, SR, 1);
        let mut x = vec![0.2, 0.3, 0.74, -0.3];
        fx.process(&mut x, None);
        assert_eq!(x, vec![0.0, 0.5, 0.5, -0.5]);
        // coarse 3: every third frame held, from the first, across calls.
        let mut fx = VoiceFx::of_event(controls(&[("coarse", 3.0)]), None, SR, 1);
        let mut a = vec![1.0, 2.0, 3.0, 4.0];
        let mut b = vec![5.0, 6.0, 7.0, 8.0];
        fx.process(&mut a, None);
        fx.process(&mut b, None);
        assert_eq!((a, b), (vec![1.0, 1.0, 1.0, 4.0], vec![4.0, 4.0, 7.0, 7.0]));
    }

    #[test]
    fn a_vowel_puts_its_formants_in_a_flat_spectrum() {
        // White noise through "a" and "i": the first formants (660 vs 270 Hz) stand out.
        let mut seed = 1u32;
        let noise: Vec<f32> = (0..44_100)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        let band = |x: &[f32], hz: f64| {
            // Power near `hz` by a narrow single-bin DFT over the second half.
            let w = std::f64::consts::TAU * hz / SR;
            let (mut re, mut im) = (0.0, 0.0);
            for (i, &v) in x[22_050..].iter().enumerate() {
                re += v as f64 * (w * i as f64).cos();
                im -= v as f64 * (w * i as f64).sin();
            }
            (re * re + im * im).sqrt()
        };
        let through = |v: &str| {
            let mut fx = VoiceFx::of_event(|_| None, Some(v), SR, 1);
            assert!(fx.active);
            let mut x = noise.clone();
            fx.process(&mut x, None);
            x
        };
        let (a, i) = (through("a"), through("i"));
        assert!(band(&a, 660.0) > 3.0 * band(&i, 660.0));
        assert!(band(&i, 270.0) > 3.0 * band(&a, 270.0));
        // A name SuperDirt has no vowel for does nothing, as there.
        assert!(!VoiceFx::of_event(|_| None, Some("x"), SR, 1).active);
    }

    #[test]
    fn tremolo_triode_ring_and_djf_follow_superdirt() {
        // Tremolo 10 Hz, depth 1 (d = 0.5): a constant becomes 0.5 + 0.5·cos, from 1.
        let mut fx = VoiceFx::of_event(
            controls(&[("tremolorate", 10.0), ("tremolodepth", 1.0)]),
            None,
            SR,
            1,
        );
        let mut x = vec![1.0f32; 4410];
        fx.process(&mut x[..1000], None);
        fx.process(&mut x[1000..], None);
        for (t, &v) in x.iter().enumerate() {
            let want = 0.5 + 0.5 * (std::f64::consts::TAU * 10.0 * t as f64 / SR).cos();
            assert!((v as f64 - want).abs() < 1e-5, "frame {t}: {v} vs {want}");
        }
        // Triode: the negative half is squashed, the positive half kept (then LeakDC).
        let mut fx = VoiceFx::of_event(controls(&[("triode", 1.0)]), None, SR, 1);
        let mut x: Vec<f32> = sine(100.0, 4410).iter().map(|v| v * 0.8).collect();
        fx.process(&mut x, None);
        let (hi, lo) = x[2205..]
            .iter()
            .fold((0.0f32, 0.0f32), |(h, l), &v| (h.max(v), l.min(v)));
        // (A 0.8 sine spans 1.6; squashed below and recentred by LeakDC, it is lopsided.)
        assert!(hi - lo < 1.1 && hi + lo > 0.1, "peak {hi}, trough {lo}");
        // Ring 1 at 200 Hz on a constant 1: 1 + sin(2π·200·t).
        let mut fx = VoiceFx::of_event(controls(&[("ring", 1.0), ("ringf", 200.0)]), None, SR, 1);
        let mut x = vec![1.0f32; 441];
        fx.process(&mut x, None);
        for (t, &v) in x.iter().enumerate() {
            let want = 1.0 + (std::f64::consts::TAU * 200.0 * t as f64 / SR).sin();
            assert!((v as f64 - want).abs() < 1e-4, "frame {t}: {v} vs {want}");
        }
        // djf below 0.5 low-passes, above high-passes, 0.5 is open.
        let low = |d: f64, hz: f64| gain(&[("djf", d)], hz);
        // (rq 1: a small bump below the cutoff; the low-pass stops at 10 kHz.)
        assert!(low(0.2, 4000.0) < 0.01 && (low(0.2, 100.0) - 1.0).abs() < 0.15);
        assert!(low(0.8, 100.0) < 0.05 && (low(0.8, 3000.0) - 1.0).abs() < 0.15);
        assert!((low(0.5, 100.0) - 1.0).abs() < 0.05 && (low(0.5, 5000.0) - 1.0).abs() < 0.2);
    }

    #[test]
    fn stereo_channels_are_filtered_apart() {
        let mut fx = VoiceFx::of_event(controls(&[("cutoff", 500.0)]), None, SR, 1);
        let mut l = sine(100.0, 4096);
        let mut r = vec![0.0; 4096];
        fx.process(&mut l, Some(&mut r));
        assert!(r.iter().all(|&x| x == 0.0));
        assert!(rms(&l) > 0.5);
        // Both channels latch on the same frames, block after block.
        let mut fx = VoiceFx::of_event(controls(&[("coarse", 3.0)]), None, SR, 1);
        for block in [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]] {
            let (mut l, mut r) = (block, block.map(|x| -x));
            fx.process(&mut l, Some(&mut r));
            assert_eq!(r, l.map(|x| -x));
        }
        let (mut l, mut r) = ([9.0, 10.0], [9.0, 10.0]);
        fx.process(&mut l, Some(&mut r));
        // (The right channel holds its own value from the block before.)
        assert_eq!((l, r), ([7.0, 10.0], [-7.0, 10.0]));
    }
}
