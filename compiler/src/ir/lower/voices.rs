//! Pattern-played instruments: which oscillators play one synth voice per note (an
//! envelope after them, or a pattern that can sound several notes at once), and the voices
//! and envelopes they are lowered to.

use super::*;

/// Busy time of a voice whose envelope times are not constants, seconds.
pub(super) const UNKNOWN_RELEASE: f64 = 4.0;

#[derive(Clone, Copy)]
pub(super) struct VoiceCtx {
    /// `pattern_key` of the note pattern the voices play.
    pub(super) key: (usize, usize),
    pub(super) voice: usize,
    /// The instrument in `Graph::polys`, made when its pattern is first read.
    pub(super) poly: Option<usize>,
    pub(super) release: f64,
    pub(super) from_start: Option<f64>,
}

/// How a voice's envelope is made: an `ad`/`adsr`/`ar` call, or the short gate envelope of
/// a chord played without one.
#[derive(Clone, Copy)]
pub(super) enum VoiceEnv<'e> {
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
pub(super) const GATE_FADE: f32 = 0.002;

pub(super) fn envelope_kind(name: &str) -> Option<Env> {
    match builtins::lookup(name)?.op {
        Op::Envelope(env) => Some(env),
        _ => None,
    }
}

/// `ad`/`adsr`/`ar` with its arguments, if `e` is such a call.
pub(super) fn env_call(e: &Expr) -> Option<(Env, &str, &[Arg])> {
    match &e.kind {
        ExprKind::Ident(name) => envelope_kind(name).map(|k| (k, name.as_str(), &[][..])),
        ExprKind::App { func, args } => match &func.kind {
            ExprKind::Ident(name) => envelope_kind(name).map(|k| (k, name.as_str(), &args[..])),
            _ => None,
        },
        _ => None,
    }
}

impl SignalLowerer<'_> {
    /// `x` times an envelope started by `trigger` and held by `gate`.
    pub(super) fn apply_envelope(
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
    pub(super) fn voices(
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
                .with_hint("a pattern-played oscillator takes its notes as its frequency: `saw \"c4 e4\" # adsr 0.01 0.1`"));
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
    pub(super) fn busy_time(&self, env: VoiceEnv) -> Result<(f64, Option<f64>)> {
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
    pub(super) fn pattern_key(&self, e: &Expr) -> (usize, usize) {
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
    pub(super) fn note_pattern(&mut self, e: &Expr) -> Option<(usize, usize)> {
        let freq = self.note_freq(e)?;
        Some(self.pattern_key(freq))
    }

    /// The note pattern an oscillator in `e` is played by (see [`Self::note_pattern`]).
    pub(super) fn note_freq<'e>(&mut self, e: &'e Expr) -> Option<&'e Expr> {
        match &e.kind {
            ExprKind::App { func, args } => {
                let ExprKind::Ident(name) = &func.kind else {
                    return None;
                };
                let pitched = matches!(
                    builtins::lookup(name).map(|b| b.op),
                    Some(Op::Osc(
                        Osc::Sine | Osc::Saw | Osc::Square | Osc::Tri | Osc::Pulse
                    ))
                );
                if !pitched {
                    return None;
                }
                let freq = args.iter().find_map(|a| match a {
                    Arg::Positional(v) => Some(v),
                    Arg::Keyword { name, value } if name.text == "freq" => Some(value),
                    _ => None,
                })?;
                let sorts = &self.checked.sorts;
                if const_eval(freq).is_some()
                    || sorts.plays_samples(freq)
                    || !sorts.is_pattern(freq)
                {
                    return None;
                }
                if matches!(freq.kind, ExprKind::Bus(_)) && !self.bus_is_pattern(freq) {
                    return None;
                }
                // A constant number is a drone; a constant note name or chord still plays.
                let facts = &self.checked.facts;
                if facts.constant_number(freq).is_some() || facts.is_continuous(freq) {
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
    /// "c4'maj" # lpf 800`): a candidate for voices with the gate envelope.
    /// The note pattern of an oscillator in `e` that can sound several notes at once (see
    /// [`overlap`]), counting the transforms of the `$` chains it sits in (`layered`: one of
    /// them already can): such an oscillator plays one gated voice per note even without an
    /// envelope.
    pub(super) fn chord_oscillator<'e>(&mut self, e: &'e Expr, layered: bool) -> Option<&'e Expr> {
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
}
