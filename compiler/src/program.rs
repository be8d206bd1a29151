//! The whole pipeline, text to runnable program: front end, signal IR, schedule, code
//! generation, and the runtime's program description (buffers, host inputs, kernel tables).

use crate::catalogue::{Catalogue, SoundName};
use crate::codegen;
use crate::diagnostic::Diagnostic;
use crate::dsp;
use crate::ir::patterns::Patterns;
use crate::ir::{Graph, NodeId, NodeKind, NodeRef};
use crate::schedule::{self, LANES, Plan};
use phonon_runtime::Rational;
use phonon_runtime::engine::poly::PolySpec;
use phonon_runtime::engine::voices::SoundTable;
use phonon_runtime::engine::voices::{BankSpec, DEFAULT_VOICE_CAP};
use phonon_runtime::engine::{HostSpec, KernelSpec, OutputSpec, ProgramSpec, Slot, StateRef};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long each phase took.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub front_end: Duration,
    pub lower: Duration,
    /// Finding and loading the sounds: not part of `compile`, which loads nothing; filled
    /// by whoever loads them (`phonon_sounds::compile`, alongside scheduling and codegen).
    pub samples: Duration,
    pub schedule: Duration,
    pub codegen: Duration,
    pub link: Duration,
    /// The wall time of the whole job: the compile phases' sum, or with sound loading
    /// alongside them, the time from start to the program with its sounds.
    pub total: Duration,
}

#[derive(Clone)]
pub struct Options {
    pub sample_rate: u32,
    /// Keep each kernel's Cranelift IR (for `phonon ir --clif`).
    pub keep_clif: bool,
    /// Voices each sample player may hold before it steals the oldest.
    pub voice_cap: usize,
    /// The program will be played: a program that plays samples starts the JIT compile of
    /// the voice kernels (on a thread of their own, see `codegen/voices.rs`). `phonon
    /// compile` and `phonon ir`, which never play it, leave them alone; a program compiled
    /// without it plays with the reference kernels.
    pub plays: bool,
    /// The program plays to a MIDI port (`phonon live --midi-out`): the sound `midi` exists.
    pub midi: bool,
}

impl Default for Options {
    /// 44.1 kHz.
    fn default() -> Self {
        Options {
            sample_rate: 44_100,
            keep_clif: false,
            voice_cap: DEFAULT_VOICE_CAP,
            plays: true,
            midi: false,
        }
    }
}

pub struct Compiled {
    pub(crate) graph: Graph,
    /// The closures of the graph's patterns (see `ir/patterns.rs`).
    pub(crate) patterns: Patterns,
    pub(crate) plan: Plan,
    /// What the runtime runs.
    pub spec: ProgramSpec,
    pub clif: Vec<String>,
    /// Functions compiled for the kernels (kernels of the same code share one).
    pub functions: usize,
    pub timings: Timings,
    /// Warnings from the front end.
    pub warnings: Vec<Diagnostic>,
    /// The sounds the program plays, each once, where it is first written: the caller loads
    /// them and hands them over with `attach_sounds` (until then the players are silent).
    pub sounds: Vec<SoundName>,
}

/// What a compiled program is made of, for reports (`phonon compile`).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub outputs: usize,
    pub nodes: usize,
    pub stages: usize,
    pub kernels: usize,
    /// Functions compiled for the kernels (kernels of the same code share one).
    pub functions: usize,
    /// Note patterns played by synth voices.
    pub instruments: usize,
    pub sample_players: usize,
    /// The tempo (the default's, where it holds nothing, when `tempo_is_pattern`).
    pub cps: f64,
    pub tempo_is_pattern: bool,
}

impl Compiled {
    pub fn summary(&self) -> Summary {
        Summary {
            outputs: self.graph.outputs.len(),
            nodes: self.graph.nodes.len(),
            stages: self.plan.stages.len(),
            kernels: self.plan.kernels.len(),
            functions: self.functions,
            instruments: self.graph.polys.len(),
            sample_players: self.graph.banks.len(),
            cps: self.graph.cps,
            tempo_is_pattern: self.patterns.tempo.is_some(),
        }
    }

    /// How long the first `cycles` cycles last, at the program's tempo (a tempo pattern's
    /// as the engine plays it).
    pub fn seconds_for_cycles(&self, cycles: f64) -> f64 {
        let Some(tempo) = &self.patterns.tempo else {
            return cycles / self.graph.cps;
        };
        let rate = self.graph.sample_rate as i64;
        let frames = phonon_runtime::tempo::frames_for_cycles(
            tempo,
            self.graph.cps,
            rate,
            Rational::from_f64(cycles),
        );
        frames as f64 / rate as f64
    }

    /// `phonon ir`: the signal graph, then the plan.
    pub fn print_ir(&self) -> String {
        format!(
            "{}\n{}",
            crate::ir::print::graph(&self.graph),
            crate::ir::print::plan(&self.graph, &self.plan)
        )
    }

    /// `phonon ir --patterns`: every pattern as its tree, with `line:col` in `src` (the
    /// text this was compiled from).
    /// Each output as a musician reads it (`phonon ir --summary`).
    pub fn output_summaries(&self) -> Vec<crate::ir::summary::OutputSummary> {
        crate::ir::summary::outputs(&self.graph)
    }

    pub fn print_patterns(&self, src: &str) -> String {
        crate::ir::print::patterns(&self.graph, src)
    }

    /// The reference interpreter of this program: scalar, node by node, what the JIT code
    /// is tested against.
    pub fn interpreter(&self) -> crate::interp::Interpreter {
        crate::interp::Interpreter::new(self.graph.clone(), &self.patterns)
    }

    /// Gives the sample players the sounds they play (the loaded variants of each name in
    /// `sounds`); names missing from `table` stay silent.
    pub fn attach_sounds(&mut self, table: &SoundTable) {
        for (bank, spec) in self.graph.banks.iter_mut().zip(&mut self.spec.banks) {
            bank.sounds = bank
                .names
                .iter()
                .filter_map(|n| table.get(&n.name).map(|s| (n.name.clone(), s.clone())))
                .collect();
            spec.sounds = bank.sounds.clone();
        }
    }
}

/// The JIT voice kernels, compiled on first use (tests compare them with the reference).
pub fn jit_voice_kernels() -> Result<phonon_runtime::engine::voice_kernel::VoiceKernels, String> {
    codegen::voices::kernels()
}

/// The Cranelift IR of each kind of voice kernel.
pub fn voice_kernel_clif(kind: phonon_runtime::engine::voice_kernel::VoiceKind) -> String {
    codegen::voices::clif(kind)
}

/// Compiles a program to native code. Sound names are checked against `sounds`; nothing is
/// loaded or read (see `Compiled::sounds`). Errors are diagnostics (or a code generation
/// failure, which is a bug, as a diagnostic without a useful span).
pub fn compile(src: &str, sounds: &Catalogue, opts: &Options) -> Result<Compiled, Vec<Diagnostic>> {
    lower(src, sounds, opts)?.finish(opts)
}

/// A program through the front end and lowering: every user error is found by now, and the
/// sounds it needs are known, so a caller can load them while `finish` generates the code.
pub struct Lowered {
    graph: Graph,
    patterns: Patterns,
    warnings: Vec<Diagnostic>,
    sounds: Vec<SoundName>,
    timings: Timings,
}

/// The compiler's own results are checked in debug builds (every test compile).
fn internal(e: String) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        0..0,
        format!("internal compiler error (a bug in phonon, not in this program): {e}"),
    )]
}

/// The first half of [`compile`]: front end, lowering, the first-cycle check and the sound
/// names.
pub fn lower(src: &str, sounds: &Catalogue, opts: &Options) -> Result<Lowered, Vec<Diagnostic>> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let fe = crate::front_end(src);
    timings.front_end = t.elapsed();
    if fe.has_errors() {
        return Err(fe.diagnostics);
    }
    let t = Instant::now();
    // What lowering finds inside a use of a function is reported where it is written.
    let at = |d: Vec<Diagnostic>| fe.checked.expansions.remap(d);
    let (graph, warnings) =
        crate::ir::lower::lower_program(&fe.checked, src, opts.sample_rate).map_err(at)?;
    let mut warnings = at(warnings);
    if cfg!(debug_assertions) {
        crate::ir::verify::verify_graph(&graph).map_err(internal)?;
    }
    if !graph.banks.is_empty() && opts.plays {
        codegen::voices::warm_up();
    }
    let patterns = crate::ir::patterns::link(&graph, &fe.checked).map_err(at)?;
    let too_much = crate::ir::first_cycle::check(&graph, &patterns);
    if !too_much.is_empty() {
        return Err(at(too_much));
    }
    let mut needs = sounds.needs(&graph, opts.midi).map_err(at)?;
    for n in &mut needs {
        n.span = fe.checked.expansions.source_span(&n.span);
    }
    timings.lower = t.elapsed();
    let mut all = fe.diagnostics;
    all.append(&mut warnings);
    Ok(Lowered {
        graph,
        patterns,
        warnings: all,
        sounds: needs,
        timings,
    })
}

impl Lowered {
    /// The sounds the program plays, each once, where it is first written.
    /// The warnings of a program that lowered (front end and lowering).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    pub fn sounds(&self) -> &[SoundName] {
        &self.sounds
    }

    /// The second half of [`compile`]: scheduling, code generation and linking.
    pub fn finish(self, opts: &Options) -> Result<Compiled, Vec<Diagnostic>> {
        let Lowered {
            graph,
            patterns,
            warnings,
            sounds,
            mut timings,
        } = self;
        let t = Instant::now();
        let plan = schedule::schedule(&graph);
        if cfg!(debug_assertions) {
            crate::ir::verify::verify_plan(&graph, &plan).map_err(internal)?;
        }
        timings.schedule = t.elapsed();
        let t = Instant::now();
        let code = codegen::compile(&plan.kernels, opts.sample_rate as f32, opts.keep_clif)
            .map_err(|e| vec![Diagnostic::error(0..0, e)])?;
        // The JIT voice kernels if compiled, else the reference until they are.
        let (voice_kernels, voice_kernels_coming) = if graph.banks.is_empty() || !opts.plays {
            (
                phonon_runtime::engine::voice_kernel::VoiceKernels::reference(),
                None,
            )
        } else {
            codegen::voices::ready_or_coming().map_err(|e| vec![Diagnostic::error(0..0, e)])?
        };
        timings.codegen = t.elapsed();
        let t = Instant::now();
        let clif = code.clif.clone();
        let functions = code.functions;
        let mut spec = link(&graph, &patterns, &plan, code);
        spec.voice_kernels = voice_kernels;
        spec.voice_kernels_coming = voice_kernels_coming;
        spec.voice_cap = opts.voice_cap;
        timings.link = t.elapsed();
        timings.total =
            timings.front_end + timings.lower + timings.schedule + timings.codegen + timings.link;
        Ok(Compiled {
            graph,
            patterns,
            plan,
            spec,
            clif,
            functions,
            timings,
            warnings,
            sounds,
        })
    }
}

/// Assigns buffers and builds the runtime's description of the program.
fn link(graph: &Graph, patterns: &Patterns, plan: &Plan, code: codegen::Compiled) -> ProgramSpec {
    let mut buffer_of: HashMap<NodeRef, usize> = HashMap::new();
    let mut buffer = |n: NodeRef| {
        let next = buffer_of.len();
        *buffer_of.entry(n).or_insert(next)
    };
    // Host inputs and start triggers first, then every kernel export.
    let mut hosts: Vec<HostSpec> = graph
        .hosts
        .iter()
        .zip(&patterns.hosts)
        .map(|(h, pattern)| HostSpec {
            pattern: pattern.clone(),
            reads: Vec::new(),
            origin: h.origin.clone(),
        })
        .collect();
    let mut polys: Vec<PolySpec> = graph
        .polys
        .iter()
        .zip(&patterns.polys)
        .map(|(p, pattern)| PolySpec {
            pattern: pattern.clone(),
            voices: p.voices,
            release: p.release,
            from_start: p.from_start,
            reads: Vec::new(),
            origin: p.origin.clone(),
        })
        .collect();
    let mut start_buffers = Vec::new();
    let mut bank_buffers = vec![[usize::MAX; 2]; graph.banks.len()];
    let mut bank_ids = vec![0u64; graph.banks.len()];
    for (i, n) in graph.nodes.iter().enumerate() {
        match n.kind {
            NodeKind::Host { source, read } => hosts[source].reads.push((read, buffer(i))),
            NodeKind::PolyHost { poly, voice, read } => {
                polys[poly].reads.push((voice, read, buffer(i)))
            }
            NodeKind::Start => start_buffers.push(buffer(i)),
            NodeKind::Voices { bank, channel } => {
                bank_buffers[bank][channel as usize] = buffer(i);
                if channel == 0 {
                    bank_ids[bank] = n.id.0;
                }
            }
            _ => {}
        }
    }
    let banks = graph
        .banks
        .iter()
        .zip(&bank_buffers)
        .enumerate()
        .map(|(i, (b, &[left, right]))| BankSpec {
            id: bank_ids[i],
            pattern: patterns.banks[i].clone(),
            sounds: b.sounds.clone(),
            left,
            right,
            origin: b.origin.clone(),
            sends: !graph.orbits.is_empty(),
            lines: graph.lines,
            synths: b.plays_synths(),
        })
        .collect();
    let mut constants: Vec<(usize, f32)> = Vec::new();
    let mut stages = Vec::new();
    for stage in &plan.stages {
        let mut specs = Vec::new();
        for &ki in stage {
            let k = &plan.kernels[ki];
            let shape = &k.shape;
            if let Some(fx) = shape.host_kernel() {
                specs.push(host_kernel(
                    graph,
                    k,
                    fx,
                    code.funcs[ki],
                    &mut buffer,
                    &mut constants,
                ));
                continue;
            }
            let mut io = Vec::new();
            for i in 0..shape.inputs {
                for l in 0..LANES {
                    io.push(match k.lanes.get(l) {
                        Some(lane) => Slot::Buffer(buffer(lane.inputs[i])),
                        None => Slot::Zero,
                    });
                }
            }
            for &op in &shape.exports {
                for l in 0..LANES {
                    io.push(match k.lanes.get(l) {
                        Some(lane) => Slot::Buffer(buffer(lane.nodes[op])),
                        None => Slot::Discard,
                    });
                }
            }
            // State block: parameters, then state slots, each as four lanes.
            let mut state = Vec::new();
            for p in 0..shape.params {
                for l in 0..LANES {
                    let lane = k.lanes.get(l).unwrap_or(&k.lanes[0]);
                    state.push(lane.params[p]);
                }
            }
            let mut state_ids = Vec::new();
            let mut slot = shape.params;
            for (o, op) in shape.ops.iter().enumerate() {
                let count = op.kind.state_slots();
                if count > 0 {
                    for (l, lane) in k.lanes.iter().enumerate() {
                        state_ids.push(StateRef {
                            id: graph.nodes[lane.nodes[o]].id.0,
                            tag: NodeId::of(&op.kind.name()).0,
                            start: slot * LANES + l,
                            count,
                            stride: LANES,
                        });
                    }
                }
                slot += count;
            }
            for (o, op) in shape.ops.iter().enumerate() {
                let inits: Vec<Vec<f32>> = (0..LANES)
                    .map(|l| {
                        let lane = k.lanes.get(l).unwrap_or(&k.lanes[0]);
                        let node = &graph.nodes[lane.nodes[o]];
                        dsp::init_state(&op.kind, node.id)
                    })
                    .collect();
                for s in 0..op.kind.state_slots() {
                    for init in &inits {
                        state.push(init[s]);
                    }
                }
            }
            // SAFETY: `code.funcs[ki]` was generated from this kernel's shape (or one equal to
            // it): it reads `shape.inputs` inputs and writes `shape.exports` outputs, four
            // lanes each, the table built above, and its state block is `shape.params`
            // parameters and the operations' state slots, four lanes each, as built above.
            specs.push(unsafe {
                KernelSpec::new(
                    code.funcs[ki],
                    shape.inputs,
                    io,
                    state,
                    k.cost() * k.lanes.len().max(1),
                    state_ids,
                )
            });
        }
        stages.push(specs);
    }
    let mut outputs: Vec<OutputSpec> = graph
        .outputs
        .iter()
        .map(|o| OutputSpec {
            code: output_code(graph, o),
            name: o.name.clone(),
            line: o.line,
            left: buffer(o.left),
            right: buffer(o.right),
            orbit: None,
            xfade_cycles: o.xfade,
        })
        .collect();
    // Each orbit's output: two buffers past the graph's, which the engine's orbits write.
    let graph_buffers = buffer_of.len();
    for (k, &number) in graph.orbits.iter().enumerate() {
        outputs.push(OutputSpec {
            name: format!("orbit {number}"),
            line: 0,
            left: graph_buffers + 2 * k,
            right: graph_buffers + 2 * k + 1,
            code: phonon_runtime::engine::orbit_code(number),
            orbit: Some(number),
            xfade_cycles: None,
        });
    }
    ProgramSpec {
        sample_rate: graph.sample_rate,
        cps: Rational::from_f64(graph.cps),
        tempo: patterns.tempo.clone(),
        buffers: graph_buffers + 2 * graph.orbits.len(),
        hosts,
        polys,
        start_buffers,
        stages,
        banks,
        voice_kernels: phonon_runtime::engine::voice_kernel::VoiceKernels::reference(),
        voice_kernels_coming: None,
        voice_cap: DEFAULT_VOICE_CAP,
        outputs,
        hush: graph.hush,
        reset_cycles: graph.reset_cycles,
        start_cycle: patterns.start.clone(),
        constant_buffers: constants,
        code: Arc::new(code.code),
    }
}

/// The description of a host kernel: its inputs as buffers (a constant input gets a buffer
/// the engine fills with it once), its output, and the effect's own state block.
fn host_kernel(
    graph: &Graph,
    k: &crate::schedule::Kernel,
    fx: phonon_runtime::effects::LineFx,
    func: phonon_runtime::engine::KernelFn,
    buffer: &mut impl FnMut(NodeRef) -> usize,
    constants: &mut Vec<(usize, f32)>,
) -> KernelSpec {
    let node_ref = k.lanes[0].nodes[0];
    let node = &graph.nodes[node_ref];
    let mut io = Vec::new();
    for &input in &node.inputs {
        let b = buffer(input);
        if let NodeKind::Const(c) = graph.nodes[input].kind
            && !constants.iter().any(|&(cb, _)| cb == b)
        {
            constants.push((b, c));
        }
        io.extend([Slot::Buffer(b), Slot::Zero, Slot::Zero, Slot::Zero]);
    }
    io.extend([
        Slot::Buffer(buffer(node_ref)),
        Slot::Discard,
        Slot::Discard,
        Slot::Discard,
    ]);
    let state = fx.init_state(graph.sample_rate);
    let state_ids = vec![StateRef {
        id: node.id.0,
        tag: NodeId::of(&node.kind.name()).0,
        start: 0,
        count: state.len(),
        stride: 1,
    }];
    // SAFETY: `func` is the effect's own kernel (`fx.kernel()`), which reads the node's
    // inputs and writes one output in lane 0 of this table, and uses the state block
    // `fx.init_state` makes.
    unsafe { KernelSpec::new(func, node.inputs.len(), io, state, fx.cost(), state_ids) }
}

/// A hash of everything an output computes (its nodes with their kinds, constants, wiring
/// and the patterns they read): equal for the same code, so a reload can tell which outputs
/// changed.
fn output_code(graph: &Graph, output: &crate::ir::Output) -> u64 {
    let mut seen = vec![false; graph.nodes.len()];
    let mut stack = vec![output.left, output.right];
    let mut text = String::new();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        let node = &graph.nodes[n];
        let pattern = match node.kind {
            NodeKind::Host { source, .. } => graph.hosts[source].code,
            NodeKind::PolyHost { poly, .. } => graph.polys[poly].code,
            NodeKind::Voices { bank, .. } => graph.banks[bank].code,
            _ => 0,
        };
        let inputs: Vec<&str> = node
            .inputs
            .iter()
            .map(|&i| graph.nodes[i].path.as_str())
            .collect();
        text.push_str(&format!(
            "{}={} {pattern:x} ({});",
            node.path,
            node.kind.name(),
            inputs.join(",")
        ));
        stack.extend(&node.inputs);
    }
    NodeId::of(&text).0
}
