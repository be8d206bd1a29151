//! Tidal's chords in mini-notation: `c'maj`, `e4'min7'ii`, `0'major'o'5`: a root (a note name
//! or a number of semitones from c5), a name from Tidal's chord table, then modifiers, as
//! `Sound.Tidal.Chords` and `ParseBP` define them: `'i` inverts (`'ii`, `'i3`: that many
//! times), `'o` opens (`'oo`), `'dN` drops the Nth note from the top by an octave, and a
//! number `'N` is a range of N notes (the chord repeated an octave up as needed). Parsing
//! never allocates: the audio thread voices chords.

use super::ops::note_to_midi;

/// The most notes a chord may have (a range modifier asks for up to this many).
pub const MAX_NOTES: usize = 32;

/// A voiced chord: MIDI note numbers, lowest-first as Tidal lists them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chord {
    notes: [f64; MAX_NOTES],
    len: usize,
}

impl Chord {
    pub fn notes(&self) -> &[f64] {
        &self.notes[..self.len]
    }

    /// Tidal's `applyModifier`.
    fn apply(&mut self, m: Modifier) {
        let ds = *self;
        let ds = ds.notes();
        let n = ds.len();
        match m {
            Modifier::Range(count) => {
                let mut out = [0.0; MAX_NOTES];
                for (k, slot) in out.iter_mut().enumerate().take(count) {
                    *slot = ds[k % n] + 12.0 * (k / n) as f64;
                }
                self.notes = out;
                self.len = count;
            }
            Modifier::Invert => {
                let mut out = [0.0; MAX_NOTES];
                out[..n - 1].copy_from_slice(&ds[1..]);
                out[n - 1] = ds[0] + 12.0;
                self.notes = out;
            }
            Modifier::Open => {
                if n > 2 {
                    let mut out = [0.0; MAX_NOTES];
                    out[0] = ds[0] - 12.0;
                    out[1] = ds[2] - 12.0;
                    out[2] = ds[1];
                    out[3..n].copy_from_slice(&ds[3..]);
                    self.notes = out;
                }
            }
            Modifier::Drop(i) => {
                if n >= i {
                    let s = n - i;
                    let mut out = [0.0; MAX_NOTES];
                    out[0] = ds[s] - 12.0;
                    out[1..=s].copy_from_slice(&ds[..s]);
                    out[s + 1..n].copy_from_slice(&ds[s + 1..]);
                    self.notes = out;
                }
            }
        }
    }
}

/// What is wrong with a chord, to report at its position.
#[derive(Clone, Debug, PartialEq)]
pub enum ChordError {
    Root(String),
    Name(String),
    Modifier(String),
}

impl std::fmt::Display for ChordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChordError::Root(r) => {
                write!(f, "`{r}` is not a chord's root (a note name or a number)")
            }
            ChordError::Name(n) => write!(f, "`{n}` is not one of Tidal's chord names"),
            ChordError::Modifier(m) => write!(f, "`'{m}` is not a chord modifier"),
        }
    }
}

impl ChordError {
    /// How to write it instead.
    pub fn hint(&self) -> String {
        match self {
            ChordError::Root(_) => "a chord starts with its root: `c'maj`, `e4'min7`, `0'major`".into(),
            ChordError::Name(n) => match closest(n) {
                Some(near) => format!("did you mean `{near}`? Tidal's names include maj min maj7 dom7 min7 dim aug sus2 sus4"),
                None => "Tidal's names include maj min maj7 dom7 min7 dim aug sus2 sus4 (docs/patterns.md lists them all)".into(),
            },
            ChordError::Modifier(_) => format!(
                "after the name: `'i` inverts (`'ii`, `'i2`), `'o` opens, `'d1` drops the top note an octave, a number `'5` gives that many notes (at most {MAX_NOTES})"
            ),
        }
    }
}

#[derive(Clone, Copy)]
enum Modifier {
    Range(usize),
    Drop(usize),
    Invert,
    Open,
}

/// Each chord of `pat` as one event per note, its value the note in semitones from c5 (what
/// Tidal's `n` and `note` do with `"c'maj"`: `uncollect`); other events as they are.
pub fn expand(pat: &super::Pattern) -> super::Pattern {
    use super::{Hap, Value};
    pat.with_haps(|haps, _| {
        let mut out = Vec::with_capacity(haps.len());
        for h in haps {
            let chord = match &h.value {
                Value::Str(s) if is_chord(s) => parse(s).ok(),
                _ => None,
            };
            match chord {
                Some(c) => out.extend(c.notes().iter().map(|m| Hap {
                    value: Value::Num(m - 60.0),
                    ..h.clone()
                })),
                None => out.push(h),
            }
        }
        out
    })
}

/// Whether a mini-notation word is meant as a chord (it has a `'`).
pub fn is_chord(s: &str) -> bool {
    s.contains('\'')
}

/// The chord `s` (`root'name'modifiers...`) voiced, or what is wrong with it.
pub fn parse(s: &str) -> Result<Chord, ChordError> {
    let mut parts = s.split('\'');
    let root = parts.next().unwrap_or("");
    let root = note_to_midi(root)
        .or_else(|| {
            root.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| x + 60.0)
        })
        .ok_or_else(|| ChordError::Root(root.to_string()))?;
    let name = parts.next().unwrap_or("");
    let intervals = CHORDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, i)| *i)
        .ok_or_else(|| ChordError::Name(name.to_string()))?;
    let mut chord = Chord {
        notes: [0.0; MAX_NOTES],
        len: intervals.len(),
    };
    for (slot, &i) in chord.notes.iter_mut().zip(intervals) {
        *slot = root + i as f64;
    }
    for m in parts {
        let bad = || ChordError::Modifier(m.to_string());
        let count = |digits: &str| digits.parse::<usize>().ok();
        if !m.is_empty() && m.bytes().all(|b| b == b'o') {
            (0..m.len()).for_each(|_| chord.apply(Modifier::Open));
        } else if !m.is_empty() && m.bytes().all(|b| b == b'i') {
            (0..m.len()).for_each(|_| chord.apply(Modifier::Invert));
        } else if let Some(n) = m.strip_prefix('i').and_then(count) {
            (0..n).for_each(|_| chord.apply(Modifier::Invert));
        } else if let Some(n) = m.strip_prefix('d').and_then(count) {
            // `'d0` would index past the chord in Tidal (an error there too).
            if n == 0 {
                return Err(bad());
            }
            chord.apply(Modifier::Drop(n));
        } else if let Some(n) = count(m) {
            if n == 0 || n > MAX_NOTES {
                return Err(bad());
            }
            chord.apply(Modifier::Range(n));
        } else {
            return Err(bad());
        }
    }
    Ok(chord)
}

/// Every chord name, in Tidal's order.
pub fn names() -> impl Iterator<Item = &'static str> {
    CHORDS.iter().map(|(n, _)| *n)
}

/// The chord name nearest `name` by edit distance, if one is near.
fn closest(name: &str) -> Option<&'static str> {
    let distance = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    };
    CHORDS
        .iter()
        .map(|(n, _)| (distance(name, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Tidal's chord table (`Sound.Tidal.Chords.chordTable`, generated from its source): each
/// name with its intervals in semitones, in Tidal's order.
const CHORDS: &[(&str, &[i8])] = &[
    ("major", &[0, 4, 7]),
    ("maj", &[0, 4, 7]),
    ("M", &[0, 4, 7]),
    ("aug", &[0, 4, 8]),
    ("plus", &[0, 4, 8]),
    ("sharp5", &[0, 4, 8]),
    ("six", &[0, 4, 7, 9]),
    ("6", &[0, 4, 7, 9]),
    ("sixNine", &[0, 4, 7, 9, 14]),
    ("six9", &[0, 4, 7, 9, 14]),
    ("sixby9", &[0, 4, 7, 9, 14]),
    ("6by9", &[0, 4, 7, 9, 14]),
    ("major7", &[0, 4, 7, 11]),
    ("maj7", &[0, 4, 7, 11]),
    ("M7", &[0, 4, 7, 11]),
    ("major9", &[0, 4, 7, 11, 14]),
    ("maj9", &[0, 4, 7, 11, 14]),
    ("M9", &[0, 4, 7, 11, 14]),
    ("add9", &[0, 4, 7, 14]),
    ("major11", &[0, 4, 7, 11, 14, 17]),
    ("maj11", &[0, 4, 7, 11, 14, 17]),
    ("M11", &[0, 4, 7, 11, 14, 17]),
    ("add11", &[0, 4, 7, 17]),
    ("major13", &[0, 4, 7, 11, 14, 21]),
    ("maj13", &[0, 4, 7, 11, 14, 21]),
    ("M13", &[0, 4, 7, 11, 14, 21]),
    ("add13", &[0, 4, 7, 21]),
    ("dom7", &[0, 4, 7, 10]),
    ("dom9", &[0, 4, 7, 14]),
    ("dom11", &[0, 4, 7, 17]),
    ("dom13", &[0, 4, 7, 21]),
    ("sevenFlat5", &[0, 4, 6, 10]),
    ("7f5", &[0, 4, 6, 10]),
    ("sevenSharp5", &[0, 4, 8, 10]),
    ("7s5", &[0, 4, 8, 10]),
    ("sevenFlat9", &[0, 4, 7, 10, 13]),
    ("7f9", &[0, 4, 7, 10, 13]),
    ("nine", &[0, 4, 7, 10, 14]),
    ("eleven", &[0, 4, 7, 10, 14, 17]),
    ("11", &[0, 4, 7, 10, 14, 17]),
    ("thirteen", &[0, 4, 7, 10, 14, 17, 21]),
    ("13", &[0, 4, 7, 10, 14, 17, 21]),
    ("minor", &[0, 3, 7]),
    ("min", &[0, 3, 7]),
    ("m", &[0, 3, 7]),
    ("diminished", &[0, 3, 6]),
    ("dim", &[0, 3, 6]),
    ("minorSharp5", &[0, 3, 8]),
    ("msharp5", &[0, 3, 8]),
    ("mS5", &[0, 3, 8]),
    ("minor6", &[0, 3, 7, 9]),
    ("min6", &[0, 3, 7, 9]),
    ("m6", &[0, 3, 7, 9]),
    ("minorSixNine", &[0, 3, 9, 7, 14]),
    ("minor69", &[0, 3, 9, 7, 14]),
    ("min69", &[0, 3, 9, 7, 14]),
    ("minSixNine", &[0, 3, 9, 7, 14]),
    ("m69", &[0, 3, 9, 7, 14]),
    ("mSixNine", &[0, 3, 9, 7, 14]),
    ("m6by9", &[0, 3, 9, 7, 14]),
    ("minor7flat5", &[0, 3, 6, 10]),
    ("minor7f5", &[0, 3, 6, 10]),
    ("min7flat5", &[0, 3, 6, 10]),
    ("min7f5", &[0, 3, 6, 10]),
    ("m7flat5", &[0, 3, 6, 10]),
    ("m7f5", &[0, 3, 6, 10]),
    ("minor7", &[0, 3, 7, 10]),
    ("min7", &[0, 3, 7, 10]),
    ("m7", &[0, 3, 7, 10]),
    ("minor7sharp5", &[0, 3, 8, 10]),
    ("minor7s5", &[0, 3, 8, 10]),
    ("min7sharp5", &[0, 3, 8, 10]),
    ("min7s5", &[0, 3, 8, 10]),
    ("m7sharp5", &[0, 3, 8, 10]),
    ("m7s5", &[0, 3, 8, 10]),
    ("minor7flat9", &[0, 3, 7, 10, 13]),
    ("minor7f9", &[0, 3, 7, 10, 13]),
    ("min7flat9", &[0, 3, 7, 10, 13]),
    ("min7f9", &[0, 3, 7, 10, 13]),
    ("m7flat9", &[0, 3, 7, 10, 13]),
    ("m7f9", &[0, 3, 7, 10, 13]),
    ("minor7sharp9", &[0, 3, 7, 10, 15]),
    ("minor7s9", &[0, 3, 7, 10, 15]),
    ("min7sharp9", &[0, 3, 7, 10, 15]),
    ("min7s9", &[0, 3, 7, 10, 15]),
    ("m7sharp9", &[0, 3, 7, 10, 15]),
    ("m7s9", &[0, 3, 7, 10, 15]),
    ("diminished7", &[0, 3, 6, 9]),
    ("dim7", &[0, 3, 6, 9]),
    ("minor9", &[0, 3, 7, 10, 14]),
    ("min9", &[0, 3, 7, 10, 14]),
    ("m9", &[0, 3, 7, 10, 14]),
    ("minor11", &[0, 3, 7, 10, 14, 17]),
    ("min11", &[0, 3, 7, 10, 14, 17]),
    ("m11", &[0, 3, 7, 10, 14, 17]),
    ("minor13", &[0, 3, 7, 10, 14, 17, 21]),
    ("min13", &[0, 3, 7, 10, 14, 17, 21]),
    ("m13", &[0, 3, 7, 10, 14, 17, 21]),
    ("minorMajor7", &[0, 3, 7, 11]),
    ("minMaj7", &[0, 3, 7, 11]),
    ("mmaj7", &[0, 3, 7, 11]),
    ("one", &[0]),
    ("1", &[0]),
    ("five", &[0, 7]),
    ("5", &[0, 7]),
    ("sus2", &[0, 2, 7]),
    ("sus4", &[0, 5, 7]),
    ("sevenSus2", &[0, 2, 7, 10]),
    ("7sus2", &[0, 2, 7, 10]),
    ("sevenSus4", &[0, 5, 7, 10]),
    ("7sus4", &[0, 5, 7, 10]),
    ("nineSus4", &[0, 5, 7, 10, 14]),
    ("ninesus4", &[0, 5, 7, 10, 14]),
    ("9sus4", &[0, 5, 7, 10, 14]),
    ("sevenFlat10", &[0, 4, 7, 10, 15]),
    ("7f10", &[0, 4, 7, 10, 15]),
    ("nineSharp5", &[0, 1, 13]),
    ("9sharp5", &[0, 1, 13]),
    ("9s5", &[0, 1, 13]),
    ("minor9sharp5", &[0, 1, 14]),
    ("minor9s5", &[0, 1, 14]),
    ("min9sharp5", &[0, 1, 14]),
    ("min9s5", &[0, 1, 14]),
    ("m9sharp5", &[0, 1, 14]),
    ("m9s5", &[0, 1, 14]),
    ("sevenSharp5flat9", &[0, 4, 8, 10, 13]),
    ("7s5f9", &[0, 4, 8, 10, 13]),
    ("minor7sharp5flat9", &[0, 3, 8, 10, 13]),
    ("m7sharp5flat9", &[0, 3, 8, 10, 13]),
    ("elevenSharp", &[0, 4, 7, 10, 14, 18]),
    ("11s", &[0, 4, 7, 10, 14, 18]),
    ("minor11sharp", &[0, 3, 7, 10, 14, 18]),
    ("m11sharp", &[0, 3, 7, 10, 14, 18]),
    ("m11s", &[0, 3, 7, 10, 14, 18]),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn notes(s: &str) -> Vec<f64> {
        parse(s).unwrap().notes().iter().map(|m| m - 60.0).collect()
    }

    #[test]
    fn modifiers_voice_as_tidal_applies_them() {
        // Expectations from Sound.Tidal.Chords' applyModifier, in semitones from c5.
        assert_eq!(notes("c'maj"), [0.0, 4.0, 7.0]);
        assert_eq!(notes("e4'min7"), [-8.0, -5.0, -1.0, 2.0]);
        assert_eq!(notes("0'major"), [0.0, 4.0, 7.0]);
        assert_eq!(notes("c'maj'i"), [4.0, 7.0, 12.0]);
        assert_eq!(notes("c'maj'ii"), [7.0, 12.0, 16.0]);
        assert_eq!(notes("c'maj'i2"), notes("c'maj'ii"));
        assert_eq!(notes("c'maj7'o"), [-12.0, -5.0, 4.0, 11.0]);
        assert_eq!(notes("c'maj'o"), [-12.0, -5.0, 4.0]);
        assert_eq!(notes("c'maj7'd1"), [-1.0, 0.0, 4.0, 7.0]);
        assert_eq!(notes("c'maj7'd2"), [-5.0, 0.0, 4.0, 11.0]);
        assert_eq!(
            notes("c'maj'd5"),
            [0.0, 4.0, 7.0],
            "fewer notes than the drop"
        );
        assert_eq!(notes("c'maj'5"), [0.0, 4.0, 7.0, 12.0, 16.0]);
        assert_eq!(notes("c'maj'2"), [0.0, 4.0]);
        assert_eq!(notes("c'maj'5'ii"), [7.0, 12.0, 16.0, 12.0, 16.0]);
        assert_eq!(notes("c'min'o'i"), [-5.0, 3.0, 0.0]);
        // Tidal's table, to the last entry.
        assert_eq!(notes("c'nineSus4"), [0.0, 5.0, 7.0, 10.0, 14.0]);
        assert_eq!(CHORDS.len(), 134);
    }

    #[test]
    fn what_is_not_a_chord_says_why() {
        assert!(matches!(parse("c'mja"), Err(ChordError::Name(_))));
        assert!(ChordError::Name("mja".into()).hint().contains("`maj`"));
        assert!(matches!(parse("c'maj'x"), Err(ChordError::Modifier(_))));
        assert!(matches!(parse("c'maj'd0"), Err(ChordError::Modifier(_))));
        assert!(matches!(parse("c'maj'33"), Err(ChordError::Modifier(_))));
        assert!(matches!(parse("c'maj'"), Err(ChordError::Modifier(_))));
        assert!(matches!(parse("x'maj"), Err(ChordError::Root(_))));
        assert_eq!(parse("c'maj'32").unwrap().notes().len(), 32);
    }
}
