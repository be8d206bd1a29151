//! The reference interpreter: evaluates the signal graph one sample and one node at a time,
//! in plain scalar Rust, with no scheduling, fusion or lane packing. It exists to test the
//! JIT: both must produce the same audio.

use crate::dsp::{self, Scalar};
use crate::ir::{Graph, NodeKind};
use phonon_runtime::Rational;
use phonon_runtime::clock::Clock;
use phonon_runtime::engine::host::HostSource;

pub struct Interpreter {
    graph: Graph,
    hosts: Vec<HostSource>,
    /// Per node: the buffer a host input fills (index into `buffers`).
    host_buffer: Vec<Option<usize>>,
    buffers: Vec<Vec<f32>>,
    state: Vec<Vec<f32>>,
    values: Vec<f32>,
    clock: Clock,
    frame: i64,
}

impl Interpreter {
    pub fn new(graph: Graph) -> Interpreter {
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
        let hosts = graph
            .hosts
            .iter()
            .zip(reads)
            .map(|(h, r)| HostSource::new(h.pattern.clone(), r))
            .collect();
        let state = graph
            .nodes
            .iter()
            .map(|n| dsp::init_state(&n.kind, n.id))
            .collect();
        let clock = Clock::new(Rational::from_f64(graph.cps), graph.sample_rate as i64);
        Interpreter {
            values: vec![0.0; graph.nodes.len()],
            hosts,
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
        for h in &mut self.hosts {
            h.fill(&self.clock, self.frame, frames, &mut self.buffers);
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
                    NodeKind::Host { .. } => {
                        self.buffers[self.host_buffer[i].expect("host nodes have buffers")][f]
                    }
                    NodeKind::Start => {
                        if self.frame + f as i64 == 0 {
                            1.0
                        } else {
                            0.0
                        }
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
