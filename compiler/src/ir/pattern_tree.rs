//! Patterns as data. Every pattern the graph reads (a pattern input, an instrument's notes,
//! a sample player's events) keeps the tree it was made from: the expression (strings as
//! their parsed mini-notation), the transforms of the `$` chains around it in the order
//! they apply, and the definitions of the buses it reads. It is what `phonon ir --patterns`
//! prints, with `line:col`, and what a reload compares ([`PatternTree::code`]): an edit of
//! any transform, argument or mini-notation changes it; a comment, spacing or moving the
//! statement does not.

use crate::ast::{Expr, StatementKind};
use crate::ast_dump;
use crate::ir::NodeId;
use crate::resolve::Checked;

#[derive(Clone, Debug)]
pub struct PatternTree {
    /// `once:`/`first:`: the pattern plays one of its cycles, once, from the cycle the
    /// program starts playing at (applied after the transforms).
    pub window: Option<Window>,
    /// Transforms applied to `subject`, the first applied first.
    pub transforms: Vec<Expr>,
    pub subject: Expr,
    /// Each bus the subject reads, directly or through other buses, with its definition.
    pub buses: Vec<(String, Expr)>,
}

impl PatternTree {
    /// The tree of `subject` under `transforms`, with the bus definitions it reads taken
    /// from the checked program.
    pub fn new(
        subject: &Expr,
        transforms: Vec<Expr>,
        window: Option<Window>,
        checked: &Checked,
    ) -> PatternTree {
        let mut buses: Vec<(String, Expr)> = Vec::new();
        let mut pending = bus_refs(subject);
        while let Some(name) = pending.pop() {
            if buses.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let Some(body) =
                checked
                    .buses
                    .get(&name)
                    .and_then(|&i| match &checked.program.statements[i].kind {
                        StatementKind::Bus { body, .. } => Some(body.clone()),
                        _ => None,
                    })
            else {
                continue;
            };
            pending.extend(bus_refs(&body));
            buses.push((name, body));
        }
        // Printed with the positions they are written at (a function's body is copied to
        // positions past the end of the file at each use).
        let mut tree = PatternTree {
            window,
            transforms,
            subject: subject.clone(),
            buses,
        };
        let at = &checked.expansions;
        tree.transforms.iter_mut().for_each(|t| at.to_source(t));
        at.to_source(&mut tree.subject);
        tree.buses.iter_mut().for_each(|(_, b)| at.to_source(b));
        tree
    }

    fn bus(&self, name: &str) -> Option<&Expr> {
        self.buses.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    /// A hash of the structure (no positions, strings as parsed trees, buses followed).
    pub fn code(&self) -> u64 {
        let bus = |name: &str| self.bus(name);
        let mut text = String::new();
        if let Some(w) = self.window {
            text.push_str(w.word());
            text.push('\n');
        }
        for t in &self.transforms {
            text.push_str(&ast_dump::structure(t, &|_| None));
            text.push_str("$\n");
        }
        text.push_str(&ast_dump::structure(&self.subject, &bus));
        NodeId::of(&text).0
    }

    /// The tree with each node's `line:col` in `src`, indented by `depth`.
    pub fn print(&self, src: &str, depth: usize) -> String {
        let bus = |name: &str| self.bus(name);
        let mut out = String::new();
        if let Some(w) = self.window {
            out.push_str(&format!(
                "{:indent$}plays one cycle once ({})\n",
                "",
                w.word(),
                indent = depth * 2
            ));
        }
        for (i, t) in self.transforms.iter().enumerate() {
            out.push_str(&format!(
                "{:indent$}transform {}\n",
                "",
                i + 1,
                indent = depth * 2
            ));
            out.push_str(&ast_dump::located(t, src, depth + 1, &|_| None));
        }
        out.push_str(&format!("{:indent$}subject\n", "", indent = depth * 2));
        out.push_str(&ast_dump::located(&self.subject, src, depth + 1, &bus));
        out
    }
}

/// Which cycle a `once:`/`first:` output plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Tidal's `once`: a cycle chosen at random (from when it plays).
    Once,
    /// Tidal's `first`: cycle 0.
    First,
}

impl Window {
    pub fn word(self) -> &'static str {
        match self {
            Window::Once => "once",
            Window::First => "first",
        }
    }
}

fn bus_refs(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    ast_dump::collect_buses(e, &mut out);
    out
}
