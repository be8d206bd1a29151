//! The scheduling pass: from the signal graph to a plan of stages and kernels.
//!
//! - Fusion: computing nodes are grouped into kernels, one loop over the block each, so values
//!   inside a kernel stay in registers. A stateless node joins the kernel of its inputs when
//!   they all come from one kernel; any node absorbs an input kernel whose values are read by
//!   it alone (a private subtree), unless the subtree ends in a barrier (a synth voice, which
//!   packs with its sibling voices instead). A value read by several kernels is written to a
//!   buffer.
//! - Feedback: a `Delay1` and the node it delays share a kernel, and kernels that would depend
//!   on each other in a cycle are merged, so a feedback loop runs sample by sample.
//! - Stages: topological levels of the kernel graph; the kernels of a stage are independent.
//! - Lane packing: kernels with state (oscillators, filters, envelopes) run four instances per
//!   f32x4 operation; identical stateful kernels in a stage (same operations and wiring,
//!   different constants and inputs) share one kernel, up to four lanes. Stateless kernels
//!   vectorise across time instead (four frames per operation).
//! - Host kernels: a delay-line effect (`NodeKind::Line`) is a kernel by itself, never fused
//!   or packed, because its code is a runtime function rather than generated. A feedback
//!   loop never passes through one (lowering refuses such programs).

use crate::ir::{Graph, NodeKind, NodeRef};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// The value of an earlier operation of the same kernel.
    Local(usize),
    /// An input slot: a buffer (a host input or another kernel's output).
    Input(usize),
    /// A per-lane constant.
    Param(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub kind: NodeKind,
    pub args: Vec<Operand>,
}

/// What a kernel computes, independent of which instances it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub ops: Vec<Op>,
    pub inputs: usize,
    pub params: usize,
    /// Operations whose values are written to buffers.
    pub exports: Vec<usize>,
}

impl Shape {
    /// Kernels with state run lanes (instances) in parallel, frame by frame; stateless ones
    /// run four frames at a time.
    pub fn is_lane_mode(&self) -> bool {
        self.ops.iter().any(|o| o.kind.is_stateful())
    }

    /// The delay-line effect this kernel runs, when it is a host kernel.
    pub fn host_kernel(&self) -> Option<phonon_runtime::effects::LineFx> {
        match self.ops.as_slice() {
            [
                Op {
                    kind: NodeKind::Line(fx),
                    ..
                },
            ] => Some(*fx),
            _ => None,
        }
    }

    /// A key that is equal for kernels that may share lanes.
    fn signature(&self) -> String {
        let ops: Vec<String> = self
            .ops
            .iter()
            .map(|o| {
                let kind = match o.kind {
                    NodeKind::Output { .. } => "output".to_string(),
                    ref k => format!("{k:?}"),
                };
                format!("{kind}{:?}", o.args)
            })
            .collect();
        format!(
            "{}|{}|{}|{:?}",
            ops.join(";"),
            self.inputs,
            self.params,
            self.exports
        )
    }
}

/// One instance of a shape: which graph nodes it computes and what it reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    /// The graph node of each operation.
    pub nodes: Vec<NodeRef>,
    /// The graph node feeding each input slot.
    pub inputs: Vec<NodeRef>,
    pub params: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    pub shape: Shape,
    /// One to four instances.
    pub lanes: Vec<Lane>,
}

impl Kernel {
    /// Node evaluations per frame, for the executor's parallelism threshold.
    pub fn cost(&self) -> usize {
        if let Some(fx) = self.shape.host_kernel() {
            return fx.cost();
        }
        let per = self.shape.ops.len();
        if self.shape.is_lane_mode() {
            per
        } else {
            per.div_ceil(4)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub kernels: Vec<Kernel>,
    /// Kernel indices per stage, in execution order.
    pub stages: Vec<Vec<usize>>,
}

/// Lanes in an f32x4 kernel.
pub const LANES: usize = 4;

pub fn schedule(graph: &Graph) -> Plan {
    let groups = fuse(graph);
    let stage_of = stages(graph, &groups);
    // Once for the program (per kernel it would be quadratic in the program's size).
    let consumers = graph.consumers();
    let mut by_stage: Vec<Vec<usize>> =
        vec![Vec::new(); stage_of.iter().copied().max().map_or(0, |m| m + 1)];
    for (g, &s) in stage_of.iter().enumerate() {
        by_stage[s].push(g);
    }
    let mut kernels = Vec::new();
    let mut stages = Vec::new();
    for groups_in_stage in by_stage {
        let mut stage = Vec::new();
        // Pack identical stateful kernels, keeping first-appearance order.
        let mut packs: Vec<(String, Kernel)> = Vec::new();
        // The pack of each signature still filling: packs fill in order, so it is the last
        // one made for the signature (a map, not a search: thousands of outputs).
        let mut filling: HashMap<String, usize> = HashMap::new();
        for g in groups_in_stage {
            let (shape, lane) = shape_of(graph, &consumers, &groups[g]);
            if !shape.is_lane_mode() {
                packs.push((
                    String::new(),
                    Kernel {
                        shape,
                        lanes: vec![lane],
                    },
                ));
                continue;
            }
            let sig = shape.signature();
            match filling.get(&sig) {
                Some(&i) if packs[i].1.lanes.len() < LANES => packs[i].1.lanes.push(lane),
                _ => {
                    filling.insert(sig.clone(), packs.len());
                    packs.push((
                        sig,
                        Kernel {
                            shape,
                            lanes: vec![lane],
                        },
                    ));
                }
            }
        }
        for (_, k) in packs {
            stage.push(kernels.len());
            kernels.push(k);
        }
        stages.push(stage);
    }
    Plan { kernels, stages }
}

/// Groups the computing nodes into kernels; returns each group's nodes in graph order.
fn fuse(graph: &Graph) -> Vec<Vec<NodeRef>> {
    let n = graph.nodes.len();
    let consumers = graph.consumers();
    let computing = |i: NodeRef| !graph.nodes[i].kind.is_operand();
    let mut group: Vec<Option<usize>> = vec![None; n];
    let mut members: Vec<Vec<NodeRef>> = Vec::new();
    // Groups that are host kernels: nothing joins them and they absorb nothing.
    let mut sealed: Vec<bool> = Vec::new();

    fn merge(group: &mut [Option<usize>], members: &mut [Vec<NodeRef>], into: usize, from: usize) {
        if into == from {
            return;
        }
        let moved = std::mem::take(&mut members[from]);
        for &m in &moved {
            group[m] = Some(into);
        }
        members[into].extend(moved);
    }

    for v in 0..n {
        if !computing(v) {
            continue;
        }
        let node = &graph.nodes[v];
        let host = node.kind.is_host_kernel();
        let mut input_groups: Vec<usize> = Vec::new();
        if node.kind != NodeKind::Delay1 && !host {
            for &u in &node.inputs {
                if let Some(g) = group[u]
                    && !input_groups.contains(&g)
                    && !sealed[g]
                {
                    input_groups.push(g);
                }
            }
        }
        // Input kernels whose values only this node reads are absorbed into its kernel.
        let private: Vec<usize> = input_groups
            .iter()
            .copied()
            .filter(|&g| {
                members[g].iter().all(|&m| {
                    !graph.barriers.contains(&m)
                        && consumers[m].iter().all(|&c| c == v || group[c] == Some(g))
                })
            })
            .collect();
        // A stateless node that reads one kernel joins it (it is cheap to compute there and
        // saves a buffer). Otherwise a node joins a kernel it absorbs, or starts its own: it
        // never joins a kernel that others also read, which would serialise independent work
        // and break lane packing.
        let target = match (
            node.kind.is_stateful(),
            input_groups.as_slice(),
            private.first(),
        ) {
            (false, [only], _) => Some(*only),
            (_, _, Some(&p)) => Some(p),
            _ => None,
        };
        let g = target.unwrap_or_else(|| {
            members.push(Vec::new());
            sealed.push(host);
            members.len() - 1
        });
        for &p in &private {
            merge(&mut group, &mut members, g, p);
        }
        group[v] = Some(g);
        members[g].push(v);
    }

    // A delay shares its kernel with the node it delays.
    for v in 0..n {
        if graph.nodes[v].kind == NodeKind::Delay1 {
            let u = graph.nodes[v].inputs[0];
            if let (Some(a), Some(b)) = (group[v], group[u])
                && !sealed[b]
            {
                merge(&mut group, &mut members, a, b);
            }
        }
    }
    // Kernels in a dependency cycle become one.
    loop {
        let ids: Vec<usize> = (0..members.len())
            .filter(|&g| !members[g].is_empty())
            .collect();
        let edges = group_edges(graph, &group);
        let sccs = strongly_connected(&ids, &edges);
        let mut merged = false;
        for scc in sccs.iter().filter(|s| s.len() > 1) {
            for &g in &scc[1..] {
                merge(&mut group, &mut members, scc[0], g);
            }
            merged = true;
        }
        if !merged {
            break;
        }
    }
    let mut out: Vec<Vec<NodeRef>> = members.into_iter().filter(|m| !m.is_empty()).collect();
    for m in &mut out {
        m.sort_unstable();
    }
    out.sort_by_key(|m| m[0]);
    out
}

/// Edges between kernels (from producer to consumer), leaving out feedback edges.
fn group_edges(graph: &Graph, group: &[Option<usize>]) -> HashMap<usize, Vec<usize>> {
    let mut edges: HashMap<usize, Vec<usize>> = HashMap::new();
    for (v, node) in graph.nodes.iter().enumerate() {
        if node.kind == NodeKind::Delay1 {
            continue;
        }
        for &u in &node.inputs {
            if let (Some(a), Some(b)) = (group[u], group[v])
                && a != b
            {
                let e = edges.entry(a).or_default();
                if !e.contains(&b) {
                    e.push(b);
                }
            }
        }
    }
    edges
}

/// Tarjan's algorithm, iteratively (graphs can be deep).
fn strongly_connected(ids: &[usize], edges: &HashMap<usize, Vec<usize>>) -> Vec<Vec<usize>> {
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut low: HashMap<usize, usize> = HashMap::new();
    let mut on_stack: HashMap<usize, bool> = HashMap::new();
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    let none = Vec::new();
    for &root in ids {
        if index.contains_key(&root) {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut next)) = work.last_mut() {
            if *next == 0 && !index.contains_key(&v) {
                index.insert(v, counter);
                low.insert(v, counter);
                counter += 1;
                stack.push(v);
                on_stack.insert(v, true);
            }
            let succ = edges.get(&v).unwrap_or(&none);
            if *next < succ.len() {
                let w = succ[*next];
                *next += 1;
                if !index.contains_key(&w) {
                    work.push((w, 0));
                } else if on_stack.get(&w).copied().unwrap_or(false) {
                    let lw = index[&w];
                    let lv = low[&v];
                    low.insert(v, lv.min(lw));
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    let lv = low[&v];
                    let lp = low[&parent];
                    low.insert(parent, lp.min(lv));
                }
                if low[&v] == index[&v] {
                    let mut scc = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack.insert(w, false);
                        scc.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(scc);
                }
            }
        }
    }
    out
}

/// The stage of each group: one more than the latest stage it reads from.
fn stages(graph: &Graph, groups: &[Vec<NodeRef>]) -> Vec<usize> {
    let mut group_of = vec![None; graph.nodes.len()];
    for (g, m) in groups.iter().enumerate() {
        for &v in m {
            group_of[v] = Some(g);
        }
    }
    let edges = group_edges(graph, &group_of);
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (&a, bs) in &edges {
        for &b in bs {
            preds[b].push(a);
        }
    }
    // Groups are sorted by first node; dependencies can still point forward, so iterate to a
    // fixed point (the group graph is acyclic, so this ends).
    let mut stage = vec![0usize; groups.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for g in 0..groups.len() {
            let s = preds[g].iter().map(|&p| stage[p] + 1).max().unwrap_or(0);
            if s != stage[g] {
                stage[g] = s;
                changed = true;
            }
        }
    }
    stage
}

/// The shape of one group and its single lane.
fn shape_of(graph: &Graph, consumers: &[Vec<NodeRef>], nodes: &[NodeRef]) -> (Shape, Lane) {
    let local: HashMap<NodeRef, usize> = nodes.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    let mut inputs: Vec<NodeRef> = Vec::new();
    let mut params: Vec<f32> = Vec::new();
    let mut param_nodes: Vec<NodeRef> = Vec::new();
    let mut ops = Vec::new();
    for &v in nodes {
        let node = &graph.nodes[v];
        let args = node
            .inputs
            .iter()
            .map(|&u| {
                if let Some(&i) = local.get(&u) {
                    return Operand::Local(i);
                }
                if let NodeKind::Const(c) = graph.nodes[u].kind {
                    let i = param_nodes.iter().position(|&p| p == u).unwrap_or_else(|| {
                        param_nodes.push(u);
                        params.push(c);
                        params.len() - 1
                    });
                    return Operand::Param(i);
                }
                let i = inputs.iter().position(|&p| p == u).unwrap_or_else(|| {
                    inputs.push(u);
                    inputs.len() - 1
                });
                Operand::Input(i)
            })
            .collect();
        ops.push(Op {
            kind: node.kind.clone(),
            args,
        });
    }
    let exports = nodes
        .iter()
        .enumerate()
        .filter(|(_, v)| {
            matches!(graph.nodes[**v].kind, NodeKind::Output { .. })
                || consumers[**v].iter().any(|c| !local.contains_key(c))
        })
        .map(|(i, _)| i)
        .collect();
    (
        Shape {
            ops,
            inputs: inputs.len(),
            params: params.len(),
            exports,
        },
        Lane {
            nodes: nodes.to_vec(),
            inputs,
            params,
        },
    )
}
