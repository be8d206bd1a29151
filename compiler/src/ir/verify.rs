//! Checks the compiler's own intermediate results: the signal graph after lowering and the
//! plan after scheduling. A failure is a bug in the compiler, never in the user's program;
//! `compile` runs these in debug builds (so every test checks every program it compiles)
//! and reports a failure as an internal error instead of generating code from it.
//!
//! The graph: every node has as many inputs as its kind reads (`NodeKind::arity`); every
//! input exists and comes before its node, except the input of a feedback delay (`Delay1`,
//! the back edge of a loop); pattern reads,
//! instruments and sample players exist; outputs name existing nodes. The plan: every kernel
//! is in exactly one stage; every lane has a node per operation, an input per slot and a
//! parameter per parameter slot; no node is computed twice; a kernel's inputs are computed
//! by kernels of earlier stages (or by none: pattern reads, constants, players); every
//! output's nodes are computed, or come from outside the kernels.

use super::{Graph, NodeKind};
use crate::schedule::Plan;

pub fn verify_graph(g: &Graph) -> Result<(), String> {
    let n = g.nodes.len();
    for (i, node) in g.nodes.iter().enumerate() {
        let name = || format!("node %{i} (`{}`, {})", node.path, node.kind.name());
        if node.inputs.len() != node.kind.arity() {
            return Err(format!(
                "{} has {} input{}, not {}",
                name(),
                node.inputs.len(),
                if node.inputs.len() == 1 { "" } else { "s" },
                node.kind.arity()
            ));
        }
        for &input in &node.inputs {
            if input >= n {
                return Err(format!("{} reads %{input}, which does not exist", name()));
            }
            if input >= i && node.kind != NodeKind::Delay1 {
                return Err(format!(
                    "{} reads %{input}, which comes after it (only a feedback delay may)",
                    name()
                ));
            }
        }
        let (what, index, count) = match node.kind {
            NodeKind::Host { source, .. } => ("pattern read", source, g.hosts.len()),
            NodeKind::PolyHost { poly, .. } => ("instrument", poly, g.polys.len()),
            NodeKind::Voices { bank, .. } => ("sample player", bank, g.banks.len()),
            _ => continue,
        };
        if index >= count {
            return Err(format!("{} plays {what} {index} of {count}", name()));
        }
    }
    for o in &g.outputs {
        for node in [o.left, o.right] {
            if node >= n {
                return Err(format!(
                    "output `{}` plays %{node}, which does not exist",
                    o.name
                ));
            }
        }
    }
    Ok(())
}

pub fn verify_plan(g: &Graph, plan: &Plan) -> Result<(), String> {
    let kernels = plan.kernels.len();
    // The stage of each kernel.
    let mut stage_of: Vec<Option<usize>> = vec![None; kernels];
    for (s, stage) in plan.stages.iter().enumerate() {
        for &k in stage {
            if k >= kernels {
                return Err(format!("stage {s} runs kernel {k} of {kernels}"));
            }
            if let Some(other) = stage_of[k].replace(s) {
                return Err(format!("kernel {k} is in stages {other} and {s}"));
            }
        }
    }
    if let Some(k) = stage_of.iter().position(Option::is_none) {
        return Err(format!("kernel {k} is in no stage"));
    }
    // Which kernel computes each node.
    let mut computed_by: Vec<Option<usize>> = vec![None; g.nodes.len()];
    for (k, kernel) in plan.kernels.iter().enumerate() {
        let shape = &kernel.shape;
        for (l, lane) in kernel.lanes.iter().enumerate() {
            if lane.nodes.len() != shape.ops.len()
                || lane.inputs.len() != shape.inputs
                || lane.params.len() != shape.params
            {
                return Err(format!(
                    "lane {l} of kernel {k} has {} nodes, {} inputs and {} parameters for {} operations, {} inputs and {} parameters",
                    lane.nodes.len(),
                    lane.inputs.len(),
                    lane.params.len(),
                    shape.ops.len(),
                    shape.inputs,
                    shape.params
                ));
            }
            for &node in &lane.nodes {
                let slot = computed_by
                    .get_mut(node)
                    .ok_or_else(|| format!("kernel {k} computes %{node}, which does not exist"))?;
                if let Some(other) = slot.replace(k) {
                    return Err(format!("%{node} is computed by kernels {other} and {k}"));
                }
            }
        }
    }
    for (k, kernel) in plan.kernels.iter().enumerate() {
        let stage = stage_of[k].expect("checked above");
        for lane in &kernel.lanes {
            for &input in &lane.inputs {
                let Some(&by) = computed_by.get(input) else {
                    return Err(format!("kernel {k} reads %{input}, which does not exist"));
                };
                if let Some(by) = by
                    && stage_of[by].expect("checked above") >= stage
                {
                    return Err(format!(
                        "kernel {k} (stage {stage}) reads %{input}, which kernel {by} computes in stage {}",
                        stage_of[by].expect("checked above")
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Math, Node, NodeId, NodeRef, Output};

    fn node(kind: NodeKind, inputs: &[NodeRef]) -> Node {
        Node {
            id: NodeId(0),
            path: "test".into(),
            kind,
            inputs: inputs.to_vec(),
        }
    }

    fn graph(nodes: Vec<Node>, out: NodeRef) -> Graph {
        Graph {
            nodes,
            hosts: Vec::new(),
            polys: Vec::new(),
            banks: Vec::new(),
            outputs: vec![Output {
                name: "out".into(),
                line: 1,
                xfade: None,
                left: out,
                right: out,
            }],
            barriers: Default::default(),
            orbits: Vec::new(),
            lines: Default::default(),
            sample_rate: 48_000,
            cps: 0.5,
            hush: false,
            reset_cycles: false,
            tempo_is_pattern: false,
        }
    }

    #[test]
    fn hand_built_broken_graphs_are_refused() {
        // %0 const, %1 the previous sample of %2, %2 = %0 + %1: a feedback loop, fine.
        let fine = graph(
            vec![
                node(NodeKind::Const(1.0), &[]),
                node(NodeKind::Delay1, &[2]),
                node(NodeKind::Math(Math::Add), &[0, 1]),
            ],
            2,
        );
        assert_eq!(verify_graph(&fine), Ok(()));
        let refused = |g: Graph, why: &str| {
            let e = verify_graph(&g).expect_err(why);
            assert!(e.contains(why), "{e}");
        };
        refused(
            graph(
                vec![
                    node(NodeKind::Math(Math::Add), &[1, 1]),
                    node(NodeKind::Const(1.0), &[]),
                ],
                0,
            ),
            "reads %1, which comes after it",
        );
        refused(
            graph(vec![node(NodeKind::Math(Math::Neg), &[4])], 0),
            "reads %4, which does not exist",
        );
        refused(
            graph(
                vec![node(
                    NodeKind::Host {
                        source: 0,
                        read: phonon_runtime::engine::host::Read::Trigger,
                    },
                    &[],
                )],
                0,
            ),
            "plays pattern read 0 of 0",
        );
        refused(
            graph(vec![node(NodeKind::Const(1.0), &[])], 3),
            "output `out` plays %3",
        );
        // A filter without its q, a constant with an input: what `eval` would index past.
        refused(
            graph(
                vec![
                    node(NodeKind::Const(1.0), &[]),
                    node(NodeKind::Filter(crate::ir::Filter::Lpf), &[0, 0]),
                ],
                1,
            ),
            "has 2 inputs, not 3",
        );
        refused(
            graph(
                vec![
                    node(NodeKind::Const(1.0), &[]),
                    node(NodeKind::Const(2.0), &[0]),
                ],
                1,
            ),
            "has 1 input, not 0",
        );
    }

    #[test]
    fn the_plans_of_real_programs_pass_and_a_broken_plan_is_refused() {
        let src = "~fb: saw 110 * 0.5 + ~fb * 0.3 # lpf 800\no1: ~fb\no2: sine 220 + sine 330\n";
        let c = crate::program::compile(
            src,
            &crate::catalogue::Catalogue::default(),
            &crate::program::Options::default(),
        )
        .unwrap();
        assert_eq!(verify_graph(&c.graph), Ok(()));
        assert_eq!(verify_plan(&c.graph, &c.plan), Ok(()));
        // All kernels in one stage: a kernel then reads what another of its stage computes.
        let mut flat = c.plan.clone();
        flat.stages = vec![flat.stages.concat()];
        if c.plan.stages.len() > 1 {
            let e = verify_plan(&c.graph, &flat).unwrap_err();
            assert!(e.contains("which kernel"), "{e}");
        }
        // A kernel left out of every stage.
        let mut lost = c.plan.clone();
        lost.stages.last_mut().unwrap().pop();
        assert!(
            verify_plan(&c.graph, &lost)
                .unwrap_err()
                .contains("is in no stage")
        );
        // A kernel in two stages.
        let mut twice = c.plan.clone();
        let k = twice.stages[0][0];
        twice.stages.push(vec![k]);
        assert!(
            verify_plan(&c.graph, &twice)
                .unwrap_err()
                .contains("is in stages")
        );
    }
}
