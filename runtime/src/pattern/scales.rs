//! Scales as Tidal has them: `scale NAME degrees` turns scale degrees into semitones, with
//! Tidal's table (`Sound.Tidal.Scales.scaleTable`, generated from its source) and Strudel's
//! `"c:minor"` form for a root; `toScale [steps] degrees` does it with a list of one's own.

use super::{Pattern, Value, silence};
use std::sync::Arc;

/// The semitones of degree `degree` of a scale given by its steps: Tidal's `noteInScale`,
/// `steps !!! degree + 12 * (degree div len)` (a degree wraps and shifts by octaves, also
/// below 0). A fractional degree is taken to the degree below it.
pub fn degree_in(steps: &[f64], degree: f64) -> f64 {
    let n = steps.len() as i64;
    if n == 0 {
        return 0.0;
    }
    let d = degree.floor() as i64;
    steps[d.rem_euclid(n) as usize] + 12.0 * d.div_euclid(n) as f64
}

/// Tidal's `toScale' octave steps`: as `toScale`, with `octave` semitones to the octave.
pub fn to_scale_with_octave(octave: f64, steps: Vec<f64>, degrees: &Pattern) -> Pattern {
    if steps.is_empty() {
        return silence();
    }
    let steps = Arc::new(steps);
    degrees.fmap(move |d| {
        map_degree(d, &|x| {
            let n = steps.len() as i64;
            let d = x.floor() as i64;
            steps[d.rem_euclid(n) as usize] + octave * d.div_euclid(n) as f64
        })
    })
}

/// The steps of a scale name (Tidal's names, case as Tidal writes them).
pub fn lookup(name: &str) -> Option<&'static [f64]> {
    SCALES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// A scale-name value's root (semitones from c5) and steps: `"minor"`, or `"c:minor"` /
/// `"e4:major"` (a root note name, then the scale, as in Strudel).
pub fn root_and_steps(v: &Value) -> Option<(f64, &'static [f64])> {
    match v {
        Value::Str(name) => Some((0.0, lookup(name)?)),
        Value::List(items) if items.len() == 2 => {
            let Value::Str(root) = &items[0] else {
                return None;
            };
            let Value::Str(name) = &items[1] else {
                return None;
            };
            let root = super::ops::note_to_midi(root)? - 60.0;
            Some((root, lookup(name)?))
        }
        _ => None,
    }
}

/// `scale names degrees`: each degree's semitones in the scale named at its time; structure
/// from the degrees (Tidal's `<*`). Values that are not numbers pass unchanged.
pub fn scale(names: &Pattern, degrees: &Pattern) -> Pattern {
    degrees.app_left(names, |d, name| match root_and_steps(name) {
        Some((root, steps)) => map_degree(d, &|x| root + degree_in(steps, x)),
        None => d.clone(),
    })
}

/// `toScale [steps] degrees`: as `scale`, with the steps given.
pub fn to_scale(steps: Vec<f64>, degrees: &Pattern) -> Pattern {
    to_scale_with_octave(12.0, steps, degrees)
}

fn map_degree(v: &Value, f: &dyn Fn(f64) -> f64) -> Value {
    match v {
        Value::Num(x) => Value::Num(f(*x)),
        other => other.clone(),
    }
}

pub static SCALES: &[(&str, &[f64])] = &[
    ("minPent", &[0.0, 3.0, 5.0, 7.0, 10.0]),
    ("majPent", &[0.0, 2.0, 4.0, 7.0, 9.0]),
    ("ritusen", &[0.0, 2.0, 5.0, 7.0, 9.0]),
    ("egyptian", &[0.0, 2.0, 5.0, 7.0, 10.0]),
    ("kumai", &[0.0, 2.0, 3.0, 7.0, 9.0]),
    ("hirajoshi", &[0.0, 2.0, 3.0, 7.0, 8.0]),
    ("iwato", &[0.0, 1.0, 5.0, 6.0, 10.0]),
    ("chinese", &[0.0, 4.0, 6.0, 7.0, 11.0]),
    ("indian", &[0.0, 4.0, 5.0, 7.0, 10.0]),
    ("pelog", &[0.0, 1.0, 3.0, 7.0, 8.0]),
    ("prometheus", &[0.0, 2.0, 4.0, 6.0, 11.0]),
    ("scriabin", &[0.0, 1.0, 4.0, 7.0, 9.0]),
    ("gong", &[0.0, 2.0, 4.0, 7.0, 9.0]),
    ("shang", &[0.0, 2.0, 5.0, 7.0, 10.0]),
    ("jiao", &[0.0, 3.0, 5.0, 8.0, 10.0]),
    ("zhi", &[0.0, 2.0, 5.0, 7.0, 9.0]),
    ("yu", &[0.0, 3.0, 5.0, 7.0, 10.0]),
    ("whole", &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    ("wholetone", &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    ("augmented", &[0.0, 3.0, 4.0, 7.0, 8.0, 11.0]),
    ("augmented2", &[0.0, 1.0, 4.0, 5.0, 8.0, 9.0]),
    ("hexMajor7", &[0.0, 2.0, 4.0, 7.0, 9.0, 11.0]),
    ("hexDorian", &[0.0, 2.0, 3.0, 5.0, 7.0, 10.0]),
    ("hexPhrygian", &[0.0, 1.0, 3.0, 5.0, 8.0, 10.0]),
    ("hexSus", &[0.0, 2.0, 5.0, 7.0, 9.0, 10.0]),
    ("hexMajor6", &[0.0, 2.0, 4.0, 5.0, 7.0, 9.0]),
    ("hexAeolian", &[0.0, 3.0, 5.0, 7.0, 8.0, 10.0]),
    ("major", &[0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 11.0]),
    ("ionian", &[0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 11.0]),
    ("dorian", &[0.0, 2.0, 3.0, 5.0, 7.0, 9.0, 10.0]),
    ("phrygian", &[0.0, 1.0, 3.0, 5.0, 7.0, 8.0, 10.0]),
    ("lydian", &[0.0, 2.0, 4.0, 6.0, 7.0, 9.0, 11.0]),
    ("mixolydian", &[0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 10.0]),
    ("aeolian", &[0.0, 2.0, 3.0, 5.0, 7.0, 8.0, 10.0]),
    ("minor", &[0.0, 2.0, 3.0, 5.0, 7.0, 8.0, 10.0]),
    ("locrian", &[0.0, 1.0, 3.0, 5.0, 6.0, 8.0, 10.0]),
    ("harmonicMinor", &[0.0, 2.0, 3.0, 5.0, 7.0, 8.0, 11.0]),
    ("harmonicMajor", &[0.0, 2.0, 4.0, 5.0, 7.0, 8.0, 11.0]),
    ("melodicMinor", &[0.0, 2.0, 3.0, 5.0, 7.0, 9.0, 11.0]),
    ("melodicMinorDesc", &[0.0, 2.0, 3.0, 5.0, 7.0, 8.0, 10.0]),
    ("melodicMajor", &[0.0, 2.0, 4.0, 5.0, 7.0, 8.0, 10.0]),
    ("bartok", &[0.0, 2.0, 4.0, 5.0, 7.0, 8.0, 10.0]),
    ("hindu", &[0.0, 2.0, 4.0, 5.0, 7.0, 8.0, 10.0]),
    ("todi", &[0.0, 1.0, 3.0, 6.0, 7.0, 8.0, 11.0]),
    ("purvi", &[0.0, 1.0, 4.0, 6.0, 7.0, 8.0, 11.0]),
    ("marva", &[0.0, 1.0, 4.0, 6.0, 7.0, 9.0, 11.0]),
    ("bhairav", &[0.0, 1.0, 4.0, 5.0, 7.0, 8.0, 11.0]),
    ("ahirbhairav", &[0.0, 1.0, 4.0, 5.0, 7.0, 9.0, 10.0]),
    ("superLocrian", &[0.0, 1.0, 3.0, 4.0, 6.0, 8.0, 10.0]),
    ("romanianMinor", &[0.0, 2.0, 3.0, 6.0, 7.0, 9.0, 10.0]),
    ("hungarianMinor", &[0.0, 2.0, 3.0, 6.0, 7.0, 8.0, 11.0]),
    ("neapolitanMinor", &[0.0, 1.0, 3.0, 5.0, 7.0, 8.0, 11.0]),
    ("enigmatic", &[0.0, 1.0, 4.0, 6.0, 8.0, 10.0, 11.0]),
    ("spanish", &[0.0, 1.0, 4.0, 5.0, 7.0, 8.0, 10.0]),
    ("leadingWhole", &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 11.0]),
    ("lydianMinor", &[0.0, 2.0, 4.0, 6.0, 7.0, 8.0, 10.0]),
    ("neapolitanMajor", &[0.0, 1.0, 3.0, 5.0, 7.0, 9.0, 11.0]),
    ("locrianMajor", &[0.0, 2.0, 4.0, 5.0, 6.0, 8.0, 10.0]),
    ("diminished", &[0.0, 1.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0]),
    ("octatonic", &[0.0, 1.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0]),
    ("diminished2", &[0.0, 2.0, 3.0, 5.0, 6.0, 8.0, 9.0, 11.0]),
    ("octatonic2", &[0.0, 2.0, 3.0, 5.0, 6.0, 8.0, 9.0, 11.0]),
    ("messiaen1", &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    ("messiaen2", &[0.0, 1.0, 3.0, 4.0, 6.0, 7.0, 9.0, 10.0]),
    (
        "messiaen3",
        &[0.0, 2.0, 3.0, 4.0, 6.0, 7.0, 8.0, 10.0, 11.0],
    ),
    ("messiaen4", &[0.0, 1.0, 2.0, 5.0, 6.0, 7.0, 8.0, 11.0]),
    ("messiaen5", &[0.0, 1.0, 5.0, 6.0, 7.0, 11.0]),
    ("messiaen6", &[0.0, 2.0, 4.0, 5.0, 6.0, 8.0, 10.0, 11.0]),
    (
        "messiaen7",
        &[0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0, 11.0],
    ),
    (
        "chromatic",
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0],
    ),
    ("bayati", &[0.0, 1.5, 3.0, 5.0, 7.0, 8.0, 10.0]),
    ("hijaz", &[0.0, 1.0, 4.0, 5.0, 7.0, 8.5, 10.0]),
    ("sikah", &[0.0, 1.5, 3.5, 5.5, 7.0, 8.5, 10.5]),
    ("rast", &[0.0, 2.0, 3.5, 5.0, 7.0, 9.0, 10.5]),
    ("saba", &[0.0, 1.5, 3.0, 4.0, 6.0, 8.0, 10.0]),
    ("iraq", &[0.0, 1.5, 3.5, 5.0, 6.5, 8.5, 10.5]),
];
