//! The block executor. A compiled program is a list of stages; each stage holds kernels that
//! may run at the same time. Every block: host inputs are filled from pattern events, the
//! stages run in order (the kernels of a heavy stage in parallel on rayon), and the outputs are
//! mixed. An output that blows up (NaN, infinity, absurd levels) is silenced and what feeds
//! it reset ([`guard`]).

mod dirt_extra;
pub mod fx_lanes;
pub mod guard;
pub mod host;
pub mod inbox;
pub mod lines;
pub mod orbits;
pub mod poly;
pub mod spectral;
pub mod synths;
mod verify;
pub mod voice_fx;
pub mod voice_kernel;
pub mod voices;

use crate::clock::Clock;
use crate::pattern::Pattern;
use crate::time::Rational;
use guard::{Blowup, Upstream};
use host::{HostSource, Read};
use orbits::{Orbit, OrbitState};
use poly::{PolySource, PolySpec};
use std::any::Any;
use std::sync::{Arc, OnceLock};
use voice_kernel::VoiceKernels;
use voices::{BankSpec, VoiceBank};

/// A JIT-compiled kernel: processes `frames` frames. `io` holds, for each of the kernel's
/// input and output slots, four buffer pointers (one per lane; unused lanes point at spare
/// buffers); `state` is the kernel's state block (per-lane parameters, then state slots).
pub type KernelFn = unsafe extern "C" fn(io: *const *mut f32, state: *mut f32, frames: u64);

/// Where a kernel slot reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Buffer(usize),
    /// A buffer of zeros (inputs of unused lanes).
    Zero,
    /// A buffer nobody reads (outputs of unused lanes).
    Discard,
}

/// One kernel as the compiler describes it.
#[derive(Clone)]
pub struct KernelSpec {
    func: KernelFn,
    /// How many inputs the kernel has: `io` holds `4 * inputs` input slots.
    pub(crate) inputs: usize,
    /// Four slots per input, then four per output (lane order).
    pub(crate) io: Vec<Slot>,
    /// The initial state block; its length is the state size in floats.
    pub(crate) state: Vec<f32>,
    /// Work per frame, in node evaluations, for the parallelism threshold.
    pub(crate) cost: usize,
    /// Where each stateful node's state lives in `state`, by the node's stable id: what a
    /// reloaded program carries over from the one it replaces.
    pub(crate) state_ids: Vec<StateRef>,
}

impl KernelSpec {
    /// A kernel: `func` run over the buffers of `io` (four slots per input, then four per
    /// output, lane order) with `state` as its state block. [`Engine::new`] checks the
    /// buffers against the rest of the program.
    ///
    /// # Safety
    /// `func` must read at most `inputs` input slots and write at most the remaining slots
    /// of a table of `io.len()` pointers, and read and write at most `state.len()` floats of
    /// its state block (rounded up to whole f32x4 groups): it is called with exactly those.
    pub unsafe fn new(
        func: KernelFn,
        inputs: usize,
        io: Vec<Slot>,
        state: Vec<f32>,
        cost: usize,
        state_ids: Vec<StateRef>,
    ) -> KernelSpec {
        KernelSpec {
            func,
            inputs,
            io,
            state,
            cost,
            state_ids,
        }
    }

    /// The pointer table: four slots per input, then four per output.
    pub fn io(&self) -> &[Slot] {
        &self.io
    }

    /// The initial state block.
    pub fn state(&self) -> &[f32] {
        &self.state
    }
}

/// The state of one node instance inside a kernel's state block: `count` floats from
/// `start`, `stride` apart. `tag` says what kind of node it is, so state only moves between
/// nodes of the same kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateRef {
    pub id: u64,
    pub tag: u64,
    pub start: usize,
    pub count: usize,
    pub stride: usize,
}

/// What [`Engine::adopt`] carried over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Adopted {
    /// Node states (oscillator phases, filter memories, delay lines) taken over.
    pub states: usize,
    /// Sample voices still sounding, copied to the new program's players.
    pub voices: usize,
}

/// A pattern read as a signal, and the buffers its reads fill.
pub struct HostSpec {
    pub pattern: Pattern,
    pub reads: Vec<(Read, usize)>,
    /// Where the pattern is written (`line:col`), for reports.
    pub origin: String,
}

/// A pattern whose cycles were refused for asking too much (see
/// [`crate::pattern::budget`]): they are silent.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    /// Where the pattern is written (`line:col`).
    pub origin: String,
    pub cycles: u64,
    pub first_cycle: i64,
    pub why: crate::pattern::budget::Exceeded,
}

impl Refusal {
    pub fn describe(&self) -> String {
        format!(
            "{}: this pattern asked for too much in cycle {} ({}): {} silent\n  hint: each pattern may start at most {} events in a cycle; see \"Limits\" in docs/patterns.md",
            self.origin,
            self.first_cycle,
            self.why.describe(),
            if self.cycles == 1 {
                "that cycle is".to_string()
            } else {
                format!("{} cycles so far are", self.cycles)
            },
            crate::pattern::budget::MAX_EVENTS_PER_CYCLE
        )
    }
}

/// An output: the buffers holding its left and right channels.
#[derive(Clone, Debug)]
pub struct OutputSpec {
    pub name: String,
    /// The line of the statement that defines it (from 1), for reports.
    pub line: u32,
    pub left: usize,
    pub right: usize,
    /// A hash of everything the output computes: equal when its code did not change.
    pub code: u64,
    /// `Some(n)`: the output of orbit `n`'s global effects, which the engine computes from
    /// the sample players' sends (its buffers are written by nothing else). Such an output
    /// carries tails: `hush` does not silence it and a reload never fades it.
    pub orbit: Option<u32>,
    /// `xfadeIn`: when a load changes this output, it crosses over in this many cycles
    /// (equal gain, Tidal's curves) instead of the few milliseconds of an edit.
    pub xfade_cycles: Option<f64>,
}

/// Everything needed to run a program, independent of block size and thread count.
pub struct ProgramSpec {
    pub sample_rate: u32,
    pub cps: Rational,
    /// A tempo that is a pattern (`cps: "<0.5 0.6>"`): each cycle at the tempo it holds
    /// where the cycle starts; `cps` where it holds nothing.
    pub tempo: Option<crate::pattern::Pattern>,
    pub buffers: usize,
    pub hosts: Vec<HostSpec>,
    /// Note patterns played by synth voices (each voice reads its own buffers).
    pub polys: Vec<PolySpec>,
    /// Buffers that hold 1 on the program's first frame only (what starts untriggered
    /// envelopes and lines).
    pub start_buffers: Vec<usize>,
    pub stages: Vec<Vec<KernelSpec>>,
    /// Sample players, mixed before the stages run (stages read their buffers).
    pub banks: Vec<BankSpec>,
    /// The voice kernels the banks call (the compiler's JIT code, or the Rust reference).
    pub voice_kernels: VoiceKernels,
    /// Kernels still being compiled, which the engine switches to at the first block after
    /// they are ready. They must compute what `voice_kernels` computes, to the bit (the JIT
    /// kernels do the reference's operations in its order), so the switch is not heard.
    pub voice_kernels_coming: Option<&'static OnceLock<VoiceKernels>>,
    /// Voices each bank may hold before it steals the oldest.
    pub voice_cap: usize,
    pub outputs: Vec<OutputSpec>,
    /// `hush`: every output is silent.
    pub hush: bool,
    /// `resetCycles`: when this program takes over from another, cycle 0 starts there.
    pub reset_cycles: bool,
    /// The cycle its `once:`/`first:` patterns play at: set when it starts and when it takes
    /// over.
    pub start_cycle: crate::pattern::once::StartCycle,
    /// Buffers that hold one value for ever (constant inputs of host kernels), filled once.
    pub constant_buffers: Vec<(usize, f32)>,
    /// Keeps the machine code alive; dropping it frees the code, so it is dropped after the
    /// kernels that point into it.
    pub code: Arc<dyn Any + Send + Sync>,
}

/// Tidal's name for an output's pattern (its `_id_`): `d1` is `p 1`, so `1`; any other
/// name is itself.
pub fn tidal_id(output: &str) -> &str {
    match output.strip_prefix('d') {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => output,
    }
}

/// The `code` of an orbit's output: the same in every program, so a reload never fades it.
pub fn orbit_code(number: u32) -> u64 {
    0x6f72_6269_7400_0000 ^ number as u64
}

/// Two different buffers, both mutable.
fn two_buffers(buffers: &mut [Vec<f32>], a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
    assert_ne!(a, b, "an orbit's two channels are different buffers");
    if a < b {
        let (x, y) = buffers.split_at_mut(b);
        (&mut x[a], &mut y[0])
    } else {
        let (x, y) = buffers.split_at_mut(a);
        (&mut y[0], &mut x[b])
    }
}

/// Sixteen bytes, aligned: the unit of a kernel's state block (kernels load it as f32x4 with
/// aligned loads).
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Lanes4([f32; 4]);

fn lanes4(floats: &[f32]) -> Vec<Lanes4> {
    floats
        .chunks(4)
        .map(|c| {
            let mut l = [0.0; 4];
            l[..c.len()].copy_from_slice(c);
            Lanes4(l)
        })
        .collect()
}

/// A kernel ready to run: its pointer table and its own state block.
struct Kernel {
    func: KernelFn,
    io: Vec<*mut f32>,
    state: Vec<Lanes4>,
    /// The state block as the program starts, for resetting a lane that blew up.
    initial: Vec<Lanes4>,
    cost: usize,
    state_ids: Vec<StateRef>,
}

impl Kernel {
    /// Puts lane `lane`'s node states back to their initial values (parameters, which sit
    /// in the same block, never change).
    fn reset_lane(&mut self, lane: usize) {
        let floats = |l: &mut Vec<Lanes4>| {
            // SAFETY: as in `state_floats`.
            unsafe { std::slice::from_raw_parts_mut(l.as_mut_ptr().cast::<f32>(), l.len() * 4) }
        };
        let (state, initial) = (floats(&mut self.state), floats(&mut self.initial));
        for r in &self.state_ids {
            // Lane-packed nodes interleave their lanes (stride 4); a host kernel has one.
            let owner = if r.stride == 4 { r.start % 4 } else { 0 };
            if owner == lane {
                for i in 0..r.count {
                    let at = r.start + i * r.stride;
                    state[at] = initial[at];
                }
            }
        }
    }

    fn state_floats(&mut self) -> &mut [f32] {
        // SAFETY: `Lanes4` is four f32s, `repr(C)`, so the blocks are one float array.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.state.as_mut_ptr().cast::<f32>(),
                self.state.len() * 4,
            )
        }
    }
}

// SAFETY: a kernel's pointers address the engine's buffers. Within a stage kernels write
// disjoint buffers (the scheduler gives every value one producer) and only read buffers that
// earlier stages wrote, so running the kernels of one stage on different threads is race-free.
unsafe impl Send for Kernel {}

impl Kernel {
    fn run(&mut self, frames: usize) {
        // SAFETY: every pointer in `io` addresses a buffer of at least `max_block` floats owned
        // by the engine, `frames <= max_block`, and the state block has the size the kernel
        // was compiled for.
        unsafe {
            (self.func)(
                self.io.as_ptr(),
                self.state.as_mut_ptr().cast::<f32>(),
                frames as u64,
            )
        }
    }
}

/// The kernels of a stage, ordered into one group per thread with about equal cost, so a
/// parallel block is one fork per thread rather than one task per kernel.
struct Stage {
    kernels: Vec<Kernel>,
    /// The end index of each group in `kernels`.
    group_ends: Vec<usize>,
    cost: usize,
}

impl Stage {
    fn new(kernels: Vec<Kernel>, threads: usize) -> Stage {
        // Contiguous groups with about equal cost: kernels written next to each other in the
        // plan (neighbouring buffers) stay on one thread.
        let groups = threads.clamp(1, kernels.len().max(1));
        let total: usize = kernels.iter().map(|k| k.cost).sum();
        let mut group_ends = Vec::with_capacity(groups);
        let mut sum = 0;
        for (i, k) in kernels.iter().enumerate() {
            sum += k.cost;
            let g = group_ends.len();
            if g + 1 < groups && sum * groups >= total * (g + 1) {
                group_ends.push(i + 1);
            }
        }
        group_ends.push(kernels.len());
        Stage {
            cost: total,
            kernels,
            group_ends,
        }
    }

    fn run_serial(&mut self, frames: usize) {
        self.kernels.iter_mut().for_each(|k| k.run(frames));
    }

    /// Runs the groups in parallel (on the current rayon pool).
    fn run_parallel(&mut self, frames: usize) {
        fn split(kernels: &mut [Kernel], ends: &[usize], offset: usize, frames: usize) {
            if ends.len() <= 1 {
                kernels.iter_mut().for_each(|k| k.run(frames));
                return;
            }
            let mid = ends.len() / 2;
            let (left, right) = kernels.split_at_mut(ends[mid - 1] - offset);
            rayon::join(
                || split(left, &ends[..mid], offset, frames),
                || split(right, &ends[mid..], ends[mid - 1], frames),
            );
        }
        split(&mut self.kernels, &self.group_ends, 0, frames);
    }
}

/// Statistics of the blocks processed so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    pub blocks: u64,
    pub events: u64,
    /// Voices sounding at the end of the last block, over all banks.
    pub voices_sounding: usize,
    /// The most voices sounding in one block, over all banks.
    pub voices_peak: usize,
    pub voices_started: u64,
    pub voices_stolen: u64,
    /// Events that named a sound the program had not loaded.
    pub samples_missing: u64,
    /// Events that named an orbit the program does not have (a computed number): played
    /// without their sends.
    pub orbits_missing: u64,
    /// Events to hand on (`send_events_to`) dropped because their ring was full.
    pub events_unsent: u64,
}

/// A program instantiated for a maximum block size and a number of threads.
pub struct Engine {
    clock: Clock,
    tempo: Option<crate::tempo::Tempo>,
    max_block: usize,
    buffers: Vec<Vec<f32>>,
    hosts: Vec<HostSource>,
    polys: Vec<PolySource>,
    banks: Vec<VoiceBank>,
    /// Where each host, poly and bank pattern is written, in that order.
    origins: Vec<String>,
    voice_kernels: VoiceKernels,
    voice_kernels_coming: Option<&'static OnceLock<VoiceKernels>>,
    start_buffers: Vec<usize>,
    stages: Vec<Stage>,
    outputs: Vec<OutputSpec>,
    hush: bool,
    reset_cycles: bool,
    start_cycle: crate::pattern::once::StartCycle,
    /// The program's orbits (their outputs are among `outputs`).
    orbits: Vec<Orbit>,
    /// Per output, what feeds it (for resetting what blew up).
    upstream: Vec<Upstream>,
    /// Per output: silenced because it blew up.
    blown: Vec<bool>,
    /// What feeds only blown outputs: reset after every block while they stay blown.
    resetting: Upstream,
    blowups: Vec<Blowup>,
    /// Whether the guard runs (always, but for comparing raw computation in tests).
    guarded: bool,
    frame: i64,
    pool: Option<Arc<rayon::ThreadPool>>,
    counters: Counters,
    // Declared last so it is dropped after the kernels that point into its code.
    _code: Arc<dyn Any + Send + Sync>,
}

/// Below this much work (node evaluations in a stage's block) a stage runs on one thread:
/// handing work to another thread costs a few microseconds.
const PARALLEL_WORK: usize = 4 * 1024;

/// The same for the voice banks, in voice-frames (a voice-frame is a sample read and mixed,
/// a nanosecond or two): waking the pool's other threads for a few voices costs more than
/// they save, and keeps a core spinning.
const PARALLEL_VOICES: usize = 32 * 1024;

/// The pool an engine's heavy stages run on: none for one thread (everything runs on the
/// calling thread), else `threads` workers. They take the priority of the thread that calls
/// this.
pub fn dsp_pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    (threads > 1).then(|| {
        Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("phonon-dsp-{i}"))
                .build()
                .expect("a thread pool can be built"),
        )
    })
}

impl Engine {
    /// `threads`: 1 runs everything on the calling thread; more runs heavy stages on a pool
    /// of its own.
    pub fn new(spec: ProgramSpec, max_block: usize, threads: usize) -> Result<Engine, String> {
        Engine::on_pool(spec, max_block, dsp_pool(threads))
    }

    /// An engine whose heavy stages run on `pool` (none: on the calling thread). Live mode
    /// gives every version of a program the same pool, made once by a thread of normal
    /// priority: threads inherit their creator's priority, and programs are built on a
    /// compiler thread of lower priority.
    pub fn on_pool(
        spec: ProgramSpec,
        max_block: usize,
        pool: Option<Arc<rayon::ThreadPool>>,
    ) -> Result<Engine, String> {
        verify::verify(&spec).map_err(|e| format!("the compiled program is not valid: {e}"))?;
        let max_block = max_block.max(1);
        // Two spare buffers at the end: zeros (inputs of unused lanes), discard (their outputs).
        let zero = spec.buffers;
        let discard = spec.buffers + 1;
        let mut buffers: Vec<Vec<f32>> = (0..spec.buffers + 2)
            .map(|_| vec![0.0f32; max_block + 4])
            .collect();
        for &(b, value) in &spec.constant_buffers {
            buffers[b].fill(value);
        }
        let threads = pool.as_ref().map_or(1, |p| p.current_num_threads());
        let upstream = guard::upstream(&spec.stages, &spec.banks, &spec.outputs);
        let origins = (spec.hosts.iter().map(|h| h.origin.clone()))
            .chain(spec.polys.iter().map(|p| p.origin.clone()))
            .chain(spec.banks.iter().map(|b| b.origin.clone()))
            .collect();
        let stages = spec
            .stages
            .into_iter()
            .map(|stage| {
                let kernels = stage
                    .into_iter()
                    .map(|k| Kernel {
                        func: k.func,
                        io: k
                            .io
                            .iter()
                            .map(|slot| {
                                let index = match slot {
                                    Slot::Buffer(i) => *i,
                                    Slot::Zero => zero,
                                    Slot::Discard => discard,
                                };
                                buffers[index].as_mut_ptr()
                            })
                            .collect(),
                        state: lanes4(&k.state),
                        initial: lanes4(&k.state),
                        cost: k.cost,
                        state_ids: k.state_ids,
                    })
                    .collect();
                Stage::new(kernels, threads)
            })
            .collect();
        let voice_cap = spec.voice_cap;
        let orbits: Vec<Orbit> = spec
            .outputs
            .iter()
            .filter_map(|o| {
                let state = Box::new(OrbitState::new(spec.sample_rate));
                Some(Orbit::new(o.orbit?, state, max_block, o.left, o.right))
            })
            .collect();
        let orbit_numbers: Arc<[u32]> = orbits.iter().map(|o| o.number).collect();
        let banks = spec
            .banks
            .into_iter()
            .map(|b| {
                let (l, r) = (buffers[b.left].as_mut_ptr(), buffers[b.right].as_mut_ptr());
                VoiceBank::new(
                    b,
                    voice_cap,
                    l,
                    r,
                    orbit_numbers.clone(),
                    max_block,
                    spec.sample_rate,
                )
            })
            .collect();
        let hosts = spec
            .hosts
            .into_iter()
            .map(|h| HostSource::new(h.pattern, h.reads))
            .collect();
        let polys = spec
            .polys
            .into_iter()
            .map(|p| PolySource::new(p, spec.sample_rate))
            .collect();
        let mut tempo = spec
            .tempo
            .map(|p| crate::tempo::Tempo::new(p, spec.cps.to_f64()));
        let clock = Clock::new(spec.cps, spec.sample_rate as i64);
        let clock = match &mut tempo {
            Some(t) => t.start(clock, 0),
            None => clock,
        };
        Ok(Engine {
            clock,
            tempo,
            max_block,
            buffers,
            hosts,
            polys,
            banks,
            origins,
            voice_kernels: spec.voice_kernels,
            voice_kernels_coming: spec.voice_kernels_coming,
            start_buffers: spec.start_buffers,
            stages,
            blown: vec![false; spec.outputs.len()],
            outputs: spec.outputs,
            hush: spec.hush,
            reset_cycles: spec.reset_cycles,
            start_cycle: spec.start_cycle,
            orbits,
            upstream,
            resetting: Upstream::default(),
            blowups: Vec::new(),
            guarded: true,
            frame: 0,
            pool,
            counters: Counters::default(),
            _code: spec.code,
        })
    }

    pub fn outputs(&self) -> &[OutputSpec] {
        &self.outputs
    }

    /// From now on, every sample player hands its events on instead of playing them
    /// (`phonon live --osc-out`); voices already sounding ring on. Returns the other ends
    /// of the rings they go to, `capacity` events each, one per player. Each event is
    /// named by the first output the player plays in, as Tidal's `_id_` names a pattern:
    /// `d1` as `1`, other names as written.
    pub fn send_events_to(&mut self, capacity: usize) -> Vec<rtrb::Consumer<voices::SentEvent>> {
        // A hushed program sends nothing; its players stay silent here.
        if self.hush {
            return Vec::new();
        }
        self.rings(capacity, |bank, tx, id| bank.send_events_to(tx, id))
    }

    /// From now on, every sample player hands the events of the sound `midi` on (`phonon
    /// live --midi-out`), named as [`Engine::send_events_to`] names them; the other ends of
    /// the rings, one per player.
    pub fn send_midi_to(&mut self, capacity: usize) -> Vec<rtrb::Consumer<voices::SentEvent>> {
        if self.hush {
            return Vec::new();
        }
        self.rings(capacity, |bank, tx, id| bank.send_midi_to(tx, id))
    }

    /// A ring for each player, given to it by `give` with the player's Tidal name.
    fn rings(
        &mut self,
        capacity: usize,
        give: impl Fn(&mut VoiceBank, rtrb::Producer<voices::SentEvent>, Arc<str>),
    ) -> Vec<rtrb::Consumer<voices::SentEvent>> {
        let mut ends = Vec::with_capacity(self.banks.len());
        for (b, bank) in self.banks.iter_mut().enumerate() {
            let name = self
                .upstream
                .iter()
                .zip(&self.outputs)
                .find(|(u, _)| u.banks.contains(&b))
                .map_or("", |(_, o)| o.name.as_str());
            let (tx, rx) = rtrb::RingBuffer::new(capacity);
            give(bank, tx, Arc::from(tidal_id(name)));
            ends.push(rx);
        }
        ends
    }

    /// From now on, the first sample player also plays the events that arrive in `inbox`
    /// (`phonon serve`). False when the program has no sample player.
    pub fn take_events_from(&mut self, inbox: inbox::Inbox) -> bool {
        match self.banks.first_mut() {
            Some(bank) => {
                bank.take_events_from(inbox);
                true
            }
            None => false,
        }
    }

    /// From now on, each cycle plays at the tempo `read` gives when it is scheduled, two
    /// cycles ahead (a MIDI clock coming in); the program's own tempo until it gives one.
    /// Runs off the audio callback (it allocates).
    pub fn follow_tempo(&mut self, read: fn() -> Option<f64>) {
        let cps = self.clock.cps_at(self.frame).to_f64();
        let mut tempo = crate::tempo::Tempo::following(read, cps);
        self.clock = tempo.start(self.clock.clone(), self.frame);
        self.tempo = Some(tempo);
    }

    /// From now on, the cycles fall where `timeline` places them (Ableton Link), the tempo
    /// set for each `step` of a cycle two steps ahead; the program's own tempo until it can
    /// say.
    pub fn follow_timeline(
        &mut self,
        timeline: std::sync::Arc<dyn crate::tempo::Timeline>,
        step: Rational,
    ) {
        let cps = self.clock.cps_at(self.frame).to_f64();
        let mut tempo = crate::tempo::Tempo::timeline(timeline, step, cps);
        self.clock = tempo.start(self.clock.clone(), self.frame);
        self.tempo = Some(tempo);
    }

    /// Whether the program says `hush` (every output silent).
    pub fn hushed(&self) -> bool {
        self.hush
    }

    /// Cycles refused so far, over all patterns (cheap: to see whether there is news).
    pub fn refused_cycles(&self) -> u64 {
        self.sources().flatten().map(|s| s.refused).sum()
    }

    /// The patterns that had cycles refused for asking too much, with where they are written.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.sources()
            .zip(&self.origins)
            .filter_map(|(s, origin)| {
                let s = s?;
                let (first_cycle, why) = s.first_refused?;
                Some(Refusal {
                    origin: origin.clone(),
                    cycles: s.refused,
                    first_cycle,
                    why,
                })
            })
            .collect()
    }

    /// Every pattern cache, in the order of `origins` (none for a host read continuously,
    /// which queries tiny spans and is never refused).
    fn sources(&self) -> impl Iterator<Item = Option<&crate::pattern::source::PatternSource>> {
        (self.hosts.iter().map(|h| h.source()))
            .chain(self.polys.iter().map(|p| Some(p.source())))
            .chain(self.banks.iter().map(|b| Some(b.source())))
    }

    /// The outputs that blew up so far, in order (each once): they stay silent for the
    /// rest of this program's life.
    pub fn blowups(&self) -> &[Blowup] {
        &self.blowups
    }

    pub fn max_block(&self) -> usize {
        self.max_block
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The next frame this engine will compute.
    pub fn frame(&self) -> i64 {
        self.frame
    }

    /// Takes over from `old` at its current frame: the cycle clock continues where it is
    /// (or starts again at cycle 0, with `resetCycles`), one-cycle outputs play from the
    /// next cycle,
    /// every stateful node whose stable id (and kind) exists in both programs keeps its
    /// state, pattern inputs pick up the events sounding at that frame, synth voices keep
    /// their notes, and sample voices still sounding are copied to the player of the same id
    /// and ring out there. Runs off the audio callback (it allocates).
    pub fn adopt(&mut self, old: &mut Engine) -> Adopted {
        let mut adopted = Adopted::default();
        self.frame = old.frame;
        // A new engine's clock has one tempo: its program's.
        let cps = self.clock.cps_at(0);
        self.clock = if self.reset_cycles {
            Clock::restarting(&old.clock, old.frame, cps)
        } else {
            Clock::continuing(&old.clock, old.frame, cps)
        };
        if let Some(t) = &mut self.tempo {
            self.clock = t.start(self.clock.clone(), self.frame);
        }
        // The first cycle that starts in a block from here on (a block owns the events
        // from half a frame before its first frame).
        let next = self
            .clock
            .cycle_at(Rational::int(self.frame) - Rational::new(1, 2))
            .ceil();
        self.start_cycle.set(next.num());
        let mut by_id: std::collections::HashMap<(u64, u64), (usize, usize, StateRef)> =
            std::collections::HashMap::new();
        for (si, stage) in old.stages.iter().enumerate() {
            for (ki, k) in stage.kernels.iter().enumerate() {
                for r in &k.state_ids {
                    by_id.insert((r.id, r.tag), (si, ki, *r));
                }
            }
        }
        for stage in &mut self.stages {
            for k in &mut stage.kernels {
                for j in 0..k.state_ids.len() {
                    let to = k.state_ids[j];
                    let Some(&(si, ki, from)) = by_id.get(&(to.id, to.tag)) else {
                        continue;
                    };
                    if from.count != to.count {
                        continue;
                    }
                    let src = old.stages[si].kernels[ki].state_floats();
                    let dst = k.state_floats();
                    for i in 0..to.count {
                        dst[to.start + i * to.stride] = src[from.start + i * from.stride];
                    }
                    adopted.states += 1;
                }
            }
        }
        let frame = self.frame;
        for h in &mut self.hosts {
            h.prime(&self.clock, frame);
        }
        for (new, old) in self.polys.iter_mut().zip(&mut old.polys) {
            new.adopt(old);
        }
        for bank in &mut self.banks {
            if let Some(o) = old.banks.iter().find(|o| o.id == bank.id) {
                adopted.voices += bank.adopt_voices(o, frame);
            }
        }
        self.adopt_orbits(old);
        adopted
    }

    /// The old program's orbits ring on here: an orbit of the same number takes the old
    /// one's state (moved, not copied: the old program, still playing while a changed output
    /// crossfades, goes on with a fresh one, whose output is not heard), and an orbit this
    /// program does not have is added, with an output of its own, until its tail has died
    /// away (it is not carried further once asleep).
    fn adopt_orbits(&mut self, old: &mut Engine) {
        for o in &mut old.orbits {
            if let Some(mine) = self.orbits.iter_mut().find(|m| m.number == o.number) {
                std::mem::swap(&mut mine.state, &mut o.state);
                continue;
            }
            if o.state.asleep() {
                continue;
            }
            let fresh = Box::new(OrbitState::new(self.clock.sample_rate as u32));
            let state = std::mem::replace(&mut o.state, fresh);
            let (left, right) = (self.buffers.len(), self.buffers.len() + 1);
            for _ in 0..2 {
                self.buffers.push(vec![0.0; self.max_block + 4]);
            }
            self.outputs.push(OutputSpec {
                name: format!("orbit {}", o.number),
                line: 0,
                left,
                right,
                code: orbit_code(o.number),
                orbit: Some(o.number),
                xfade_cycles: None,
            });
            self.blown.push(false);
            self.upstream.push(Upstream::default());
            self.orbits
                .push(Orbit::new(o.number, state, self.max_block, left, right));
        }
    }

    /// Runs `f` on one of the engine's worker threads, so that every block it processes
    /// forks its heavy stages directly instead of handing them to the pool and waiting for
    /// them (which costs a thread wake-up per stage).
    pub fn run<R: Send>(&mut self, f: impl FnOnce(&mut Engine) -> R + Send) -> R {
        match self.pool.clone() {
            Some(pool) => pool.install(|| f(self)),
            None => f(self),
        }
    }

    /// Computes the next `frames` frames (at most `max_block`). Read the result with
    /// [`Engine::output`] or [`Engine::mix_master`].
    pub fn process(&mut self, frames: usize) {
        assert!(
            frames <= self.max_block,
            "block larger than the engine was built for"
        );
        let first = self.frame;
        if let Some(t) = &mut self.tempo {
            t.schedule(&mut self.clock, first, frames);
        }
        for host in &mut self.hosts {
            self.counters.events += host.fill(&self.clock, first, frames, &mut self.buffers) as u64;
        }
        for poly in &mut self.polys {
            self.counters.events += poly.fill(&self.clock, first, frames, &mut self.buffers) as u64;
        }
        for &b in &self.start_buffers {
            let buf = &mut self.buffers[b][..frames];
            buf.fill(0.0);
            if first == 0 && frames > 0 {
                buf[0] = 1.0;
            }
        }
        self.run_banks(first, frames);
        self.run_orbits(frames);
        self.count_voices(first, frames);
        for stage in &mut self.stages {
            let parallel = stage.group_ends.len() > 1 && stage.cost * frames >= PARALLEL_WORK;
            match &self.pool {
                // Already on one of the pool's threads (see `Engine::run`): fork directly.
                Some(_) if parallel && rayon::current_thread_index().is_some() => {
                    stage.run_parallel(frames)
                }
                Some(pool) if parallel => pool.install(|| stage.run_parallel(frames)),
                _ => stage.run_serial(frames),
            }
        }
        self.guard(first, frames);
        self.frame += frames as i64;
        self.counters.blocks += 1;
    }

    /// Turns the blow-up guard off (it is on in every engine): for tests that compare the
    /// compiled code with the reference interpreter, which has no guard, on programs that
    /// legitimately reach huge values.
    pub fn unguarded(mut self) -> Engine {
        self.guarded = false;
        self
    }

    /// Finds outputs that blew up in this block, silences them for good, and resets what
    /// feeds only them, so the next block (and a program that adopts this one's state)
    /// starts that part clean.
    fn guard(&mut self, first: i64, frames: usize) {
        if !self.guarded {
            return;
        }
        let mut changed = false;
        for (o, out) in self.outputs.iter().enumerate() {
            if self.blown[o] {
                continue;
            }
            let (l, r) = (&self.buffers[out.left], &self.buffers[out.right]);
            if let Some(kind) = guard::check(&l[..frames], &r[..frames]) {
                self.blown[o] = true;
                if let Some(orbit) = self.orbits.iter_mut().find(|x| x.left == out.left) {
                    // Its effects start again from silence (and stay unheard).
                    orbit.state.clear();
                }
                self.blowups.push(Blowup {
                    output: o,
                    frame: first,
                    kind,
                });
                changed = true;
            }
        }
        if changed {
            self.resetting = guard::to_reset(&self.upstream, &self.blown);
        }
        for &(s, k, lane) in &self.resetting.lanes {
            self.stages[s].kernels[k].reset_lane(lane);
        }
        for &b in &self.resetting.banks {
            self.banks[b].silence();
        }
    }

    fn run_banks(&mut self, first: i64, frames: usize) {
        if self.banks.is_empty() {
            return;
        }
        // An atomic load: no lock, no allocation.
        if let Some(ready) = self.voice_kernels_coming.and_then(OnceLock::get) {
            self.voice_kernels = *ready;
            self.voice_kernels_coming = None;
        }
        let (clock, kernels) = (&self.clock, self.voice_kernels);
        let voices: usize = self.banks.iter().map(|b| b.active()).sum();
        let parallel = self.banks.len() > 1 && (voices + 8) * frames >= PARALLEL_VOICES;
        let run_all = |banks: &mut Vec<VoiceBank>| {
            use rayon::prelude::*;
            banks
                .par_iter_mut()
                .map(|b| b.process(clock, first, frames, &kernels))
                .sum::<usize>()
        };
        let events = match &self.pool {
            Some(_) if parallel && rayon::current_thread_index().is_some() => {
                run_all(&mut self.banks)
            }
            Some(pool) if parallel => pool.install(|| run_all(&mut self.banks)),
            _ => self
                .banks
                .iter_mut()
                .map(|b| b.process(clock, first, frames, &kernels))
                .sum(),
        };
        self.counters.events += events as u64;
    }

    /// The orbits' global effects: each hears what the sample players sent it this block
    /// (nothing while the program is hushed: its tails ring out) and takes the parameters
    /// its events set.
    fn run_orbits(&mut self, frames: usize) {
        let cps = self.clock.cps_at(self.frame).to_f64();
        let sample_rate = self.clock.sample_rate as u32;
        for (k, orbit) in self.orbits.iter_mut().enumerate() {
            orbit.sends.clear(frames);
            if !self.hush {
                for bank in &self.banks {
                    if let Some(s) = bank.sends().get(k) {
                        orbit.sends.gather(s, frames);
                    }
                }
            }
            orbit.take_params();
            let (l, r) = two_buffers(&mut self.buffers, orbit.left, orbit.right);
            orbit
                .state
                .process(&orbit.sends, frames, cps, sample_rate, l, r);
        }
    }

    /// Voice statistics after a block: sample voices and synth voices alike.
    fn count_voices(&mut self, first: i64, frames: usize) {
        let at = first + frames as i64 - 1;
        let c = &mut self.counters;
        let (mut sounding, mut started, mut stolen, mut missing) = (0, 0, 0, 0);
        let (mut orbits_missing, mut unsent) = (0, 0);
        for b in &self.banks {
            unsent += b.counters.unsent;
            sounding += b.sounding();
            started += b.counters.started;
            stolen += b.counters.stolen;
            missing += b.counters.missing;
            orbits_missing += b.counters.orbit_missing;
        }
        for p in &self.polys {
            sounding += p.sounding(at);
            started += p.started;
            stolen += p.stolen;
        }
        c.voices_sounding = sounding;
        c.voices_peak = c.voices_peak.max(sounding);
        (c.voices_started, c.voices_stolen, c.samples_missing) = (started, stolen, missing);
        c.orbits_missing = orbits_missing;
        c.events_unsent = unsent;
    }

    /// One output's channels for the last block: silence if the program is hushed or the
    /// output blew up.
    pub fn output(&mut self, index: usize, frames: usize) -> (&[f32], &[f32]) {
        let o = &self.outputs[index];
        let (l, r) = (o.left, o.right);
        // An orbit's tails ring on through `hush`.
        if (self.hush && o.orbit.is_none()) || self.blown[index] {
            self.buffers[l][..frames].fill(0.0);
            self.buffers[r][..frames].fill(0.0);
        }
        (&self.buffers[l][..frames], &self.buffers[r][..frames])
    }

    /// Each output's peak (both channels) over the last block's `frames`, into `peaks` (as
    /// many as fit). Reads what the outputs hold after `mix_master` or `output`: silence for
    /// a hushed or blown output.
    pub fn output_peaks(&self, frames: usize, peaks: &mut [f32]) {
        for (o, p) in self.outputs.iter().zip(peaks.iter_mut()) {
            let (l, r) = (&self.buffers[o.left], &self.buffers[o.right]);
            let n = frames.min(l.len()).min(r.len());
            *p = l[..n]
                .iter()
                .chain(&r[..n])
                .fold(0.0f32, |m, x| m.max(x.abs()));
        }
    }

    /// The sum of every output for the last block, interleaved stereo, into `out`
    /// (`2 * frames` floats).
    pub fn mix_master(&mut self, frames: usize, out: &mut [f32]) {
        out[..2 * frames].fill(0.0);
        for i in 0..self.outputs.len() {
            let (l, r) = self.output(i, frames);
            for (f, (a, b)) in l.iter().zip(r).enumerate() {
                out[2 * f] += a;
                out[2 * f + 1] += b;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn outputs_are_named_as_tidal_names_patterns() {
        assert_eq!(super::tidal_id("d1"), "1");
        assert_eq!(super::tidal_id("d12"), "12");
        assert_eq!(super::tidal_id("drums"), "drums");
        assert_eq!(super::tidal_id("d"), "d");
        assert_eq!(super::tidal_id("o1"), "o1");
    }
}
