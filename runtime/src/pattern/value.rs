//! Event values: numbers, strings, lists (`bd:3` → `["bd", 3]`) and control maps
//! (`{s: "bd", n: 3}`), as in Strudel.

use smallvec::SmallVec;
use std::fmt::Write;
use std::sync::Arc;

/// A control map (`{s: "bd", n: 3}`): a few entries kept sorted by name. Names are static:
/// every control name is known when the program is compiled, so maps never allocate names.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Controls(SmallVec<[(&'static str, Value); 4]>);

/// A bit of a word for a control name, from its length and first and last bytes (see
/// [`Controls::key_mask`]).
pub fn key_bit(name: &str) -> u64 {
    let b = name.as_bytes();
    let (first, last) = (
        *b.first().unwrap_or(&0) as u64,
        *b.last().unwrap_or(&0) as u64,
    );
    1 << ((b.len() as u64 * 31 + first * 7 + last) % 64)
}

impl Controls {
    pub fn new() -> Controls {
        Controls(SmallVec::new())
    }

    pub fn with_capacity(n: usize) -> Controls {
        Controls(SmallVec::with_capacity(n))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend_from(&mut self, other: &Controls) {
        self.0.extend(other.0.iter().cloned());
    }

    /// The names it holds as one word of [`key_bit`]s: a name whose bit is clear is not
    /// here, which an event's many lookups of controls it lacks can ask first.
    pub fn key_mask(&self) -> u64 {
        self.0.iter().fold(0, |m, (k, _)| m | key_bit(k))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        // An event's few controls are found faster by a scan that compares lengths first
        // (most names differ in length) than by a search comparing strings.
        if self.0.len() <= 16 {
            return self
                .0
                .iter()
                .find(|(k, _)| k.len() == name.len() && *k == name)
                .map(|(_, v)| v);
        }
        self.0
            .binary_search_by(|(k, _)| (*k).cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Sets `name`, replacing an existing value.
    pub fn insert(&mut self, name: &'static str, value: Value) {
        match self.0.binary_search_by(|(k, _)| (*k).cmp(name)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    pub fn map_values(&self, f: impl Fn(&Value) -> Value) -> Controls {
        Controls(self.0.iter().map(|(k, v)| (*k, f(v))).collect())
    }
}

impl FromIterator<(&'static str, Value)> for Controls {
    fn from_iter<I: IntoIterator<Item = (&'static str, Value)>>(iter: I) -> Controls {
        let mut c = Controls::new();
        for (k, v) in iter {
            c.insert(k, v);
        }
        c
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Num(f64),
    Str(Arc<str>),
    List(Arc<Vec<Value>>),
    Map(Arc<Controls>),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn map(entries: Controls) -> Value {
        Value::Map(Arc::new(entries))
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    /// JavaScript truthiness, as `struct` and `mask` use it: 0 and "" are false; every other
    /// number and string (even "f" or "false") is true.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::List(_) | Value::Map(_) => true,
        }
    }

    /// Canonical JSON as the oracle prints it: object keys sorted, numbers as JavaScript
    /// prints them (`1` not `1.0`, `-0` as `0`).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Num(n) => out.push_str(&js_number(*n)),
            Value::Str(s) => write_json_string(out, s),
            Value::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, k);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as JavaScript's `JSON.stringify` writes it (shortest round trip; exponent form
/// outside 1e-6..1e21).
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "{\"$num\":\"NaN\"}".to_string();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "{\"$num\":\"Infinity\"}".to_string()
        } else {
            "{\"$num\":\"-Infinity\"}".to_string()
        };
    }
    if n == 0.0 {
        return "0".to_string();
    }
    let abs = n.abs();
    if (1e-6..1e21).contains(&abs) {
        // Rust's Display is the shortest round-trip representation without an exponent.
        format!("{n}")
    } else {
        let s = format!("{n:e}");
        // Rust writes `1e-8`/`1.5e21`; JavaScript writes `1e-8`/`1.5e+21`.
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Num(n)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(js_number(1.0), "1");
        assert_eq!(js_number(-0.0), "0");
        assert_eq!(js_number(0.1), "0.1");
        assert_eq!(js_number(0.20971520000000007), "0.20971520000000007");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1e-7), "1e-7");
        assert_eq!(js_number(123456789.0), "123456789");
    }

    #[test]
    fn maps_have_sorted_keys() {
        let mut m = Controls::new();
        m.insert("s", Value::str("bd"));
        m.insert("n", Value::Num(3.0));
        assert_eq!(Value::map(m).to_json(), r#"{"n":3,"s":"bd"}"#);
    }
}
