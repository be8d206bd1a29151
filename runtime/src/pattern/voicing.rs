//! Strudel's `voicing` (`@strudel/tonal` 1.2.6, `tonleiter.mjs` `renderVoicing`): chord
//! symbols (`C^7`, `Dm7`, `Bb^7`) played as voicings from a dictionary, the one whose top
//! (or bottom) note lies nearest the anchor. The default dictionary is iReal's (`ireal.mjs`
//! `simple`, with Strudel's aliases: no symbol is `^`, `m` for `-`, `M` for `^`, `aug` for
//! `+`); `lefthand`, `triads`, `guidetones` and `legacy` are Strudel's others. Notes come out
//! as Phonon's numbers (0 = middle C); an anchor is a Phonon pitch (a number, or a name with
//! Tidal's octaves), so Strudel's default anchor `c5` (MIDI 72) is Phonon's `c6`.

use super::ops::{interval_semitones, note_to_midi};
use super::value::Controls;
use super::{Pattern, Value, pure, silence, stack};

/// A dictionary: each chord symbol with its voicings, each a list of intervals above the root.
pub type Dictionary = &'static [(&'static str, &'static [&'static str])];

/// iReal's voicings (Strudel's `ireal` dictionary, its default), symbol by symbol.
const IREAL: Dictionary = &[
    ("2", &["1P 5P 8P 9M", "1P 5P 8P 9M 12P", "5P 8P 9M 12P"]),
    ("5", &["1P 5P 8P 12P", "5P 8P 12P 15P"]),
    (
        "6",
        &[
            "1P 5P 6M 8P 10M",
            "1P 5P 8P 10M 13M",
            "3M 5P 8P 10M 13M",
            "5P 8P 10M 12P 13M",
        ],
    ),
    (
        "7",
        &[
            "1P 5P 7m 8P 10M",
            "1P 7m 8P 10M 12P",
            "3M 7m 8P 10M 12P",
            "3M 7m 8P 10M 14m",
            "3M 7m 10M 12P 15P",
            "7m 10M 12P 14m 15P",
            "7m 10M 12P 15P 17M",
        ],
    ),
    (
        "9",
        &[
            "1P 5P 7m 9M 10M",
            "1P 7m 9M 10M 12P",
            "3M 7m 8P 9M 12P",
            "7m 9M 10M 14m 15P",
            "3M 7m 8P 12P 16M",
            "7m 10M 12P 15P 16M",
        ],
    ),
    (
        "11",
        &[
            "1P 5P 7m 9M 11P",
            "5P 7m 8P 9M 11P",
            "7m 8P 9M 11P 12P",
            "7m 8P 11P 12P 16M",
        ],
    ),
    (
        "13",
        &[
            "1P 6M 7m 9M 10M",
            "1P 7m 9M 10M 13M",
            "3M 7m 8P 9M 13M",
            "7m 8P 9M 10M 13M",
            "7m 9M 10M 13M 15P",
        ],
    ),
    (
        "69",
        &[
            "1P 5P 6M 9M 10M",
            "1P 5P 9M 10M 13M",
            "3M 5P 8P 9M 13M",
            "5P 8P 9M 10M 13M",
        ],
    ),
    (
        "add9",
        &[
            "1P 5P 8P 9M 10M",
            "1P 5P 9M 10M 12P",
            "3M 8P 9M 10M 12P",
            "3M 8P 9M 12P 15P",
            "5P 8P 9M 12P 17M",
        ],
    ),
    (
        "+",
        &[
            "1P 3M 6m 8P 10M",
            "1P 6m 8P 10M 13m",
            "3M 6m 8P 10M 13m",
            "3M 8P 10M 13m 15P",
            "6m 8P 10M 13m 15P",
            "6m 10M 13m 15P 17M",
        ],
    ),
    (
        "o",
        &["1P 5d 8P 10m 12d", "3m 8P 10m 12d 15P", "5d 8P 10m 12d 15P"],
    ),
    (
        "h",
        &[
            "3m 5d 7m 8P 10m",
            "1P 5d 7m 10m 12d",
            "3m 7m 8P 10m 12d",
            "3m 7m 8P 12d 14m",
            "5d 7m 8P 10m 14m",
            "5d 8P 10m 12d 14m",
            "7m 10m 12d 14m 15P",
            "5d 8P 10m 14m 17m",
        ],
    ),
    (
        "sus",
        &[
            "1P 4P 5P 8P",
            "1P 4P 5P 8P 11P",
            "5P 8P 11P 12P",
            "5P 8P 11P 12P 15P",
        ],
    ),
    (
        "^",
        &[
            "1P 5P 8P 10M",
            "1P 5P 8P 10M 12P",
            "3M 5P 8P 10M 12P",
            "3M 8P 10M 12P 15P",
            "5P 8P 10M 12P 15P",
        ],
    ),
    (
        "-",
        &[
            "1P 3m 5P 8P 10m",
            "1P 5P 8P 10m 12P",
            "3m 5P 8P 10m 12P",
            "5P 8P 10m 12P 15P",
        ],
    ),
    (
        "^7",
        &[
            "1P 5P 7M 10M 12P",
            "1P 10M 12P 14M",
            "3M 8P 10M 12P 14M",
            "5P 8P 10M 12P 14M",
            "5P 8P 10M 14M 17M",
        ],
    ),
    (
        "-7",
        &[
            "1P 3m 5P 7m 10m",
            "1P 5P 7m 10m 12P",
            "3m 7m 8P 10m 12P",
            "3m 7m 8P 10m 14m",
            "5P 7m 8P 10m 14m",
            "7m 10m 12P 14m 15P",
            "5P 8P 10m 14m 17m",
            "7m 10m 12P 15P 17m",
        ],
    ),
    (
        "7sus",
        &[
            "1P 5P 7m 8P 11P",
            "5P 8P 11P 12P 14m",
            "7m 8P 11P 12P 14m",
            "7m 11P 12P 14m 18P",
        ],
    ),
    (
        "h7",
        &[
            "3m 5d 7m 8P 10m",
            "1P 5d 7m 10m 12d",
            "1P 7m 10m 12d",
            "3m 7m 8P 10m 12d",
            "3m 7m 8P 12d 14m",
            "5d 7m 8P 10m 14m",
            "5d 8P 10m 12d 14m",
            "7m 10m 12d 14m 15P",
            "5d 8P 10m 14m 17m",
        ],
    ),
    (
        "o7",
        &[
            "1P 6M 8P 10m 12d",
            "1P 6M 10m 12d 13M",
            "3m 8P 10m 12d 13M",
            "3m 8P 12d 13M 15P",
            "5d 10m 12d 13M 15P",
            "5d 10m 13M 15P 17m",
            "6M 12d 13M 15P 17m",
            "6M 12d 15P 17m 19d",
        ],
    ),
    (
        "^9",
        &[
            "1P 5P 7M 9M 10M",
            "1P 7M 9M 10M 12P",
            "3M 7M 8P 9M 12P",
            "3M 7M 8P 12P 16M",
            "5P 8P 10M 14M 16M",
            "7M 8P 10M 12P 16M",
        ],
    ),
    (
        "^13",
        &[
            "1P 6M 7M 9M 10M",
            "1P 7M 9M 10M 13M",
            "3M 7M 8P 9M 13M",
            "3M 7M 8P 13M 16M",
            "7M 8P 10M 13M 16M",
        ],
    ),
    (
        "^7#11",
        &[
            "1P 5P 7M 10M 12d",
            "3M 7M 8P 10M 12d",
            "1P 7M 10M 12d 14M",
            "3M 7M 8P 12d 14M",
            "5P 8P 10M 12d 14M",
        ],
    ),
    (
        "^9#11",
        &[
            "1P 3M 5d 7M 9M",
            "1P 7M 9M 10M 12d",
            "3M 7M 8P 9M 12d",
            "3M 8P 9M 12d 14M",
        ],
    ),
    (
        "^7#5",
        &["1P 6m 7M 10M 13m", "3M 7M 8P 10M 13m", "6m 7M 8P 10M 13m"],
    ),
    (
        "-6",
        &[
            "1P 3m 5P 6M 8P",
            "1P 5P 6M 8P 10m",
            "3m 5P 6M 8P 10m",
            "1P 5P 8P 10m 13M",
            "3m 5P 8P 10m 13M",
            "5P 8P 10m 12P 13M",
            "5P 8P 10m 13M 15P",
        ],
    ),
    (
        "-69",
        &[
            "1P 3m 5P 6M 9M",
            "3m 5P 6M 8P 9M",
            "3m 6M 9M 10m 12P",
            "1P 5P 9M 10m 13M",
            "3m 5P 8P 9M 13M",
            "5P 8P 9M 10m 13M",
            "5P 8P 10m 13M 16M",
        ],
    ),
    (
        "-^7",
        &[
            "1P 3m 5P 7M 10m",
            "1P 5P 7M 10m 12P",
            "3m 7M 8P 10m 12P",
            "5P 7M 8P 10m 14M",
            "5P 8P 10m 14M 17m",
        ],
    ),
    (
        "-^9",
        &[
            "1P 3m 5P 7M 9M",
            "1P 7M 9M 10m 12P",
            "3m 7M 8P 9M 12P",
            "5P 8P 9M 10m 14M",
        ],
    ),
    (
        "-9",
        &[
            "1P 3m 5P 7m 9M",
            "3m 5P 7m 8P 9M",
            "3m 7m 8P 9M 12P",
            "5P 8P 9M 10m 14m",
            "3m 7m 9M 12P 15P",
            "7m 10m 12P 15P 16M",
        ],
    ),
    (
        "-add9",
        &[
            "1P 2M 3m 5P 8P",
            "1P 3m 5P 9M",
            "3m 5P 8P 9M 12P",
            "5P 8P 9M 10m 12P",
        ],
    ),
    (
        "-11",
        &[
            "1P 3m 7m 9M 11P",
            "3m 7m 8P 9M 11P",
            "1P 4P 7m 10m 12P",
            "5P 8P 11P 14m",
            "3m 7m 9M 11P 15P",
            "5P 8P 11P 14m 16M",
            "7m 10m 12P 15P 18P",
        ],
    ),
    (
        "-7b5",
        &[
            "3m 5d 7m 8P 10m",
            "1P 7m 10m 12d",
            "1P 5d 7m 10m 12d",
            "3m 7m 8P 10m 12d",
            "3m 7m 8P 12d 14m",
            "5d 7m 8P 10m 14m",
            "5d 8P 10m 12d 14m",
            "7m 10m 12d 14m 15P",
            "5d 8P 10m 14m 17m",
        ],
    ),
    (
        "h9",
        &[
            "1P 7m 9M 10m 12d",
            "3m 7m 8P 9M 12d",
            "5d 8P 9M 10m 14m",
            "7m 10m 12d 15P 16M",
        ],
    ),
    (
        "-b6",
        &[
            "1P 5P 6m 8P 10m",
            "1P 5P 8P 10m 13m",
            "3m 5P 8P 10m 13m",
            "5P 8P 10m 13m",
            "5P 8P 10m 13m 15P",
        ],
    ),
    (
        "-#5",
        &["1P 6m 8P 10m 13m", "3m 6m 8P 10m 13m", "6m 8P 10m 13m 15P"],
    ),
    (
        "7b9",
        &[
            "1P 3M 7m 9m 10M",
            "3M 7m 8P 9m 10M",
            "3M 7m 8P 9m 14m",
            "7m 9m 10M 14m 15P",
        ],
    ),
    (
        "7#9",
        &["1P 3M 7m 10m", "3M 7m 8P 10m 14m", "7m 10m 10M 14m 15P"],
    ),
    (
        "7#11",
        &["1P 3M 7m 10M 12d", "3M 7m 8P 10M 12d", "7m 10M 12d 14m 15P"],
    ),
    (
        "7b5",
        &["1P 3M 7m 10M 12d", "3M 7m 8P 10M 12d", "7m 10M 12d 14m 15P"],
    ),
    (
        "7#5",
        &[
            "1P 3M 7m 10M 13m",
            "3M 7m 8P 10M 13m",
            "3M 7m 8P 13m 14m",
            "7m 10M 13m 14m 15P",
        ],
    ),
    (
        "9#11",
        &["1P 7m 9M 10M 12d", "3M 7m 8P 9M 12d", "7m 10M 12d 15P 16M"],
    ),
    (
        "9b5",
        &["1P 7m 9M 10M 12d", "3M 7m 8P 9M 12d", "7m 10M 12d 15P 16M"],
    ),
    (
        "9#5",
        &[
            "1P 7m 9M 10M 13m",
            "3M 7m 9M 10M 13m",
            "3M 7m 9M 13m 14m",
            "7m 10M 13m 14m 16M",
            "7m 10M 13m 16M 17M",
        ],
    ),
    (
        "7b13",
        &[
            "1P 3M 7m 10M 13m",
            "3M 7m 8P 10M 13m",
            "3M 7m 8P 13m 14m",
            "7m 10M 13m 14m 15P",
        ],
    ),
    (
        "7#9#5",
        &[
            "1P 3M 7m 10m 13m",
            "3M 7m 10m 13m 15P",
            "7m 10M 13m 15P 17m",
        ],
    ),
    (
        "7#9b5",
        &[
            "1P 3M 7m 10m 12d",
            "3M 7m 10m 12d 15P",
            "7m 10M 12d 15P 17m",
        ],
    ),
    (
        "7#9#11",
        &[
            "1P 3M 7m 10m 12d",
            "3M 7m 10m 12d 15P",
            "7m 10M 12d 15P 17m",
        ],
    ),
    (
        "7b9#11",
        &["1P 7m 9m 10M 12d", "3M 7m 8P 9m 12d", "7m 8P 10M 12d 16m"],
    ),
    (
        "7b9b5",
        &["1P 7m 9m 10M 12d", "3M 7m 8P 9m 12d", "7m 8P 10M 12d 16m"],
    ),
    (
        "7b9#5",
        &["1P 7m 9m 10M 13m", "3M 7m 8P 9m 13m", "7m 9m 10M 13m 15P"],
    ),
    (
        "7b9#9",
        &["1P 3M 7m 9m 10m", "3M 7m 8P 9m 10m", "7m 8P 10M 16m 17m"],
    ),
    (
        "7b9b13",
        &["1P 7m 9m 10M 13m", "3M 7m 8P 9m 13m", "7m 9m 10M 13m 15P"],
    ),
    (
        "7alt",
        &[
            "3M 7m 8P 9m 12d",
            "1P 7m 10m 10M 13m",
            "3M 7m 8P 10m 13m",
            "3M 7m 9m 12d 15P",
            "3M 7m 10m 13m 15P",
            "7m 10M 12d 15P 17m",
            "7m 10M 13m 15P 17m",
        ],
    ),
    (
        "13#11",
        &["1P 6M 7m 10M 12d", "3M 7m 9M 12d 13M", "7m 10M 12d 13M 16M"],
    ),
    (
        "13b9",
        &[
            "1P 3M 6M 7m 9m",
            "1P 6M 7m 9m 10M",
            "3M 7m 9m 10M 13M",
            "3M 7m 10M 13M 16m",
            "7m 10M 13M 16m 17M",
        ],
    ),
    (
        "13#9",
        &["1P 3M 6M 7m 10m", "3M 7m 8P 10m 13M", "7m 10M 13M 14m 17m"],
    ),
    (
        "7b9sus",
        &["1P 5P 7m 9m 11P", "5P 7m 8P 9m 11P", "7m 8P 11P 14m 16m"],
    ),
    (
        "7susadd3",
        &["1P 4P 5P 7m 10M", "5P 8P 10M 11P 14m", "7m 11P 12P 15P 17M"],
    ),
    (
        "9sus",
        &[
            "1P 5P 7m 9M 11P",
            "5P 7m 8P 9M 11P",
            "7m 8P 9M 11P 12P",
            "7m 8P 11P 12P 16M",
        ],
    ),
    (
        "13sus",
        &[
            "1P 4P 6M 7m 9M",
            "1P 7m 9M 11P 13M",
            "5P 7m 9M 11P 13M",
            "7m 9M 11P 13M 15P",
        ],
    ),
    (
        "7b13sus",
        &["1P 5P 7m 11P 13m", "5P 7m 8P 11P 13m", "7m 11P 13m 14m 15P"],
    ),
];

const LEFTHAND: Dictionary = &[
    ("m7", &["3m 5P 7m 9M", "7m 9M 10m 12P"]),
    ("7", &["3M 6M 7m 9M", "7m 9M 10M 13M"]),
    ("^7", &["3M 5P 7M 9M", "7M 9M 10M 12P"]),
    ("69", &["3M 5P 6A 9M"]),
    ("m7b5", &["3m 5d 7m 8P", "7m 8P 10m 12d"]),
    ("7b9", &["3M 6m 7m 9m", "7m 9m 10M 13m"]),
    ("7b13", &["3M 6m 7m 9m", "7m 9m 10M 13m"]),
    ("o7", &["1P 3m 5d 6M", "5d 6M 8P 10m"]),
    ("7#11", &["7m 9M 11A 13A"]),
    ("7#9", &["3M 7m 9A"]),
    ("mM7", &["3m 5P 7M 9M", "7M 9M 10m 12P"]),
    ("m6", &["3m 5P 6M 9M", "6M 9M 10m 12P"]),
];

const GUIDETONES: Dictionary = &[
    ("m7", &["3m 7m", "7m 10m"]),
    ("m9", &["3m 7m", "7m 10m"]),
    ("7", &["3M 7m", "7m 10M"]),
    ("^7", &["3M 7M", "7M 10M"]),
    ("^9", &["3M 7M", "7M 10M"]),
    ("69", &["3M 6M"]),
    ("6", &["3M 6M", "6M 10M"]),
    ("m7b5", &["3m 7m", "7m 10m"]),
    ("7b9", &["3M 7m", "7m 10M"]),
    ("7b13", &["3M 7m", "7m 10M"]),
    ("o7", &["3m 6M", "6M 10m"]),
    ("7#11", &["3M 7m", "7m 10M"]),
    ("7#9", &["3M 7m", "7m 10M"]),
    ("mM7", &["3m 7M", "7M 10m"]),
    ("m6", &["3m 6M", "6M 10m"]),
];

const TRIADS: Dictionary = &[
    ("", &["1P 3M 5P", "3M 5P 8P", "5P 8P 10M"]),
    ("M", &["1P 3M 5P", "3M 5P 8P", "5P 8P 10M"]),
    ("m", &["1P 3m 5P", "3m 5P 8P", "5P 8P 10m"]),
    ("o", &["1P 3m 5d", "3m 5d 8P", "5d 8P 10m"]),
    ("aug", &["1P 3m 5A", "3m 5A 8P", "5A 8P 10m"]),
];

const LEGACY: Dictionary = &[
    ("", &["1P 3M 5P", "3M 5P 8P", "5P 8P 10M"]),
    ("M", &["1P 3M 5P", "3M 5P 8P", "5P 8P 10M"]),
    ("m", &["1P 3m 5P", "3m 5P 8P", "5P 8P 10m"]),
    ("o", &["1P 3m 5d", "3m 5d 8P", "5d 8P 10m"]),
    ("aug", &["1P 3m 5A", "3m 5A 8P", "5A 8P 10m"]),
    ("m7", &["3m 5P 7m 9M", "7m 9M 10m 12P"]),
    ("7", &["3M 6M 7m 9M", "7m 9M 10M 13M"]),
    ("^7", &["3M 5P 7M 9M", "7M 9M 10M 12P"]),
    ("69", &["3M 5P 6A 9M"]),
    ("m7b5", &["3m 5d 7m 8P", "7m 8P 10m 12d"]),
    ("7b9", &["3M 6m 7m 9m", "7m 9m 10M 13m"]),
    ("7b13", &["3M 6m 7m 9m", "7m 9m 10M 13m"]),
    ("o7", &["1P 3m 5d 6M", "5d 6M 8P 10m"]),
    ("7#11", &["7m 9M 11A 13A"]),
    ("7#9", &["3M 7m 9A"]),
    ("mM7", &["3m 5P 7M 9M", "7M 9M 10m 12P"]),
    ("m6", &["3m 5P 6M 9M", "6M 9M 10m 12P"]),
];

/// The dictionaries by name, the default first.
pub const DICTIONARIES: &[(&str, Dictionary)] = &[
    ("ireal", IREAL),
    ("lefthand", LEFTHAND),
    ("triads", TRIADS),
    ("guidetones", GUIDETONES),
    ("legacy", LEGACY),
];

/// Strudel's default anchor, `c5` in its names: MIDI 72.
pub const DEFAULT_ANCHOR_MIDI: f64 = 72.0;

/// How a voicing is placed against the anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Top note at or below the anchor (the default).
    Below,
    /// As `Below`, without the anchor note itself.
    Duck,
    /// Bottom note at or above the anchor.
    Above,
    /// The dictionary's first voicing, its bottom note at or above the anchor.
    Root,
}

impl Mode {
    pub const NAMES: [&'static str; 4] = ["below", "duck", "above", "root"];

    pub fn from_name(s: &str) -> Option<Mode> {
        Some(match s {
            "below" => Mode::Below,
            "duck" => Mode::Duck,
            "above" => Mode::Above,
            "root" => Mode::Root,
            _ => return None,
        })
    }

    /// The note of a voicing compared with the anchor (`modeTarget`).
    fn target(self, v: &[f64]) -> f64 {
        match self {
            Mode::Below | Mode::Duck => v[v.len() - 1],
            Mode::Above | Mode::Root => v[0],
        }
    }
}

/// A chord's root and symbol (`tokenizeChord`: `^([A-G][b#]*)([^/]*)[/]?([A-G][b#]*)?$`; the
/// bass after `/` is not played).
pub fn tokenize_chord(chord: &str) -> Option<(&str, &str)> {
    let first = chord.chars().next()?;
    if !('A'..='G').contains(&first) {
        return None;
    }
    let root_len = 1 + chord[1..]
        .chars()
        .take_while(|c| *c == 'b' || *c == '#')
        .count();
    let (root, rest) = chord.split_at(root_len);
    let (symbol, bass) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let bass_ok = bass.is_empty() || {
        let mut c = bass.chars();
        c.next().is_some_and(|c| ('A'..='G').contains(&c)) && c.all(|c| c == 'b' || c == '#')
    };
    bass_ok.then_some((root, symbol))
}

/// The voicings of `symbol` in `dictionary`, with Strudel's aliases for iReal's.
pub fn voicings_of(dictionary: &str, symbol: &str) -> Option<&'static [&'static str]> {
    let (name, table) = DICTIONARIES.iter().find(|(n, _)| *n == dictionary)?;
    if let Some((_, v)) = table.iter().find(|(k, _)| *k == symbol) {
        return Some(v);
    }
    if *name != "ireal" {
        return None;
    }
    if symbol.is_empty() {
        return voicings_of(name, "^");
    }
    let aliased = |k: &str| {
        [("-", "m"), ("^", "M"), ("+", "aug")]
            .iter()
            .any(|(from, to)| k.contains(from) && k.replacen(from, to, 1) == symbol)
    };
    table.iter().find(|(k, _)| aliased(k)).map(|(_, v)| *v)
}

/// Whether any dictionary voices `chord`.
pub fn known_chord(chord: &str) -> bool {
    tokenize_chord(chord).is_some_and(|(_, symbol)| {
        DICTIONARIES
            .iter()
            .any(|(name, _)| voicings_of(name, symbol).is_some())
    })
}

/// A pitch class's chroma (`pc2chroma`): C = 0, each `#` up, each `b` down.
fn chroma(pc: &str) -> f64 {
    let base = match pc.as_bytes()[0].to_ascii_lowercase() {
        b'c' => 0.0,
        b'd' => 2.0,
        b'e' => 4.0,
        b'f' => 5.0,
        b'g' => 7.0,
        b'a' => 9.0,
        _ => 11.0,
    };
    pc[1..]
        .chars()
        .fold(base, |c, a| c + if a == '#' { 1.0 } else { -1.0 })
}

fn modulo(a: f64, n: f64) -> f64 {
    ((a % n) + n) % n
}

/// What `voicing` reads of an event besides its chord.
#[derive(Clone, Debug)]
pub struct Options<'a> {
    pub dictionary: &'a str,
    pub anchor_midi: f64,
    pub mode: Mode,
    pub offset: f64,
    /// Play only the n-th note of the voicing (upwards, wrapping an octave per turn).
    pub n: Option<f64>,
    pub octaves: f64,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            dictionary: "ireal",
            anchor_midi: DEFAULT_ANCHOR_MIDI,
            mode: Mode::Below,
            offset: 0.0,
            n: None,
            octaves: 1.0,
        }
    }
}

/// `renderVoicing`: the MIDI notes of `chord`, or `None` for a chord the dictionary does not
/// voice.
pub fn render(chord: &str, o: &Options) -> Option<Vec<f64>> {
    let (root, symbol) = tokenize_chord(chord)?;
    let root = chroma(root);
    let anchor_chroma = modulo(o.anchor_midi, 12.0);
    let voicings: Vec<Vec<f64>> = voicings_of(o.dictionary, symbol)?
        .iter()
        .map(|v| {
            v.split(' ')
                .map(|s| interval_semitones(s).unwrap_or(0.0))
                .collect()
        })
        .collect();
    let diffs: Vec<f64> = voicings
        .iter()
        .map(|v| modulo(anchor_chroma - o.mode.target(v) - root, 12.0))
        .collect();
    let mut best = 0;
    for (i, d) in diffs.iter().enumerate() {
        if *d < diffs[best] {
            best = i;
        }
    }
    if o.mode == Mode::Root {
        best = 0;
    }
    let count = voicings.len() as f64;
    let octave_shift = (o.offset / count).ceil() * 12.0;
    let index = modulo(best as f64 + o.offset, count) as usize;
    let voicing = &voicings[index];
    let anchor = o.anchor_midi - diffs[index] + octave_shift;
    let target = o.mode.target(voicing);
    let mut notes: Vec<f64> = voicing.iter().map(|v| anchor - target + v).collect();
    if o.mode == Mode::Duck {
        notes.retain(|n| *n != o.anchor_midi);
    }
    match o.n {
        Some(n) if !notes.is_empty() => {
            let len = notes.len() as f64;
            let n = n.floor();
            let octave = (n / len).floor() * o.octaves * 12.0;
            Some(vec![notes[modulo(n, len) as usize] + octave])
        }
        _ => Some(notes),
    }
}

/// A Phonon pitch as MIDI: a number (0 = middle C) or a note name with Tidal's octaves.
fn pitch_midi(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(n + 60.0),
        Value::Str(s) => note_to_midi(s),
        _ => None,
    }
}

/// The controls `voicing` reads (Strudel's names); the others stay on the notes.
const VOICING_CONTROLS: [&str; 7] = [
    "chord",
    "dictionary",
    "anchor",
    "offset",
    "mode",
    "n",
    "octaves",
];

/// Strudel's `voicing`: each event (a chord symbol, or controls with `chord`) becomes its
/// voicing's notes, each a `note` event of the same span with the event's other controls.
/// A chord no dictionary voices, an unknown dictionary or mode: silence (the checker
/// reports literal ones first).
pub fn voicing(pat: &Pattern) -> Pattern {
    pat.outer_bind(|v| {
        let controls = match v {
            Value::Str(s) => {
                let mut c = Controls::new();
                c.insert("chord", Value::Str(s.clone()));
                c
            }
            Value::Map(m) => (**m).clone(),
            _ => return silence(),
        };
        let text = |k: &str| match controls.get(k) {
            Some(Value::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        let number = |k: &str| controls.get(k).and_then(Value::as_f64);
        let Some(chord) = text("chord") else {
            return silence();
        };
        let dictionary = text("dictionary").unwrap_or_else(|| "ireal".to_string());
        let mode = match text("mode") {
            Some(m) => match Mode::from_name(&m) {
                Some(m) => m,
                None => return silence(),
            },
            None => Mode::Below,
        };
        let options = Options {
            dictionary: &dictionary,
            anchor_midi: controls
                .get("anchor")
                .and_then(pitch_midi)
                .unwrap_or(DEFAULT_ANCHOR_MIDI),
            mode,
            offset: number("offset").unwrap_or(0.0),
            n: number("n"),
            octaves: number("octaves").unwrap_or(1.0),
        };
        let Some(notes) = render(&chord, &options) else {
            return silence();
        };
        let rest: Vec<(&'static str, Value)> = controls
            .iter()
            .filter(|(k, _)| !VOICING_CONTROLS.contains(k))
            .map(|(k, v)| (k, v.clone()))
            .collect();
        stack(
            notes
                .into_iter()
                .map(|midi| {
                    let mut c = Controls::new();
                    c.insert("note", Value::Num(midi - 60.0));
                    for (k, v) in &rest {
                        c.insert(k, v.clone());
                    }
                    pure(Value::map(c))
                })
                .collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected notes (MIDI) generated with `@strudel/tonal` 1.2.6:
    /// `pure({chord, ...options}).voicing()`, each note name read back with `noteToMidi`.
    #[test]
    fn voicings_are_strudels() {
        let cases: Vec<(&str, Options, Option<Vec<f64>>)> = vec![
            (
                "C^7",
                Options::default(),
                Some(vec![48.0, 64.0, 67.0, 71.0]),
            ),
            (
                "Dm7",
                Options::default(),
                Some(vec![53.0, 60.0, 62.0, 65.0, 72.0]),
            ),
            (
                "G7",
                Options::default(),
                Some(vec![55.0, 62.0, 65.0, 67.0, 71.0]),
            ),
            (
                "A-7",
                Options::default(),
                Some(vec![57.0, 60.0, 64.0, 67.0, 72.0]),
            ),
            (
                "Bb^7",
                Options::default(),
                Some(vec![46.0, 62.0, 65.0, 69.0]),
            ),
            (
                "F#m7b5",
                Options::default(),
                Some(vec![54.0, 64.0, 69.0, 72.0]),
            ),
            (
                "Eb",
                Options::default(),
                Some(vec![51.0, 58.0, 63.0, 67.0, 70.0]),
            ),
            (
                "C",
                Options::default(),
                Some(vec![52.0, 60.0, 64.0, 67.0, 72.0]),
            ),
            (
                "Co",
                Options::default(),
                Some(vec![51.0, 60.0, 63.0, 66.0, 72.0]),
            ),
            (
                "Caug",
                Options::default(),
                Some(vec![52.0, 60.0, 64.0, 68.0, 72.0]),
            ),
            (
                "Gsus",
                Options::default(),
                Some(vec![55.0, 60.0, 62.0, 67.0, 72.0]),
            ),
            (
                "C69",
                Options::default(),
                Some(vec![48.0, 55.0, 62.0, 64.0, 69.0]),
            ),
            (
                "C^7",
                Options {
                    anchor_midi: 67.0,
                    ..Options::default()
                },
                Some(vec![48.0, 55.0, 59.0, 64.0, 67.0]),
            ),
            (
                "C^7",
                Options {
                    anchor_midi: 67.0,
                    mode: Mode::Above,
                    ..Options::default()
                },
                Some(vec![67.0, 72.0, 76.0, 79.0, 83.0]),
            ),
            (
                "C^7",
                Options {
                    mode: Mode::Duck,
                    ..Options::default()
                },
                Some(vec![48.0, 64.0, 67.0, 71.0]),
            ),
            (
                "C^7",
                Options {
                    mode: Mode::Root,
                    ..Options::default()
                },
                Some(vec![72.0, 79.0, 83.0, 88.0, 91.0]),
            ),
            (
                "C^7",
                Options {
                    offset: 1.0,
                    ..Options::default()
                },
                Some(vec![64.0, 72.0, 76.0, 79.0, 83.0]),
            ),
            (
                "C^7",
                Options {
                    offset: -2.0,
                    ..Options::default()
                },
                Some(vec![43.0, 48.0, 52.0, 59.0, 64.0]),
            ),
            (
                "Dm7",
                Options {
                    dictionary: "lefthand",
                    ..Options::default()
                },
                Some(vec![60.0, 64.0, 65.0, 69.0]),
            ),
            (
                "Dm7",
                Options {
                    dictionary: "triads",
                    ..Options::default()
                },
                None,
            ),
            (
                "G7",
                Options {
                    dictionary: "guidetones",
                    ..Options::default()
                },
                Some(vec![65.0, 71.0]),
            ),
            (
                "G7",
                Options {
                    dictionary: "legacy",
                    ..Options::default()
                },
                Some(vec![59.0, 64.0, 65.0, 69.0]),
            ),
            (
                "C^7",
                Options {
                    n: Some(0.0),
                    ..Options::default()
                },
                Some(vec![48.0]),
            ),
            (
                "C^7",
                Options {
                    n: Some(3.0),
                    ..Options::default()
                },
                Some(vec![71.0]),
            ),
            (
                "C^7",
                Options {
                    n: Some(7.0),
                    ..Options::default()
                },
                Some(vec![83.0]),
            ),
            (
                "C^7",
                Options {
                    n: Some(-1.0),
                    ..Options::default()
                },
                Some(vec![59.0]),
            ),
            (
                "C^7",
                Options {
                    n: Some(5.0),
                    octaves: 2.0,
                    ..Options::default()
                },
                Some(vec![88.0]),
            ),
            (
                "C^7/E",
                Options::default(),
                Some(vec![48.0, 64.0, 67.0, 71.0]),
            ),
            (
                "CM7",
                Options::default(),
                Some(vec![48.0, 64.0, 67.0, 71.0]),
            ),
            (
                "Cm7",
                Options::default(),
                Some(vec![58.0, 63.0, 67.0, 70.0, 72.0]),
            ),
            (
                "C+",
                Options::default(),
                Some(vec![52.0, 60.0, 64.0, 68.0, 72.0]),
            ),
        ];
        for (chord, options, want) in cases {
            assert_eq!(render(chord, &options), want, "{chord} {options:?}");
        }
    }

    #[test]
    fn chords_tokenize_as_strudel_reads_them() {
        assert_eq!(tokenize_chord("Bb^7/D"), Some(("Bb", "^7")));
        assert_eq!(tokenize_chord("F#m7b5"), Some(("F#", "m7b5")));
        assert_eq!(tokenize_chord("C"), Some(("C", "")));
        assert_eq!(tokenize_chord("c^7"), None);
        assert_eq!(tokenize_chord("C/x"), None);
        assert!(known_chord("Dm9") && known_chord("C^7") && !known_chord("Cxyz"));
    }
}
