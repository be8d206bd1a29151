//! Every built-in function: its role, parameters, defaults and a one-line description.
//! The resolver checks calls against this table; the function reference is generated from it.

/// How a function takes its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Makes a pattern or signal from its arguments alone (`s "bd"`, `run 4`, `sine 440`).
    Source,
    /// Transforms a pattern, or every pattern inside a signal. The input comes last: as one more
    /// positional argument (`fast 2 "bd sn"`), through `$`, or as the value of `every 4 (fast 2)`.
    Transform,
    /// Processes a signal that arrives through `#` or `$` (`saw 55 # lpf 800`).
    Effect,
    /// Sets a per-event parameter through `#` (`s "bd" # gain 0.5`); on its own it is a control
    /// pattern, and on a signal `# gain x` multiplies.
    Param,
}

/// What an argument must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A number, pattern, signal or bus: anything that has a value over time.
    Value,
    /// A number known when compiling (it decides structure, e.g. the count of `stut`).
    Const,
    /// A transform (`rev`, `fast 2`, `(every 4 rev)`).
    Func,
    /// A list `[a, b, c]`.
    List,
    /// Two numbers in parentheses, as Tidal writes a span: `(0.25, 0.75)`.
    Pair,
    /// The name of a transform that takes one argument, given its arguments elsewhere
    /// (`spread fast [1, 2]`).
    FuncName,
    /// A test of time, a comparison section, perhaps of the cycle position:
    /// `(< 0.5)`, `(>= 0.25) . cyclePos`.
    TimeTest,
}

/// What lowering makes of a built-in. Names that mean the same (`sound`/`s`, `slowcat`/`cat`,
/// `rotL`/`early`) share an `Op`; lowering matches on it, never on the name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// A per-event control: its events carry the control of this name (an alias carries
    /// the canonical name). On a signal, `gain` multiplies and `pan` pans.
    Control(&'static str),
    Stack,
    /// One pattern per cycle (`cat`, `slowcat`).
    Cat,
    FastCat,
    TimeCat,
    Run,
    Irand,
    Rand,
    /// The MIDI input: `cc n`, a controller's latest value.
    MidiCc,
    /// The MIDI input's last note.
    NoteIn,
    Silence,
    /// An oscillator (a signal); `sine`, `saw`, `square` and `tri` without a frequency are
    /// 0..1 continuous patterns instead.
    Osc(Osc),
    /// `line`/`xline`: a ramp from the program's start.
    Ramp(Env),
    Transform(T),
    Filter(Filter),
    /// An envelope triggered by the pattern of its input (`ad`, `adsr`, `ar`).
    Envelope(Env),
    Reverb,
    Delay,
    Chorus,
    Fx(Fx),
    Pan2,
    /// A 0..1 continuous pattern other than the oscillators': `cosine`, `isaw`, `perlin`.
    Continuous(Continuous),
    /// `choose [..]`: one of the values at random, continuously.
    Choose,
    /// `wchoose [[value, weight], ..]`.
    WChoose,
    /// `randcat [..]`: one of the patterns at random each cycle.
    RandCat,
    /// `wrandcat [[pattern, weight], ..]`.
    WRandCat,
    /// `binaryN bits n` / `binary n` (8 bits).
    Binary,
    /// `overlay a b`: the two patterns at once.
    Overlay,
    /// Patterns made of other patterns given as values: `sew`, `stitch`, `euclidFull`, ...
    Combine(Combine),
    /// A pattern that picks among a list: `squeeze`, `select`, `chooseBy`, `cycleChoose`.
    Pick(Pick),
    /// `arrange [[cycles, pattern], ..]`.
    Arrange,
    /// `ur t names [[name, pattern], ..] [[name, transform], ..]`.
    Ur,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Continuous {
    Cosine,
    Isaw,
    Perlin,
    Isquare,
    Env(phonon_runtime::pattern::tidal::Envelope),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    Sew,
    Stitch,
    EuclidFull,
    EuclidOffFull,
    Ascii,
    Scan,
    PerlinWith,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Strudel's `pick [patterns] indices` (the list first).
    Pick,
    Squeeze,
    Select,
    ChooseBy,
    CycleChoose,
}

/// The transforms of patterns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum T {
    Fast,
    Slow,
    Hurry,
    Rev,
    Every,
    LastOf,
    Whenmod,
    Jux,
    JuxBy,
    Stut,
    Echo,
    Ply,
    Chop,
    Striate,
    Iter,
    IterBack,
    Palindrome,
    Off,
    Superimpose,
    Degrade,
    DegradeBy,
    UndegradeBy,
    SometimesBy,
    /// `sometimes`, `often`, `rarely`, `almostNever`, `almostAlways`: `sometimesBy` with
    /// this probability.
    Sometimes(f64),
    Euclid,
    EuclidRot,
    EuclidLegato,
    SwingBy,
    Swing,
    Early,
    Late,
    Struct,
    Mask,
    Linger,
    Chunk,
    ChunkBack,
    Inside,
    Outside,
    LoopAt,
    Segment,
    Range,
    Seed,
    Legato,
    Id,
    Const,
    Brak,
    Inv,
    EveryOffset,
    FoldEvery,
    Within,
    WhenT,
    AsNumber,
    SomeCyclesBy,
    /// `someCycles`: `someCyclesBy` with this probability.
    SomeCycles(f64),
    Zoom,
    Compress,
    FastGap,
    Trunc,
    Quantise,
    Rangex,
    StutWith,
    PlyWith,
    Ghost,
    GhostWith,
    Shuffle,
    Scramble,
    Arp,
    Arpeggiate,
    Scale,
    ToScale,
    Layer,
    While,
    Fix,
    Unfix,
    Contrast,
    Bite,
    Chew,
    Rot,
    Transpose,
    Voicing,
    StriateBy,
    EuclidOff,
    EuclidInv,
    WithinZoomed,
    ToScaleOctave,
    PickF,
    Randslice,
    Slice,
    Splice,
    Stutter,
    RolledBy,
    /// `spread`/`slowspread` (one per cycle), `fastspread` (all in one cycle),
    /// `spreadChoose` (one at random per cycle): the transform `f v` for each value.
    Spread(Spread),
    /// `spreadf [fs]`: each transform in turn, one per cycle.
    SpreadF,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    Slow,
    Fast,
    Choose,
}

impl T {
    /// Whether its events can overlap in time (several notes at once): an oscillator played
    /// by a note pattern under one plays a voice per note (see `ir::overlap`).
    pub fn layers(self) -> bool {
        matches!(
            self,
            T::Superimpose
                | T::Off
                | T::Stut
                | T::Echo
                | T::Jux
                | T::JuxBy
                | T::StutWith
                | T::Ghost
                | T::GhostWith
                | T::Layer
                | T::Stutter
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    Required,
    /// Optional; when left out the function behaves as documented (e.g. `sine` with no
    /// frequency is a 0..1 LFO pattern at one cycle per cycle).
    Absent,
    Value(f64),
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub default: Default,
}

#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    /// What lowering makes of it: the one place its meaning is decided.
    pub op: Op,
    pub role: Role,
    pub params: &'static [Param],
    pub summary: &'static str,
    pub example: &'static str,
}

impl Builtin {
    pub fn required(&self) -> usize {
        self.params
            .iter()
            .filter(|p| p.default == Default::Required)
            .count()
    }

    /// `(cutoff, [q=0.707])`
    pub fn signature(&self) -> String {
        let parts: Vec<String> = self
            .params
            .iter()
            .map(|p| match p.default {
                Default::Required => p.name.to_string(),
                Default::Absent => format!("[{}]", p.name),
                Default::Value(v) => format!("[{}={v}]", p.name),
            })
            .collect();
        format!("{} {}", self.name, parts.join(" "))
            .trim_end()
            .to_string()
    }
}

const fn req(name: &'static str, ty: Ty) -> Param {
    Param {
        name,
        ty,
        default: Default::Required,
    }
}

const fn opt(name: &'static str, value: f64) -> Param {
    Param {
        name,
        ty: Ty::Value,
        default: Default::Value(value),
    }
}

const fn absent(name: &'static str) -> Param {
    Param {
        name,
        ty: Ty::Value,
        default: Default::Absent,
    }
}

use crate::ir::{Env, Filter, Fx, Osc};
use Role::*;
use Ty::*;

const fn b(
    name: &'static str,
    op: Op,
    role: Role,
    params: &'static [Param],
    summary: &'static str,
    example: &'static str,
) -> Builtin {
    Builtin {
        name,
        op,
        role,
        params,
        summary,
        example,
    }
}

const PAT: &[Param] = &[req("pat", Value)];
const SPAN: &[Param] = &[req("span", Pair)];
const N: &[Param] = &[req("n", Value)];
const F: &[Param] = &[req("f", Func)];
const LIST: &[Param] = &[req("patterns", List)];
const FILTER: &[Param] = &[req("cutoff", Value), opt("q", 0.707)];

pub static BUILTINS: &[Builtin] = &[
    // Pattern sources and combinators.
    b(
        "s",
        Op::Control("s"),
        Param,
        PAT,
        "plays samples by name: `bd`, `sn:2` (sample 2 of `sn`), or synths by name: `sine` `sawtooth` `square` `triangle` `supersaw` `superpiano` `superfm` `pluck` (a sample folder of the same name comes first)",
        "s \"bd*2 sn\"",
    ),
    b(
        "sound",
        Op::Control("s"),
        Param,
        PAT,
        "same as `s`",
        "sound \"bd sn\"",
    ),
    b(
        "n",
        Op::Control("n"),
        Param,
        PAT,
        "sample index or note number per event",
        "s \"arpy*4\" # n \"0 2 4 7\"",
    ),
    b(
        "note",
        Op::Control("note"),
        Param,
        PAT,
        "pitch in semitones, c5 = 0 (Tidal); note names allowed",
        "note \"c e g\"",
    ),
    b(
        "stack",
        Op::Stack,
        Source,
        LIST,
        "plays patterns at the same time",
        "stack [s \"bd*2\", s \"hh*4\"]",
    ),
    b(
        "cat",
        Op::Cat,
        Source,
        LIST,
        "one pattern per cycle, in turn",
        "cat [s \"bd*2\", s \"sn*3\"]",
    ),
    b(
        "slowcat",
        Op::Cat,
        Source,
        LIST,
        "same as `cat`",
        "slowcat [s \"bd\", s \"sn\"]",
    ),
    b(
        "fastcat",
        Op::FastCat,
        Source,
        LIST,
        "all patterns squeezed into one cycle",
        "fastcat [s \"bd\", s \"sn sn\"]",
    ),
    b(
        "timeCat",
        Op::TimeCat,
        Source,
        LIST,
        "like fastcat with relative durations: `[[weight, pattern], ...]`",
        "timeCat [[1, s \"bd*4\"], [3, s \"hh*6\"]]",
    ),
    b(
        "run",
        Op::Run,
        Source,
        N,
        "0, 1, ... n-1 in one cycle",
        "n (run 4)",
    ),
    b(
        "irand",
        Op::Irand,
        Source,
        N,
        "random integers 0..n-1, continuous (sample with `segment`)",
        "segment 4 $ irand 8",
    ),
    b(
        "rand",
        Op::Rand,
        Source,
        &[],
        "random values 0..1, continuous",
        "s \"hh*8\" # gain (rand * 0.5 + 0.5)",
    ),
    b(
        "cc",
        Op::MidiCc,
        Source,
        N,
        "the latest value of MIDI controller n (0..127) on `phonon live --midi-in`, 0..1, continuous (0 until one arrives, and without an input)",
        "saw 110 # lpf (cc 74 * 4000 + 200) 0.3",
    ),
    b(
        "notein",
        Op::NoteIn,
        Source,
        &[],
        "the last note played on `phonon live --midi-in` (c5 = 0, MIDI 60), continuous (0 before any)",
        "n (segment 8 notein) # s \"superpiano\"",
    ),
    b("silence", Op::Silence, Source, &[], "no events", "silence"),
    // Oscillators; with no argument the first four are 0..1 LFO patterns at 1 cycle per cycle.
    b(
        "sine",
        Op::Osc(Osc::Sine),
        Source,
        &[absent("freq")],
        "sine oscillator at freq Hz; alone, a 0..1 LFO per cycle",
        "sine 440",
    ),
    b(
        "saw",
        Op::Osc(Osc::Saw),
        Source,
        &[absent("freq")],
        "sawtooth oscillator; alone, a 0..1 ramp per cycle",
        "saw \"55 110\"",
    ),
    b(
        "square",
        Op::Osc(Osc::Square),
        Source,
        &[absent("freq")],
        "square oscillator; alone, 0..1 square per cycle",
        "square 110",
    ),
    b(
        "tri",
        Op::Osc(Osc::Tri),
        Source,
        &[absent("freq")],
        "triangle oscillator; alone, 0..1 triangle per cycle",
        "tri 220",
    ),
    b(
        "pulse",
        Op::Osc(Osc::Pulse),
        Source,
        &[req("freq", Value), opt("width", 0.5)],
        "pulse oscillator with a duty cycle",
        "pulse 110 0.25",
    ),
    b(
        "noise",
        Op::Osc(Osc::Noise),
        Source,
        &[],
        "white noise",
        "noise # lpf 2000",
    ),
    b(
        "white_noise",
        Op::Osc(Osc::Noise),
        Source,
        &[],
        "same as `noise`",
        "white_noise",
    ),
    b(
        "pink_noise",
        Op::Osc(Osc::PinkNoise),
        Source,
        &[],
        "pink (1/f) noise",
        "pink_noise",
    ),
    b(
        "brown_noise",
        Op::Osc(Osc::BrownNoise),
        Source,
        &[],
        "brown (1/f²) noise",
        "brown_noise",
    ),
    b(
        "impulse",
        Op::Osc(Osc::Impulse),
        Source,
        &[req("freq", Value)],
        "one-sample impulses at freq Hz",
        "impulse 4",
    ),
    b(
        "line",
        Op::Ramp(Env::Line),
        Source,
        &[req("from", Value), req("to", Value), req("secs", Value)],
        "linear ramp from → to over secs, then holds",
        "sine 440 * line 1 0 2",
    ),
    b(
        "xline",
        Op::Ramp(Env::XLine),
        Source,
        &[req("from", Value), req("to", Value), req("secs", Value)],
        "exponential ramp from → to over secs",
        "sine (xline 110 880 4)",
    ),
    // Transforms.
    b(
        "fast",
        Op::Transform(T::Fast),
        Transform,
        N,
        "speeds up by n (n may be a pattern)",
        "fast 2 $ s \"bd sn\"",
    ),
    b(
        "slow",
        Op::Transform(T::Slow),
        Transform,
        N,
        "slows down by n",
        "slow 2 $ s \"bd sn\"",
    ),
    b(
        "hurry",
        Op::Transform(T::Hurry),
        Transform,
        N,
        "fast n and multiplies speed by n",
        "hurry 2 $ s \"bd sn\"",
    ),
    b(
        "rev",
        Op::Transform(T::Rev),
        Transform,
        &[],
        "reverses each cycle",
        "rev $ s \"bd sn hh\"",
    ),
    b(
        "every",
        Op::Transform(T::Every),
        Transform,
        &[req("n", Value), req("f", Func)],
        "applies f on every n-th cycle (cycles 0, n, 2n, ...)",
        "every 4 (fast 2) $ s \"bd sn\"",
    ),
    b(
        "whenmod",
        Op::Transform(T::Whenmod),
        Transform,
        &[req("a", Const), req("b", Const), req("f", Func)],
        "applies f when cycle mod a >= b",
        "whenmod 8 6 rev $ s \"bd sn\"",
    ),
    b(
        "jux",
        Op::Transform(T::Jux),
        Transform,
        F,
        "original on the left, f applied on the right",
        "jux rev $ s \"bd sn\"",
    ),
    b(
        "juxBy",
        Op::Transform(T::JuxBy),
        Transform,
        &[req("amount", Value), req("f", Func)],
        "like jux with the pans at ±amount",
        "juxBy 0.5 (fast 2) $ s \"bd sn\"",
    ),
    b(
        "stut",
        Op::Transform(T::Stut),
        Transform,
        &[
            req("count", Const),
            req("feedback", Value),
            req("time", Value),
        ],
        "count echoes `time` cycles apart, gain feedback^i",
        "stut 3 0.5 0.125 $ s \"bd sn\"",
    ),
    b(
        "echo",
        Op::Transform(T::Echo),
        Transform,
        &[
            req("count", Const),
            req("time", Value),
            req("feedback", Value),
        ],
        "stut with time and feedback swapped",
        "echo 3 0.125 0.5 $ s \"bd sn\"",
    ),
    b(
        "ply",
        Op::Transform(T::Ply),
        Transform,
        N,
        "repeats each event n times within its span",
        "ply 2 $ s \"bd sn\"",
    ),
    b(
        "chop",
        Op::Transform(T::Chop),
        Transform,
        N,
        "cuts each sample event into n parts",
        "chop 4 $ s \"break\"",
    ),
    b(
        "striate",
        Op::Transform(T::Striate),
        Transform,
        N,
        "interleaves n slices of each sample",
        "striate 4 $ s \"break\"",
    ),
    b(
        "iter",
        Op::Transform(T::Iter),
        Transform,
        N,
        "shifts the pattern by 1/n each cycle",
        "iter 4 $ s \"bd hh sn cp\"",
    ),
    b(
        "palindrome",
        Op::Transform(T::Palindrome),
        Transform,
        &[],
        "reverses every other cycle",
        "palindrome $ s \"bd hh sn\"",
    ),
    b(
        "off",
        Op::Transform(T::Off),
        Transform,
        &[req("time", Value), req("f", Func)],
        "adds a copy shifted by time with f applied",
        "off 0.125 (# speed 2) $ s \"bd sn\"",
    ),
    b(
        "superimpose",
        Op::Transform(T::Superimpose),
        Transform,
        F,
        "adds a copy with f applied",
        "superimpose (fast 2) $ s \"bd sn\"",
    ),
    b(
        "degrade",
        Op::Transform(T::Degrade),
        Transform,
        &[],
        "drops half of the events at random",
        "degrade $ s \"hh*8\"",
    ),
    b(
        "degradeBy",
        Op::Transform(T::DegradeBy),
        Transform,
        &[req("p", Value)],
        "drops events with probability p",
        "degradeBy 0.3 $ s \"hh*8\"",
    ),
    b(
        "sometimesBy",
        Op::Transform(T::SometimesBy),
        Transform,
        &[req("p", Value), req("f", Func)],
        "applies f to events with probability p",
        "sometimesBy 0.3 (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "sometimes",
        Op::Transform(T::Sometimes(0.5)),
        Transform,
        F,
        "sometimesBy 0.5",
        "sometimes (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "often",
        Op::Transform(T::Sometimes(0.75)),
        Transform,
        F,
        "sometimesBy 0.75",
        "often (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "rarely",
        Op::Transform(T::Sometimes(0.25)),
        Transform,
        F,
        "sometimesBy 0.25",
        "rarely (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "almostNever",
        Op::Transform(T::Sometimes(0.1)),
        Transform,
        F,
        "sometimesBy 0.1",
        "almostNever (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "almostAlways",
        Op::Transform(T::Sometimes(0.9)),
        Transform,
        F,
        "sometimesBy 0.9",
        "almostAlways (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "euclid",
        Op::Transform(T::Euclid),
        Transform,
        &[req("k", Value), req("n", Value)],
        "k onsets spread over n steps",
        "euclid 3 8 $ s \"bd\"",
    ),
    b(
        "euclidRot",
        Op::Transform(T::EuclidRot),
        Transform,
        &[req("k", Value), req("n", Value), req("r", Value)],
        "euclid rotated by r steps (Strudel's direction)",
        "euclidRot 3 8 2 $ s \"bd\"",
    ),
    b(
        "euclidLegato",
        Op::Transform(T::EuclidLegato),
        Transform,
        &[req("k", Value), req("n", Value)],
        "euclid with each onset held until the next",
        "euclidLegato 3 8 $ note \"c\"",
    ),
    b(
        "swingBy",
        Op::Transform(T::SwingBy),
        Transform,
        &[req("x", Value), req("n", Value)],
        "in each of n slices per cycle, delays the second half by x/2 of a slice",
        "swingBy (1/3) 4 $ s \"hh*8\"",
    ),
    b(
        "swing",
        Op::Transform(T::Swing),
        Transform,
        N,
        "swingBy (1/3) n",
        "swing 4 $ s \"hh*8\"",
    ),
    b(
        "early",
        Op::Transform(T::Early),
        Transform,
        &[req("t", Value)],
        "shifts earlier by t cycles",
        "early 0.25 $ s \"bd sn\"",
    ),
    b(
        "rotL",
        Op::Transform(T::Early),
        Transform,
        &[req("t", Value)],
        "same as `early`",
        "rotL 0.25 $ s \"bd sn\"",
    ),
    b(
        "late",
        Op::Transform(T::Late),
        Transform,
        &[req("t", Value)],
        "shifts later by t cycles",
        "late 0.25 $ s \"bd sn\"",
    ),
    b(
        "rotR",
        Op::Transform(T::Late),
        Transform,
        &[req("t", Value)],
        "same as `late`",
        "rotR 0.25 $ s \"bd sn\"",
    ),
    b(
        "struct",
        Op::Transform(T::Struct),
        Transform,
        &[req("pat", Value)],
        "takes the structure from a boolean pattern",
        "struct \"t ~ t t\" $ s \"bd\"",
    ),
    b(
        "mask",
        Op::Transform(T::Mask),
        Transform,
        &[req("pat", Value)],
        "keeps events where the boolean pattern is true",
        "mask \"1 0 1 1\" $ s \"hh*8\"",
    ),
    b(
        "linger",
        Op::Transform(T::Linger),
        Transform,
        &[req("f", Value)],
        "repeats the first fraction f of each cycle",
        "linger 0.25 $ s \"bd sn hh cp\"",
    ),
    b(
        "chunk",
        Op::Transform(T::Chunk),
        Transform,
        &[req("n", Const), req("f", Func)],
        "applies f to one of n parts of the cycle, in turn",
        "chunk 4 (fast 2) $ s \"bd sn hh cp\"",
    ),
    b(
        "inside",
        Op::Transform(T::Inside),
        Transform,
        &[req("n", Value), req("f", Func)],
        "slow n, then f, then fast n",
        "inside 2 rev $ s \"bd sn hh cp\"",
    ),
    b(
        "outside",
        Op::Transform(T::Outside),
        Transform,
        &[req("n", Value), req("f", Func)],
        "fast n, then f, then slow n",
        "outside 2 rev $ s \"<bd sn> hh\"",
    ),
    b(
        "loopAt",
        Op::Transform(T::LoopAt),
        Transform,
        N,
        "fits a sample to n cycles (speed and unit)",
        "loopAt 2 $ chop 4 $ s \"break\"",
    ),
    b(
        "segment",
        Op::Transform(T::Segment),
        Transform,
        N,
        "samples a continuous pattern n times per cycle",
        "segment 8 $ range 200 800 sine",
    ),
    b(
        "range",
        Op::Transform(T::Range),
        Transform,
        &[req("lo", Value), req("hi", Value)],
        "scales a 0..1 pattern to lo..hi; on a signal, its -1..1 swing (SuperCollider's `range`)",
        "range 200 2000 sine",
    ),
    b(
        "lastOf",
        Op::Transform(T::LastOf),
        Transform,
        &[req("n", Value), req("f", Func)],
        "applies f on the last of every n cycles (cycles n-1, 2n-1, ...)",
        "lastOf 4 rev $ s \"bd sn\"",
    ),
    b(
        "iterBack",
        Op::Transform(T::IterBack),
        Transform,
        N,
        "like iter, shifting later each cycle",
        "iterBack 4 $ s \"bd hh sn cp\"",
    ),
    b(
        "chunkBack",
        Op::Transform(T::ChunkBack),
        Transform,
        &[req("n", Const), req("f", Func)],
        "like chunk, going backwards through the parts",
        "chunkBack 4 (fast 2) $ s \"bd sn hh cp\"",
    ),
    b(
        "undegradeBy",
        Op::Transform(T::UndegradeBy),
        Transform,
        &[req("p", Value)],
        "keeps exactly the events degradeBy p would drop",
        "undegradeBy 0.3 $ s \"hh*8\"",
    ),
    b(
        "seed",
        Op::Transform(T::Seed),
        Transform,
        &[req("n", Const)],
        "shifts the random stream of everything inside by n",
        "seed 3 $ degrade $ s \"hh*8\"",
    ),
    // Tidal's and Strudel's wider vocabulary (`runtime/src/pattern/{tidal,choice,arp,scales}.rs`).
    b(
        "id",
        Op::Transform(T::Id),
        Transform,
        &[],
        "leaves the pattern as it is (a transform that does nothing)",
        "every 2 id $ s \"bd sn\"",
    ),
    b(
        "const",
        Op::Transform(T::Const),
        Transform,
        &[req("pat", Value)],
        "replaces the pattern with pat (Tidal's `const`)",
        "every 3 (const $ s \"cp*4\") $ s \"bd sn\"",
    ),
    b(
        "firstOf",
        Op::Transform(T::Every),
        Transform,
        &[req("n", Value), req("f", Func)],
        "same as `every`",
        "firstOf 4 rev $ s \"bd sn\"",
    ),
    b(
        "every'",
        Op::Transform(T::EveryOffset),
        Transform,
        &[req("n", Value), req("o", Value), req("f", Func)],
        "applies f on the cycles that are o modulo n (Tidal's `every'`)",
        "every' 4 2 (fast 2) $ s \"bd sn\"",
    ),
    b(
        "foldEvery",
        Op::Transform(T::FoldEvery),
        Transform,
        &[req("ns", List), req("f", Func)],
        "`every n f` for each n of the list, one inside the other (Tidal's `foldEvery`)",
        "foldEvery [3, 5] (fast 2) $ s \"bd sn\"",
    ),
    b(
        "within",
        Op::Transform(T::Within),
        Transform,
        &[req("span", Pair), req("f", Func)],
        "applies f to the events that start within (start, end) of each cycle; f acts on the whole pattern first, as in Tidal (Strudel filters first)",
        "within (0, 0.5) (fast 2) $ s \"bd sn cp hh\"",
    ),
    b(
        "asNumber",
        Op::Transform(T::AsNumber),
        Transform,
        &[],
        "turns numbers written as words and note names into numbers (Phonon's: `c5` is 0, where Strudel gives MIDI numbers); other values are dropped (Strudel's `asNumber`, which stops with an error there)",
        "n (asNumber \"c e g\" + \"<0 12>\") # s \"superpiano\"",
    ),
    b(
        "whenT",
        Op::Transform(T::WhenT),
        Transform,
        &[req("test", TimeTest), req("f", Func)],
        "applies f to the events whose start passes a test of time: a comparison section of the time in cycles, `(< 4)`, or of the position in the cycle, `(>= 0.5) . cyclePos` (Tidal's; tested per event)",
        "whenT ((< 0.5) . cyclePos) (# speed 2) $ s \"hh*8\"",
    ),
    b(
        "someCyclesBy",
        Op::Transform(T::SomeCyclesBy),
        Transform,
        &[req("p", Value), req("f", Func)],
        "applies f to whole cycles with probability p (one draw per cycle)",
        "someCyclesBy 0.3 (# speed 2) $ s \"bd*4\"",
    ),
    b(
        "someCycles",
        Op::Transform(T::SomeCycles(0.5)),
        Transform,
        F,
        "someCyclesBy 0.5",
        "someCycles (# speed 2) $ s \"bd*4\"",
    ),
    b(
        "brak",
        Op::Transform(T::Brak),
        Transform,
        &[],
        "every other cycle squashed into half a cycle and shifted a quarter later (a breakbeat feel)",
        "brak $ s \"bd sn\"",
    ),
    b(
        "inv",
        Op::Transform(T::Inv),
        Transform,
        &[],
        "swaps true and false in a boolean pattern (1 and 0)",
        "struct (inv \"1 0 1 1\") $ s \"bd\"",
    ),
    b(
        "zoom",
        Op::Transform(T::Zoom),
        Transform,
        SPAN,
        "plays the span (start, end) of each cycle stretched over the cycle",
        "zoom (0.25, 0.75) $ s \"bd*2 hh*3 [sn bd]*2 drum\"",
    ),
    b(
        "zoomArc",
        Op::Transform(T::Zoom),
        Transform,
        SPAN,
        "same as `zoom`",
        "zoomArc (0, 0.5) $ s \"bd sn hh cp\"",
    ),
    b(
        "compress",
        Op::Transform(T::Compress),
        Transform,
        SPAN,
        "squeezes each cycle into the span (start, end), silence around it",
        "compress (0.25, 0.75) $ s \"bd sn\"",
    ),
    b(
        "fastGap",
        Op::Transform(T::FastGap),
        Transform,
        N,
        "speeds up by n, leaving the rest of each cycle silent",
        "fastGap 2 $ s \"bd sn\"",
    ),
    b(
        "trunc",
        Op::Transform(T::Trunc),
        Transform,
        &[req("t", Value)],
        "plays only the first fraction t of each cycle",
        "trunc 0.75 $ s \"bd sn*2 cp hh*4\"",
    ),
    b(
        "discretise",
        Op::Transform(T::Segment),
        Transform,
        N,
        "same as `segment`",
        "n (discretise 4 $ range 0 7 saw)",
    ),
    b(
        "quantise",
        Op::Transform(T::Quantise),
        Transform,
        &[req("n", Const)],
        "rounds each number to the nearest 1/n (halves to even, as Haskell rounds)",
        "n (quantise 1 \"0.4 1.6 2.5\")",
    ),
    b(
        "rangex",
        Op::Transform(T::Rangex),
        Transform,
        &[req("lo", Value), req("hi", Value)],
        "scales a 0..1 pattern to lo..hi exponentially (for frequencies)",
        "s \"bd*8\" # lpf (segment 8 $ rangex 200 4000 sine)",
    ),
    b(
        "stutWith",
        Op::Transform(T::StutWith),
        Transform,
        &[req("count", Const), req("time", Value), req("f", Func)],
        "count copies, each `time` later than the last with f applied once more (Tidal's; Strudel gives f the copy's index)",
        "stutWith 3 (1/8) (# speed 2) $ s \"bd sn\"",
    ),
    b(
        "echoWith",
        Op::Transform(T::StutWith),
        Transform,
        &[req("count", Const), req("time", Value), req("f", Func)],
        "same as `stutWith`",
        "echoWith 3 (1/8) (|* speed 2) $ s \"bd sn\" # speed 1",
    ),
    b(
        "plyWith",
        Op::Transform(T::PlyWith),
        Transform,
        &[req("count", Const), req("f", Func)],
        "repeats each event count times in its span, the i-th with f applied i times",
        "plyWith 3 (|* gain 0.8) $ s \"bd sn\"",
    ),
    b(
        "ghost",
        Op::Transform(T::Ghost),
        Transform,
        &[],
        "adds quieter, shorter, higher ghost notes 3/16 and 5/16 of a cycle after each event (Tidal's `ghost`)",
        "ghost $ s \"~ sn\"",
    ),
    b(
        "ghost'",
        Op::Transform(T::Ghost),
        Transform,
        &[req("a", Value)],
        "ghost with the copies 1.5a and 2.5a later",
        "ghost' (1/16) $ s \"~ sn\"",
    ),
    b(
        "ghostWith",
        Op::Transform(T::GhostWith),
        Transform,
        &[req("a", Value), req("f", Func)],
        "adds copies 1.5a and 2.5a later with f applied",
        "ghostWith (1/8) (|* gain 0.5) $ s \"~ sn\"",
    ),
    b(
        "shuffle",
        Op::Transform(T::Shuffle),
        Transform,
        N,
        "plays the n parts of each cycle in a random order, each once",
        "shuffle 4 $ s \"bd sn hh cp\"",
    ),
    b(
        "scramble",
        Op::Transform(T::Scramble),
        Transform,
        N,
        "plays n parts of each cycle picked at random (repeats allowed)",
        "scramble 4 $ s \"bd sn hh cp\"",
    ),
    b(
        "arp",
        Op::Transform(T::Arp),
        Transform,
        &[req("mode", Value)],
        "plays the notes of each chord (or stack) one after another: `up` `down` `updown` `downup` `converge` `diverge` `disconverge` `pinkyup` `pinkyupdown` `thumbup` `thumbupdown` (patternable; see docs/patterns.md#arpeggios)",
        "n (arp \"<up downup>\" \"c'maj e'min\") # s \"superpiano\"",
    ),
    b(
        "arpeggiate",
        Op::Transform(T::Arpeggiate),
        Transform,
        &[],
        "plays the notes of each chord one after another, in order (`arp \"up\"`)",
        "n (arpeggiate \"c'maj e'min\") # s \"superpiano\"",
    ),
    b(
        "arpg",
        Op::Transform(T::Arpeggiate),
        Transform,
        &[],
        "same as `arpeggiate`",
        "n (arpg \"c'maj\") # s \"superpiano\"",
    ),
    b(
        "scale",
        Op::Transform(T::Scale),
        Transform,
        &[req("name", Value)],
        "turns scale degrees into semitones: Tidal's 76 scales (`major` `minor` `dorian` `minPent` `chromatic` ...; see docs/patterns.md#scales), `\"c:minor\"` for a root (patternable)",
        "n (scale \"<major minor>\" \"0 .. 7\") # s \"superpiano\"",
    ),
    b(
        "toScale",
        Op::Transform(T::ToScale),
        Transform,
        &[req("steps", List)],
        "turns degrees into semitones with a scale given as its steps",
        "n (toScale [0, 2, 7] \"0 1 2 3 4\") # s \"superpiano\"",
    ),
    b(
        "layer",
        Op::Transform(T::Layer),
        Transform,
        &[req("fs", List)],
        "each transform of the list applied to the pattern, played together",
        "layer [rev, fast 2] $ s \"bd sn\"",
    ),
    b(
        "overlay",
        Op::Overlay,
        Source,
        &[req("a", Value), req("b", Value)],
        "plays two patterns at the same time",
        "overlay (s \"bd*2\") (s \"hh*3\")",
    ),
    b(
        "choose",
        Op::Choose,
        Source,
        LIST,
        "one of the values at random, continuous (sample with `segment` or `#`)",
        "s \"bd*8\" # speed (choose [1, 1.5, 2])",
    ),
    b(
        "wchoose",
        Op::WChoose,
        Source,
        LIST,
        "like choose with weights: `[[value, weight], ...]`",
        "s \"bd*8\" # speed (wchoose [[1, 3], [2, 1]])",
    ),
    b(
        "randcat",
        Op::RandCat,
        Source,
        LIST,
        "one of the patterns at random each cycle",
        "randcat [s \"bd*2\", s \"sn\", s \"hh*3\"]",
    ),
    b(
        "wrandcat",
        Op::WRandCat,
        Source,
        LIST,
        "like randcat with weights: `[[pattern, weight], ...]`",
        "wrandcat [[s \"bd*2\", 3], [s \"sn\", 1]]",
    ),
    b(
        "binaryN",
        Op::Binary,
        Source,
        &[req("bits", Const), req("n", Value)],
        "the bits of n, most significant first, as `bits` steps of 1 and 0 (Tidal's argument order)",
        "struct (binaryN 8 \"<5 13>\") $ s \"hh\"",
    ),
    b(
        "binary",
        Op::Binary,
        Source,
        N,
        "binaryN 8 (Tidal's; Strudel's takes as many bits as n needs)",
        "struct (binary 37) $ s \"hh\"",
    ),
    b(
        "cosine",
        Op::Continuous(Continuous::Cosine),
        Source,
        &[],
        "a 0..1 cosine per cycle (sine a quarter cycle earlier)",
        "s \"bd*8\" # pan cosine",
    ),
    b(
        "isaw",
        Op::Continuous(Continuous::Isaw),
        Source,
        &[],
        "a 0..1 falling ramp per cycle",
        "s \"bd*8\" # gain isaw",
    ),
    b(
        "perlin",
        Op::Continuous(Continuous::Perlin),
        Source,
        &[],
        "smooth 0..1 noise, a new value at each cycle start",
        "s \"hh*8\" # gain perlin",
    ),
    b(
        "unDegradeBy",
        Op::Transform(T::UndegradeBy),
        Transform,
        &[req("p", Value)],
        "same as `undegradeBy`",
        "unDegradeBy 0.3 $ s \"hh*8\"",
    ),
    b(
        "while",
        Op::Transform(T::While),
        Transform,
        &[req("bools", Value), req("f", Func)],
        "applies f where the boolean pattern is true (Tidal's `while`: `sew b (f p) p`)",
        "while \"1 0\" (fast 2) $ s \"bd sn hh cp\"",
    ),
    b(
        "fix",
        Op::Transform(T::Fix),
        Transform,
        &[req("f", Func), req("ctrls", Value)],
        "applies f to the events whose controls include ctrls (Tidal's `fix`)",
        "fix (# crush 4) (n 1) $ s \"drum*4\" # n \"0 1\"",
    ),
    b(
        "unfix",
        Op::Transform(T::Unfix),
        Transform,
        &[req("f", Func), req("ctrls", Value)],
        "applies f to the events whose controls do not include ctrls",
        "unfix (# crush 4) (s \"sn\") $ s \"bd sn\"",
    ),
    b(
        "contrast",
        Op::Transform(T::Contrast),
        Transform,
        &[req("f", Func), req("g", Func), req("ctrls", Value)],
        "f on the events whose controls include ctrls, g on the others",
        "contrast (# speed 2) (# speed 0.5) (n 1) $ s \"drum*4\" # n \"0 1\"",
    ),
    b(
        "bite",
        Op::Transform(T::Bite),
        Transform,
        &[req("n", Value), req("ipat", Value)],
        "cuts each cycle into n slices and plays them in the order of ipat, each squeezed into its event",
        "bite 4 \"0 2 [1 3] 0\" $ n \"0 .. 7\" # s \"arpy\"",
    ),
    b(
        "chew",
        Op::Transform(T::Chew),
        Transform,
        &[req("n", Value), req("ipat", Value)],
        "as `bite`, and each slice's `speed` follows its squeeze: a slice stretched over twice its length plays at half speed (Tidal's)",
        "chew 4 \"0 1 [2 3]\" $ n \"0 .. 7\" # s \"arpy\"",
    ),
    b(
        "rot",
        Op::Transform(T::Rot),
        Transform,
        N,
        "shifts each cycle's values n events to the left, keeping the structure: `rot 1 \"a ~ b c\"` is `\"b ~ c a\"` (Tidal's)",
        "rot \"<0 1 2>\" $ n \"0 ~ 2 3\" # s \"arpy\"",
    ),
    b(
        "transpose",
        Op::Transform(T::Transpose),
        Transform,
        &[req("amount", Value)],
        "adds semitones (a number) or an interval (`\"3M\"`, `\"-2m\"`, `\"5P\"`) to notes: plain numbers, note names (which become numbers) and `note` controls; `n` and other values are left as they are (Strudel's)",
        "note (transpose \"<0 -2 5 3>\" \"c e g\") # s \"superpiano\"",
    ),
    b(
        "voicing",
        Op::Transform(T::Voicing),
        Transform,
        &[],
        "plays chord symbols (`C^7`, `Dm7`, `Bb^7`, or `chord` controls) as voicings: the dictionary's voicing whose top note is nearest below the `anchor` (default `c6`, Strudel's c5), as `note` events; reads `dictionary`, `anchor`, `mode`, `offset`, `n`, `octaves` (Strudel's)",
        "voicing $ chord \"<C^7 A7 Dm7 G7>\" # s \"superpiano\"",
    ),
    b(
        "striateBy",
        Op::Transform(T::StriateBy),
        Transform,
        &[req("n", Value), req("f", Value)],
        "striate with n slices of length f each (they may overlap)",
        "striateBy 4 0.5 $ s \"break\"",
    ),
    b(
        "euclidOff",
        Op::Transform(T::EuclidOff),
        Transform,
        &[req("k", Value), req("n", Value), req("r", Value)],
        "euclid k n started r steps in (Tidal's rotation: earlier; `euclidRot` is Strudel's)",
        "euclidOff 3 8 2 $ s \"bd\"",
    ),
    b(
        "eoff",
        Op::Transform(T::EuclidOff),
        Transform,
        &[req("k", Value), req("n", Value), req("r", Value)],
        "same as `euclidOff`",
        "eoff 3 8 2 $ s \"bd\"",
    ),
    b(
        "euclidInv",
        Op::Transform(T::EuclidInv),
        Transform,
        &[req("k", Value), req("n", Value)],
        "plays on the steps euclid k n leaves empty",
        "euclidInv 3 8 $ s \"hh\"",
    ),
    b(
        "euclidFull",
        Op::Combine(Combine::EuclidFull),
        Source,
        &[
            req("k", Value),
            req("n", Value),
            req("a", Value),
            req("b", Value),
        ],
        "a on the steps of euclid k n, b on the others",
        "euclidFull 3 8 (s \"bd\") (s \"hh\")",
    ),
    b(
        "euclidOffFull",
        Op::Combine(Combine::EuclidOffFull),
        Source,
        &[
            req("k", Value),
            req("n", Value),
            req("r", Value),
            req("a", Value),
            req("b", Value),
        ],
        "euclidFull with the rotation of euclidOff",
        "euclidOffFull 3 8 2 (s \"bd\") (s \"hh\")",
    ),
    b(
        "sew",
        Op::Combine(Combine::Sew),
        Source,
        &[req("bools", Value), req("a", Value), req("b", Value)],
        "a where the booleans are true, b where false, each event cut at the switch (structure from a and b)",
        "sew \"t <f t> f\" (n \"0 .. 7\") (n \"12*4\") # s \"superpiano\"",
    ),
    b(
        "stitch",
        Op::Combine(Combine::Stitch),
        Source,
        &[req("bools", Value), req("a", Value), req("b", Value)],
        "values of a where the booleans are true and of b where false, structure from the booleans",
        "s \"bd*8\" # speed (stitch \"t(3,8)\" 2 1)",
    ),
    b(
        "ascii",
        Op::Combine(Combine::Ascii),
        Source,
        &[req("text", Value)],
        "the 8 bits of each character of the words, as 1 and 0",
        "struct (ascii \"<hi there>\") $ s \"hh\"",
    ),
    b(
        "scan",
        Op::Combine(Combine::Scan),
        Source,
        N,
        "0, then 0 1, then 0 1 2 ... up to n-1, one per cycle, and again",
        "n (scan 4) # s \"arpy\"",
    ),
    b(
        "squeeze",
        Op::Pick(Pick::Squeeze),
        Source,
        &[req("ipat", Value), req("patterns", List)],
        "the pattern each event of ipat names (by index), squeezed into the event",
        "squeeze \"<0 [1 0]>\" [s \"bd sn\", s \"hh*3\"]",
    ),
    b(
        "select",
        Op::Pick(Pick::Select),
        Source,
        &[req("f", Value), req("patterns", List)],
        "the pattern at f (0..1) through the list",
        "select \"<0 0.5 1>\" [s \"bd*2\", s \"sn\", s \"hh*3\"]",
    ),
    b(
        "chooseBy",
        Op::Pick(Pick::ChooseBy),
        Source,
        &[req("f", Value), req("values", List)],
        "the value at f (0..1) through the list, structure from f",
        "n (chooseBy (segment 4 sine) [0, 3, 7]) # s \"arpy\"",
    ),
    b(
        "cycleChoose",
        Op::Pick(Pick::CycleChoose),
        Source,
        LIST,
        "one of the values at random, once per cycle",
        "n (cycleChoose [0, 3, 7]) # s \"arpy*4\"",
    ),
    b(
        "arrange",
        Op::Arrange,
        Source,
        LIST,
        "sections of so many cycles, in turn: `[[cycles, pattern], ...]`",
        "arrange [[2, s \"bd*2\"], [1, s \"sn*3\"]]",
    ),
    b(
        "ur",
        Op::Ur,
        Source,
        &[
            req("t", Const),
            req("names", Value),
            req("patterns", List),
            req("fx", List),
        ],
        "over t cycles, each event of names plays the pattern of that name (`name:fx` with the function of that name applied inside it): `[[\"name\", pattern], ..]`, `[[\"name\", transform], ..]` (Tidal's)",
        "ur 4 \"a [a, b:fast] b\" [[\"a\", s \"bd*4\"], [\"b\", s \"hh*8\"]] [[\"fast\", fast 2]]",
    ),
    b(
        "isquare",
        Op::Continuous(Continuous::Isquare),
        Source,
        &[],
        "a 0..1 square per cycle starting high (1 - square)",
        "s \"bd*8\" # gain (isquare * 0.5 + 0.5)",
    ),
    b(
        "envL",
        Op::Continuous(Continuous::Env(phonon_runtime::pattern::tidal::Envelope::L)),
        Source,
        &[],
        "rises from 0 to 1 over the first cycle, then stays at 1",
        "s \"hh*8\" # gain envL",
    ),
    b(
        "envLR",
        Op::Continuous(Continuous::Env(
            phonon_runtime::pattern::tidal::Envelope::LR,
        )),
        Source,
        &[],
        "falls from 1 to 0 over the first cycle, then stays at 0",
        "s \"hh*8\" # gain envLR",
    ),
    b(
        "envR",
        Op::Continuous(Continuous::Env(
            phonon_runtime::pattern::tidal::Envelope::LR,
        )),
        Source,
        &[],
        "same as `envLR`",
        "s \"hh*8\" # gain envR",
    ),
    b(
        "envEq",
        Op::Continuous(Continuous::Env(
            phonon_runtime::pattern::tidal::Envelope::Eq,
        )),
        Source,
        &[],
        "equal-power fall over the first cycle (for crossfades)",
        "s \"hh*8\" # gain envEq",
    ),
    b(
        "envEqR",
        Op::Continuous(Continuous::Env(
            phonon_runtime::pattern::tidal::Envelope::EqR,
        )),
        Source,
        &[],
        "equal-power rise over the first cycle",
        "s \"hh*8\" # gain envEqR",
    ),
    b(
        "within'",
        Op::Transform(T::WithinZoomed),
        Transform,
        &[req("span", Pair), req("f", Func)],
        "like within, but f sees only the span, stretched over the cycle, then squeezed back",
        "within' (0, 0.5) (fast 2) $ s \"bd sn cp hh\"",
    ),
    b(
        "toScale'",
        Op::Transform(T::ToScaleOctave),
        Transform,
        &[req("octave", Const), req("steps", List)],
        "toScale with an octave of the given number of semitones",
        "n (toScale' 10 [0, 2, 7] \"0 .. 5\") # s \"superpiano\"",
    ),
    b(
        "pickF",
        Op::Transform(T::PickF),
        Transform,
        &[req("i", Value), req("fs", List)],
        "applies the transform of the list each event of i names (wrapping)",
        "pickF \"<0 1 2>\" [rev, fast 2, id] $ s \"bd sn hh\"",
    ),
    b(
        "randslice",
        Op::Transform(T::Randslice),
        Transform,
        N,
        "plays one of n slices of each sample at random",
        "randslice 8 $ s \"break*4\"",
    ),
    b(
        "slice",
        Op::Transform(T::Slice),
        Transform,
        &[req("n", Value), req("i", Value)],
        "plays slice i of n of each sample, structure from i",
        "slice 4 \"0 2 <1 3> 0\" $ s \"break\"",
    ),
    b(
        "splice",
        Op::Transform(T::Splice),
        Transform,
        &[req("n", Value), req("i", Value)],
        "slice with each slice's speed fitted to its event (unit \"c\")",
        "splice 4 \"0 2 <1 3> 0\" $ s \"break\"",
    ),
    b(
        "pick",
        Op::Pick(Pick::Pick),
        Source,
        &[req("patterns", List), req("indices", Value)],
        "the pattern each event of indices names (held to the list's ends), structure from it",
        "pick [s \"bd sn\", s \"hh*3\"] \"<0 1>\"",
    ),
    b(
        "perlinWith",
        Op::Combine(Combine::PerlinWith),
        Source,
        &[req("t", Value)],
        "perlin noise read at the values of t instead of at time (Tidal's `perlinWith`, with the random draws of `perlin`)",
        "s \"hh*8\" # gain (perlinWith (saw * 4))",
    ),
    b(
        "stutter",
        Op::Transform(T::Stutter),
        Transform,
        &[req("count", Const), req("time", Value)],
        "count copies of each event, `time` apart (Tidal's `echoWith n t id`)",
        "stutter 4 (1/16) $ s \"bd cp\"",
    ),
    b(
        "rolled",
        Op::Transform(T::RolledBy),
        Transform,
        &[],
        "strums each chord: its notes start one after another over the first quarter of it",
        "n (rolled \"<c'maj e'min>\") # s \"superpiano\"",
    ),
    b(
        "rolledBy",
        Op::Transform(T::RolledBy),
        Transform,
        &[req("t", Value)],
        "rolled over the first t of each chord; a negative t strums downwards",
        "n (rolledBy \"<0.25 -0.5>\" \"c'maj9\") # s \"superpiano\"",
    ),
    b(
        "somecycles",
        Op::Transform(T::SomeCycles(0.5)),
        Transform,
        F,
        "same as `someCycles`",
        "somecycles (# speed 2) $ s \"bd*4\"",
    ),
    b(
        "somecyclesBy",
        Op::Transform(T::SomeCyclesBy),
        Transform,
        &[req("p", Value), req("f", Func)],
        "same as `someCyclesBy`",
        "somecyclesBy 0.3 (# speed 2) $ s \"bd*4\"",
    ),
    b(
        "ghost''",
        Op::Transform(T::GhostWith),
        Transform,
        &[req("a", Value), req("f", Func)],
        "same as `ghostWith`",
        "ghost'' (1/8) (|* gain 0.5) $ s \"~ sn\"",
    ),
    b(
        "spread",
        Op::Transform(T::Spread(Spread::Slow)),
        Transform,
        &[req("f", FuncName), req("values", List)],
        "`f v` for each value of the list, one per cycle (Tidal's `spread`)",
        "spread fast [1, 2] $ s \"bd sn\"",
    ),
    b(
        "slowspread",
        Op::Transform(T::Spread(Spread::Slow)),
        Transform,
        &[req("f", FuncName), req("values", List)],
        "same as `spread`",
        "slowspread chop [1, 4] $ s \"break\"",
    ),
    b(
        "fastspread",
        Op::Transform(T::Spread(Spread::Fast)),
        Transform,
        &[req("f", FuncName), req("values", List)],
        "`f v` for each value, all squeezed into one cycle",
        "fastspread fast [1, 2] $ s \"bd sn\"",
    ),
    b(
        "spreadChoose",
        Op::Transform(T::Spread(Spread::Choose)),
        Transform,
        &[req("f", FuncName), req("values", List)],
        "`f v` for a value of the list chosen at random each cycle",
        "spreadChoose fast [1, 2, 0.5] $ s \"bd*4\"",
    ),
    b(
        "spreadr",
        Op::Transform(T::Spread(Spread::Choose)),
        Transform,
        &[req("f", FuncName), req("values", List)],
        "same as `spreadChoose`",
        "spreadr fast [1, 2] $ s \"bd sn\"",
    ),
    b(
        "spreadf",
        Op::Transform(T::SpreadF),
        Transform,
        &[req("fs", List)],
        "each transform of the list in turn, one per cycle (`spread ($)`)",
        "spreadf [rev, fast 2, id] $ s \"bd sn\"",
    ),
    // Filters, envelopes, effects: the input arrives through `#` or `$`.
    b(
        "lpf",
        Op::Filter(Filter::Lpf),
        Effect,
        FILTER,
        "low-pass filter (12 dB/oct); cutoff in Hz, q resonance. On a pattern of events, `# lpf x` with one value is the per-event `cutoff`",
        "saw 55 # lpf 800 0.9",
    ),
    b(
        "hpf",
        Op::Filter(Filter::Hpf),
        Effect,
        FILTER,
        "high-pass filter. On a pattern of events, `# hpf x` with one value is the per-event `hcutoff`",
        "noise # hpf 5000",
    ),
    b(
        "bpf",
        Op::Filter(Filter::Bpf),
        Effect,
        FILTER,
        "band-pass filter. On a pattern of events, `# bpf x` with one value is the per-event `bandf`",
        "noise # bpf 1000 4",
    ),
    b(
        "notch",
        Op::Filter(Filter::Notch),
        Effect,
        FILTER,
        "notch filter",
        "saw 110 # notch 440 2",
    ),
    b(
        "moog",
        Op::Filter(Filter::Moog),
        Effect,
        &[req("cutoff", Value), opt("res", 0.5)],
        "Moog-style 24 dB/oct ladder low-pass",
        "saw 55 # moog 600 0.7",
    ),
    b(
        "ad",
        Op::Envelope(Env::Ad),
        Effect,
        &[req("attack", Value), req("decay", Value)],
        "attack-decay envelope per event (seconds)",
        "saw \"c4 e4\" # ad 0.01 0.3",
    ),
    b(
        "adsr",
        Op::Envelope(Env::Adsr),
        Effect,
        &[
            req("attack", Value),
            req("decay", Value),
            opt("sustain", 0.7),
            opt("release", 0.1),
        ],
        "attack-decay-sustain-release envelope per event",
        "saw \"c4 e4\" # adsr 0.01 0.1 0.6 0.3",
    ),
    b(
        "ar",
        Op::Envelope(Env::Ar),
        Effect,
        &[req("attack", Value), req("release", Value)],
        "attack-release envelope per event",
        "sine \"c5 e5\" # ar 0.05 0.5",
    ),
    b(
        "reverb",
        Op::Reverb,
        Effect,
        &[req("room", Value), req("damp", Value), opt("mix", 0.3)],
        "stereo Freeverb (8 combs, 4 allpasses per side); room 0..1 sets the decay (RT60 about 0.9 s at 0.3, 2.7 s at 0.8), damp 0..1 darkens the tail; mix 0 dry .. 1 wet",
        "s \"cp*2\" # reverb 0.8 0.4 :mix 0.3",
    ),
    b(
        "delay",
        Op::Delay,
        Effect,
        &[
            req("time", Value),
            opt("feedback", 0.5),
            opt("mix", 0.5),
            opt("lock", 0.0),
        ],
        "feedback echo after `time` seconds (up to 4 s; `:lock 1`: `time` in cycles). On a pattern of events, `# delay x` with one value is instead the per-event send to the orbit's delay (see `delaytime`)",
        "s \"sn\" # delay 0.375 0.5 0.4",
    ),
    b(
        "distortion",
        Op::Fx(Fx::Distortion),
        Effect,
        &[req("drive", Value), opt("mix", 1.0)],
        "tanh waveshaper: tanh(x · (1 + drive)), odd harmonics, never above ±1; mix 0 dry .. 1 wet",
        "saw 55 # distortion 4 0.8",
    ),
    b(
        "bitcrush",
        Op::Fx(Fx::Bitcrush),
        Effect,
        &[req("bits", Value), opt("rate", 1.0)],
        "rounds to `bits` bits (at most 2^bits levels) and holds each value for `rate` frames (≥ 1, fractional allowed)",
        "s \"bd*4\" # bitcrush 4 8",
    ),
    b(
        "chorus",
        Op::Chorus,
        Effect,
        &[req("rate", Value), req("depth", Value), opt("mix", 0.5)],
        "a delay swept by a sine at `rate` Hz between 15 ± 5·depth ms, the right side a quarter turn ahead; mix 0 dry .. 1 wet",
        "saw 110 # chorus 0.5 0.3",
    ),
    b(
        "compressor",
        Op::Fx(Fx::Compressor),
        Effect,
        &[
            req("threshold_db", Value),
            req("ratio", Value),
            req("attack", Value),
            req("release", Value),
            opt("makeup_db", 0.0),
        ],
        "feed-forward peak compressor: above `threshold_db` the level rises 1/ratio dB per dB; attack/release in seconds; per channel",
        "s \"bd*4\" # compressor -20 4 0.01 0.1",
    ),
    b(
        "pan2",
        Op::Pan2,
        Effect,
        &[req("pos", Value)],
        "places a signal in the stereo field, -1 left .. 1 right",
        "sine 440 # pan2 (-0.5)",
    ),
    // Per-event parameters.
    b(
        "gain",
        Op::Control("gain"),
        Param,
        PAT,
        "amplitude per event on SuperDirt's curve: the sample times min(gain, 2)^4 (1 plays it as it is, 0.8 is -7.8 dB, 1.2 is +6.3 dB); on a signal, multiplies it",
        "s \"bd*4\" # gain \"1 0.7\"",
    ),
    b(
        "overgain",
        Op::Control("overgain"),
        Param,
        PAT,
        "added to `gain` after its cap of 2, before the 4th power (SuperDirt's `overgain`)",
        "s \"bd*4\" # gain 2 # overgain 0.2",
    ),
    b(
        "amp",
        Op::Control("amp"),
        Param,
        PAT,
        "linear amplitude per event, SuperDirt's `amp` (default 0.4, which plays the sample as it is: the level is amp/0.4 · gain^4)",
        "s \"bd*4\" # amp 0.2",
    ),
    b(
        "velocity",
        Op::Control("velocity"),
        Param,
        PAT,
        "linear amplitude factor per event, 0..1 (Strudel's: multiplies the level); `superpiano` also plays softer notes darker",
        "s \"hh*8\" # velocity \"1 0.5\"",
    ),
    b(
        "postgain",
        Op::Control("postgain"),
        Param,
        PAT,
        "linear amplitude factor per event after its effects (Strudel's)",
        "s \"bd*4\" # shape 0.8 # postgain 0.5",
    ),
    b(
        "sustain",
        Op::Control("sustain"),
        Param,
        PAT,
        "how long the event sounds, in seconds (SuperDirt's `sustain`: replaces the sample's length, `legato` and `loop`, then a 2 ms fade; a synth's envelope lasts it, default the event's duration)",
        "s \"breaks\" # sustain 0.1",
    ),
    b(
        "midinote",
        Op::Control("midinote"),
        Param,
        PAT,
        "a note as a MIDI number: `note` 60 less (`midinote 60` is `note 0`, c5; Tidal's)",
        "midinote \"60 64 67\" # s \"superpiano\"",
    ),
    b(
        "up",
        Op::Control("note"),
        Param,
        PAT,
        "alias of `note`: semitones up (Tidal's `up`)",
        "s \"arpy*4\" # up \"0 12\"",
    ),
    b(
        "octave",
        Op::Control("octave"),
        Param,
        PAT,
        "the octave of `note` (default 5, SuperDirt's): the pitch is note + (octave - 5)·12 semitones; on samples, octave 6 plays twice as fast",
        "n \"0 4 7\" # s \"superpiano\" # octave 4",
    ),
    b(
        "freq",
        Op::Control("freq"),
        Param,
        PAT,
        "pitch in Hz, in place of `note` and `octave` (SuperDirt's `freq`); a sample plays at freq / 261.63 times its speed",
        "s \"sine\" # freq \"220 330\"",
    ),
    b(
        "accelerate",
        Op::Control("accelerate"),
        Param,
        PAT,
        "pitch glide: the speed goes linearly from `speed` to speed·(1 + accelerate) over the sound (SuperDirt's; a sample's length follows the average speed)",
        "s \"arpy\" # accelerate \"-1 1\"",
    ),
    b(
        "hold",
        Op::Control("hold"),
        Param,
        PAT,
        "seconds at full level between `attack` and `release` (SuperDirt's `envelope` module, which runs when an event has `attack` or `release`)",
        "s \"cr\" # attack 0.01 # hold 0.2 # release 0.1",
    ),
    b(
        "decay",
        Op::Control("decay"),
        Param,
        PAT,
        "synth envelopes: the ADSR decay of `sine` `sawtooth` `square` `triangle` (Strudel's: with `decay` the level falls to silence unless held), the level drop 0..1 of `supersaw` (SuperDirt's); samples have no decay stage",
        "note \"c e g\" # s \"sawtooth\" # decay 0.2",
    ),
    b(
        "voice",
        Op::Control("voice"),
        Param,
        PAT,
        "`supersaw`'s detune spread: its saws are voice/50 apart and its octave triangle's phase is voice (SuperDirt's, default 0.5); no effect on other sounds",
        "n \"0 7\" # s \"supersaw\" # voice 0.9",
    ),
    b(
        "pan",
        Op::Control("pan"),
        Param,
        PAT,
        "stereo position per event, -1 left .. 1 right",
        "s \"hh*4\" # pan \"-1 1\"",
    ),
    b(
        "speed",
        Op::Control("speed"),
        Param,
        PAT,
        "playback rate; negative plays backwards",
        "s \"arpy\" # speed 2",
    ),
    b(
        "cut",
        Op::Control("cut"),
        Param,
        PAT,
        "choke group: a new event stops the sounding one",
        "s \"oh*4\" # cut 1",
    ),
    b(
        "begin",
        Op::Control("begin"),
        Param,
        PAT,
        "start of the sample, 0..1",
        "s \"break\" # begin 0.25",
    ),
    b(
        "end",
        Op::Control("end"),
        Param,
        PAT,
        "end of the sample, 0..1",
        "s \"break\" # end 0.5",
    ),
    b(
        "attack",
        Op::Control("attack"),
        Param,
        PAT,
        "fade-in seconds from the event's start (SuperDirt's `envelope` module, linear here); on `sine` `sawtooth` `square` `triangle` the ADSR attack (Strudel's)",
        "s \"pad\" # attack 0.1",
    ),
    b(
        "release",
        Op::Control("release"),
        Param,
        PAT,
        "fade-out seconds starting after `attack` + `hold`: the sound ends there (SuperDirt's `envelope` module, linear here); on `sine` `sawtooth` `square` `triangle` the ADSR release after the note's duration (Strudel's)",
        "s \"pad\" # release 0.5",
    ),
    b(
        "legato",
        Op::Transform(T::Legato),
        Transform,
        &[req("x", Value)],
        "holds each event for x times its duration (sets `legato`)",
        "legato 0.5 $ s \"arpy*4\"",
    ),
    b(
        "unit",
        Op::Control("unit"),
        Param,
        PAT,
        "`\"c\"`: speed in cycles per sample",
        "s \"break\" # unit \"c\" # speed 1",
    ),
    b(
        "loop",
        Op::Control("loop"),
        Param,
        PAT,
        "number of loops of the sample",
        "s \"arpy\" # loop 2",
    ),
    b(
        "orbit",
        Op::Control("orbit"),
        Param,
        PAT,
        "the orbit (0..255) an event plays on (default 0): its `room` and `delay` sends feed that orbit's reverb and delay, heard in the output `orbit N`",
        "s \"bd\" # orbit 1",
    ),
    b(
        "nudge",
        Op::Control("nudge"),
        Param,
        PAT,
        "plays each event that many seconds later (SuperDirt's `nudge`, for swing and feel); never earlier: a negative number is an error",
        "s \"hh*8\" # nudge \"0 0.02\"",
    ),
    b(
        "chord",
        Op::Control("chord"),
        Param,
        PAT,
        "a chord symbol for `voicing`: a root `A`..`G` (with `b`/`#`) and a symbol of the dictionary (`^7`, `m7`, `-7`, `7b9`, `o7`, `h7`, `sus`, `69`, ...)",
        "voicing $ chord \"<C^7 Dm7 G7>\" # s \"superpiano\"",
    ),
    b(
        "dictionary",
        Op::Control("dictionary"),
        Param,
        PAT,
        "the voicing dictionary `voicing` uses: ireal (the default), lefthand, triads, guidetones, legacy",
        "voicing $ chord \"<Dm7 G7>\" # dictionary \"lefthand\"",
    ),
    b(
        "dict",
        Op::Control("dictionary"),
        Param,
        PAT,
        "same as `dictionary`",
        "voicing $ chord \"<Dm7 G7>\" # dict \"lefthand\"",
    ),
    b(
        "anchor",
        Op::Control("anchor"),
        Param,
        PAT,
        "the pitch `voicing` aligns chords to (a note number or name, Phonon's: `c6` is Strudel's default c5)",
        "voicing $ chord \"<C^7 F^7>\" # anchor \"g5\"",
    ),
    b(
        "mode",
        Op::Control("mode"),
        Param,
        PAT,
        "how `voicing` places a chord against the anchor: below (top note at or below it, the default), duck (below, without the anchor note), above (bottom note at or above), root",
        "voicing $ chord \"<C^7 F^7>\" # mode \"above\"",
    ),
    b(
        "offset",
        Op::Control("offset"),
        Param,
        PAT,
        "moves `voicing` to the next voicing up (or down, negative) in the dictionary",
        "voicing $ chord \"C^7\" # offset \"<0 1 2>\"",
    ),
    b(
        "octaves",
        Op::Control("octaves"),
        Param,
        PAT,
        "with `n`, the octaves `voicing` climbs each time `n` runs through the voicing's notes (default 1)",
        "voicing $ n \"0 .. 9\" # chord \"C^7\" # octaves 2",
    ),
    // MIDI (events of `s "midi"`, played on `phonon live --midi-out PORT`: docs/rig.md).
    b(
        "midichan",
        Op::Control("midichan"),
        Param,
        PAT,
        "the MIDI channel of an `s \"midi\"` event, 0..15 (SuperDirt's: counted from 0)",
        "note \"0 4 7\" # s \"midi\" # midichan 9",
    ),
    b(
        "ccn",
        Op::Control("ccn"),
        Param,
        PAT,
        "the controller number of a MIDI control change, 0..127, sent with `ccv` by an `s \"midi\"` event",
        "ccn 74 # ccv \"0 64 127\" # s \"midi\"",
    ),
    b(
        "ccv",
        Op::Control("ccv"),
        Param,
        PAT,
        "the value of a MIDI control change, 0..127 (with `ccn`)",
        "ccn 74 # ccv (segment 8 $ range 0 127 sine) # s \"midi\"",
    ),
    b(
        "nrpnn",
        Op::Control("nrpn"),
        Param,
        PAT,
        "a MIDI NRPN number, 0..16383, sent with `nrpnv` by an `s \"midi\"` event (Tidal's `nrpnn`)",
        "nrpnn 1000 # nrpnv \"0 8000\" # s \"midi\"",
    ),
    b(
        "nrpnv",
        Op::Control("val"),
        Param,
        PAT,
        "the value of a MIDI NRPN, 0..16383 (with `nrpnn`; Tidal's `nrpnv`)",
        "nrpnn 1000 # nrpnv 8000 # s \"midi\"",
    ),
    b(
        "midibend",
        Op::Control("midibend"),
        Param,
        PAT,
        "a MIDI pitch bend, 0..16383 (8192 is none), sent by an `s \"midi\"` event",
        "midibend \"8192 12000\" # s \"midi\"",
    ),
    b(
        "miditouch",
        Op::Control("miditouch"),
        Param,
        PAT,
        "MIDI channel aftertouch, 0..127, sent by an `s \"midi\"` event",
        "miditouch \"0 100\" # s \"midi\"",
    ),
    b(
        "polyTouch",
        Op::Control("polyTouch"),
        Param,
        PAT,
        "MIDI polyphonic aftertouch of the event's note, 0..127, sent instead of the note (SuperDirt's)",
        "note 0 # polyTouch \"0 100\" # s \"midi\"",
    ),
    b(
        "progNum",
        Op::Control("progNum"),
        Param,
        PAT,
        "a MIDI program change, 0..127, sent by an `s \"midi\"` event",
        "progNum \"<0 5>\" # s \"midi\"",
    ),
    b(
        "ctlNum",
        Op::Control("ctlNum"),
        Param,
        PAT,
        "the controller number, 0..127, of an `s \"midi\"` event's `midicmd \"control\"` (Tidal's)",
        "midicmd \"control\" # ctlNum 74 # control \"0 64\" # s \"midi\"",
    ),
    b(
        "control",
        Op::Control("control"),
        Param,
        PAT,
        "the controller value, 0..127 (125 when not given), of `midicmd \"control\"` (Tidal's)",
        "midicmd \"control\" # ctlNum 7 # control \"<100 60>\" # s \"midi\"",
    ),
    b(
        "midicmd",
        Op::Control("midicmd"),
        Param,
        PAT,
        "a MIDI message sent by an `s \"midi\"` event: `start`, `stop`, `continue`, `midiClock`, `control` (with `ctlNum` and `control`), `allNotesOff` (Tidal's)",
        "midicmd \"midiClock*48\" # s \"midi\"",
    ),
    b(
        "vowel",
        Op::Control("vowel"),
        Param,
        PAT,
        "per-event formant filter: a e i o u (SuperDirt's `dirt_vowel`; `resonance`, default 0.5, sharpens it)",
        "s \"arpy*4\" # vowel \"a e\"",
    ),
    b(
        "shape",
        Op::Control("shape"),
        Param,
        PAT,
        "per-event waveshaping 0..1 before the gain (SuperDirt's `dirt_shape`: (1+k)x/(1+k|x|), k = 2·shape/(1-shape))",
        "s \"bd\" # shape 0.5",
    ),
    b(
        "hcutoff",
        Op::Control("hcutoff"),
        Param,
        PAT,
        "per-event resonant high-pass cutoff, Hz (SuperCollider's RHPF, 20 Hz..Nyquist)",
        "s \"hh*8\" # hcutoff 2000",
    ),
    b(
        "hresonance",
        Op::Control("hresonance"),
        Param,
        PAT,
        "resonance 0..1 of the per-event high-pass (reciprocal Q from 1 to 0.001)",
        "s \"hh*8\" # hcutoff 2000 # hresonance 0.3",
    ),
    b(
        "hpq",
        Op::Control("hresonance"),
        Param,
        PAT,
        "alias of `hresonance`",
        "s \"hh*8\" # hcutoff 2000 # hpq 0.3",
    ),
    b(
        "bandf",
        Op::Control("bandf"),
        Param,
        PAT,
        "per-event band-pass centre, Hz (SuperCollider's BPF, output scaled by `bandq`)",
        "s \"sn*4\" # bandf 1500",
    ),
    b(
        "bandq",
        Op::Control("bandq"),
        Param,
        PAT,
        "band-pass Q of `bandf`, at least 1 (default 10)",
        "s \"sn*4\" # bandf 1500 # bandq 4",
    ),
    b(
        "bpq",
        Op::Control("bandq"),
        Param,
        PAT,
        "alias of `bandq`",
        "s \"sn*4\" # bandf 1500 # bpq 4",
    ),
    b(
        "crush",
        Op::Control("crush"),
        Param,
        PAT,
        "per-event bit crushing: rounds to steps of 0.5^(crush-1) (1..16, lower is harsher)",
        "s \"bd*4\" # crush 4",
    ),
    b(
        "coarse",
        Op::Control("coarse"),
        Param,
        PAT,
        "per-event sample-rate reduction: holds every coarse-th frame (1 is full rate)",
        "s \"bd*4\" # coarse 8",
    ),
    b(
        "cutoff",
        Op::Control("cutoff"),
        Param,
        PAT,
        "per-event resonant low-pass cutoff, Hz (SuperCollider's RLPF, 20 Hz..Nyquist)",
        "s \"hh*8\" # cutoff 3000",
    ),
    b(
        "ctf",
        Op::Control("cutoff"),
        Param,
        PAT,
        "alias of `cutoff`",
        "s \"hh*8\" # ctf 3000",
    ),
    b(
        "resonance",
        Op::Control("resonance"),
        Param,
        PAT,
        "resonance 0..1 of the per-event low-pass (reciprocal Q from 1 to 0.001)",
        "s \"hh*8\" # cutoff 3000 # resonance 0.3",
    ),
    b(
        "lpq",
        Op::Control("resonance"),
        Param,
        PAT,
        "alias of `resonance`",
        "s \"hh*8\" # cutoff 3000 # lpq 0.3",
    ),
    b(
        "tremolorate",
        Op::Control("tremolorate"),
        Param,
        PAT,
        "per-event tremolo at that many Hz (SuperDirt's `dirt_tremolo`: the sound times (1 - d) + d·cos(2π·rate·t), d = tremolodepth/2, t from the event's start)",
        "s \"arpy*2\" # tremolorate 8 # tremolodepth 0.8",
    ),
    b(
        "tremolodepth",
        Op::Control("tremolodepth"),
        Param,
        PAT,
        "depth 0..1 of `tremolorate`'s tremolo (default 0.5; as in SuperDirt, no tremolo without a `tremolorate`)",
        "s \"arpy*2\" # tremolorate 8 # tremolodepth 0.8",
    ),
    b(
        "triode",
        Op::Control("triode"),
        Param,
        PAT,
        "per-event triode-like distortion (SuperDirt's `dirt_triode`): the negative half squashed to tanh(x·sc)/sc, sc = triode·10, then a DC blocker",
        "s \"bd*4\" # triode 0.5",
    ),
    b(
        "ring",
        Op::Control("ring"),
        Param,
        PAT,
        "per-event ring modulation amount (SuperDirt's `dirt_ring`: x + x·ring·sin(2π·ringf·t))",
        "s \"arpy*4\" # ring 1 # ringf 300",
    ),
    b(
        "ringf",
        Op::Control("ringf"),
        Param,
        PAT,
        "the ring modulator's frequency in Hz (clipped to 20 Hz .. 20 kHz)",
        "s \"arpy*4\" # ring 1 # ringf 300",
    ),
    b(
        "ringdf",
        Op::Control("ringdf"),
        Param,
        PAT,
        "the ring modulator glides exponentially from `ringf` to `ringf + ringdf` over a second",
        "s \"arpy*4\" # ring 1 # ringf 300 # ringdf 600",
    ),
    b(
        "phaserrate",
        Op::Control("phaserrate"),
        Param,
        PAT,
        "per-event phaser (SuperDirt's `dirt_phaser`): the sound plus `phaserdepth` times itself delayed by 8.8..10 ms, swept by a parabolic LFO at this many Hz (a moving comb filter)",
        "s \"arpy*4\" # phaserrate 2 # phaserdepth 0.8",
    ),
    b(
        "phasr",
        Op::Control("phaserrate"),
        Param,
        PAT,
        "alias of `phaserrate`",
        "s \"arpy*4\" # phasr 2",
    ),
    b(
        "phaserdepth",
        Op::Control("phaserdepth"),
        Param,
        PAT,
        "the phaser's depth 0..1 (default 0.5; as in SuperDirt, no phaser without `phaserrate`)",
        "s \"arpy*4\" # phaserrate 2 # phaserdepth 0.8",
    ),
    b(
        "phasdp",
        Op::Control("phaserdepth"),
        Param,
        PAT,
        "alias of `phaserdepth`",
        "s \"arpy*4\" # phasr 2 # phasdp 0.8",
    ),
    b(
        "squiz",
        Op::Control("squiz"),
        Param,
        PAT,
        "per-event pitch-raising mangler (SuperDirt's `squiz`, sc3-plugins' `Squiz`): the sound cut at its upward zero crossings, each piece read back this many times faster (at least 1) as it is written: part filter, part ring modulator, part pitch shifter",
        "s \"arpy*4\" # squiz \"1 2 4\"",
    ),
    b(
        "waveloss",
        Op::Control("waveloss"),
        Param,
        PAT,
        "per-event dropout (SuperDirt's `waveloss`, `WaveLoss` in random mode): each piece of the sound between upward zero crossings is silenced with probability waveloss/100",
        "s \"arpy*4\" # waveloss 40",
    ),
    b(
        "comb",
        Op::Control("comb"),
        Param,
        PAT,
        "per-event spectral comb 0..1 (SuperDirt's `spectral-comb`): through a 2048-point FFT, 256·comb teeth across the spectrum, each silencing all but 1 - comb of its bins; the sound comes 2048 frames later (46 ms at 44.1 kHz)",
        "s \"arpy*4\" # comb \"<0.2 0.6>\"",
    ),
    b(
        "fshift",
        Op::Control("fshift"),
        Param,
        PAT,
        "per-event frequency shifter, Hz (SuperDirt's `dirt_fshift`, SuperCollider's `FreqShift`): every partial moves up (or down, negative) by that many Hz, so harmonics stop being harmonic",
        "s \"arpy*4\" # fshift \"0 100 -50\"",
    ),
    b(
        "fshiftnote",
        Op::Control("fshiftnote"),
        Param,
        PAT,
        "adds this many times the event's frequency (from `note`/`n`/`freq`, as for a synth) to `fshift`'s shift",
        "n \"0 7\" # s \"superpiano\" # fshift 0 # fshiftnote 0.5",
    ),
    b(
        "fshiftphase",
        Op::Control("fshiftphase"),
        Param,
        PAT,
        "the shifting oscillator's starting phase, radians (default 0)",
        "s \"arpy\" # fshift 30 # fshiftphase 1.57",
    ),
    b(
        "krush",
        Op::Control("krush"),
        Param,
        PAT,
        "per-event distortion after Sonic Pi's krush (SuperDirt's `dirt_krush`): (x² + k·x)/(x² + |x|(k-1) + 1) through a low-pass at `kcutoff`, faded in over krush 0..0.5",
        "s \"bd*4\" # krush 4",
    ),
    b(
        "kcutoff",
        Op::Control("kcutoff"),
        Param,
        PAT,
        "the low-pass after `krush`, Hz (default 4000; clipped to 20 Hz..10 kHz)",
        "s \"bd*4\" # krush 4 # kcutoff 2000",
    ),
    b(
        "octer",
        Op::Control("octer"),
        Param,
        PAT,
        "per-event octave up after Sonic Pi's octaver (SuperDirt's `dirt_octer`): 0 dry, 1 the rectified signal (twice the frequency), 2 silent (an equal-power fade between)",
        "s \"arpy*4\" # octer 1",
    ),
    b(
        "octersub",
        Op::Control("octersub"),
        Param,
        PAT,
        "adds an octave down: the signal low-passed at 440 Hz, gated by a flip-flop it clocks (SuperDirt's `dirt_octer`)",
        "s \"arpy*4\" # octersub 1",
    ),
    b(
        "octersubsub",
        Op::Control("octersubsub"),
        Param,
        PAT,
        "adds two octaves down, as `octersub` with a second flip-flop",
        "s \"arpy*4\" # octersubsub 1",
    ),
    b(
        "distort",
        Op::Control("distort"),
        Param,
        PAT,
        "per-event crunchy distortion 0..1 (SuperDirt's `dirt_distort`: crossover distortion plus ringing resonators at 60, 61, 240 and about 3000 Hz, cubed, soft-clipped, faded in by `distort`)",
        "s \"bd*4\" # distort 0.5",
    ),
    b(
        "djf",
        Op::Control("djf"),
        Param,
        PAT,
        "per-event DJ filter 0..1 (SuperDirt's `dj-filter`): below 0.5 a low-pass from 20 Hz to 10 kHz, above 0.5 a high-pass from 20 Hz to 10 kHz, 0.5 open",
        "s \"bd*4 hh*8\" # djf \"<0.2 0.8>\"",
    ),
    b(
        "leslie",
        Op::Control("leslie"),
        Param,
        PAT,
        "per-event share 0..1 of the sound that plays through its orbit's rotating speaker (SuperDirt's `dirt_leslie`) instead of straight: 1 is all leslie, heard in the output `orbit N`",
        "s \"arpy*4\" # leslie 0.8 # lrate 6.7",
    ),
    b(
        "lrate",
        Op::Control("lrate"),
        Param,
        PAT,
        "the orbit's leslie rotor speed, Hz (default 6.7, fast; 0.7 is slow; changes glide over seconds as the rotor speeds up); set by the last event that gives it",
        "s \"arpy*4\" # leslie 1 # lrate \"<0.7 6.7>\"",
    ),
    b(
        "lsize",
        Op::Control("lsize"),
        Param,
        PAT,
        "the orbit's leslie cabinet size in metres (default 0.3): the Doppler warble and the level swing grow with it; set by the last event that gives it",
        "s \"arpy*4\" # leslie 1 # lsize 0.5",
    ),
    b(
        "room",
        Op::Control("room"),
        Param,
        PAT,
        "per-event send 0..1 to its orbit's reverb (SuperDirt's `dirt_reverb`, fed the mono sum); the reverb rings on after the event",
        "s \"cp\" # room 0.3",
    ),
    b(
        "size",
        Op::Control("size"),
        Param,
        PAT,
        "the orbit's reverb depth 0..1: loop feedback 0.01·98^size (default 0.1); set by the last event that gives it",
        "s \"cp\" # room 0.3 # size 0.8",
    ),
    b(
        "sz",
        Op::Control("size"),
        Param,
        PAT,
        "alias of `size`",
        "s \"cp\" # room 0.3 # sz 0.8",
    ),
    b(
        "dry",
        Op::Control("dry"),
        Param,
        PAT,
        "the orbit's reverb output times 1 - dry (SuperDirt's `dry`, default 0); set by the last event that gives it",
        "s \"cp\" # room 0.5 # dry 0.5",
    ),
    b(
        "delaytime",
        Op::Control("delaytime"),
        Param,
        PAT,
        "the orbit's delay time in seconds, up to 4 (default 0.25; glides there over a second, as SuperDirt's); set by the last event that gives it",
        "s \"sn\" # delay 0.5 # delaytime 0.375",
    ),
    b(
        "delayt",
        Op::Control("delaytime"),
        Param,
        PAT,
        "alias of `delaytime`",
        "s \"sn\" # delay 0.5 # delayt 0.375",
    ),
    b(
        "delayfeedback",
        Op::Control("delayfeedback"),
        Param,
        PAT,
        "each echo of the orbit's delay is this times the one before, 0..0.99 (default 0.5); set by the last event that gives it",
        "s \"sn\" # delay 0.5 # delayfeedback 0.6",
    ),
    b(
        "delayfb",
        Op::Control("delayfeedback"),
        Param,
        PAT,
        "alias of `delayfeedback`",
        "s \"sn\" # delay 0.5 # delayfb 0.6",
    ),
    b(
        "dfb",
        Op::Control("delayfeedback"),
        Param,
        PAT,
        "alias of `delayfeedback`",
        "s \"sn\" # delay 0.5 # dfb 0.6",
    ),
    b(
        "lock",
        Op::Control("lock"),
        Param,
        PAT,
        "1: the orbit's `delaytime` is in cycles rather than seconds (SuperDirt's `lock`)",
        "s \"sn\" # delay 0.5 # delaytime (3/16) # lock 1",
    ),
];

/// The function reference (docs/functions.md), generated from this table so that it cannot
/// drift from what the compiler accepts.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Function reference\n\n\
         Generated from `compiler/src/builtins.rs` (a test fails when this file is out of date; \
         regenerate with `PHONON_BLESS=1 cargo test -p phonon-compiler --test function_reference`).\n\n\
         `[x=v]` is an optional argument with its default. Every argument can also be given by \
         keyword: `reverb 0.8 0.4 :mix 0.3`.\n",
    );
    let sections = [
        (
            Role::Source,
            "Sources and oscillators",
            "Make a pattern or a signal.",
        ),
        (
            Role::Transform,
            "Transforms",
            "Take a pattern last: `fast 2 $ s \"bd sn\"`, `fast 2 \"bd sn\"`, or as a value: `every 4 (fast 2)`. On a signal they transform every pattern inside it.",
        ),
        (
            Role::Effect,
            "Filters, envelopes and effects",
            "Process the signal that arrives through `#` or `$`: `saw 55 # lpf 800 0.9`.",
        ),
        (
            Role::Param,
            "Per-event parameters",
            "Set a parameter on each event of the pattern on their left: `s \"bd*4\" # gain 0.8`. On their own they are control patterns.",
        ),
    ];
    for (role, title, intro) in sections {
        out.push_str(&format!(
            "\n## {title}\n\n{intro}\n\n| function | what it does | example |\n|---|---|---|\n"
        ));
        for b in BUILTINS.iter().filter(|b| b.role == role) {
            out.push_str(&format!(
                "| `{}` | {} | `{}` |\n",
                b.signature(),
                b.summary.replace('|', "\\|"),
                b.example.replace('|', "\\|")
            ));
        }
    }
    out
}

/// Whether the built-in `name` makes events that can overlap in time: `stack`, and the
/// transforms that [`T::layers`].
pub fn layers(name: &str) -> bool {
    match lookup(name).map(|b| b.op) {
        Some(Op::Stack | Op::Overlay) => true,
        Some(Op::Transform(t)) => t.layers(),
        _ => false,
    }
}

/// Whether `name` plays samples (`s`, `sound`).
pub fn plays_samples(name: &str) -> bool {
    lookup(name).is_some_and(|b| b.op == Op::Control("s"))
}

/// The per-event control an effect given one value and nothing else stands for, as Tidal
/// writes them: `# delay 0.5` is SuperDirt's send to the orbit's delay, `# lpf 800` the
/// event's `cutoff`, `# hpf` its `hcutoff`, `# bpf` its `bandf`. Where the value is a
/// pattern this makes the call a pattern of those controls (`resolve/sort.rs`), which on a
/// pattern of events sets them per event; with more arguments, and on signals, the name is
/// the effect.
pub fn event_control(op: Op, args: &[crate::ast::Arg]) -> Option<&'static str> {
    if !matches!(args, [crate::ast::Arg::Positional(_)]) {
        return None;
    }
    one_value_control(op)
}

/// What [`event_control`] makes of an operation given one value.
fn one_value_control(op: Op) -> Option<&'static str> {
    match op {
        Op::Delay => Some("delay"),
        Op::Filter(Filter::Lpf) => Some("cutoff"),
        Op::Filter(Filter::Hpf) => Some("hcutoff"),
        Op::Filter(Filter::Bpf) => Some("bandf"),
        _ => None,
    }
}

/// The per-event control a name sets in SuperDirt's `/dirt/play` (`s`, `n`, `cutoff`,
/// `delay`, `room`, ...), as Phonon's events name it; `None` when Phonon's events have no
/// such control.
pub fn dirt_control(name: &str) -> Option<&'static str> {
    match lookup(name)?.op {
        Op::Control(c) => Some(c),
        op => one_value_control(op),
    }
}

pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|b| b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_required_params_come_first() {
        let mut seen = std::collections::HashSet::new();
        for b in BUILTINS {
            assert!(seen.insert(b.name), "{} twice", b.name);
            let first_optional = b
                .params
                .iter()
                .position(|p| p.default != Default::Required)
                .unwrap_or(b.params.len());
            assert!(
                b.params[first_optional..]
                    .iter()
                    .all(|p| p.default != Default::Required),
                "{}: required after optional",
                b.name
            );
        }
    }

    #[test]
    fn the_layering_functions() {
        let layering: Vec<&str> = names().filter(|n| layers(n)).collect();
        assert_eq!(
            layering,
            [
                "stack",
                "jux",
                "juxBy",
                "stut",
                "echo",
                "off",
                "superimpose",
                "stutWith",
                "echoWith",
                "ghost",
                "ghost'",
                "ghostWith",
                "layer",
                "overlay",
                "stutter",
                "ghost''"
            ]
        );
    }

    #[test]
    fn signature_shows_defaults() {
        assert_eq!(lookup("lpf").unwrap().signature(), "lpf cutoff [q=0.707]");
        assert_eq!(lookup("rev").unwrap().signature(), "rev");
    }
}
