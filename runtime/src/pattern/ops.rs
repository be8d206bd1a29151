//! Operations on event values: control-map union (`#`), arithmetic with note names, as
//! Strudel's `_composeOp`, `unionWithObj` and `parseNumeral` do them.

use super::value::Controls;
use super::{Pattern, Value};
use std::sync::Arc;

/// `union` taking the left value by value: a control map that only this event holds is
/// updated in place instead of copied.
pub fn union_owned(a: Value, b: &Value, op: &dyn Fn(&Value, &Value) -> Value) -> Value {
    match (a, b) {
        (Value::Map(mut x), Value::Map(y)) => {
            let m = Arc::make_mut(&mut x);
            for (k, v) in y.iter() {
                let combined = match m.get(k) {
                    Some(old) => op(old, v),
                    None => v.clone(),
                };
                m.insert(k, combined);
            }
            Value::Map(x)
        }
        (a, b) => union(&a, b, op),
    }
}

/// Combines two values with `op`; when either is a control map, maps combine key by key
/// (shared keys through `op`, the others kept) and a plain value counts as `{value: x}`.
pub fn union(a: &Value, b: &Value, op: &dyn Fn(&Value, &Value) -> Value) -> Value {
    match (a, b) {
        (Value::Map(_), Value::Map(_)) => union_owned(a.clone(), b, op),
        (Value::Map(_), _) => union(a, &wrap_value(b), op),
        (_, Value::Map(_)) => union(&wrap_value(a), b, op),
        _ => op(a, b),
    }
}

fn wrap_value(v: &Value) -> Value {
    let mut m = Controls::new();
    m.insert("value", v.clone());
    Value::map(m)
}

/// Sets one control on every event (`pat.gain(x)` in Strudel): structure from the pattern,
/// the new value replaces an old one.
pub fn set_control(pat: &Pattern, name: &'static str, value: Value) -> Pattern {
    let mut m = Controls::new();
    m.insert(name, value);
    set(pat, &super::pure(Value::map(m)))
}

/// Tidal's `#` (Strudel `set.in`): structure from the left, values from the right win.
pub fn set(pat: &Pattern, controls: &Pattern) -> Pattern {
    if let Some(constant) = controls.constant_value() {
        return pat.app_left_const(constant.clone(), |a, b| {
            union_owned(a, b, &|_, y| y.clone())
        });
    }
    pat.app_left(controls, |a, b| union(a, b, &|_, y| y.clone()))
}

/// Numbers, or note names as Tidal's semitones from middle C (`c5` = 0, `c` = 0, `a4` = -3):
/// what a note name means in arithmetic (`"c e" + 12`). Strudel's `parseNumeral` gives MIDI
/// numbers there (`c` = 48) instead.
pub fn numeral(v: &Value) -> Option<f64> {
    match v {
        Value::Num(x) => Some(*x),
        Value::Str(s) => note_to_midi(s).map(|m| m - 60.0),
        _ => None,
    }
}

/// A note name's MIDI number, named as Tidal names them: `c5` = 60 (middle C), `a5` = 69
/// (440 Hz), a name without an octave in octave 5 (`c` = 60); `#`/`s` sharpen, `b`/`f`
/// flatten. Never allocates (the audio thread reads note names).
pub fn note_to_midi(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let base = match bytes.first()?.to_ascii_lowercase() {
        b'c' => 0,
        b'd' => 2,
        b'e' => 4,
        b'f' => 5,
        b'g' => 7,
        b'a' => 9,
        b'b' => 11,
        _ => return None,
    };
    let mut accidental = 0;
    let mut at = 1;
    while let Some(&c) = bytes.get(at) {
        match c {
            b'#' | b's' => accidental += 1,
            b'b' | b'f' => accidental -= 1,
            _ => break,
        }
        at += 1;
    }
    let rest = &s[at..];
    let octave = if rest.is_empty() {
        5
    } else {
        rest.parse::<i32>().ok()?
    };
    Some((octave * 12 + base + accidental) as f64)
}

/// An interval name's semitones, as tonal's `Interval.semitones`: a degree and a quality,
/// either order (`3M` = `M3` = 4, `3m` 3, `5P` 7, `4A` 6, `5d` 6, `9M` 14), negative with a
/// leading `-` (`-2M` = -2).
pub fn interval_semitones(s: &str) -> Option<f64> {
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, s),
    };
    let split = |s: &str| -> Option<(u32, char)> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        let quality: String = s.chars().skip_while(char::is_ascii_digit).collect();
        let mut q = quality.chars();
        match (digits.parse::<u32>().ok(), q.next(), q.next()) {
            (Some(d), Some(c), None) if d >= 1 => Some((d, c)),
            _ => None,
        }
    };
    let (degree, quality) = split(s).or_else(|| {
        let mut c = s.chars();
        let q = c.next()?;
        split(&format!("{}{q}", c.as_str()))
    })?;
    let step = ((degree - 1) % 7) as usize;
    let octaves = ((degree - 1) / 7) as f64;
    const MAJOR: [f64; 7] = [0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 11.0];
    let perfect = matches!(step, 0 | 3 | 4);
    let adjust = match (quality, perfect) {
        ('P', true) | ('M', false) => 0.0,
        ('m', false) => -1.0,
        ('A', _) => 1.0,
        ('d', true) => -1.0,
        ('d', false) => -2.0,
        _ => return None,
    };
    Some(sign * (MAJOR[step] + adjust + 12.0 * octaves))
}

/// Strudel's `transpose` of one value by `semitones`: a number, a note name (which becomes
/// its number, Tidal's: `c5` = 0), or the `note` control of an event; anything else (an event
/// without `note`, a word that is no note) is left as it is, as Strudel leaves it.
pub fn transpose_value(v: &Value, semitones: f64) -> Value {
    let moved = |x: &Value| match x {
        Value::Num(n) => Some(Value::Num(n + semitones)),
        Value::Str(s) => note_to_midi(s).map(|m| Value::Num(m - 60.0 + semitones)),
        _ => None,
    };
    match v {
        Value::Map(m) => match m.get("note").and_then(moved) {
            Some(note) => {
                let mut m = (**m).clone();
                m.insert("note", note);
                Value::map(m)
            }
            None => v.clone(),
        },
        _ => moved(v).unwrap_or_else(|| v.clone()),
    }
}

/// Multiplies numbers (and number controls) by `factor`.
pub fn mul_value(v: &Value, factor: &Value) -> Value {
    union(v, factor, &|a, b| match (numeral(a), numeral(b)) {
        (Some(x), Some(y)) => Value::Num(x * y),
        _ => a.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_names() {
        // Tidal's names: c5 is middle C, a5 440 Hz, octave 5 when none is given.
        assert_eq!(note_to_midi("c5"), Some(60.0));
        assert_eq!(note_to_midi("a5"), Some(69.0));
        assert_eq!(note_to_midi("c"), Some(60.0));
        assert_eq!(note_to_midi("c#5"), Some(61.0));
        assert_eq!(note_to_midi("db"), Some(61.0));
        assert_eq!(note_to_midi("eb4"), Some(51.0));
        assert_eq!(note_to_midi("cs-1"), Some(-11.0));
        assert_eq!(note_to_midi("bd"), None);
        assert_eq!(numeral(&Value::str("c")), Some(0.0));
        assert_eq!(numeral(&Value::str("a4")), Some(-3.0));
        assert_eq!(numeral(&Value::str("e6")), Some(16.0));
    }

    #[test]
    fn intervals_as_tonal_counts_them() {
        for (name, semitones) in [
            ("1P", 0.0),
            ("2m", 1.0),
            ("2M", 2.0),
            ("3m", 3.0),
            ("3M", 4.0),
            ("M3", 4.0),
            ("4P", 5.0),
            ("4A", 6.0),
            ("5d", 6.0),
            ("5P", 7.0),
            ("6m", 8.0),
            ("7M", 11.0),
            ("8P", 12.0),
            ("9M", 14.0),
            ("-2M", -2.0),
            ("-5P", -7.0),
        ] {
            assert_eq!(interval_semitones(name), Some(semitones), "{name}");
        }
        for bad in ["3P", "4M", "x", "", "0P", "3Mm"] {
            assert_eq!(interval_semitones(bad), None, "{bad}");
        }
    }

    #[test]
    fn transpose_moves_numbers_names_and_note_controls() {
        assert_eq!(transpose_value(&Value::Num(3.0), 2.0), Value::Num(5.0));
        // A name becomes Tidal's number: e5 is 4.
        assert_eq!(transpose_value(&Value::str("e"), 3.0), Value::Num(7.0));
        let m: Controls = [("note", Value::str("c6")), ("s", Value::str("piano"))]
            .into_iter()
            .collect();
        let Value::Map(out) = transpose_value(&Value::map(m), -1.0) else {
            panic!("a map");
        };
        assert_eq!(out.get("note"), Some(&Value::Num(11.0)));
        assert_eq!(out.get("s"), Some(&Value::str("piano")));
        // No note: as it is.
        let n: Controls = std::iter::once(("n", Value::Num(1.0))).collect();
        assert_eq!(transpose_value(&Value::map(n.clone()), 5.0), Value::map(n));
        assert_eq!(transpose_value(&Value::str("bd"), 5.0), Value::str("bd"));
    }
}
