//! Patterns entering the signal graph: pattern reads (host inputs), sample players (voice
//! banks), and what identifies a pattern (`code`, for reloads).

use super::*;

impl SignalLowerer<'_> {
    /// A sample pattern becomes a voice bank; the same pattern (or bus) used twice is one.
    pub(super) fn bank(&mut self, e: &Expr, samples: SampleUse, path: &str) -> Result<Sig> {
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
        // A `once:` output's patterns are its own (they play one cycle): never shared.
        let shared = self.transform_trees.is_empty() && self.window.is_none();
        if shared && let Some(&(l, r)) = self.banks.get(&key) {
            return Ok(Sig::Stereo(l, r));
        }
        if let Some((word, at)) = samples.bad_vowels.first() {
            return Err(
                Diagnostic::error(at.clone(), format!("`{word}` is not a vowel"))
                    .with_label("not a vowel")
                    .with_hint("`vowel` takes a, e, i, o or u (`~` for none), as in SuperDirt"),
            );
        }
        if let Some((message, at)) = samples.bad_orbits.first() {
            return Err(Diagnostic::error(at.clone(), message.clone())
                .with_label("not an orbit number")
                .with_hint(format!(
                    "write the orbits as numbers 0 to {} (`# orbit 1`, `# orbit \"<0 1>\"`): the program's orbits, with their reverb and delay, are made before it plays; it may have {} at most",
                    phonon_runtime::engine::orbits::MAX_ORBIT_NUMBER,
                    phonon_runtime::engine::orbits::MAX_ORBITS
                )));
        }
        if samples.sends {
            // Events without `orbit` play on orbit 0.
            let orbits = &mut self.graph.orbits;
            for n in std::iter::once(0).chain(samples.orbits.iter().copied()) {
                if !orbits.contains(&n) {
                    orbits.push(n);
                }
            }
            if orbits.len() > phonon_runtime::engine::orbits::MAX_ORBITS {
                return Err(Diagnostic::error(
                    e.span.clone(),
                    format!(
                        "this program uses {} orbits; at most {} are allowed",
                        orbits.len(),
                        phonon_runtime::engine::orbits::MAX_ORBITS
                    ),
                )
                .with_hint(
                    "each orbit runs its own reverb and delay: share orbits between patterns",
                ));
            }
        }
        let lines = &mut self.graph.lines;
        lines.phaser |= samples.lines.phaser;
        lines.squiz |= samples.lines.squiz;
        lines.comb |= samples.lines.comb;
        let bank = self.graph.banks.len();
        let tree = self.tree(e);
        self.graph.banks.push(Bank {
            label: self.checked_text(e),
            code: tree.code(),
            tree,
            id: NodeId(0),
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
        self.graph.banks[bank].id = self.graph.nodes[l].id;
        if shared {
            self.banks.insert(key, (l, r));
        }
        Ok(Sig::Stereo(l, r))
    }

    /// `line:col` of an expression, for run-time reports.
    pub(super) fn origin(&self, e: &Expr) -> String {
        let at = self.checked.expansions.source_span(&e.span);
        let (line, col) = self.lines.line_col(at.start);
        format!("{line}:{col}")
    }

    pub(super) fn host(&mut self, e: &Expr, read: Read, path: &str) -> Result<NodeRef> {
        if self.checked.sorts.plays_samples(e) {
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
                    let tree = self.tree(e);
                    self.graph.polys.push(Poly {
                        label: self.checked_text(e),
                        code: tree.code(),
                        tree,
                        // Set by its first note read, below.
                        id: NodeId(0),
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
            let n = self.node(path, kind, vec![]);
            if self.graph.polys[poly].id == NodeId(0) {
                self.graph.polys[poly].id = self.graph.nodes[n].id;
            }
            return Ok(n);
        }
        let key = (e.span.start, e.span.end, read);
        let shared = self.transform_trees.is_empty() && self.window.is_none();
        if shared && let Some(&n) = self.hosts.get(&key) {
            if let NodeKind::Host { source, .. } = self.graph.nodes[n].kind {
                self.touched.push(source);
            }
            return Ok(n);
        }
        let source = self.graph.hosts.len();
        let label = self.checked_text(e);
        let tree = self.tree(e);
        let origin = self.origin(e);
        self.graph.hosts.push(HostSource {
            label,
            code: tree.code(),
            tree,
            id: NodeId(0),
            origin,
            span: e.span.clone(),
        });
        self.touched.push(source);
        let n = self.node(path, NodeKind::Host { source, read }, vec![]);
        self.graph.hosts[source].id = self.graph.nodes[n].id;
        if shared {
            self.hosts.insert(key, n);
        }
        Ok(n)
    }

    /// Another read of an existing host source (the trigger or gate of a pattern).
    pub(super) fn host_read(&mut self, source: usize, read: Read, path: &str) -> NodeRef {
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

    pub(super) fn checked_text(&self, e: &Expr) -> String {
        let at = self.checked.expansions.source_span(&e.span);
        self.src.get(at).unwrap_or("?").to_string()
    }

    /// What a pattern is, as data: `e` under the transforms of the enclosing `$` chains
    /// (the innermost chain's first, as they apply).
    pub(super) fn tree(&self, e: &Expr) -> PatternTree {
        let transforms = self
            .transform_trees
            .iter()
            .rev()
            .flatten()
            .cloned()
            .collect();
        PatternTree::new(e, transforms, self.window, self.checked)
    }

    /// Whether a bus reference holds a pattern (so it is read through the pattern lowerer).
    pub(super) fn bus_is_pattern(&mut self, e: &Expr) -> bool {
        let ExprKind::Bus(name) = &e.kind else {
            return false;
        };
        if self.buses.contains_key(name) || self.visiting.contains(name) {
            return false;
        }
        self.checked.sorts.is_pattern(e)
    }
}
