//! `phonon ir`: the signal graph and the plan, readably.

use super::{Graph, NodeKind};
use crate::schedule::{Operand, Plan};
use std::fmt::Write;

/// `phonon ir --patterns`: every pattern the graph reads, as the tree it is made from (the
/// transforms around it in the order they apply, then the expression, buses followed), each
/// node with its `line:col` in `src`; headed by the stable id of the node that reads it and
/// the code a reload compares.
pub fn patterns(g: &Graph, src: &str) -> String {
    let mut s = String::new();
    let mut one =
        |kind: &str, i: usize, tree: &super::pattern_tree::PatternTree, id, origin: &str| {
            let super::NodeId(id) = id;
            let _ = writeln!(
                s,
                "{kind}#{i} [{id:016x}] @{origin} code {:016x}",
                tree.code()
            );
            s.push_str(&tree.print(src, 1));
        };
    for (i, h) in g.hosts.iter().enumerate() {
        one("pattern", i, &h.tree, h.id, &h.origin);
    }
    for (i, p) in g.polys.iter().enumerate() {
        one("poly", i, &p.tree, p.id, &p.origin);
    }
    for (i, b) in g.banks.iter().enumerate() {
        one("voices", i, &b.tree, b.id, &b.origin);
    }
    if s.is_empty() {
        s.push_str("# no patterns: the program is signals only\n");
    }
    s
}

/// The graph: one line per node, `%index = kind inputs  ; path [id]`, then the pattern
/// sources and the outputs.
pub fn graph(g: &Graph) -> String {
    let mut s = String::new();
    let tempo = if g.tempo_is_pattern {
        format!("tempo a pattern, {} cycles/s where it holds nothing", g.cps)
    } else {
        format!("{} cycles/s", g.cps)
    };
    let _ = writeln!(
        s,
        "# signal graph ({} nodes, {} Hz, {tempo})",
        g.nodes.len(),
        g.sample_rate,
    );
    for (i, n) in g.nodes.iter().enumerate() {
        let inputs: Vec<String> = n.inputs.iter().map(|j| format!("%{j}")).collect();
        let _ = writeln!(
            s,
            "%{i} = {}{}{}  ; {} [{:016x}]",
            n.kind.name(),
            if inputs.is_empty() { "" } else { " " },
            inputs.join(" "),
            n.path,
            n.id.0
        );
    }
    if !g.hosts.is_empty() {
        let _ = writeln!(s, "\n# patterns read as signals");
        for (i, h) in g.hosts.iter().enumerate() {
            let _ = writeln!(s, "pattern#{i} = {}", h.label);
        }
    }
    if !g.polys.is_empty() {
        let _ = writeln!(s, "\n# pattern-played instruments");
        for (i, p) in g.polys.iter().enumerate() {
            let busy = match p.from_start {
                Some(d) => format!("{d} s from each note's start"),
                None => format!("{} s after each note", p.release),
            };
            let _ = writeln!(
                s,
                "poly#{i} = {}  ; {} voices, each busy until {busy}",
                p.label, p.voices
            );
        }
    }
    if !g.banks.is_empty() {
        let _ = writeln!(s, "\n# sample players (voice banks)");
        for (i, b) in g.banks.iter().enumerate() {
            let names: Vec<&str> = b.names.iter().map(|n| n.name.as_str()).collect();
            let _ = writeln!(s, "voices#{i} = {}  ; sounds: {}", b.label, names.join(" "));
        }
    }
    let _ = writeln!(s, "\n# outputs");
    for o in &g.outputs {
        let _ = writeln!(s, "{}: left %{} right %{}", o.name, o.left, o.right);
    }
    if g.hush {
        let _ = writeln!(s, "hush: every output is silent");
    }
    s
}

/// The plan: stages, their kernels, the fused operations and the lanes packed in each.
pub fn plan(g: &Graph, p: &Plan) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# plan: {} stages, {} kernels",
        p.stages.len(),
        p.kernels.len()
    );
    for (si, stage) in p.stages.iter().enumerate() {
        let _ = writeln!(s, "stage {si}:");
        for &ki in stage {
            let k = &p.kernels[ki];
            let mode = if k.shape.host_kernel().is_some() {
                "host kernel (a delay line, runtime code)".to_string()
            } else if k.shape.is_lane_mode() {
                format!(
                    "{} lane{} (f32x4 across instances)",
                    k.lanes.len(),
                    if k.lanes.len() == 1 { "" } else { "s" }
                )
            } else {
                "f32x4 across time".to_string()
            };
            let _ = writeln!(s, "  kernel {ki}: {} ops fused, {mode}", k.shape.ops.len());
            for (li, lane) in k.lanes.iter().enumerate() {
                let first = &g.nodes[lane.nodes[0]].path;
                let owner = first.split('/').next().unwrap_or(first);
                let ins: Vec<String> = lane.inputs.iter().map(|i| format!("%{i}")).collect();
                let params: Vec<String> = lane.params.iter().map(|p| format!("{p}")).collect();
                let _ = writeln!(
                    s,
                    "    lane {li}: {owner}  nodes [{}]  inputs [{}]  params [{}]",
                    lane.nodes
                        .iter()
                        .map(|n| format!("%{n}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    ins.join(" "),
                    params.join(" ")
                );
            }
            for (oi, op) in k.shape.ops.iter().enumerate() {
                let args: Vec<String> = op
                    .args
                    .iter()
                    .map(|a| match a {
                        Operand::Local(j) => format!("v{j}"),
                        Operand::Input(j) => format!("in{j}"),
                        Operand::Param(j) => format!("p{j}"),
                    })
                    .collect();
                let export = if k.shape.exports.contains(&oi) {
                    "  -> buffer"
                } else {
                    ""
                };
                let kind = match op.kind {
                    NodeKind::Output { .. } => "output".to_string(),
                    ref other => other.name(),
                };
                let _ = writeln!(s, "      v{oi} = {kind} {}{export}", args.join(" "));
            }
        }
    }
    s
}
