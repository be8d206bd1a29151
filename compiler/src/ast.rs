//! The syntax tree of a `.ph` file, as written, with byte spans into the file.
//! Meaning (what is a transform, which element of a `$` chain is the subject) is decided by
//! `resolve`, not here.

use crate::diagnostic::Span;
use crate::mini::ast::MiniPattern;

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// `tempo:`/`cps:` (cycles per second) or `bpm:` (cps = bpm / 60 / 4; with a meter,
    /// `bpm: 90 "3/4"`, its upper number of beats to the cycle).
    Tempo { unit: TempoUnit, value: Expr },
    /// `~name: expr` or `~name $ expr`.
    Bus { name: Name, body: Expr },
    /// `out:`, `oN:`, `outN:`, `dN:` (also with `$`).
    Output {
        target: OutputName,
        name: Name,
        body: Expr,
    },
    /// `~name p1 p2: expr`: a function of its parameters, expanded where it is used
    /// (`functions`). Its body, as the checker sees it, has the calls to other functions in
    /// it expanded and its parameters as names.
    Function {
        name: Name,
        params: Vec<Name>,
        body: Expr,
    },
    /// `hush`: silence every output.
    Hush,
    /// `mute o2 d3`, `unmute ..`, `solo ..`, `unsolo ..`: which outputs play, Tidal's rule
    /// (while any output is soloed only soloed outputs play; otherwise every unmuted one),
    /// the statements applied top to bottom.
    Playback {
        action: Playback,
        targets: Vec<Name>,
    },
    /// `resetCycles`: the program starts again at cycle 0 when it is loaded.
    ResetCycles,
    /// `xfadeIn o1 8` (`xfade o1`: 4 cycles): when this load changes the output, it
    /// crossfades over that many cycles (Tidal's transition).
    Xfade { target: Name, cycles: Option<Expr> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playback {
    Mute,
    Unmute,
    Solo,
    Unsolo,
}

impl Playback {
    pub fn from_word(word: &str) -> Option<Playback> {
        Some(match word {
            "mute" => Playback::Mute,
            "unmute" => Playback::Unmute,
            "solo" => Playback::Solo,
            "unsolo" => Playback::Unsolo,
            _ => return None,
        })
    }

    pub fn word(self) -> &'static str {
        match self {
            Playback::Mute => "mute",
            Playback::Unmute => "unmute",
            Playback::Solo => "solo",
            Playback::Unsolo => "unsolo",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempoUnit {
    Cps,
    Bpm,
}

/// Which output a statement writes. `out` is the main output; `o3`, `out3` and `d3` are all
/// output number 3. `once:` and `first:` are outputs that play one cycle, each named by its
/// line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputName {
    Main,
    Numbered(u32),
    Once { first: bool, line: u32 },
}

impl std::fmt::Display for OutputName {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            OutputName::Main => write!(f, "out"),
            OutputName::Numbered(n) => write!(f, "o{n}"),
            OutputName::Once { first, line } => {
                write!(f, "{} (line {line})", if *first { "first" } else { "once" })
            }
        }
    }
}

/// A name and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    /// A mini-notation string. `pattern` is filled in by the mini-notation pass; `None` until
    /// then, or when the string has errors (they are reported separately).
    Str {
        text: String,
        pattern: Option<MiniPattern>,
    },
    Bus(String),
    Ident(String),
    List(Vec<Expr>),
    /// `(a, b)`: a span where a function takes one (`within (0, 0.5) rev`), otherwise an
    /// error (`f(a, b)` call syntax), kept so that it can be reported well.
    Tuple(Vec<Expr>),
    /// `f a b :kw c`.
    App {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Neg(Box<Expr>),
    /// `a # b`.
    Chain {
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// An operator section, Tidal style: `(# speed 2)`, `(|+ n 12)`, `(* 2)`. A transform
    /// that applies the operator with its input on the left.
    Section {
        op: SectionOp,
        operand: Box<Expr>,
    },
    /// `e0 $ e1 $ ... $ en`, flat. `subject` is the index of the one element that is not a
    /// transform, found by `resolve`; `None` before that, or when every element is a transform
    /// (the chain is then itself a composed transform).
    Dollar {
        items: Vec<Expr>,
        subject: Option<usize>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionOp {
    Chain,
    Binary(BinOp),
    /// `(< 0.5)`: a test of time, Haskell's section of a comparison (only `whenT` takes one).
    Compare(Cmp),
}

/// Haskell's comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
}

impl Cmp {
    pub fn from_text(s: &str) -> Option<Cmp> {
        Some(match s {
            "<" => Cmp::Lt,
            ">" => Cmp::Gt,
            "<=" => Cmp::Le,
            ">=" => Cmp::Ge,
            "==" => Cmp::Eq,
            "/=" => Cmp::Ne,
            _ => return None,
        })
    }

    pub fn text(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Gt => ">",
            Cmp::Le => "<=",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "/=",
        }
    }

    /// `(op x) t`: whether `t op x` holds.
    pub fn holds<T: PartialOrd>(self, t: T, x: T) -> bool {
        match self {
            Cmp::Lt => t < x,
            Cmp::Gt => t > x,
            Cmp::Le => t <= x,
            Cmp::Ge => t >= x,
            Cmp::Eq => t == x,
            Cmp::Ne => t != x,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Positional(Expr),
    Keyword { name: Name, value: Expr },
}

impl Arg {
    pub fn value(&self) -> &Expr {
        match self {
            Arg::Positional(e) | Arg::Keyword { value: e, .. } => e,
        }
    }
}

/// Arithmetic. `Plain` is `+`; `Left` is `|+` (structure from the left), `Right` is `+|`,
/// `Both` is `|+|` (same as plain on patterns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinOp {
    pub arith: Arith,
    pub structure: Structure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// `|<`: keep the value from the left.
    KeepLeft,
    /// `|>`: keep the value from the right.
    KeepRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    Plain,
    Left,
    Right,
    Both,
}

impl BinOp {
    /// Parses the text of an operator token (`+`, `|+`, `*|`, `|/|`, `|<`, ...).
    pub fn from_text(text: &str) -> Option<BinOp> {
        let left = text.starts_with('|');
        let right = text.ends_with('|') && text.len() > 1;
        let core = text.trim_matches('|');
        let arith = match core {
            "+" => Arith::Add,
            "-" => Arith::Sub,
            "*" => Arith::Mul,
            "/" => Arith::Div,
            "%" => Arith::Mod,
            "<" => Arith::KeepLeft,
            ">" => Arith::KeepRight,
            _ => return None,
        };
        // `|<` keeps structure and values from the left; `|>` keeps structure from the left
        // and values from the right (Tidal's `#` is `|>`).
        let structure = match (left, right) {
            (false, false) => Structure::Plain,
            (true, false) => Structure::Left,
            (false, true) => Structure::Right,
            (true, true) => Structure::Both,
        };
        Some(BinOp { arith, structure })
    }

    pub fn text(&self) -> String {
        let core = match self.arith {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Mod => "%",
            Arith::KeepLeft => "<",
            Arith::KeepRight => ">",
        };
        match self.structure {
            Structure::Plain => core.to_string(),
            Structure::Left => format!("|{core}"),
            Structure::Right => format!("{core}|"),
            Structure::Both => format!("|{core}|"),
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// Visits this expression and every expression inside it, mutably, parents first.
    pub fn walk_mut(&mut self, f: &mut impl FnMut(&mut Expr)) {
        crate::deep(|| self.walk_mut_inner(f))
    }

    fn walk_mut_inner(&mut self, f: &mut impl FnMut(&mut Expr)) {
        f(self);
        match &mut self.kind {
            ExprKind::Number(_) | ExprKind::Str { .. } | ExprKind::Bus(_) | ExprKind::Ident(_) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Dollar { items, .. } => {
                items.iter_mut().for_each(|e| e.walk_mut(f))
            }
            ExprKind::App { func, args } => {
                func.walk_mut(f);
                for arg in args {
                    match arg {
                        Arg::Positional(e) | Arg::Keyword { value: e, .. } => e.walk_mut(f),
                    }
                }
            }
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Chain { lhs, rhs } => {
                lhs.walk_mut(f);
                rhs.walk_mut(f);
            }
            ExprKind::Neg(e) | ExprKind::Section { operand: e, .. } => e.walk_mut(f),
        }
    }
}

/// `[["name", value], ..]` (`ur`'s tables): each item's name, a string of one word, and its
/// value; `Err` with the first item of another shape, or the list itself when it is none.
pub fn named_items(e: &Expr) -> Result<Vec<(String, &Expr)>, &Expr> {
    let ExprKind::List(items) = &e.kind else {
        return Err(e);
    };
    items
        .iter()
        .map(|item| match &item.kind {
            ExprKind::List(pair) => match pair.as_slice() {
                [
                    Expr {
                        kind: ExprKind::Str { text, .. },
                        ..
                    },
                    value,
                ] if !text.trim().is_empty() && !text.trim().contains(char::is_whitespace) => {
                    Ok((text.trim().to_string(), value))
                }
                _ => Err(item),
            },
            _ => Err(item),
        })
        .collect()
}

impl Expr {
    /// A test of time (`whenT`'s): the comparison, its number, and whether it tests the
    /// position in the cycle (`(< 0.5) . cyclePos`) rather than the time (`(< 4)`).
    pub fn time_test(&self) -> Option<(Cmp, f64, bool)> {
        let section = |e: &Expr| match &e.kind {
            ExprKind::Section {
                op: SectionOp::Compare(c),
                operand,
            } => crate::resolve::const_eval(operand).map(|x| (*c, x)),
            _ => None,
        };
        match &self.kind {
            ExprKind::Dollar { items, .. } => match items.as_slice() {
                [
                    s,
                    Expr {
                        kind: ExprKind::Ident(name),
                        ..
                    },
                ] if name == "cyclePos" => section(s).map(|(c, x)| (c, x, true)),
                _ => None,
            },
            _ => section(self).map(|(c, x)| (c, x, false)),
        }
    }
}

impl Statement {
    pub fn body_mut(&mut self) -> Option<&mut Expr> {
        match &mut self.kind {
            StatementKind::Tempo { value, .. } => Some(value),
            StatementKind::Bus { body, .. }
            | StatementKind::Output { body, .. }
            | StatementKind::Function { body, .. } => Some(body),
            StatementKind::Xfade { cycles, .. } => cycles.as_mut(),
            StatementKind::Hush | StatementKind::Playback { .. } | StatementKind::ResetCycles => {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_texts_round_trip() {
        for t in [
            "+", "-", "*", "/", "|+", "+|", "|+|", "|-", "-|", "|-|", "|*", "*|", "|/", "/|", "|<",
            "|>", "|%",
        ] {
            assert_eq!(BinOp::from_text(t).unwrap().text(), t);
        }
        assert_eq!(BinOp::from_text("?"), None);
    }
}
