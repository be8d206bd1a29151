//! Name resolution and checking. Gives every expression a coarse kind (a value, a control
//! pattern, a transform, a list), checks calls against the built-in table, finds the subject of
//! each `$` chain, parses every mini-notation string, and reports every problem it finds.

use crate::ast::{
    Arg, Arith, BinOp, Expr, ExprKind, OutputName, Program, SectionOp, Statement, StatementKind,
    Structure, TempoUnit,
};
use crate::builtins::{self, Role};
use crate::diagnostic::{Diagnostic, Span};
use crate::mini::parse_mini;
use crate::suggest::did_you_mean;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod calls;
pub mod facts;
pub mod sort;
use calls::count;

/// What an expression is, as far as checking needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number, pattern or signal.
    Value,
    /// A pattern of per-event parameters (`gain 0.5`, `n "0 1"`): a value that can also be
    /// the right-hand side of `#`.
    Control,
    /// A transform or effect waiting for its input (`fast 2`, `lpf 800`, `rev`).
    Function,
    List,
    /// Could not be decided because of an error already reported.
    Unknown,
}

impl Kind {
    fn is_value(self) -> bool {
        matches!(self, Kind::Value | Kind::Control | Kind::Unknown)
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Value => "a pattern or signal",
            Kind::Control => "a parameter pattern",
            Kind::Function => "a transform",
            Kind::List => "a list",
            Kind::Unknown => "something unknown",
        }
    }
}

/// A program that passed checking.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The program with mini-notation parsed and `$` subjects found.
    pub program: Program,
    /// Cycles per second (`tempo:`/`cps:`, or `bpm:` / 60 / beats per cycle; 0.5 when not
    /// given).
    pub cps: f64,
    /// Each output and the index of the statement that defines it (the last one wins).
    pub outputs: BTreeMap<OutputName, usize>,
    /// Each bus and the index of the statement that defines it (the last one wins).
    pub buses: BTreeMap<String, usize>,
    /// A tempo that is a pattern (`cps: "<0.5 0.6>"`), and the factor that makes its values
    /// cycles per second (1/240 for `bpm:`). `cps` is then the default's.
    pub tempo: Option<(Expr, f64)>,
    pub hush: bool,
    /// Outputs that `mute`/`solo` silence (they are checked, and built as silence).
    pub silenced: BTreeSet<OutputName>,
    /// `resetCycles`: the program starts at cycle 0 when it is loaded.
    pub reset_cycles: bool,
    /// `xfadeIn`: outputs that crossfade over this many cycles when a load changes them.
    pub xfades: BTreeMap<OutputName, f64>,
    /// What each expression is to lowering (pattern, transform, list, signal).
    pub sorts: sort::Sorts,
    /// What is known of each pattern's values (a constant number, continuous).
    pub facts: facts::Facts,
    /// Where the copies made by expanding user functions came from: positions in the
    /// program past the end of the file are in such copies.
    pub expansions: crate::functions::Expansions,
}

pub const DEFAULT_CPS: f64 = 0.5;

/// The words of a tempo pattern's strings must be numbers (or rests); each other word is
/// an error at it.
fn tempo_words_are_numbers(value: &mut Expr, resolver: &mut Resolver) -> bool {
    let mut bad = string_words(value);
    bad.retain(|(word, _)| word.parse::<f64>().is_err());
    for (word, span) in &bad {
        resolver.error(
            Diagnostic::error(span.clone(), format!("`{word}` is not a tempo"))
                .with_label("not a number")
                .with_hint("a tempo pattern holds numbers, one per cycle: `cps: \"<0.5 0.6>\"`"),
        );
    }
    bad.is_empty()
}

/// The words of every string in `e` (rests left out), with where they stand.
pub(crate) fn string_words(e: &mut Expr) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    e.walk_mut(&mut |e| {
        if let ExprKind::Str {
            pattern: Some(mini),
            ..
        } = &e.kind
        {
            out.extend(
                mini.words()
                    .into_iter()
                    .map(|(w, s)| (w.to_string(), s.clone())),
            );
        }
    });
    out
}

/// Tidal's `xfade`: a crossfade of 4 cycles.
pub const DEFAULT_XFADE_CYCLES: f64 = 4.0;

/// What the playback commands say.
struct PlaybackPlan {
    silenced: BTreeSet<OutputName>,
    reset_cycles: bool,
    xfades: BTreeMap<OutputName, f64>,
    errors: Vec<Diagnostic>,
}

/// Applies `mute`, `unmute`, `solo`, `unsolo`, `xfadeIn` and `resetCycles` top to bottom,
/// with Tidal's rule: while any output is soloed, only the soloed ones play (muted or not);
/// otherwise every output not muted. `once:` and `first:` always play, as Tidal's `once`
/// does.
fn playback(program: &Program, outputs: &BTreeMap<OutputName, usize>) -> PlaybackPlan {
    let mut plan = PlaybackPlan {
        silenced: BTreeSet::new(),
        reset_cycles: false,
        xfades: BTreeMap::new(),
        errors: Vec::new(),
    };
    let (mut muted, mut soloed) = (BTreeSet::new(), BTreeSet::new());
    let output = |name: &crate::ast::Name, errors: &mut Vec<Diagnostic>| {
        let target = crate::parser::output_name(&name.text)?;
        if outputs.contains_key(&target) {
            return Some(target);
        }
        let names: Vec<String> = outputs
            .keys()
            .filter(|o| !matches!(o, OutputName::Once { .. }))
            .map(|o| o.to_string())
            .collect();
        let mut d = Diagnostic::error(
            name.span.clone(),
            format!("this program has no output `{}`", name.text),
        )
        .with_label("not defined");
        d = match did_you_mean(&target.to_string(), names.iter().map(String::as_str)) {
            Some(s) => d.with_hint(format!("did you mean `{s}`?")),
            None if names.is_empty() => d.with_hint("define it first, e.g. `o1: s \"bd sn\"`"),
            None => d.with_hint(format!("its outputs are {}", names.join(", "))),
        };
        errors.push(d);
        None
    };
    for st in &program.statements {
        match &st.kind {
            StatementKind::Playback { action, targets } => {
                for t in targets {
                    let Some(o) = output(t, &mut plan.errors) else {
                        continue;
                    };
                    match action {
                        crate::ast::Playback::Mute => muted.insert(o),
                        crate::ast::Playback::Unmute => muted.remove(&o),
                        crate::ast::Playback::Solo => soloed.insert(o),
                        crate::ast::Playback::Unsolo => soloed.remove(&o),
                    };
                }
            }
            StatementKind::Xfade { target, cycles } => {
                let Some(o) = output(target, &mut plan.errors) else {
                    continue;
                };
                let length = cycles
                    .as_ref()
                    .map_or(Some(DEFAULT_XFADE_CYCLES), const_eval);
                match (length, cycles) {
                    (Some(c), _) if c > 0.0 && c.is_finite() => {
                        plan.xfades.insert(o, c);
                    }
                    // Tidal's `xfadeIn 1 8 $ pattern` is reported where it is checked.
                    (_, Some(e)) if !matches!(e.kind, ExprKind::Dollar { .. }) => {
                        plan.errors.push(
                            Diagnostic::error(e.span.clone(), "a crossfade lasts a positive number of cycles")
                                .with_label("not a positive number")
                                .with_hint("e.g. `xfadeIn o1 8`; the output's pattern is written in its own `o1:` line"),
                        );
                    }
                    _ => {}
                }
            }
            StatementKind::ResetCycles => plan.reset_cycles = true,
            _ => {}
        }
    }
    plan.silenced = outputs
        .keys()
        .filter(|o| !matches!(o, OutputName::Once { .. }))
        .filter(|o| {
            if soloed.is_empty() {
                muted.contains(*o)
            } else {
                !soloed.contains(*o)
            }
        })
        .copied()
        .collect();
    plan
}

/// Checks a parsed program. Errors and warnings come back together; the program is usable
/// only when no error is among them.
/// `statements_lost` says that earlier stages dropped statements with errors, so whole-program
/// checks (is there an output?) would only repeat those errors.
pub fn check(mut program: Program, src: &str, statements_lost: bool) -> (Checked, Vec<Diagnostic>) {
    let (expansions, expansion_diags) = crate::functions::expand(&mut program, src.len());
    let mut diags = Vec::new();
    let mut buses: BTreeMap<String, usize> = BTreeMap::new();
    let mut outputs: BTreeMap<OutputName, usize> = BTreeMap::new();
    let mut cps = None;
    let mut tempo: Option<(Expr, f64)> = None;
    let mut hush = false;
    let lines = crate::diagnostic::LineIndex::new(src);

    for (i, st) in program.statements.iter().enumerate() {
        match &st.kind {
            StatementKind::Bus { name, .. } => {
                if let Some(&prev) = buses.get(&name.text) {
                    diags.push(redefinition(
                        &format!("~{}", name.text),
                        name.span.clone(),
                        &program.statements[prev],
                        &lines,
                    ));
                }
                buses.insert(name.text.clone(), i);
            }
            StatementKind::Output { target, name, .. } => {
                if let Some(&prev) = outputs.get(target) {
                    diags.push(redefinition(
                        &name.text,
                        name.span.clone(),
                        &program.statements[prev],
                        &lines,
                    ));
                }
                outputs.insert(*target, i);
            }
            StatementKind::Hush => hush = true,
            StatementKind::Tempo { .. }
            | StatementKind::Function { .. }
            | StatementKind::Playback { .. }
            | StatementKind::ResetCycles
            | StatementKind::Xfade { .. } => {}
        }
    }

    let mut resolver = Resolver {
        bus_bodies: buses
            .iter()
            .map(|(name, &i)| {
                let body = match &program.statements[i].kind {
                    StatementKind::Bus { body, .. } => body.clone(),
                    _ => unreachable!("buses index bus statements"),
                };
                (name.clone(), body)
            })
            .collect(),
        bus_kinds: HashMap::new(),
        diags: Vec::new(),
        emit: true,
        bus_depth: 0,
        too_deep: false,
        params: Vec::new(),
        src,
    };

    for st in &mut program.statements {
        match &mut st.kind {
            StatementKind::Tempo { unit, value } => {
                // `bpm: 120 "3/4"`: the beats per cycle are the meter's upper number.
                let (value, beats) = match (&*unit, &mut value.kind) {
                    (TempoUnit::Bpm, ExprKind::App { func, args }) => match args.as_slice() {
                        [Arg::Positional(meter)] => match beats_of(meter) {
                            Ok(beats) => (&mut **func, beats),
                            Err(d) => {
                                resolver.error(d);
                                continue;
                            }
                        },
                        _ => (value, 4.0),
                    },
                    _ => (value, 4.0),
                };
                let kind = resolver.visit(value);
                // Beats per minute, `beats` to the cycle (Tidal's `setcps (bpm/60/4)`).
                let scale = match unit {
                    TempoUnit::Cps => 1.0,
                    TempoUnit::Bpm => 1.0 / 60.0 / beats,
                };
                match const_eval(value) {
                    Some(v) if v > 0.0 && v.is_finite() => {
                        cps = Some(match unit {
                            TempoUnit::Cps => v,
                            TempoUnit::Bpm => v / 60.0 / beats,
                        });
                        tempo = None;
                    }
                    // A pattern: each cycle at the tempo it holds where the cycle starts.
                    None if matches!(kind, Kind::Value | Kind::Unknown)
                        && !matches!(value.kind, ExprKind::Number(_)) =>
                    {
                        if tempo_words_are_numbers(value, &mut resolver) {
                            tempo = Some((value.clone(), scale));
                            cps = None;
                        }
                    }
                    _ => resolver.error(
                        Diagnostic::error(
                            value.span.clone(),
                            "the tempo must be a positive number",
                        )
                        .with_label("not a positive number")
                        .with_hint("e.g. `tempo: 0.5` (cycles per second), `bpm: 120`, or a pattern of them, one per cycle: `cps: \"<0.5 0.6>\"`"),
                    ),
                }
            }
            StatementKind::Bus { body, .. } => {
                let kind = resolver.visit(body);
                if kind == Kind::List {
                    resolver.error(list_not_playable(body.span.clone()));
                }
            }
            StatementKind::Output { name, body, .. } => {
                let kind = resolver.visit(body);
                resolver.require_playable(&name.text, body, kind);
            }
            StatementKind::Function { params, body, .. } => {
                // Checked once as written, its parameters of any kind; each use is checked
                // again with its arguments in place.
                resolver.params = params.iter().map(|p| p.text.clone()).collect();
                resolver.visit(body);
                resolver.params.clear();
            }
            StatementKind::Xfade {
                cycles: Some(e),
                target,
            } => {
                if let ExprKind::Dollar { items, .. } = &e.kind {
                    // Tidal's `xfadeIn 1 8 $ pattern`.
                    resolver.error(
                        Diagnostic::error(e.span.clone(), "`xfadeIn` takes an output and a number of cycles, not a pattern")
                            .with_label("Tidal's form, with the pattern")
                            .with_hint(format!(
                                "write the pattern in the output's own line and the crossfade apart: `{t}: ...` and `xfadeIn {t} {}`",
                                resolver.src.get(items[0].span.clone()).unwrap_or("4"),
                                t = target.text
                            )),
                    );
                    continue;
                }
                resolver.visit(e);
            }
            StatementKind::Hush
            | StatementKind::Playback { .. }
            | StatementKind::ResetCycles
            | StatementKind::Xfade { .. } => {}
        }
    }
    diags.append(&mut resolver.diags);
    let playback = playback(&program, &outputs);
    diags.extend(playback.errors);

    let has_output_bus = buses.contains_key("out") || buses.contains_key("master");
    if outputs.is_empty() && !has_output_bus && !hush && !statements_lost {
        let end = src.trim_end().len();
        diags.push(
            Diagnostic::error(end..end, "this program has no output")
                .with_label("nothing is sent to an output")
                .with_hint(
                    "add a line like `out: s \"bd sn\"` (or `o1:`, `d1:`), or define a bus `~out:`",
                ),
        );
    }

    let mut checked = Checked {
        program,
        cps: cps.unwrap_or(DEFAULT_CPS),
        outputs,
        buses,
        tempo,
        hush,
        silenced: playback.silenced,
        reset_cycles: playback.reset_cycles,
        xfades: playback.xfades,
        sorts: sort::Sorts::default(),
        facts: facts::Facts::default(),
        expansions,
    };
    checked.sorts = sort::Sorts::of(&checked);
    checked.facts = facts::Facts::of(&checked);
    let mut all = expansion_diags;
    all.extend(checked.expansions.without_failed(diags));
    let diags = checked.expansions.remap(all);
    (checked, diags)
}

fn redefinition(
    what: &str,
    span: Span,
    earlier: &Statement,
    lines: &crate::diagnostic::LineIndex,
) -> Diagnostic {
    let (line, _) = lines.line_col(earlier.span.start);
    Diagnostic::warning(span, format!("`{what}` is defined again"))
        .with_label(format!("this replaces the definition on line {line}"))
        .with_secondary(earlier.span.clone(), "earlier definition, now unused")
        .with_hint("the later definition wins; delete or rename one of them")
}

fn list_not_playable(span: Span) -> Diagnostic {
    Diagnostic::error(span, "a list cannot be played")
        .with_label("a list")
        .with_hint("to play patterns together use `stack [a, b]`; in turn, `cat [a, b]`")
}

/// Evaluates an expression made only of numbers and arithmetic.
/// The beats per cycle of a `bpm:` meter, `"3/4"`: its upper number (a whole number from 1).
fn beats_of(meter: &Expr) -> Result<f64, Diagnostic> {
    let wrong = || {
        Diagnostic::error(meter.span.clone(), "a `bpm:` meter is a string like \"3/4\"")
            .with_label("not a meter")
            .with_hint("`bpm: 120` has four beats to the cycle; `bpm: 90 \"3/4\"` three, `bpm: 120 \"6/8\"` six")
    };
    let ExprKind::Str { text, .. } = &meter.kind else {
        return Err(wrong());
    };
    let (upper, lower) = text.trim().split_once('/').ok_or_else(wrong)?;
    match (upper.trim().parse::<u32>(), lower.trim().parse::<u32>()) {
        (Ok(n), Ok(d)) if n >= 1 && d >= 1 => Ok(n as f64),
        _ => Err(wrong()),
    }
}

pub fn const_eval(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Number(n) => Some(*n),
        ExprKind::Neg(inner) => const_eval(inner).map(|v| -v),
        ExprKind::Binary {
            op:
                BinOp {
                    arith,
                    structure: Structure::Plain,
                },
            lhs,
            rhs,
        } => {
            let (a, b) = (const_eval(lhs)?, const_eval(rhs)?);
            match arith {
                Arith::Add => Some(a + b),
                Arith::Sub => Some(a - b),
                Arith::Mul => Some(a * b),
                Arith::Div => Some(a / b),
                Arith::Mod => Some(a.rem_euclid(b)),
                Arith::KeepLeft | Arith::KeepRight => None,
            }
        }
        _ => None,
    }
}

enum BusKind {
    InProgress,
    Done(Kind),
}

struct Resolver<'a> {
    bus_bodies: HashMap<String, Expr>,
    bus_kinds: HashMap<String, BusKind>,
    diags: Vec<Diagnostic>,
    /// False while inferring a bus's kind from a copy of its body: the body is checked (and
    /// its errors reported) once, when its own statement is visited.
    emit: bool,
    /// Buses being resolved inside one another right now.
    bus_depth: usize,
    /// The bus chain limit was reported (once is enough).
    too_deep: bool,
    /// The parameters of the function whose definition is being checked: names of values of
    /// any kind.
    params: Vec<String>,
    src: &'a str,
}

/// How deep buses may refer to one another (`~a: ~b`, `~b: ~c`, ...): compile time grows
/// faster than the chain, so a chain generated by a script is stopped here with an error.
pub const MAX_BUS_DEPTH: usize = 1024;

impl Resolver<'_> {
    fn error(&mut self, d: Diagnostic) {
        if self.emit {
            self.diags.push(d);
        }
    }

    fn require_playable(&mut self, target: &str, body: &Expr, kind: Kind) {
        match kind {
            Kind::Function => {
                let d = if matches!(body.kind, ExprKind::Dollar { .. }) {
                    Diagnostic::error(
                        body.span.clone(),
                        "this `$` chain has no subject: every element is a transform",
                    )
                    .with_label("nothing here is a pattern or signal to transform")
                } else {
                    Diagnostic::error(
                        body.span.clone(),
                        format!("`{target}` needs a pattern or signal, but this is a transform"),
                    )
                    .with_label("a transform, waiting for its input")
                };
                self.error(d.with_hint("give it something to transform, e.g. `fast 2 $ s \"bd sn\"` or `saw 55 # lpf 800`"));
            }
            Kind::List => self.error(list_not_playable(body.span.clone())),
            Kind::Value | Kind::Control | Kind::Unknown => {}
        }
    }

    fn bus_kind(&mut self, name: &str) -> Kind {
        match self.bus_kinds.get(name) {
            Some(BusKind::Done(k)) => return *k,
            // A bus that reaches itself is feedback; its value is a signal.
            Some(BusKind::InProgress) => return Kind::Value,
            None => {}
        }
        let Some(mut body) = self.bus_bodies.get(name).cloned() else {
            return Kind::Unknown;
        };
        self.bus_kinds.insert(name.to_string(), BusKind::InProgress);
        let emit = std::mem::replace(&mut self.emit, false);
        let kind = self.visit(&mut body);
        self.emit = emit;
        self.bus_kinds.insert(name.to_string(), BusKind::Done(kind));
        kind
    }

    fn visit(&mut self, e: &mut Expr) -> Kind {
        crate::deep(|| self.visit_inner(e))
    }

    fn visit_inner(&mut self, e: &mut Expr) -> Kind {
        let span = e.span.clone();
        match &mut e.kind {
            ExprKind::Number(_) => Kind::Value,
            ExprKind::Str { text, pattern } => {
                if self.emit {
                    match parse_mini(text, span.start + 1) {
                        Ok(p) => *pattern = Some(p),
                        Err(mut d) => self.diags.append(&mut d),
                    }
                }
                Kind::Value
            }
            ExprKind::Bus(name) => {
                let name = name.clone();
                if self.bus_depth >= MAX_BUS_DEPTH {
                    if !std::mem::replace(&mut self.too_deep, true) {
                        self.diags.push(
                            Diagnostic::error(
                                span,
                                format!("buses refer to one another more than {MAX_BUS_DEPTH} deep here"),
                            )
                            .with_label(format!("bus {MAX_BUS_DEPTH} of a chain"))
                            .with_hint("a chain this long is generated, not written: refer to the bus at its end directly"),
                        );
                    }
                    Kind::Unknown
                } else if self.bus_bodies.contains_key(&name) {
                    self.bus_depth += 1;
                    let kind = self.bus_kind(&name);
                    self.bus_depth -= 1;
                    kind
                } else {
                    self.unknown_bus(&name, span);
                    Kind::Unknown
                }
            }
            ExprKind::Ident(name) => {
                let name = name.clone();
                self.ident(&name, span)
            }
            ExprKind::List(items) => {
                for item in items {
                    self.visit(item);
                }
                Kind::List
            }
            ExprKind::Tuple(items) => {
                for item in items.iter_mut() {
                    self.visit(item);
                }
                self.error(
                    Diagnostic::error(span, "`(a, b)` is not an expression")
                        .with_label("a parenthesised list")
                        .with_hint("lists use brackets: `[a, b]`"),
                );
                Kind::Unknown
            }
            ExprKind::App { func, args } => self.application(func, args, span),
            ExprKind::Binary { lhs, rhs, op } => {
                let op = *op;
                let (l, r) = (self.visit(lhs), self.visit(rhs));
                for (kind, side) in [(l, &**lhs), (r, &**rhs)] {
                    if !kind.is_value() {
                        self.error(
                            Diagnostic::error(
                                side.span.clone(),
                                format!("`{}` needs a value on each side", op.text()),
                            )
                            .with_label(format!("this is {}", kind.describe()))
                            .with_hint(
                                "apply transforms with `$` and effects with `#`; arithmetic combines patterns and signals",
                            ),
                        );
                    }
                }
                Kind::Value
            }
            ExprKind::Neg(inner) => {
                let k = self.visit(inner);
                if !k.is_value() {
                    self.error(
                        Diagnostic::error(span, "only a value can be negated")
                            .with_label(format!("this is {}", k.describe())),
                    );
                }
                Kind::Value
            }
            ExprKind::Section {
                op: SectionOp::Compare(c),
                ..
            } => {
                let c = *c;
                self.error(
                    Diagnostic::error(
                        span,
                        format!(
                            "a comparison `({} ...)` tests time, only in `whenT`",
                            c.text()
                        ),
                    )
                    .with_label("not a transform or a value")
                    .with_hint(format!(
                        "e.g. `whenT (({} 0.5) . cyclePos) (# speed 2) $ s \"hh*8\"`",
                        c.text()
                    )),
                );
                Kind::Unknown
            }
            ExprKind::Section { op, operand } => {
                let op = *op;
                let k = self.visit(operand);
                let ok = match op {
                    SectionOp::Chain => matches!(k, Kind::Function | Kind::Control | Kind::Unknown),
                    SectionOp::Binary(_) => k.is_value(),
                    SectionOp::Compare(_) => false,
                };
                if !ok {
                    self.error(
                        Diagnostic::error(
                            operand.span.clone(),
                            "this operator section has the wrong kind of operand",
                        )
                        .with_label(format!("this is {}", k.describe()))
                        .with_hint("sections look like `(# speed 2)`, `(|+ n 12)` or `(* 0.5)`"),
                    );
                }
                Kind::Function
            }
            ExprKind::Chain { lhs, rhs } => {
                let (l, r) = (self.visit(lhs), self.visit(rhs));
                self.chain(l, r, rhs.span.clone())
            }
            ExprKind::Dollar { items, subject } => {
                let kinds: Vec<Kind> = items.iter_mut().map(|i| self.visit(i)).collect();
                let spans: Vec<Span> = items.iter().map(|i| i.span.clone()).collect();
                self.dollar(&kinds, &spans, subject)
            }
        }
    }

    fn chain(&mut self, l: Kind, r: Kind, rhs_span: Span) -> Kind {
        match (l, r) {
            (Kind::List, _) | (_, Kind::List) => {
                self.error(
                    Diagnostic::error(rhs_span, "`#` does not work on lists")
                        .with_hint("combine patterns with `stack [a, b]` first"),
                );
                Kind::Unknown
            }
            (_, Kind::Value) => {
                self.error(
                    Diagnostic::error(
                        rhs_span,
                        "`#` needs an effect, transform or parameter on its right",
                    )
                    .with_label("this is a pattern or signal")
                    .with_hint(
                        "e.g. `# lpf 800`, `# gain 0.5` or `# ~fx`; to mix two signals use `+`",
                    ),
                );
                l
            }
            (Kind::Unknown, _) | (_, Kind::Unknown) => l,
            (Kind::Control, Kind::Control) => Kind::Control,
            (Kind::Value | Kind::Control, _) => Kind::Value,
            (Kind::Function, _) => Kind::Function,
        }
    }

    /// The one-subject rule: exactly one element is not a transform.
    fn dollar(&mut self, kinds: &[Kind], spans: &[Span], subject: &mut Option<usize>) -> Kind {
        if kinds.contains(&Kind::Unknown) {
            return Kind::Unknown;
        }
        let subjects: Vec<usize> = (0..kinds.len())
            .filter(|&i| kinds[i] != Kind::Function)
            .collect();
        match subjects.as_slice() {
            [] => Kind::Function,
            [one] => {
                *subject = Some(*one);
                if kinds[*one] == Kind::List {
                    self.error(list_not_playable(spans[*one].clone()));
                    return Kind::Unknown;
                }
                kinds[*one]
            }
            [first, second, ..] => {
                self.error(
                    Diagnostic::error(
                        spans[*second].clone(),
                        format!("this `$` chain has {} subjects", subjects.len()),
                    )
                    .with_label("a second pattern or signal")
                    .with_secondary(spans[*first].clone(), "the first subject")
                    .with_hint(
                        "a `$` chain transforms one pattern; combine patterns with `stack [a, b]` or `+`",
                    ),
                );
                *subject = Some(*first);
                Kind::Value
            }
        }
    }

    fn unknown_bus(&mut self, name: &str, span: Span) {
        let names: Vec<&str> = self.bus_bodies.keys().map(String::as_str).collect();
        let hint = match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("did you mean `~{s}`?"),
            None => format!("define it on its own line: `~{name}: ...`"),
        };
        self.error(
            Diagnostic::error(span, format!("the bus `~{name}` is never defined"))
                .with_label("no statement defines this bus")
                .with_hint(hint),
        );
    }

    fn unknown_function(&mut self, name: &str, span: Span) {
        let hint = if looks_like_note(name) {
            format!("note names go inside a pattern string: `\"{name}\"`")
        } else if self.bus_bodies.contains_key(name) {
            format!("buses are written with a tilde: `~{name}`")
        } else if let Some(s) = did_you_mean(name, builtins::names()) {
            format!("did you mean `{s}`?")
        } else {
            "see the function reference (docs/functions.md) for what is built in".to_string()
        };
        self.error(
            Diagnostic::error(span, format!("unknown function `{name}`"))
                .with_label("not a built-in function")
                .with_hint(hint),
        );
    }

    fn ident(&mut self, name: &str, span: Span) -> Kind {
        if self.params.iter().any(|p| p == name) {
            return Kind::Unknown;
        }
        let Some(b) = builtins::lookup(name) else {
            self.unknown_function(name, span);
            return Kind::Unknown;
        };
        let required = b.required();
        match b.role {
            Role::Transform if required == 0 => Kind::Function,
            Role::Source if required == 0 => Kind::Value,
            _ => {
                self.error(
                    Diagnostic::error(
                        span,
                        format!(
                            "`{name}` needs {} before it can be used",
                            count(required, "argument")
                        ),
                    )
                    .with_label(format!("`{}`", b.signature()))
                    .with_hint(format!("for example: `{}`", b.example)),
                );
                Kind::Unknown
            }
        }
    }
}

fn looks_like_note(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='g'))
        && chars
            .as_str()
            .trim_start_matches(['s', 'f', '#'])
            .parse::<i32>()
            .is_ok()
}
