//! From the checked program to the signal graph. Patterns are lowered by `lower::expr` and
//! enter the graph as host inputs, sample patterns as voice banks; everything else
//! (oscillators, filters, envelopes, arithmetic, pan) becomes nodes. Stereo values are pairs
//! of nodes.

use super::overlap;
use super::pattern_tree::{PatternTree, Window};
use super::sample_use::{SampleUse, sample_use};
use super::{
    Bank, Env, Graph, HostSource, Math, Node, NodeId, NodeKind, NodeRef, Osc, Output, Poly,
};
use crate::ast::{Arg, Arith, Expr, ExprKind, OutputName, StatementKind};
use crate::builtins::{self, Op, Role, T};
use crate::diagnostic::Diagnostic;
use crate::lower::expr::Lowerer;
use crate::resolve::sort::Sort;
use crate::resolve::{Checked, const_eval};
use phonon_runtime::effects::LineFx;
use phonon_runtime::engine::host::Read;
use std::collections::{HashMap, HashSet};

mod effects;
mod patterns;
mod voices;

use effects::is_effect_chain;
use voices::{VoiceCtx, VoiceEnv, env_call};

type Result<T> = std::result::Result<T, Diagnostic>;

/// A signal: one node, or a left/right pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sig {
    Mono(NodeRef),
    Stereo(NodeRef, NodeRef),
}

impl Sig {
    fn channels(self) -> [NodeRef; 2] {
        match self {
            Sig::Mono(n) => [n, n],
            Sig::Stereo(l, r) => [l, r],
        }
    }
}

/// How a pattern is read where a signal is expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// A frequency: note names and `note` values become Hz; the last value holds in rests.
    Freq,
    /// Any other parameter: the last value holds in rests.
    Param,
    /// A factor of `*`: 0 where no event sounds, so `sig * "1 ~"` is silent in the rest.
    Gate,
}

impl Ctx {
    fn read(self) -> Read {
        match self {
            Ctx::Freq => Read::Value {
                hold: true,
                hz: true,
            },
            Ctx::Param => Read::Value {
                hold: true,
                hz: false,
            },
            Ctx::Gate => Read::Value {
                hold: false,
                hz: false,
            },
        }
    }
}

/// Lowers a checked program (without errors) to its signal graph, with warnings.
pub fn lower_program(
    checked: &Checked,
    src: &str,
    sample_rate: u32,
) -> std::result::Result<(Graph, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut l = SignalLowerer {
        checked,
        src,
        lines: crate::diagnostic::LineIndex::new(src),
        patterns: Lowerer::new(checked),
        graph: Graph {
            sample_rate,
            cps: checked.cps,
            hush: checked.hush,
            reset_cycles: checked.reset_cycles,
            tempo_is_pattern: checked.tempo.is_some(),
            ..Graph::default()
        },
        buses: HashMap::new(),
        visiting: Vec::new(),
        feedback: HashMap::new(),
        transform_trees: Vec::new(),
        hosts: HashMap::new(),
        touched: Vec::new(),
        paths: HashSet::new(),
        consts: HashMap::new(),
        banks: HashMap::new(),
        voice: None,
        window: None,
        warnings: Vec::new(),
        range_checks: Vec::new(),
    };
    let lines = crate::diagnostic::LineIndex::new(src);
    let line_of = |i: usize| lines.line_col(checked.program.statements[i].span.start).0 as u32;
    let mut outputs: Vec<(String, Expr, u32, Option<OutputName>)> = checked
        .outputs
        .iter()
        .map(|(name, &i)| match &checked.program.statements[i].kind {
            StatementKind::Output { body, .. } => {
                (name.to_string(), body.clone(), line_of(i), Some(*name))
            }
            _ => unreachable!("outputs index output statements"),
        })
        .collect();
    if outputs.is_empty() {
        for bus in ["out", "master"] {
            if let Some(&i) = checked.buses.get(bus)
                && let StatementKind::Bus { body, .. } = &checked.program.statements[i].kind
            {
                outputs.push((format!("~{bus}"), body.clone(), line_of(i), None));
            }
        }
    }
    // Every output is lowered, so one run reports the errors of all of them; an error leaves
    // the lowerer mid-expression, so its stacks are cleared before the next output.
    let mut errors: Vec<Diagnostic> = Vec::new();
    for (index, (name, body, line, target)) in outputs.iter().enumerate() {
        l.window = match target {
            Some(OutputName::Once { first, .. }) if *first => Some(Window::First),
            Some(OutputName::Once { .. }) => Some(Window::Once),
            _ => None,
        };
        // A muted output is checked like any other, and built as silence.
        let silenced = target.is_some_and(|t| checked.silenced.contains(&t));
        let voices_before = (l.graph.banks.len(), l.graph.polys.len());
        let lowered = if silenced {
            Ok(Sig::Mono(l.constant(0.0)))
        } else {
            l.sig(body, Ctx::Param, name)
        };
        // A `once:` output's voices play its cycle's events and ring out; what is not
        // played by voices (a signal, held pattern values) is gated to that cycle.
        let lowered = match lowered {
            Ok(sig)
                if l.window.is_some()
                    && !silenced
                    && (l.graph.banks.len(), l.graph.polys.len()) == voices_before =>
            {
                let one = Expr {
                    kind: ExprKind::Number(1.0),
                    span: body.span.clone(),
                };
                // Whole from the cycle's first frame (as its events start), then faded out
                // over a voice's gate release so the end does not click: the gate, or past
                // it the release of an envelope that the gate held open.
                l.host(&one, Read::Trigger, &format!("{name}/cycle"))
                    .map(|trigger| {
                        let NodeKind::Host { source, .. } = l.graph.nodes[trigger].kind else {
                            unreachable!("a host read is a host node")
                        };
                        let p = |part: &str| format!("{name}/cycle.{part}");
                        let gate = l.host_read(source, Read::Gate, &p("gate"));
                        let fade = l.constant(voices::GATE_FADE);
                        let env = l.node(
                            &p("env"),
                            NodeKind::Env(Env::Ar),
                            vec![trigger, gate, fade, fade],
                        );
                        let one = l.constant(1.0);
                        let closed = l.math(&p("closed"), Math::Sub, vec![one, gate]);
                        let tail = l.math(&p("tail"), Math::Mul, vec![env, closed]);
                        let level = l.math(&p("level"), Math::Add, vec![tail, gate]);
                        l.per_channel(&[sig], |l, ins, ch| {
                            l.math(&format!("{name}/once.{ch}"), Math::Mul, vec![ins[0], level])
                        })
                    })
            }
            other => other,
        };
        let sig = match lowered {
            Ok(sig) => sig,
            Err(e) => {
                // A bus that failed is lowered again by each output that uses it.
                if !errors
                    .iter()
                    .any(|d| d.span == e.span && d.message == e.message)
                {
                    errors.push(e);
                }
                l.visiting.clear();
                l.transform_trees.clear();
                l.voice = None;
                continue;
            }
        };
        let [left, right] = sig.channels();
        let left = l.node(
            &format!("{name}/left"),
            NodeKind::Output {
                output: index,
                channel: 0,
            },
            vec![left],
        );
        let right = l.node(
            &format!("{name}/right"),
            NodeKind::Output {
                output: index,
                channel: 1,
            },
            vec![right],
        );
        l.graph.outputs.push(Output {
            name: name.clone(),
            line: *line,
            xfade: target.and_then(|t| checked.xfades.get(&t).copied()),
            left,
            right,
        });
    }
    if !errors.is_empty() {
        errors.sort_by_key(|d| (d.span.start, d.span.end));
        return Err(errors);
    }
    let mut warnings = l.warnings;
    warnings.extend(super::ranges::warnings(&l.graph, &l.range_checks));
    Ok((l.graph, warnings))
}

struct SignalLowerer<'a> {
    /// Values whose range is checked once the graph is built (`ir::ranges`).
    range_checks: Vec<super::ranges::Check>,
    checked: &'a Checked,
    src: &'a str,
    lines: crate::diagnostic::LineIndex<'a>,
    patterns: Lowerer<'a>,
    graph: Graph,
    /// Buses lowered so far, with the host sources inside them.
    buses: HashMap<String, (Sig, Vec<usize>)>,
    visiting: Vec<String>,
    /// Buses that refer to themselves: the `Delay1` pair standing for their previous sample.
    feedback: HashMap<String, (NodeRef, NodeRef)>,
    /// The transforms of each enclosing `$` chain, outermost chain first, each chain's in
    /// the order they apply: part of the tree of every pattern inside (see [`Self::tree`]).
    transform_trees: Vec<Vec<Expr>>,
    /// Host inputs already made, by (expression span, read), so a pattern read twice the same
    /// way is one buffer.
    hosts: HashMap<(usize, usize, Read), NodeRef>,
    /// Host sources used, in order: an envelope is triggered by the first one in its input.
    touched: Vec<usize>,
    paths: HashSet<String>,
    consts: HashMap<u32, NodeRef>,
    /// Voice banks already made, by the span of the pattern they play.
    banks: HashMap<(usize, usize), (NodeRef, NodeRef)>,
    /// While one voice of a pattern-played instrument is lowered: which pattern the voices
    /// play, and which voice this is.
    voice: Option<VoiceCtx>,
    /// While a `once:`/`first:` output is lowered: every pattern in it plays one cycle.
    window: Option<Window>,
    warnings: Vec<Diagnostic>,
}

/// Synth voices of a pattern-played instrument (lane-packed four to a kernel).
pub const POLY_VOICES: usize = 8;

impl SignalLowerer<'_> {
    fn node(&mut self, path: &str, kind: NodeKind, inputs: Vec<NodeRef>) -> NodeRef {
        // Paths are unique: a second node at the same path gets a numbered suffix.
        let mut unique = path.to_string();
        let mut n = 1;
        while !self.paths.insert(unique.clone()) {
            n += 1;
            unique = format!("{path}#{n}");
        }
        self.graph.nodes.push(Node {
            id: NodeId::of(&unique),
            path: unique,
            kind,
            inputs,
        });
        self.graph.nodes.len() - 1
    }

    fn constant(&mut self, v: f32) -> NodeRef {
        if let Some(&n) = self.consts.get(&v.to_bits()) {
            return n;
        }
        let n = self.node(&format!("const/{v}"), NodeKind::Const(v), vec![]);
        self.consts.insert(v.to_bits(), n);
        n
    }

    fn math(&mut self, path: &str, op: Math, inputs: Vec<NodeRef>) -> NodeRef {
        // Arithmetic on constants is done now, with the same code the kernels run.
        let consts: Option<Vec<f32>> = inputs
            .iter()
            .map(|&i| match self.graph.nodes[i].kind {
                NodeKind::Const(c) => Some(c),
                _ => None,
            })
            .collect();
        if let Some(values) = consts {
            let kind = NodeKind::Math(op);
            let v = crate::dsp::eval(
                &mut crate::dsp::Scalar,
                &kind,
                &values,
                &mut [],
                self.graph.sample_rate as f32,
            );
            return self.constant(v);
        }
        self.node(path, NodeKind::Math(op), inputs)
    }

    /// Applies `f` to each channel of the signals (mono signals are shared by both channels).
    fn per_channel(
        &mut self,
        sigs: &[Sig],
        mut f: impl FnMut(&mut Self, &[NodeRef], usize) -> NodeRef,
    ) -> Sig {
        if sigs.iter().all(|s| matches!(s, Sig::Mono(_))) {
            let ins: Vec<NodeRef> = sigs.iter().map(|s| s.channels()[0]).collect();
            return Sig::Mono(f(self, &ins, 0));
        }
        let mut out = [0; 2];
        for (ch, slot) in out.iter_mut().enumerate() {
            let ins: Vec<NodeRef> = sigs.iter().map(|s| s.channels()[ch]).collect();
            *slot = f(self, &ins, ch);
        }
        Sig::Stereo(out[0], out[1])
    }

    fn sig(&mut self, e: &Expr, ctx: Ctx, path: &str) -> Result<Sig> {
        crate::deep(|| self.sig_inner(e, ctx, path))
    }

    fn sig_inner(&mut self, e: &Expr, ctx: Ctx, path: &str) -> Result<Sig> {
        if let Some(v) = const_eval(e) {
            return Ok(Sig::Mono(self.constant(v as f32)));
        }
        let sorts = &self.checked.sorts;
        // `~kick + ~hats` mixes two players; as patterns the events would be added.
        let mixes_samples = match &e.kind {
            ExprKind::Binary { lhs, rhs, .. } => {
                sorts.plays_samples(lhs) || sorts.plays_samples(rhs)
            }
            _ => false,
        };
        if !mixes_samples
            && sorts.is_pattern(e)
            && (!matches!(e.kind, ExprKind::Bus(_)) || self.bus_is_pattern(e))
        {
            if self.checked.sorts.plays_samples(e) {
                let samples = sample_use(self.checked, e);
                return self.bank(e, samples, path);
            }
            // In a `once:` output even a constant pattern plays one cycle only.
            if let Some(v) = self.checked.facts.constant_number(e)
                && self.transform_trees.is_empty()
                && self.window.is_none()
            {
                return Ok(Sig::Mono(self.constant(v as f32)));
            }
            return Ok(Sig::Mono(self.host(
                e,
                ctx.read(),
                &format!("{path}/pattern"),
            )?));
        }
        if self.voice.is_none()
            && let Some(freq) = self.chord_oscillator(e, false)
        {
            let key = self.pattern_key(freq);
            return self.voices(e, key, VoiceEnv::Gate, ctx, path);
        }
        match &e.kind {
            ExprKind::Bus(name) => self.bus(name, e),
            ExprKind::Ident(name) => self.call(name, e, &[], path),
            ExprKind::App { func, args } => match &func.kind {
                ExprKind::Ident(name) => self.call(name, e, args, path),
                _ => Err(Diagnostic::error(
                    e.span.clone(),
                    "this cannot be played as a signal",
                )),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let rctx = if op.arith == Arith::Mul {
                    Ctx::Gate
                } else {
                    Ctx::Param
                };
                let l = self.sig(lhs, rctx, &format!("{path}/lhs"))?;
                let r = self.sig(rhs, rctx, &format!("{path}/rhs"))?;
                let math = match op.arith {
                    Arith::Add => Math::Add,
                    Arith::Sub => Math::Sub,
                    Arith::Mul => Math::Mul,
                    Arith::Div => Math::Div,
                    Arith::Mod => Math::Mod,
                    Arith::KeepLeft => return Ok(l),
                    Arith::KeepRight => return Ok(r),
                };
                let name = format!("{path}/{}", op.text());
                Ok(self.per_channel(&[l, r], |s, ins, ch| {
                    s.math(&format!("{name}.{ch}"), math, ins.to_vec())
                }))
            }
            ExprKind::Neg(inner) => {
                let x = self.sig(inner, ctx, &format!("{path}/neg"))?;
                Ok(self.per_channel(&[x], |s, ins, ch| {
                    s.math(&format!("{path}/neg.{ch}"), Math::Neg, ins.to_vec())
                }))
            }
            ExprKind::Chain { lhs, rhs } => {
                if self.voice.is_none()
                    && let Some((kind, name, args)) = env_call(rhs)
                    && let Some(key) = self.note_pattern(lhs)
                {
                    let env = VoiceEnv::Call {
                        kind,
                        name,
                        e: rhs,
                        args,
                    };
                    return self.voices(lhs, key, env, ctx, path);
                }
                let mark = self.touched.len();
                let x = self.sig(lhs, ctx, &format!("{path}/in"))?;
                let inside: Vec<usize> = self.touched[mark..].to_vec();
                self.effect(rhs, x, &inside, path)
            }
            ExprKind::Dollar { items, subject } => {
                let Some(s) = *subject else {
                    return Err(
                        Diagnostic::error(e.span.clone(), "this `$` chain has no input").with_hint(
                            "give the transforms something to work on: `slow 4 $ saw \"55 110\"`",
                        ),
                    );
                };
                // Prefix transforms apply nearest-first, suffix ones left to right.
                let mut order: Vec<&Expr> = items[..s].iter().rev().collect();
                order.extend(items[s + 1..].iter());
                // The transforms stay trees: their closures are built when the patterns are
                // linked (`ir/patterns.rs`).
                for t in &order {
                    if self.checked.sorts.of_expr(t) != Sort::Transform {
                        // The pattern lowerer's own message, when it has one.
                        return Err(match self.patterns.expr(t) {
                            Err(d) => d,
                            Ok(_) => Diagnostic::error(t.span.clone(), "expected a transform here")
                                .with_hint("only one element of a `$` chain is its input"),
                        });
                    }
                }
                let trees: Vec<Expr> = order.iter().map(|t| (*t).clone()).collect();
                self.transform_trees.push(trees);
                let r = self.sig(&items[s], ctx, path);
                self.transform_trees.pop();
                r
            }
            _ => Err(
                Diagnostic::error(e.span.clone(), "this cannot be played as a signal").with_hint(
                    "outputs and buses hold patterns or signals: `saw 110`, `\"0 3\"`, `~bus`",
                ),
            ),
        }
    }

    fn bus(&mut self, name: &str, e: &Expr) -> Result<Sig> {
        if let Some((sig, hosts)) = self.buses.get(name).cloned() {
            self.touched.extend(hosts);
            return Ok(sig);
        }
        if self.visiting.iter().any(|v| v == name) {
            // Feedback: the bus's previous sample. The delays' inputs are set once the bus is
            // lowered.
            if let Some(&(l, r)) = self.feedback.get(name) {
                return Ok(Sig::Stereo(l, r));
            }
            let l = self.node(&format!("~{name}/feedback.0"), NodeKind::Delay1, vec![]);
            let r = self.node(&format!("~{name}/feedback.1"), NodeKind::Delay1, vec![]);
            self.feedback.insert(name.to_string(), (l, r));
            return Ok(Sig::Stereo(l, r));
        }
        let Some(&index) = self.checked.buses.get(name) else {
            return Err(Diagnostic::error(
                e.span.clone(),
                format!("unknown bus `~{name}`"),
            ));
        };
        let StatementKind::Bus { body, .. } = &self.checked.program.statements[index].kind else {
            unreachable!("buses index bus statements")
        };
        if is_effect_chain(body) {
            return Err(Diagnostic::error(
                e.span.clone(),
                format!("`~{name}` holds effects, not a signal"),
            )
            .with_hint(format!(
                "apply it to a signal with `#`: `saw 110 # ~{name}`"
            )));
        }
        self.visiting.push(name.to_string());
        let mark = self.touched.len();
        // Buses are lowered without the transforms of the place that uses them first.
        let saved_trees = std::mem::take(&mut self.transform_trees);
        let sig = self.sig(&body.clone(), Ctx::Param, &format!("~{name}"));
        self.transform_trees = saved_trees;
        self.visiting.pop();
        let sig = sig?;
        if let Some((l, r)) = self.feedback.remove(name) {
            let [a, b] = sig.channels();
            if let Some(fx) = self.line_in_loop([l, r], [a, b]) {
                // At the definition, where the loop is (not at each use of the bus).
                return Err(Diagnostic::error(
                    body.span.clone(),
                    format!("the feedback loop of `~{name}` passes through `{fx}`"),
                )
                .with_label("feedback through a delay-line effect")
                .with_hint("delay-line effects (delay, reverb, chorus) process whole blocks and cannot sit inside a one-sample feedback loop; use the effect's own feedback, e.g. `delay 0.25 0.7`"));
            }
            self.graph.nodes[l].inputs = vec![a];
            self.graph.nodes[r].inputs = vec![b];
        }
        let hosts = self.touched[mark..].to_vec();
        self.buses.insert(name.to_string(), (sig, hosts));
        Ok(sig)
    }

    fn call(&mut self, name: &str, e: &Expr, args: &[Arg], path: &str) -> Result<Sig> {
        let b = builtins::lookup(name);
        let path = format!("{path}/{name}");
        let op = b.map(|b| b.op);
        let osc = match op {
            Some(Op::Osc(osc)) => Some(osc),
            _ => None,
        };
        if let Some(osc) = osc {
            let slots = self.params(name, e, args)?;
            let mut inputs = Vec::new();
            for i in 0..slots.len() {
                let ctx = if i == 0 { Ctx::Freq } else { Ctx::Param };
                inputs.push(self.param(name, &slots, i, ctx, &path)?);
            }
            return Ok(Sig::Mono(self.node(&path, NodeKind::Osc(osc), inputs)));
        }
        if let (Some(Op::Transform(T::Range)), [lo, hi, x]) = (op, args) {
            // On a signal, `range` is SuperCollider's: -1..1 (an oscillator's swing) becomes
            // lo..hi, as `lo + (x + 1) / 2 * (hi - lo)`.
            let slots = [Some(lo.value()), Some(hi.value())];
            let lo = self.param(name, &slots, 0, Ctx::Param, &path)?;
            let hi = self.param(name, &slots, 1, Ctx::Param, &path)?;
            let x = self.sig(x.value(), Ctx::Param, &format!("{path}/in"))?;
            let (one, half) = (self.constant(1.0), self.constant(0.5));
            let width = self.math(&format!("{path}/width"), Math::Sub, vec![hi, lo]);
            return Ok(self.per_channel(&[x], |s, ins, ch| {
                let lifted = s.math(&format!("{path}/lift.{ch}"), Math::Add, vec![ins[0], one]);
                let unit = s.math(&format!("{path}/unit.{ch}"), Math::Mul, vec![lifted, half]);
                let scaled = s.math(&format!("{path}/scale.{ch}"), Math::Mul, vec![unit, width]);
                s.math(&format!("{path}.{ch}"), Math::Add, vec![scaled, lo])
            }));
        }
        if let Some(Op::Ramp(env)) = op {
            let slots = self.params(name, e, args)?;
            let start = self.node(&format!("{path}/start"), NodeKind::Start, vec![]);
            let mut inputs = vec![start];
            for i in 0..3 {
                inputs.push(self.param(name, &slots, i, Ctx::Param, &path)?);
            }
            return Ok(Sig::Mono(self.node(&path, NodeKind::Env(env), inputs)));
        }
        match b.map(|b| b.role) {
            Some(Role::Effect) => Err(Diagnostic::error(e.span.clone(), format!("`{name}` processes a signal: give it one with `#`"))
                .with_hint(format!("for example `saw 110 # {name} ...`"))),
            Some(Role::Transform) => Err(Diagnostic::error(e.span.clone(), format!("`{name}` transforms patterns; on a signal, apply it with `$`"))
                .with_hint(format!("for example `saw \"55 110\" $ {name} ...`"))),
            _ => Err(Diagnostic::error(e.span.clone(), format!("`{name}` cannot be played as a signal"))
                .with_hint("signals come from oscillators (`saw 110`), patterns (`\"0 3\"`) and arithmetic on them")),
        }
    }
}
