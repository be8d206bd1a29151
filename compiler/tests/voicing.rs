//! `voicing` and its controls through the language, against `@strudel/tonal` 1.2.6's
//! voicings (MIDI notes generated with `pure({chord, ...}).voicing()`; Phonon's note numbers
//! are MIDI - 60), and its mistakes as errors at the word.

use phonon_compiler::front_end;
use phonon_compiler::query::query_expression;
use phonon_runtime::Rational;

/// The notes of each event over cycle `cycle`, as MIDI numbers, in time then pitch order.
fn notes(expr: &str, cycle: i64) -> Vec<(Rational, f64)> {
    let p = query_expression(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let mut out: Vec<(Rational, f64)> = p
        .query_span(Rational::int(cycle), Rational::int(cycle + 1))
        .iter()
        .map(|h| {
            let w = h.whole.expect("discrete");
            let phonon_runtime::pattern::Value::Map(m) = &h.value else {
                panic!("{expr}: not controls");
            };
            let note = m.get("note").and_then(|v| v.as_f64()).expect("a note");
            (w.begin, note + 60.0)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    out
}

fn chord_at(expr: &str, cycle: i64) -> Vec<f64> {
    notes(expr, cycle).into_iter().map(|(_, n)| n).collect()
}

#[test]
fn a_chord_pattern_plays_strudels_voicings() {
    let e = "voicing $ chord \"<C^7 Dm7 G7 A-7 Bb^7 F#m7b5>\"";
    let want: [&[f64]; 6] = [
        &[48.0, 64.0, 67.0, 71.0],
        &[53.0, 60.0, 62.0, 65.0, 72.0],
        &[55.0, 62.0, 65.0, 67.0, 71.0],
        &[57.0, 60.0, 64.0, 67.0, 72.0],
        &[46.0, 62.0, 65.0, 69.0],
        &[54.0, 64.0, 69.0, 72.0],
    ];
    for (cycle, w) in want.iter().enumerate() {
        assert_eq!(chord_at(e, cycle as i64), *w, "cycle {cycle}");
    }
    // Strings voice as chords too; the other controls stay on every note.
    let with = notes("voicing \"Eb\" # s \"superpiano\"", 0);
    assert_eq!(
        with.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [51.0, 58.0, 63.0, 67.0, 70.0]
    );
}

#[test]
fn the_controls_move_the_voicing_as_strudels_do() {
    let c = |extra: &str| chord_at(&format!("voicing $ chord \"C^7\" # {extra}"), 0);
    // Phonon's g5 is Strudel's g4 (MIDI 67).
    assert_eq!(c("anchor \"g5\""), [48.0, 55.0, 59.0, 64.0, 67.0]);
    assert_eq!(c("anchor 7"), [48.0, 55.0, 59.0, 64.0, 67.0]);
    assert_eq!(
        c("anchor \"g5\" # mode \"above\""),
        [67.0, 72.0, 76.0, 79.0, 83.0]
    );
    assert_eq!(c("mode \"duck\""), [48.0, 64.0, 67.0, 71.0]);
    assert_eq!(c("mode \"root\""), [72.0, 79.0, 83.0, 88.0, 91.0]);
    assert_eq!(c("offset 1"), [64.0, 72.0, 76.0, 79.0, 83.0]);
    assert_eq!(c("offset (-2)"), [43.0, 48.0, 52.0, 59.0, 64.0]);
    let d = |dict: &str, chord: &str| {
        chord_at(&format!("voicing $ chord \"{chord}\" # dict \"{dict}\""), 0)
    };
    assert_eq!(d("lefthand", "Dm7"), [60.0, 64.0, 65.0, 69.0]);
    assert_eq!(d("guidetones", "G7"), [65.0, 71.0]);
    assert_eq!(d("legacy", "G7"), [59.0, 64.0, 65.0, 69.0]);
    // Not in that dictionary: silence, as in Strudel.
    assert!(d("triads", "Dm7").is_empty());
    // `n` plays one note of the voicing, wrapping up by `octaves`.
    assert_eq!(
        notes("voicing $ n \"0 3 7 -1\" # chord \"C^7\"", 0)
            .into_iter()
            .map(|(_, n)| n)
            .collect::<Vec<_>>(),
        [48.0, 71.0, 83.0, 59.0]
    );
    assert_eq!(c("n 5 # octaves 2"), [88.0]);
    // Aliases: CM7 is C^7, Cm7 is C-7, Caug is C+. (A slash chord cannot be written in
    // mini-notation, where `/` slows down, in Strudel as here.)
    assert_eq!(chord_at("voicing \"CM7\"", 0), [48.0, 64.0, 67.0, 71.0]);
    assert_eq!(
        chord_at("voicing \"Cm7\"", 0),
        [58.0, 63.0, 67.0, 70.0, 72.0]
    );
    assert_eq!(
        chord_at("voicing \"Caug\"", 0),
        [52.0, 60.0, 64.0, 68.0, 72.0]
    );
}

#[test]
fn unknown_chords_dictionaries_and_modes_are_errors_at_the_word() {
    for (src, word, message) in [
        (
            "chord \"<C^7 Cxyz>\"",
            "Cxyz",
            "`Cxyz` is not a chord symbol",
        ),
        ("chord \"c^7\"", "c^7", "`c^7` is not a chord symbol"),
        (
            "chord \"C\" # dict \"jazz\"",
            "jazz",
            "`jazz` is not a voicing dictionary",
        ),
        (
            "chord \"C\" # mode \"up\"",
            "up",
            "`up` is not a voicing mode",
        ),
    ] {
        let full = format!("out: voicing $ {src} # s \"superpiano\"");
        let f = front_end(&full);
        let e: Vec<_> = f.errors().collect();
        assert_eq!(e.len(), 1, "{full}: {e:#?}");
        assert_eq!(e[0].message, message);
        assert_eq!(&full[e[0].span.clone()], word);
    }
}
