//! `phonon ir --summary`: each output as a musician reads it: the patterns it plays, the
//! sounds and synth voices, what processes its signal. (The CLI adds each output's share of
//! the block time, measured.)

use super::{Graph, NodeKind, NodeRef};

/// One output, summarised.
pub struct OutputSummary {
    pub name: String,
    pub line: u32,
    /// The patterns it reads: what plays them (`samples`, `notes`, `values`), where they are
    /// written, and the expression.
    pub patterns: Vec<(&'static str, String, String)>,
    /// The sounds its sample players can name.
    pub sounds: Vec<String>,
    /// What its signals go through (`lpf`, `reverb`, `saw`, `adsr`, ...), each once, in the
    /// order of the graph.
    pub processing: Vec<String>,
}

/// The nodes output `out`'s two channels depend on (feedback included).
pub fn upstream(g: &Graph, left: NodeRef, right: NodeRef) -> Vec<bool> {
    let mut seen = vec![false; g.nodes.len()];
    let mut stack = vec![left, right];
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        stack.extend(g.nodes[n].inputs.iter().copied());
    }
    seen
}

/// Plumbing, not sound: constants, arithmetic, pattern reads, the outputs themselves.
fn plumbing(word: &str) -> bool {
    matches!(
        word,
        "const"
            | "add"
            | "sub"
            | "mul"
            | "div"
            | "neg"
            | "out"
            | "pattern"
            | "poly"
            | "voices"
            | "start"
            | "delay1"
            | "min"
            | "max"
            | "abs"
            | "mod"
            | "pow"
    )
}

pub fn outputs(g: &Graph) -> Vec<OutputSummary> {
    g.outputs
        .iter()
        .map(|o| {
            let seen = upstream(g, o.left, o.right);
            let (mut hosts, mut polys, mut banks) = (Vec::new(), Vec::new(), Vec::new());
            let mut processing: Vec<String> = Vec::new();
            for (node, _) in g.nodes.iter().zip(&seen).filter(|(_, s)| **s) {
                match node.kind {
                    NodeKind::Host { source, .. } if !hosts.contains(&source) => hosts.push(source),
                    NodeKind::PolyHost { poly, .. } if !polys.contains(&poly) => polys.push(poly),
                    NodeKind::Voices { bank, .. } if !banks.contains(&bank) => banks.push(bank),
                    _ => {}
                }
                let name = node.kind.name();
                let word = name
                    .split([' ', '#', '.'])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                if !plumbing(&word) && !processing.contains(&word) {
                    processing.push(word);
                }
            }
            let mut patterns = Vec::new();
            let mut sounds: Vec<String> = Vec::new();
            for b in banks {
                let bank = &g.banks[b];
                patterns.push(("samples", bank.origin.clone(), bank.label.clone()));
                for n in &bank.names {
                    if !sounds.contains(&n.name) {
                        sounds.push(n.name.clone());
                    }
                }
            }
            for p in polys {
                let poly = &g.polys[p];
                patterns.push(("notes", poly.origin.clone(), poly.label.clone()));
            }
            for h in hosts {
                let host = &g.hosts[h];
                patterns.push(("values", host.origin.clone(), host.label.clone()));
            }
            OutputSummary {
                name: o.name.clone(),
                line: o.line,
                patterns,
                sounds,
                processing,
            }
        })
        .collect()
}
