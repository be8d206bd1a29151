//! From the checked program to the signal graph. Patterns are lowered by `lower::expr` and
//! enter the graph as host inputs, sample patterns as voice banks; everything else
//! (oscillators, filters, envelopes, arithmetic, pan) becomes nodes. Stereo values are pairs
//! of nodes.

use super::overlap;
use super::sample_use::{APPLIED, SampleUse, sample_use};
use super::{
    Bank, Env, Filter, Fx, Graph, HostSource, Math, Node, NodeId, NodeKind, NodeRef, Osc, Output,
    Poly,
};
use crate::ast::{Arg, Arith, Expr, ExprKind, StatementKind};
use crate::builtins::{self, Role};
use crate::diagnostic::Diagnostic;
use crate::lower::expr::{Lowered, Lowerer, Transform};
use crate::resolve::{Checked, const_eval};
use phonon_runtime::effects::LineFx;
use phonon_runtime::engine::host::Read;
use phonon_runtime::pattern::{Pattern, Value};
use std::collections::{HashMap, HashSet};

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
) -> Result<(Graph, Vec<Diagnostic>)> {
    let mut l = SignalLowerer {
        checked,
        src,
        lines: crate::diagnostic::LineIndex::new(src),
        patterns: Lowerer::new(checked),
        graph: Graph {
            sample_rate,
            cps: checked.cps,
            hush: checked.hush,
            ..Graph::default()
        },
        buses: HashMap::new(),
        visiting: Vec::new(),
        feedback: HashMap::new(),
        transforms: Vec::new(),
        transform_codes: Vec::new(),
        hosts: HashMap::new(),
        touched: Vec::new(),
        paths: HashSet::new(),
        consts: HashMap::new(),
        banks: HashMap::new(),
        voice: None,
        warnings: Vec::new(),
    };
    let lines = crate::diagnostic::LineIndex::new(src);
    let line_of = |i: usize| lines.line_col(checked.program.statements[i].span.start).0 as u32;
    let mut outputs: Vec<(String, Expr, u32)> = checked
        .outputs
        .iter()
        .map(|(name, &i)| match &checked.program.statements[i].kind {
            StatementKind::Output { body, .. } => (name.to_string(), body.clone(), line_of(i)),
            _ => unreachable!("outputs index output statements"),
        })
        .collect();
    if outputs.is_empty() {
        for bus in ["out", "master"] {
            if let Some(&i) = checked.buses.get(bus)
                && let StatementKind::Bus { body, .. } = &checked.program.statements[i].kind
            {
                outputs.push((format!("~{bus}"), body.clone(), line_of(i)));
            }
        }
    }
    for (index, (name, body, line)) in outputs.iter().enumerate() {
        let sig = l.sig(body, Ctx::Param, name)?;
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
            left,
            right,
        });
    }
    Ok((l.graph, l.warnings))
}

struct SignalLowerer<'a> {
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
    /// Transforms of enclosing `$` chains, outermost first: applied to every pattern inside.
    transforms: Vec<Transform>,
    /// The structure of each of `transforms` (see [`Self::code`]).
    transform_codes: Vec<String>,
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
    warnings: Vec<Diagnostic>,
}

/// Synth voices of a pattern-played instrument (lane-packed four to a kernel).
pub const POLY_VOICES: usize = 8;

/// Busy time of a voice whose envelope times are not constants, seconds.
const UNKNOWN_RELEASE: f64 = 4.0;

#[derive(Clone, Copy)]
struct VoiceCtx {
    /// `pattern_key` of the note pattern the voices play.
    key: (usize, usize),
    voice: usize,
    /// The instrument in `Graph::polys`, made when its pattern is first read.
    poly: Option<usize>,
    release: f64,
    from_start: Option<f64>,
}

/// How a voice's envelope is made: an `ad`/`adsr`/`ar` call, or the short gate envelope of
/// a chord played without one.
#[derive(Clone, Copy)]
enum VoiceEnv<'e> {
    Call {
        kind: Env,
        name: &'e str,
        e: &'e Expr,
        args: &'e [Arg],
    },
    Gate,
}

/// Fade in and out of a pattern-played note without an envelope: no clicks, no audible
/// softening.
const GATE_FADE: f32 = 0.002;

fn envelope_kind(name: &str) -> Option<Env> {
    match name {
        "ad" => Some(Env::Ad),
        "adsr" => Some(Env::Adsr),
        "ar" => Some(Env::Ar),
        _ => None,
    }
}

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

    /// A pattern, if the expression is one (lowered with the enclosing transforms).
    fn try_pattern(&mut self, e: &Expr) -> Option<Pattern> {
        match self.patterns.expr(e) {
            Ok(Lowered::Pattern(p)) => Some(p),
            _ => None,
        }
    }

    /// A sample pattern becomes a voice bank; the same pattern (or bus) used twice is one.
    fn bank(&mut self, e: &Expr, pattern: Pattern, samples: SampleUse, path: &str) -> Result<Sig> {
        let span = match &e.kind {
            ExprKind::Bus(name) => self
                .checked
                .buses
                .get(name)
                .and_then(|&i| match &self.checked.program.statements[i].kind {
                    StatementKind::Bus { body, .. } => Some(body.span.clone()),
                    _ => None,
                })
                .unwrap_or(e.span.clone()),
            _ => e.span.clone(),
        };
        let key = (span.start, span.end);
        if self.transforms.is_empty()
            && let Some(&(l, r)) = self.banks.get(&key)
        {
            return Ok(Sig::Stereo(l, r));
        }
        for (control, at) in &samples.unapplied {
            self.warnings.push(
                Diagnostic::warning(
                    at.clone(),
                    format!("the sample player does not apply `{control}` yet"),
                )
                .with_label("ignored by the sample player")
                .with_hint(format!(
                    "the player applies {}; apply effects to the sound instead, e.g. `s \"bd\" # lpf 800`",
                    APPLIED.join(" ")
                )),
            );
        }
        let mut p = pattern;
        for t in self.transforms.iter().rev() {
            p = t(p);
        }
        let bank = self.graph.banks.len();
        self.graph.banks.push(Bank {
            pattern: p,
            label: self.checked_text(e),
            code: self.code(e),
            origin: self.origin(e),
            span: e.span.clone(),
            names: samples.names,
            sounds: Default::default(),
        });
        let l = self.node(
            &format!("{path}/voices.0"),
            NodeKind::Voices { bank, channel: 0 },
            vec![],
        );
        let r = self.node(
            &format!("{path}/voices.1"),
            NodeKind::Voices { bank, channel: 1 },
            vec![],
        );
        if self.transforms.is_empty() {
            self.banks.insert(key, (l, r));
        }
        Ok(Sig::Stereo(l, r))
    }

    /// `line:col` of an expression, for run-time reports.
    fn origin(&self, e: &Expr) -> String {
        let (line, col) = self.lines.line_col(e.span.start);
        format!("{line}:{col}")
    }

    fn host(&mut self, e: &Expr, pattern: Pattern, read: Read, path: &str) -> Result<NodeRef> {
        if sample_use(self.checked, e).plays {
            return Err(Diagnostic::error(
                e.span.clone(),
                "a sample pattern cannot be used as a number",
            )
            .with_label("plays samples")
            .with_hint("a pattern of `s` events is sound: mix it (`+`) or apply effects to it (`#`), but it has no value to read as a frequency or a parameter"));
        }
        if let Some(vc) = self.voice
            && self.pattern_key(e) == vc.key
        {
            let poly = match vc.poly {
                Some(poly) => poly,
                None => {
                    let mut p = pattern;
                    for t in self.transforms.iter().rev() {
                        p = t(p);
                    }
                    self.graph.polys.push(Poly {
                        pattern: p,
                        label: self.checked_text(e),
                        code: self.code(e),
                        origin: self.origin(e),
                        span: e.span.clone(),
                        voices: POLY_VOICES,
                        release: vc.release,
                        from_start: vc.from_start,
                    });
                    let poly = self.graph.polys.len() - 1;
                    if let Some(v) = &mut self.voice {
                        v.poly = Some(poly);
                    }
                    poly
                }
            };
            // Every read of the note pattern in a voice is that voice's note frequency.
            let read = Read::Value {
                hold: true,
                hz: true,
            };
            let kind = NodeKind::PolyHost {
                poly,
                voice: vc.voice,
                read,
            };
            if let Some(n) = self.graph.nodes.iter().position(|n| n.kind == kind) {
                return Ok(n);
            }
            return Ok(self.node(path, kind, vec![]));
        }
        let key = (e.span.start, e.span.end, read);
        if self.transforms.is_empty()
            && let Some(&n) = self.hosts.get(&key)
        {
            if let NodeKind::Host { source, .. } = self.graph.nodes[n].kind {
                self.touched.push(source);
            }
            return Ok(n);
        }
        let mut p = pattern;
        for t in self.transforms.iter().rev() {
            p = t(p);
        }
        let source = self.graph.hosts.len();
        let label = self.checked_text(e);
        let code = self.code(e);
        let origin = self.origin(e);
        self.graph.hosts.push(HostSource {
            pattern: p,
            label,
            code,
            origin,
            span: e.span.clone(),
        });
        self.touched.push(source);
        let n = self.node(path, NodeKind::Host { source, read }, vec![]);
        if self.transforms.is_empty() {
            self.hosts.insert(key, n);
        }
        Ok(n)
    }

    /// Another read of an existing host source (the trigger or gate of a pattern).
    fn host_read(&mut self, source: usize, read: Read, path: &str) -> NodeRef {
        if let Some(n) = self
            .graph
            .nodes
            .iter()
            .position(|n| n.kind == NodeKind::Host { source, read })
        {
            return n;
        }
        self.node(path, NodeKind::Host { source, read }, vec![])
    }

    fn checked_text(&self, e: &Expr) -> String {
        self.src.get(e.span.clone()).unwrap_or("?").to_string()
    }

    /// What a pattern is (see [`HostSource::code`]): the structure of `e`, its buses
    /// followed, under the structure of each enclosing transform.
    fn code(&self, e: &Expr) -> u64 {
        let checked = self.checked;
        let bus = |name: &str| {
            let &i = checked.buses.get(name)?;
            match &checked.program.statements[i].kind {
                StatementKind::Bus { body, .. } => Some(body),
                _ => None,
            }
        };
        let mut text = String::new();
        for t in &self.transform_codes {
            text.push_str(t);
            text.push_str("$\n");
        }
        text.push_str(&crate::ast_dump::structure(e, &bus));
        NodeId::of(&text).0
    }

    fn sig(&mut self, e: &Expr, ctx: Ctx, path: &str) -> Result<Sig> {
        crate::deep(|| self.sig_inner(e, ctx, path))
    }

    fn sig_inner(&mut self, e: &Expr, ctx: Ctx, path: &str) -> Result<Sig> {
        if let Some(v) = const_eval(e) {
            return Ok(Sig::Mono(self.constant(v as f32)));
        }
        // `~kick + ~hats` mixes two players; as patterns the events would be added.
        let mixes_samples = match &e.kind {
            ExprKind::Binary { lhs, rhs, .. } => {
                sample_use(self.checked, lhs).plays || sample_use(self.checked, rhs).plays
            }
            _ => false,
        };
        if !mixes_samples
            && (!matches!(e.kind, ExprKind::Bus(_)) || self.bus_is_pattern(e))
            && let Some(p) = self.try_pattern(e)
        {
            let samples = sample_use(self.checked, e);
            if samples.plays {
                return self.bank(e, p, samples, path);
            }
            if let Some(Value::Num(v)) = p.constant_value()
                && self.transforms.is_empty()
            {
                return Ok(Sig::Mono(self.constant(*v as f32)));
            }
            return Ok(Sig::Mono(self.host(
                e,
                p,
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
                let code: String = order
                    .iter()
                    .map(|t| crate::ast_dump::structure(t, &|_| None))
                    .collect();
                let mut ts = Vec::new();
                for t in order {
                    match self.patterns.expr(t)? {
                        Lowered::Transform(t) => ts.push(t),
                        _ => {
                            return Err(Diagnostic::error(
                                t.span.clone(),
                                "expected a transform here",
                            )
                            .with_hint("only one element of a `$` chain is its input"));
                        }
                    }
                }
                let composed: Transform = std::sync::Arc::new(move |mut p| {
                    for t in &ts {
                        p = t(p);
                    }
                    p
                });
                self.transforms.push(composed);
                self.transform_codes.push(code);
                let r = self.sig(&items[s], ctx, path);
                self.transforms.pop();
                self.transform_codes.pop();
                r
            }
            _ => Err(
                Diagnostic::error(e.span.clone(), "this cannot be played as a signal").with_hint(
                    "outputs and buses hold patterns or signals: `saw 110`, `\"0 3\"`, `~bus`",
                ),
            ),
        }
    }

    /// Whether a bus reference holds a pattern (so it is read through the pattern lowerer).
    fn bus_is_pattern(&mut self, e: &Expr) -> bool {
        let ExprKind::Bus(name) = &e.kind else {
            return false;
        };
        if self.buses.contains_key(name) || self.visiting.contains(name) {
            return false;
        }
        self.try_pattern(e).is_some()
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
        let saved = std::mem::take(&mut self.transforms);
        let saved_codes = std::mem::take(&mut self.transform_codes);
        let sig = self.sig(&body.clone(), Ctx::Param, &format!("~{name}"));
        self.transforms = saved;
        self.transform_codes = saved_codes;
        self.visiting.pop();
        let sig = sig?;
        if let Some((l, r)) = self.feedback.remove(name) {
            let [a, b] = sig.channels();
            if let Some(fx) = self.line_in_loop([l, r], [a, b]) {
                return Err(Diagnostic::error(
                    e.span.clone(),
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

    /// `x` times an envelope started by `trigger` and held by `gate`.
    fn apply_envelope(
        &mut self,
        env: VoiceEnv,
        x: Sig,
        trigger: NodeRef,
        gate: NodeRef,
        p: &str,
    ) -> Result<Sig> {
        let env = match env {
            VoiceEnv::Call {
                kind,
                name,
                e,
                args,
            } => {
                let mut inputs = vec![trigger];
                if kind != Env::Ad {
                    inputs.push(gate);
                }
                inputs.extend(self.param_nodes(name, e, args, p)?);
                self.node(p, NodeKind::Env(kind), inputs)
            }
            VoiceEnv::Gate => {
                let fade = self.constant(GATE_FADE);
                self.node(p, NodeKind::Env(Env::Ar), vec![trigger, gate, fade, fade])
            }
        };
        Ok(self.per_channel(&[x], |s, ins, ch| {
            s.math(&format!("{p}/apply.{ch}"), Math::Mul, vec![ins[0], env])
        }))
    }

    /// A pattern-played instrument: `lhs` (whose oscillator plays the note pattern `key`)
    /// and its envelope, once per voice, summed. Each voice reads the notes it is given.
    fn voices(
        &mut self,
        lhs: &Expr,
        key: (usize, usize),
        env: VoiceEnv,
        ctx: Ctx,
        path: &str,
    ) -> Result<Sig> {
        let (release, from_start) = self.busy_time(env)?;
        let mut vc = VoiceCtx {
            key,
            voice: 0,
            poly: None,
            release,
            from_start,
        };
        let mut sum: Option<Sig> = None;
        for voice in 0..POLY_VOICES {
            vc.voice = voice;
            self.voice = Some(vc);
            let x = self.sig(lhs, ctx, &format!("{path}/voice{voice}/in"));
            vc.poly = self.voice.and_then(|v| v.poly);
            self.voice = None;
            let x = x?;
            let Some(poly) = vc.poly else {
                return Err(Diagnostic::error(
                    lhs.span.clone(),
                    "this instrument's notes could not be found",
                )
                .with_hint("a pattern-played oscillator takes its notes as its frequency: `saw \"c3 e3\" # adsr 0.01 0.1`"));
            };
            let p = format!("{path}/voice{voice}/env");
            let read = |r| NodeKind::PolyHost {
                poly,
                voice,
                read: r,
            };
            let trigger = self.node(&format!("{p}/trigger"), read(Read::Trigger), vec![]);
            let gate = self.node(&format!("{p}/gate"), read(Read::Gate), vec![]);
            let y = self.apply_envelope(env, x, trigger, gate, &p)?;
            let [yl, yr] = y.channels();
            self.graph.barriers.extend([yl, yr]);
            sum = Some(match sum {
                None => y,
                Some(acc) => self.per_channel(&[acc, y], |s, ins, ch| {
                    s.math(
                        &format!("{path}/voices+{voice}.{ch}"),
                        Math::Add,
                        ins.to_vec(),
                    )
                }),
            });
        }
        Ok(sum.expect("at least one voice"))
    }

    /// How long a voice stays busy with a note: after its end (release) or, for `ad`, from
    /// its start.
    fn busy_time(&self, env: VoiceEnv) -> Result<(f64, Option<f64>)> {
        let VoiceEnv::Call {
            kind,
            name,
            e,
            args,
        } = env
        else {
            return Ok((GATE_FADE as f64, None));
        };
        let b = builtins::lookup(name).expect("envelopes are built-ins");
        let slots = self.params(name, e, args)?;
        // Each parameter's constant value (given or default); None when it is a signal.
        let get = |i: usize| match slots.get(i).copied().flatten() {
            Some(v) => const_eval(v),
            None => match b.params.get(i).map(|p| p.default) {
                Some(builtins::Default::Value(v)) => Some(v),
                _ => None,
            },
        };
        Ok(match kind {
            Env::Ad => match (get(0), get(1)) {
                (Some(a), Some(d)) => (0.0, Some(a.max(0.0) + d.max(0.0))),
                _ => (0.0, Some(UNKNOWN_RELEASE)),
            },
            Env::Adsr => (get(3).map_or(UNKNOWN_RELEASE, |r| r.max(0.0)), None),
            _ => (get(1).map_or(UNKNOWN_RELEASE, |r| r.max(0.0)), None),
        })
    }

    /// Where a pattern comes from: a bus's definition, or the expression itself. Two
    /// references to one pattern bus are one note pattern.
    fn pattern_key(&self, e: &Expr) -> (usize, usize) {
        if let ExprKind::Bus(name) = &e.kind
            && let Some(&i) = self.checked.buses.get(name)
            && let StatementKind::Bus { body, .. } = &self.checked.program.statements[i].kind
        {
            return (body.span.start, body.span.end);
        }
        (e.span.start, e.span.end)
    }

    /// The note pattern an oscillator in `e` plays: the first oscillator whose frequency is
    /// a pattern of discrete events (not a number, a signal or a continuous pattern).
    fn note_pattern(&mut self, e: &Expr) -> Option<(usize, usize)> {
        let freq = self.note_freq(e)?;
        Some(self.pattern_key(freq))
    }

    /// The note pattern an oscillator in `e` is played by (see [`Self::note_pattern`]).
    fn note_freq<'e>(&mut self, e: &'e Expr) -> Option<&'e Expr> {
        match &e.kind {
            ExprKind::App { func, args } => {
                let ExprKind::Ident(name) = &func.kind else {
                    return None;
                };
                if !matches!(name.as_str(), "sine" | "saw" | "square" | "tri" | "pulse") {
                    return None;
                }
                let freq = args.iter().find_map(|a| match a {
                    Arg::Positional(v) => Some(v),
                    Arg::Keyword { name, value } if name.text == "freq" => Some(value),
                    _ => None,
                })?;
                if const_eval(freq).is_some() || sample_use(self.checked, freq).plays {
                    return None;
                }
                if matches!(freq.kind, ExprKind::Bus(_)) && !self.bus_is_pattern(freq) {
                    return None;
                }
                let p = self.try_pattern(freq)?;
                // A constant number is a drone; a constant note name or chord still plays.
                if matches!(p.constant_value(), Some(Value::Num(_)))
                    || phonon_runtime::engine::host::is_continuous(&p)
                {
                    return None;
                }
                Some(freq)
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.note_freq(lhs).or_else(|| self.note_freq(rhs))
            }
            ExprKind::Neg(inner) => self.note_freq(inner),
            ExprKind::Chain { lhs, .. } => self.note_freq(lhs),
            ExprKind::Dollar {
                items,
                subject: Some(s),
            } => self.note_freq(&items[*s]),
            _ => None,
        }
    }

    /// The note pattern of an oscillator with effects but no envelope after it (`saw
    /// "c3'maj" # lpf 800`): a candidate for voices with the gate envelope.
    /// The note pattern of an oscillator in `e` that can sound several notes at once (see
    /// [`overlap`]), counting the transforms of the `$` chains it sits in (`layered`: one of
    /// them already can): such an oscillator plays one gated voice per note even without an
    /// envelope.
    fn chord_oscillator<'e>(&mut self, e: &'e Expr, layered: bool) -> Option<&'e Expr> {
        match &e.kind {
            ExprKind::App { .. } => self
                .note_freq(e)
                .filter(|freq| layered || overlap::may_overlap(self.checked, freq)),
            ExprKind::Chain { lhs, rhs } if env_call(rhs).is_none() => {
                self.chord_oscillator(lhs, layered)
            }
            ExprKind::Dollar {
                items,
                subject: Some(s),
            } => {
                let layered = layered
                    || items
                        .iter()
                        .enumerate()
                        .any(|(i, t)| i != *s && overlap::may_overlap(self.checked, t));
                self.chord_oscillator(&items[*s], layered)
            }
            _ => None,
        }
    }

    /// A delay-line effect on a path from the feedback delays `from` to the bus values `to`.
    fn line_in_loop(&self, from: [NodeRef; 2], to: [NodeRef; 2]) -> Option<&'static str> {
        let nodes = &self.graph.nodes;
        // Whether `v` depends on `from` (without crossing another feedback edge).
        let reaches = |v: NodeRef| {
            let mut seen = HashSet::new();
            let mut stack = vec![v];
            while let Some(u) = stack.pop() {
                if from.contains(&u) {
                    return true;
                }
                if seen.insert(u) && nodes[u].kind != NodeKind::Delay1 {
                    stack.extend(&nodes[u].inputs);
                }
            }
            false
        };
        let mut seen = HashSet::new();
        let mut stack = to.to_vec();
        while let Some(u) = stack.pop() {
            if !seen.insert(u) || nodes[u].kind == NodeKind::Delay1 {
                continue;
            }
            if let NodeKind::Line(fx) = nodes[u].kind
                && reaches(u)
            {
                return Some(fx.effect());
            }
            stack.extend(&nodes[u].inputs);
        }
        None
    }

    /// Arguments by parameter position, with defaults filled in.
    fn params<'e>(&self, name: &str, e: &Expr, args: &'e [Arg]) -> Result<Vec<Option<&'e Expr>>> {
        let b = builtins::lookup(name).ok_or_else(|| {
            Diagnostic::error(e.span.clone(), format!("unknown function `{name}`"))
        })?;
        let mut slots: Vec<Option<&Expr>> = vec![None; b.params.len()];
        let mut next = 0;
        for arg in args {
            match arg {
                Arg::Positional(v) => {
                    while next < slots.len() && slots[next].is_some() {
                        next += 1;
                    }
                    if next >= slots.len() {
                        return Err(Diagnostic::error(
                            v.span.clone(),
                            format!("too many arguments for `{name}`"),
                        ));
                    }
                    slots[next] = Some(v);
                    next += 1;
                }
                Arg::Keyword { name: k, value } => {
                    if let Some(i) = b.params.iter().position(|p| p.name == k.text) {
                        slots[i] = Some(value);
                    }
                }
            }
        }
        Ok(slots)
    }

    /// Every parameter of `name` as a mono signal (given or default), in order.
    fn param_nodes(
        &mut self,
        name: &str,
        e: &Expr,
        args: &[Arg],
        path: &str,
    ) -> Result<Vec<NodeRef>> {
        let slots = self.params(name, e, args)?;
        (0..slots.len())
            .map(|i| self.param(name, &slots, i, Ctx::Param, path))
            .collect()
    }

    /// Parameter `i` as a mono signal, or its default.
    fn param(
        &mut self,
        name: &str,
        slots: &[Option<&Expr>],
        i: usize,
        ctx: Ctx,
        path: &str,
    ) -> Result<NodeRef> {
        let b = builtins::lookup(name).expect("checked by params");
        let p = &b.params[i];
        let sig = match slots[i] {
            Some(e) => self.sig(e, ctx, &format!("{path}/{}", p.name))?,
            None => match p.default {
                builtins::Default::Value(v) => Sig::Mono(self.constant(v as f32)),
                _ => Sig::Mono(self.constant(0.0)),
            },
        };
        Ok(match sig {
            Sig::Mono(n) => n,
            // A stereo parameter is read from its left channel.
            Sig::Stereo(l, _) => l,
        })
    }

    fn call(&mut self, name: &str, e: &Expr, args: &[Arg], path: &str) -> Result<Sig> {
        let b = builtins::lookup(name);
        let path = format!("{path}/{name}");
        let osc = match name {
            "sine" => Some(Osc::Sine),
            "saw" => Some(Osc::Saw),
            "square" => Some(Osc::Square),
            "tri" => Some(Osc::Tri),
            "pulse" => Some(Osc::Pulse),
            "noise" | "white_noise" => Some(Osc::Noise),
            "pink_noise" => Some(Osc::PinkNoise),
            "brown_noise" => Some(Osc::BrownNoise),
            "impulse" => Some(Osc::Impulse),
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
        if let "line" | "xline" = name {
            let slots = self.params(name, e, args)?;
            let start = self.node(&format!("{path}/start"), NodeKind::Start, vec![]);
            let mut inputs = vec![start];
            for i in 0..3 {
                inputs.push(self.param(name, &slots, i, Ctx::Param, &path)?);
            }
            let env = if name == "line" {
                Env::Line
            } else {
                Env::XLine
            };
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

    /// `x # rhs`: applies an effect, filter, envelope, gain or pan to the signal `x`. `inside`
    /// are the host sources in `x` (the first one triggers envelopes).
    fn effect(&mut self, rhs: &Expr, x: Sig, inside: &[usize], path: &str) -> Result<Sig> {
        match &rhs.kind {
            ExprKind::Chain { lhs, rhs: next } => {
                let y = self.effect(lhs, x, inside, path)?;
                self.effect(next, y, inside, path)
            }
            ExprKind::Bus(name) => {
                let Some(&index) = self.checked.buses.get(name) else {
                    return Err(Diagnostic::error(
                        rhs.span.clone(),
                        format!("unknown bus `~{name}`"),
                    ));
                };
                let StatementKind::Bus { body, .. } = &self.checked.program.statements[index].kind
                else {
                    unreachable!("buses index bus statements")
                };
                if !is_effect_chain(body) {
                    return Err(Diagnostic::error(rhs.span.clone(), format!("`~{name}` is not an effect chain"))
                        .with_hint("`#` on a signal needs an effect: `~fx: lpf 800 # gain 0.5`, then `saw 110 # ~fx`"));
                }
                // Each use of an effect bus is its own instance, with its own state.
                let body = body.clone();
                self.effect(&body, x, inside, &format!("{path}/~{name}"))
            }
            ExprKind::Ident(name) => self.apply(name, rhs, &[], x, inside, path),
            ExprKind::App { func, args } => match &func.kind {
                ExprKind::Ident(name) => self.apply(name, rhs, args, x, inside, path),
                _ => Err(Diagnostic::error(
                    rhs.span.clone(),
                    "`#` on a signal needs an effect on its right",
                )),
            },
            _ => Err(Diagnostic::error(
                rhs.span.clone(),
                "`#` on a signal needs an effect on its right",
            )
            .with_hint("for example `saw 110 # lpf 800 0.7 # gain 0.5`")),
        }
    }

    fn apply(
        &mut self,
        name: &str,
        e: &Expr,
        args: &[Arg],
        x: Sig,
        inside: &[usize],
        path: &str,
    ) -> Result<Sig> {
        let p = format!("{path}/{name}");
        let filter = match name {
            "lpf" => Some(Filter::Lpf),
            "hpf" => Some(Filter::Hpf),
            "bpf" => Some(Filter::Bpf),
            "notch" => Some(Filter::Notch),
            "moog" => Some(Filter::Moog),
            _ => None,
        };
        if let Some(f) = filter {
            let slots = self.params(name, e, args)?;
            let cutoff = self.param(name, &slots, 0, Ctx::Param, &p)?;
            let q = self.param(name, &slots, 1, Ctx::Param, &p)?;
            return Ok(self.per_channel(&[x], |s, ins, ch| {
                s.node(
                    &format!("{p}.{ch}"),
                    NodeKind::Filter(f),
                    vec![ins[0], cutoff, q],
                )
            }));
        }
        if let Some(kind) = envelope_kind(name) {
            let (trigger, gate) = match inside.first() {
                Some(&source) => (
                    self.host_read(source, Read::Trigger, &format!("{p}/trigger")),
                    self.host_read(source, Read::Gate, &format!("{p}/gate")),
                ),
                None => (
                    self.node(&format!("{p}/start"), NodeKind::Start, vec![]),
                    self.constant(1.0),
                ),
            };
            let env = VoiceEnv::Call {
                kind,
                name,
                e,
                args,
            };
            return self.apply_envelope(env, x, trigger, gate, &p);
        }
        match name {
            "gain" => {
                let slots = self.params(name, e, args)?;
                let g = self.param(name, &slots, 0, Ctx::Param, &p)?;
                Ok(self.per_channel(&[x], |s, ins, ch| {
                    s.math(&format!("{p}.{ch}"), Math::Mul, vec![ins[0], g])
                }))
            }
            "pan2" | "pan" => {
                let slots = self.params(name, e, args)?;
                let pos = self.param(name, &slots, 0, Ctx::Param, &p)?;
                let gl = self.math(&format!("{p}/gain.0"), Math::PanLeft, vec![pos]);
                let gr = self.math(&format!("{p}/gain.1"), Math::PanRight, vec![pos]);
                let (xl, xr) = match x {
                    Sig::Mono(m) => (m, m),
                    Sig::Stereo(l, r) => {
                        // A stereo signal is balanced: the centre leaves it unchanged.
                        let s2 = self.constant(std::f32::consts::SQRT_2);
                        let l2 = self.math(&format!("{p}/balance.0"), Math::Mul, vec![l, s2]);
                        let r2 = self.math(&format!("{p}/balance.1"), Math::Mul, vec![r, s2]);
                        (l2, r2)
                    }
                };
                let l = self.math(&format!("{p}.0"), Math::Mul, vec![xl, gl]);
                let r = self.math(&format!("{p}.1"), Math::Mul, vec![xr, gr]);
                Ok(Sig::Stereo(l, r))
            }
            "distortion" | "bitcrush" | "compressor" => {
                let fx = match name {
                    "distortion" => Fx::Distortion,
                    "bitcrush" => Fx::Bitcrush,
                    _ => Fx::Compressor,
                };
                let params = self.param_nodes(name, e, args, &p)?;
                Ok(self.per_channel(&[x], |s, ins, ch| {
                    let mut inputs = vec![ins[0]];
                    inputs.extend(&params);
                    s.node(&format!("{p}.{ch}"), NodeKind::Fx(fx), inputs)
                }))
            }
            "delay" => {
                let slots = self.params(name, e, args)?;
                let mut time = self.param(name, &slots, 0, Ctx::Param, &p)?;
                let lock = match slots[3] {
                    None => 0.0,
                    Some(l) => const_eval(l).ok_or_else(|| {
                        Diagnostic::error(l.span.clone(), "`:lock` must be a number")
                            .with_hint("`:lock 1` reads the time in cycles, `:lock 0` (the default) in seconds")
                    })?,
                };
                if lock != 0.0 {
                    // A time in cycles: seconds = cycles / cps.
                    let per_cycle = self.constant((1.0 / self.graph.cps) as f32);
                    time = self.math(&format!("{p}/cycles"), Math::Mul, vec![time, per_cycle]);
                }
                let feedback = self.param(name, &slots, 1, Ctx::Param, &p)?;
                let mix = self.param(name, &slots, 2, Ctx::Param, &p)?;
                Ok(self.per_channel(&[x], |s, ins, ch| {
                    s.node(
                        &format!("{p}.{ch}"),
                        NodeKind::Line(LineFx::Delay),
                        vec![ins[0], time, feedback, mix],
                    )
                }))
            }
            "chorus" | "reverb" => {
                let params = self.param_nodes(name, e, args, &p)?;
                // Both are stereo whatever comes in: the channels differ in their tunings
                // (reverb) or LFO phase (chorus).
                let [l, r] = x.channels();
                let mut out = [0; 2];
                for (ch, slot) in out.iter_mut().enumerate() {
                    let right = ch == 1;
                    let (fx, mut inputs) = if name == "reverb" {
                        (LineFx::Reverb { right }, vec![l, r])
                    } else {
                        (LineFx::Chorus { right }, vec![if right { r } else { l }])
                    };
                    inputs.extend(&params);
                    *slot = self.node(&format!("{p}.{ch}"), NodeKind::Line(fx), inputs);
                }
                Ok(Sig::Stereo(out[0], out[1]))
            }
            _ => match builtins::lookup(name).map(|b| b.role) {
                Some(Role::Param) => Err(Diagnostic::error(
                    e.span.clone(),
                    format!(
                        "`{name}` sets a parameter of sample events; a signal has no such parameter"
                    ),
                )
                .with_hint("on a signal, `#` takes an effect: `lpf`, `gain`, `pan2`, `adsr`, ...")),
                Some(Role::Transform) => Err(Diagnostic::error(
                    e.span.clone(),
                    format!("`{name}` transforms patterns; on a signal, apply it with `$`"),
                )
                .with_hint(format!("for example `saw \"55 110\" $ {name} ...`"))),
                _ => Err(
                    Diagnostic::error(e.span.clone(), format!("`{name}` is not an effect"))
                        .with_hint(
                            "on a signal, `#` takes an effect: `lpf`, `gain`, `pan2`, `adsr`, ...",
                        ),
                ),
            },
        }
    }
}

/// Whether an expression is a chain of effects waiting for a signal (`lpf 800 # gain 0.5`).
fn is_effect_chain(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Chain { lhs, rhs } => is_effect_chain(lhs) && is_effect_chain(rhs),
        ExprKind::Ident(name) => builtins::lookup(name).is_some_and(|b| b.role == Role::Effect),
        ExprKind::App { func, .. } => {
            matches!(&func.kind, ExprKind::Ident(name) if builtins::lookup(name).is_some_and(|b| b.role == Role::Effect))
        }
        _ => false,
    }
}

/// `ad`/`adsr`/`ar` with its arguments, if `e` is such a call.
fn env_call(e: &Expr) -> Option<(Env, &str, &[Arg])> {
    match &e.kind {
        ExprKind::Ident(name) => envelope_kind(name).map(|k| (k, name.as_str(), &[][..])),
        ExprKind::App { func, args } => match &func.kind {
            ExprKind::Ident(name) => envelope_kind(name).map(|k| (k, name.as_str(), &args[..])),
            _ => None,
        },
        _ => None,
    }
}
