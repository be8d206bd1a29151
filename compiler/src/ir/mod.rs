//! The signal IR: a dataflow graph in SSA form. Every node computes one mono signal from the
//! signals of its inputs; stereo is a pair of nodes. Patterns enter the graph as host inputs
//! (buffers the runtime fills from events before the kernels run). Node identities are
//! derived from the bus or output a node belongs to and its path inside that definition, so
//! compiling the same text gives the same ids (live reload carries state by them).

pub mod first_cycle;
pub mod lower;
pub mod overlap;
pub mod pattern_tree;
pub mod patterns;
pub mod print;
pub mod ranges;
pub mod sample_use;
pub mod summary;
pub mod verify;

use phonon_runtime::effects::LineFx;
use phonon_runtime::engine::host::Read;
use phonon_runtime::engine::voices::SoundTable;
use sample_use::SoundName;

/// Index of a node in [`Graph::nodes`].
pub type NodeRef = usize;

/// A stable node identity: a hash of the owning definition's name and the node's path in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u64);

impl NodeId {
    /// FNV-1a of the path: stable across runs and platforms (unlike `DefaultHasher`).
    pub fn of(path: &str) -> NodeId {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in path.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        NodeId(h)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Osc {
    Sine,
    Saw,
    Square,
    Tri,
    /// Inputs: frequency, width.
    Pulse,
    Noise,
    PinkNoise,
    BrownNoise,
    Impulse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Filter {
    Lpf,
    Hpf,
    Bpf,
    Notch,
    /// Four-pole ladder; the second parameter is resonance 0..1.
    Moog,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Env {
    /// Inputs: trigger, attack, decay.
    Ad,
    /// Inputs: trigger, gate, attack, decay, sustain, release.
    Adsr,
    /// Inputs: trigger, gate, attack, release.
    Ar,
    /// Inputs: trigger, from, to, seconds.
    Line,
    XLine,
}

/// Effects without delay lines, compiled like any other node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fx {
    /// Inputs: signal, drive, mix. A tanh waveshaper.
    Distortion,
    /// Inputs: signal, bits, rate (hold factor ≥ 1). State: held value, hold phase.
    Bitcrush,
    /// Inputs: signal, threshold (dB), ratio, attack (s), release (s), makeup (dB).
    /// State: the level detector's envelope.
    Compressor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Math {
    Add,
    Sub,
    Mul,
    /// Division by zero gives 0, so one bad sample cannot poison a filter's state.
    Div,
    /// Floored modulo (the sign of the divisor), 0 for a zero divisor.
    Mod,
    Neg,
    /// Equal-power pan gains of a position -1..1.
    PanLeft,
    PanRight,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Const(f32),
    /// A buffer the runtime fills from a pattern (`Graph::hosts[source]`).
    Host {
        source: usize,
        read: Read,
    },
    /// A buffer of one synth voice of a pattern-played instrument (`Graph::polys[poly]`):
    /// the frequency, trigger or gate of the notes that voice is given.
    PolyHost {
        poly: usize,
        voice: usize,
        read: Read,
    },
    /// 1 on the program's first frame: starts envelopes that no pattern triggers.
    Start,
    /// A channel (0 left, 1 right) of a voice bank's mix (`Graph::banks[bank]`), which the
    /// runtime's sample player fills before the kernels run.
    Voices {
        bank: usize,
        channel: u8,
    },
    Osc(Osc),
    /// Inputs: signal, cutoff (Hz), q (or resonance for `Moog`).
    Filter(Filter),
    Env(Env),
    Math(Math),
    Fx(Fx),
    /// A delay-line effect (`delay`, `reverb`, `chorus`): a kernel of its own, written in
    /// Rust in the runtime (see `phonon_runtime::effects` for why).
    Line(LineFx),
    /// The previous sample of its input: the back edge of a feedback loop.
    Delay1,
    /// A channel of an output (`channel` 0 = left, 1 = right); its input is what it plays.
    Output {
        output: usize,
        channel: u8,
    },
}

impl NodeKind {
    /// State slots per instance (floats kept from sample to sample).
    pub fn state_slots(&self) -> usize {
        match self {
            NodeKind::Osc(Osc::Noise) => 1,
            NodeKind::Osc(Osc::PinkNoise) => 8,
            NodeKind::Osc(Osc::BrownNoise) => 2,
            NodeKind::Osc(_) => 1,
            NodeKind::Filter(Filter::Moog) => 4,
            NodeKind::Filter(_) => 2,
            NodeKind::Env(Env::Line | Env::XLine) => 1,
            NodeKind::Env(_) => 3,
            NodeKind::Delay1 => 1,
            NodeKind::Fx(Fx::Bitcrush) => 2,
            NodeKind::Fx(Fx::Compressor) => 1,
            _ => 0,
        }
    }

    /// How many inputs the node reads (what `dsp::eval` and the host kernels index).
    pub fn arity(&self) -> usize {
        match self {
            NodeKind::Const(_)
            | NodeKind::Host { .. }
            | NodeKind::PolyHost { .. }
            | NodeKind::Start
            | NodeKind::Voices { .. } => 0,
            NodeKind::Osc(Osc::Noise | Osc::PinkNoise | Osc::BrownNoise) => 0,
            NodeKind::Osc(Osc::Pulse) => 2,
            NodeKind::Osc(_) => 1,
            NodeKind::Filter(_) => 3,
            NodeKind::Env(Env::Ad) => 3,
            NodeKind::Env(Env::Ar | Env::Line | Env::XLine) => 4,
            NodeKind::Env(Env::Adsr) => 6,
            NodeKind::Math(Math::Neg | Math::PanLeft | Math::PanRight) => 1,
            NodeKind::Math(_) => 2,
            NodeKind::Fx(Fx::Distortion | Fx::Bitcrush) => 3,
            NodeKind::Fx(Fx::Compressor) => 6,
            NodeKind::Line(fx) => fx.inputs(),
            NodeKind::Delay1 | NodeKind::Output { .. } => 1,
        }
    }

    /// Whether the node is a kernel by itself, run by a runtime function instead of JIT code.
    pub fn is_host_kernel(&self) -> bool {
        matches!(self, NodeKind::Line(_))
    }

    pub fn is_stateful(&self) -> bool {
        self.state_slots() > 0
    }

    /// Kernels hold only computing nodes; constants and host inputs are their operands.
    pub fn is_operand(&self) -> bool {
        matches!(
            self,
            NodeKind::Const(_)
                | NodeKind::Host { .. }
                | NodeKind::PolyHost { .. }
                | NodeKind::Start
                | NodeKind::Voices { .. }
        )
    }

    pub fn name(&self) -> String {
        match self {
            NodeKind::Const(c) => format!("const {c}"),
            NodeKind::Host { source, read } => match read {
                Read::Value { hold, hz } => format!(
                    "pattern#{source} value{}{}",
                    if *hold { " hold" } else { " gate0" },
                    if *hz { " hz" } else { "" }
                ),
                Read::Trigger => format!("pattern#{source} trigger"),
                Read::Gate => format!("pattern#{source} gate"),
            },
            NodeKind::PolyHost { poly, voice, read } => {
                let what = match read {
                    Read::Value { .. } => "hz",
                    Read::Trigger => "trigger",
                    Read::Gate => "gate",
                };
                format!("poly#{poly} voice {voice} {what}")
            }
            NodeKind::Start => "start".into(),
            NodeKind::Voices { bank, channel } => {
                format!("voices#{bank}.{}", if *channel == 0 { "l" } else { "r" })
            }
            NodeKind::Osc(o) => format!("{o:?}").to_lowercase(),
            NodeKind::Filter(f) => format!("{f:?}").to_lowercase(),
            NodeKind::Env(e) => format!("{e:?}").to_lowercase(),
            NodeKind::Math(m) => format!("{m:?}").to_lowercase(),
            NodeKind::Fx(f) => format!("{f:?}").to_lowercase(),
            NodeKind::Line(l) => l.name().into(),
            NodeKind::Delay1 => "delay1".into(),
            NodeKind::Output { output, channel } => {
                format!("out#{output}.{}", if *channel == 0 { "l" } else { "r" })
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    /// Where the node comes from: the definition and the path inside it (`~v1/lpf/q`).
    pub path: String,
    pub kind: NodeKind,
    pub inputs: Vec<NodeRef>,
}

/// A pattern read as a signal.
#[derive(Clone)]
pub struct HostSource {
    /// The expression it came from, for the IR dump.
    pub label: String,
    /// The pattern as data: what `code` hashes and `phonon ir --patterns` prints.
    pub tree: pattern_tree::PatternTree,
    /// The stable id of the node that reads it (see [`NodeId`]).
    pub id: NodeId,
    /// `tree.code()`: what a reload compares.
    pub code: u64,
    /// Where that expression starts (`line:col`), for run-time reports.
    pub origin: String,
    /// The expression's span, for the compile-time check of its first cycle.
    pub span: crate::diagnostic::Span,
}

/// A note pattern played by synth voices: each voice is a copy of the instrument's nodes.
#[derive(Clone)]
pub struct Poly {
    /// The expression it came from, for the IR dump.
    pub label: String,
    /// The pattern as data: what `code` hashes and `phonon ir --patterns` prints.
    pub tree: pattern_tree::PatternTree,
    /// The stable id of the node that reads it (see [`NodeId`]).
    pub id: NodeId,
    /// `tree.code()`: what a reload compares.
    pub code: u64,
    /// Where that expression starts (`line:col`), for run-time reports.
    pub origin: String,
    /// The expression's span, for the compile-time check of its first cycle.
    pub span: crate::diagnostic::Span,
    pub voices: usize,
    /// Seconds a voice stays busy after its note ends (its envelope's release).
    pub release: f64,
    /// For `ad` envelopes, which ignore the note's end: seconds from its start.
    pub from_start: Option<f64>,
}

/// A sample pattern and the sounds it plays (one voice bank at run time).
#[derive(Clone)]
pub struct Bank {
    /// The expression it came from, for the IR dump.
    pub label: String,
    /// The pattern as data: what `code` hashes and `phonon ir --patterns` prints.
    pub tree: pattern_tree::PatternTree,
    /// The stable id of the node that reads it (see [`NodeId`]).
    pub id: NodeId,
    /// `tree.code()`: what a reload compares.
    pub code: u64,
    /// Where that expression starts (`line:col`), for run-time reports.
    pub origin: String,
    /// The expression's span, for the compile-time check of its first cycle.
    pub span: crate::diagnostic::Span,
    /// The sound names its strings spell, where they are written.
    pub names: Vec<SoundName>,
    /// The loaded samples by name; filled after lowering, when the samples are loaded.
    pub sounds: SoundTable,
}

impl Bank {
    /// Whether its strings name synths (`superpiano`, `sine`, ...): its player then keeps
    /// synth voices.
    pub fn plays_synths(&self) -> bool {
        self.names
            .iter()
            .any(|n| phonon_runtime::engine::synths::SynthKind::from_name(&n.name).is_some())
    }
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    /// The line (from 1) of the statement that defines it, for run-time reports.
    pub line: u32,
    /// `xfadeIn`: cycles it takes to cross over when a load changes it.
    pub xfade: Option<f64>,
    pub left: NodeRef,
    pub right: NodeRef,
}

/// The signal graph of a program. Nodes are in an order where every input comes before its
/// consumer, except the input of a `Delay1` (the feedback edge).
#[derive(Clone, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub hosts: Vec<HostSource>,
    pub polys: Vec<Poly>,
    pub banks: Vec<Bank>,
    pub outputs: Vec<Output>,
    /// Nodes whose kernel its consumers never absorb: the last node of each synth voice, so
    /// the voices stay separate kernels that lane packing can run four at a time.
    pub barriers: std::collections::HashSet<NodeRef>,
    pub sample_rate: u32,
    pub cps: f64,
    pub hush: bool,
    /// The tempo is a pattern (`cps` is the default's then).
    pub tempo_is_pattern: bool,
    /// `resetCycles`: cycle 0 starts where the program is loaded.
    pub reset_cycles: bool,
    /// The orbit numbers the sample players send to (none when no event sends), in order
    /// of first use: each gets an output of its own, `orbit N`.
    pub orbits: Vec<u32>,
    /// Which effects with lines (the phaser, `squiz`, `comb`) any sample player's events
    /// may have: every player keeps lines for those.
    pub lines: phonon_runtime::engine::lines::LineUse,
}

impl Graph {
    /// For each node, the nodes that read it.
    pub fn consumers(&self) -> Vec<Vec<NodeRef>> {
        let mut c = vec![Vec::new(); self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            for &input in &n.inputs {
                if !c[input].contains(&i) {
                    c[input].push(i);
                }
            }
        }
        c
    }
}
