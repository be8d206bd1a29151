//! The reference interpreter: evaluates the signal graph one sample and one node at a time,
//! in plain scalar Rust, with no scheduling, fusion or lane packing. It exists to test the
//! JIT: both must produce the same audio.

use crate::dsp::{self, Scalar};
use crate::ir::patterns::Patterns;
use crate::ir::{Graph, NodeKind};
use phonon_runtime::Rational;
use phonon_runtime::clock::Clock;
use phonon_runtime::effects::LineFx;
use phonon_runtime::engine::host::HostSource;
use phonon_runtime::engine::poly::{PolySource, PolySpec};
use phonon_runtime::engine::voice_kernel::VoiceKernels;
use phonon_runtime::engine::voices::{BankSpec, DEFAULT_VOICE_CAP, VoiceBank};

/// The largest block [`Interpreter::process`] takes (voice banks mix into fixed buffers).
pub const MAX_BLOCK: usize = 4096;

pub struct Interpreter {
    graph: Graph,
    hosts: Vec<HostSource>,
    polys: Vec<PolySource>,
    /// Per node: the buffer a host input fills (index into `buffers`).
    host_buffer: Vec<Option<usize>>,
    buffers: Vec<Vec<f32>>,
    /// Sample players with the reference voice kernels, and their left/right mixes.
    banks: Vec<VoiceBank>,
    bank_buffers: Vec<[Box<[f32]>; 2]>,
    state: Vec<Vec<f32>>,
    values: Vec<f32>,
    clock: Clock,
    frame: i64,
}

impl Interpreter {
    pub(crate) fn new(graph: Graph, patterns: &Patterns) -> Interpreter {
        let mut host_buffer = vec![None; graph.nodes.len()];
        let mut reads: Vec<Vec<_>> = vec![Vec::new(); graph.hosts.len()];
        let mut count = 0;
        for (i, n) in graph.nodes.iter().enumerate() {
            if let NodeKind::Host { source, read } = n.kind {
                reads[source].push((read, count));
                host_buffer[i] = Some(count);
                count += 1;
            }
        }
        let mut poly_reads: Vec<Vec<_>> = vec![Vec::new(); graph.polys.len()];
        for (i, n) in graph.nodes.iter().enumerate() {
            if let NodeKind::PolyHost { poly, voice, read } = n.kind {
                poly_reads[poly].push((voice, read, count));
                host_buffer[i] = Some(count);
                count += 1;
            }
        }
        let polys = graph
            .polys
            .iter()
            .zip(poly_reads)
            .zip(&patterns.polys)
            .map(|((p, reads), pattern)| {
                let spec = PolySpec {
                    pattern: pattern.clone(),
                    voices: p.voices,
                    release: p.release,
                    from_start: p.from_start,
                    reads,
                    origin: p.origin.clone(),
                };
                PolySource::new(spec, graph.sample_rate)
            })
            .collect();
        let hosts = graph
            .hosts
            .iter()
            .zip(reads)
            .zip(&patterns.hosts)
            .map(|((_, r), pattern)| HostSource::new(pattern.clone(), r))
            .collect();
        let state = graph
            .nodes
            .iter()
            .map(|n| match n.kind {
                NodeKind::Line(fx) => fx.init_state(graph.sample_rate),
                _ => dsp::init_state(&n.kind, n.id),
            })
            .collect();
        let clock = Clock::new(Rational::from_f64(graph.cps), graph.sample_rate as i64);
        let mut bank_buffers: Vec<[Box<[f32]>; 2]> = graph
            .banks
            .iter()
            .map(|_| {
                [
                    vec![0.0; MAX_BLOCK + 4].into_boxed_slice(),
                    vec![0.0; MAX_BLOCK + 4].into_boxed_slice(),
                ]
            })
            .collect();
        let banks = graph
            .banks
            .iter()
            .zip(&mut bank_buffers)
            .zip(&patterns.banks)
            .map(|((b, [l, r]), pattern)| {
                let spec = BankSpec {
                    id: 0,
                    pattern: pattern.clone(),
                    sounds: b.sounds.clone(),
                    left: 0,
                    right: 0,
                    origin: b.origin.clone(),
                    // The interpreter is the graph's reference; orbits are the engine's.
                    sends: false,
                    lines: graph.lines,
                    synths: b.plays_synths(),
                };
                VoiceBank::new(
                    spec,
                    DEFAULT_VOICE_CAP,
                    l.as_mut_ptr(),
                    r.as_mut_ptr(),
                    std::sync::Arc::from([]),
                    MAX_BLOCK,
                    graph.sample_rate,
                )
            })
            .collect();
        Interpreter {
            banks,
            bank_buffers,
            values: vec![0.0; graph.nodes.len()],
            hosts,
            polys,
            host_buffer,
            buffers: vec![Vec::new(); count],
            state,
            clock,
            frame: 0,
            graph,
        }
    }

    /// The next `frames` frames of every output, as (left, right).
    pub fn process(&mut self, frames: usize) -> Vec<(Vec<f32>, Vec<f32>)> {
        for b in &mut self.buffers {
            b.resize(frames.max(b.len()), 0.0);
        }
        assert!(frames <= MAX_BLOCK, "blocks of at most {MAX_BLOCK} frames");
        for h in &mut self.hosts {
            h.fill(&self.clock, self.frame, frames, &mut self.buffers);
        }
        for p in &mut self.polys {
            p.fill(&self.clock, self.frame, frames, &mut self.buffers);
        }
        let kernels = VoiceKernels::reference();
        for b in &mut self.banks {
            b.process(&self.clock, self.frame, frames, &kernels);
        }
        let mut outs: Vec<(Vec<f32>, Vec<f32>)> =
            vec![(vec![0.0; frames], vec![0.0; frames]); self.graph.outputs.len()];
        let sr = self.graph.sample_rate as f32;
        let d = &mut Scalar;
        let mut ins = Vec::with_capacity(8);
        for f in 0..frames {
            for (i, node) in self.graph.nodes.iter().enumerate() {
                let v = match &node.kind {
                    NodeKind::Const(c) => *c,
                    NodeKind::Host { .. } | NodeKind::PolyHost { .. } => {
                        self.buffers[self.host_buffer[i].expect("host nodes have buffers")][f]
                    }
                    NodeKind::Voices { bank, channel } => {
                        self.bank_buffers[*bank][*channel as usize][f]
                    }
                    NodeKind::Start => {
                        if self.frame + f as i64 == 0 {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    NodeKind::Line(fx) => {
                        ins.clear();
                        ins.extend(node.inputs.iter().map(|&j| self.values[j]));
                        line_frame(*fx, &mut ins, &mut self.state[i])
                    }
                    kind => {
                        ins.clear();
                        if *kind != NodeKind::Delay1 {
                            ins.extend(node.inputs.iter().map(|&j| self.values[j]));
                        }
                        dsp::eval(d, kind, &ins, &mut self.state[i], sr)
                    }
                };
                self.values[i] = v;
                if let NodeKind::Output { output, channel } = node.kind {
                    let out = &mut outs[output];
                    let x = if v.is_finite() && !self.graph.hush {
                        v
                    } else {
                        0.0
                    };
                    if channel == 0 {
                        out.0[f] = x;
                    } else {
                        out.1[f] = x;
                    }
                }
            }
            for (i, node) in self.graph.nodes.iter().enumerate() {
                if node.kind == NodeKind::Delay1 {
                    let input = self.values[node.inputs[0]];
                    dsp::delay_store::<Scalar>(input, &mut self.state[i]);
                }
            }
        }
        self.frame += frames as i64;
        outs
    }
}

/// One frame of a delay-line effect: the runtime's kernel called for a block of one.
fn line_frame(fx: LineFx, ins: &mut [f32], state: &mut [f32]) -> f32 {
    let mut out = 0.0f32;
    let mut io: Vec<*mut f32> = Vec::with_capacity(4 * (ins.len() + 1));
    for x in ins.iter_mut() {
        io.extend([x as *mut f32; 4]);
    }
    io.extend([&mut out as *mut f32; 4]);
    // SAFETY: every slot addresses one float and the state block came from `init_state`.
    unsafe { fx.kernel()(io.as_ptr(), state.as_mut_ptr(), 1) };
    out
}
