//! Effects and built-in calls with parameters: `#` chains, parameter nodes, delay lines and
//! the feedback loops they may not sit in.

use super::*;

/// Whether an expression is a chain of effects waiting for a signal (`lpf 800 # gain 0.5`).
pub(super) fn is_effect_chain(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Chain { lhs, rhs } => is_effect_chain(lhs) && is_effect_chain(rhs),
        ExprKind::Ident(name) => builtins::lookup(name).is_some_and(|b| b.role == Role::Effect),
        ExprKind::App { func, .. } => {
            matches!(&func.kind, ExprKind::Ident(name) if builtins::lookup(name).is_some_and(|b| b.role == Role::Effect))
        }
        _ => false,
    }
}

impl SignalLowerer<'_> {
    /// A delay-line effect on a path from the feedback delays `from` to the bus values `to`.
    pub(super) fn line_in_loop(
        &self,
        from: [NodeRef; 2],
        to: [NodeRef; 2],
    ) -> Option<&'static str> {
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
    pub(super) fn params<'e>(
        &self,
        name: &str,
        e: &Expr,
        args: &'e [Arg],
    ) -> Result<Vec<Option<&'e Expr>>> {
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
    pub(super) fn param_nodes(
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
    pub(super) fn param(
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

    /// `x # rhs`: applies an effect, filter, envelope, gain or pan to the signal `x`. `inside`
    /// are the host sources in `x` (the first one triggers envelopes).
    pub(super) fn effect(
        &mut self,
        rhs: &Expr,
        x: Sig,
        inside: &[usize],
        path: &str,
    ) -> Result<Sig> {
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

    pub(super) fn apply(
        &mut self,
        name: &str,
        e: &Expr,
        args: &[Arg],
        x: Sig,
        inside: &[usize],
        path: &str,
    ) -> Result<Sig> {
        let p = format!("{path}/{name}");
        let op = builtins::lookup(name).map(|b| b.op);
        if let Some(Op::Filter(f)) = op {
            let slots = self.params(name, e, args)?;
            let cutoff = self.param(name, &slots, 0, Ctx::Param, &p)?;
            let q = self.param(name, &slots, 1, Ctx::Param, &p)?;
            if let Some(expr) = slots[0] {
                self.range_checks.push(crate::ir::ranges::Check {
                    node: cutoff,
                    span: expr.span.clone(),
                    oscillator: crate::ir::ranges::oscillator_in(
                        expr,
                        self.src,
                        &self.checked.expansions,
                    ),
                    what: "cutoff",
                });
            }
            return Ok(self.per_channel(&[x], |s, ins, ch| {
                s.node(
                    &format!("{p}.{ch}"),
                    NodeKind::Filter(f),
                    vec![ins[0], cutoff, q],
                )
            }));
        }
        if let Some(Op::Envelope(kind)) = op {
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
        match op {
            Some(Op::Control("gain")) => {
                let slots = self.params(name, e, args)?;
                let g = self.param(name, &slots, 0, Ctx::Param, &p)?;
                Ok(self.per_channel(&[x], |s, ins, ch| {
                    s.math(&format!("{p}.{ch}"), Math::Mul, vec![ins[0], g])
                }))
            }
            Some(Op::Pan2 | Op::Control("pan")) => {
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
            Some(Op::Fx(fx)) => {
                let params = self.param_nodes(name, e, args, &p)?;
                Ok(self.per_channel(&[x], |s, ins, ch| {
                    let mut inputs = vec![ins[0]];
                    inputs.extend(&params);
                    s.node(&format!("{p}.{ch}"), NodeKind::Fx(fx), inputs)
                }))
            }
            Some(Op::Delay) => {
                let slots = self.params(name, e, args)?;
                let mut time = self.param(name, &slots, 0, Ctx::Param, &p)?;
                let lock = match slots[3] {
                    None => 0.0,
                    Some(l) => const_eval(l).ok_or_else(|| {
                        Diagnostic::error(l.span.clone(), "`:lock` must be a number")
                            .with_hint("`:lock 1` reads the time in cycles, `:lock 0` (the default) in seconds")
                    })?,
                };
                if lock != 0.0 && self.checked.tempo.is_some() {
                    return Err(Diagnostic::error(
                        slots[3].map_or(e.span.clone(), |l| l.span.clone()),
                        "a delay time in cycles needs a fixed tempo",
                    )
                    .with_label("the tempo here is a pattern")
                    .with_hint("give the time in seconds (`:lock 0`), or send the sound to an orbit's delay (`# delay 0.5 # lock 1`), which follows the tempo"));
                }
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
            Some(Op::Chorus | Op::Reverb) => {
                let params = self.param_nodes(name, e, args, &p)?;
                // Both are stereo whatever comes in: the channels differ in their tunings
                // (reverb) or LFO phase (chorus).
                let [l, r] = x.channels();
                let mut out = [0; 2];
                for (ch, slot) in out.iter_mut().enumerate() {
                    let right = ch == 1;
                    let (fx, mut inputs) = if op == Some(Op::Reverb) {
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
