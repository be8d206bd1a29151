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

/// Numbers, or note names as MIDI numbers (Strudel's `parseNumeral`: default octave 3).
pub fn numeral(v: &Value) -> Option<f64> {
    match v {
        Value::Num(x) => Some(*x),
        Value::Str(s) => note_to_midi(s),
        _ => None,
    }
}

/// `c4` = 60, `a4` = 69, `c` = 48 (octave 3), `#`/`s` sharpen, `b`/`f` flatten.
pub fn note_to_midi(s: &str) -> Option<f64> {
    let mut chars = s.chars().peekable();
    let base = match chars.next()?.to_ascii_lowercase() {
        'c' => 0,
        'd' => 2,
        'e' => 4,
        'f' => 5,
        'g' => 7,
        'a' => 9,
        'b' => 11,
        _ => return None,
    };
    let mut accidental = 0;
    while let Some(&c) = chars.peek() {
        match c {
            '#' | 's' => accidental += 1,
            'b' | 'f' => accidental -= 1,
            _ => break,
        }
        chars.next();
    }
    let rest: String = chars.collect();
    let octave = if rest.is_empty() {
        3
    } else {
        rest.parse::<i32>().ok()?
    };
    Some(((octave + 1) * 12 + base + accidental) as f64)
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
        assert_eq!(note_to_midi("c4"), Some(60.0));
        assert_eq!(note_to_midi("a4"), Some(69.0));
        assert_eq!(note_to_midi("c"), Some(48.0));
        assert_eq!(note_to_midi("c#4"), Some(61.0));
        assert_eq!(note_to_midi("db"), Some(49.0));
        assert_eq!(note_to_midi("eb3"), Some(51.0));
        assert_eq!(note_to_midi("bd"), None);
    }
}
