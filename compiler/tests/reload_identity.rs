//! What a reload counts as a change of an output: the structure of what it computes (its
//! nodes, constants and wiring, and each pattern with the transforms applied to it), never
//! the layout of the text. An unchanged output switches at once and continues sample for
//! sample; a changed one crossfades.

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};

/// The code of each output of `src`, in output order.
fn codes(src: &str) -> Vec<u64> {
    let kit = Catalogue::new(["bd", "sn", "hh"].map(String::from), vec![]);
    let c = compile(src, &kit, &Options::default()).unwrap_or_else(|d| panic!("{src}: {d:?}"));
    c.spec.outputs.iter().map(|o| o.code).collect()
}

fn changed(before: &str, after: &str) -> bool {
    let (a, b) = (codes(before), codes(after));
    assert_eq!(a.len(), b.len());
    a[0] != b[0]
}

#[test]
fn an_edit_of_a_transform_an_argument_or_a_pattern_is_a_change() {
    for (before, after) in [
        // A transform around a pattern played by an oscillator, and around a sample pattern.
        (
            "o1: fast 2 $ saw \"c3 e3\" # lpf 800\n",
            "o1: fast 3 $ saw \"c3 e3\" # lpf 800\n",
        ),
        ("o1: fast 2 $ s \"bd sn\"\n", "o1: fast 3 $ s \"bd sn\"\n"),
        ("o1: fast 2 $ s \"bd sn\"\n", "o1: slow 2 $ s \"bd sn\"\n"),
        ("o1: rev $ s \"bd sn\"\n", "o1: s \"bd sn\"\n"),
        // The mini-notation.
        ("o1: saw \"c3 e3\"\n", "o1: saw \"c3 g3\"\n"),
        ("o1: s \"bd sn\"\n", "o1: s \"bd(3,8) sn\"\n"),
        // A transform's argument inside the pattern.
        (
            "o1: saw (every 4 (fast 2) \"c3 e3\")\n",
            "o1: saw (every 3 (fast 2) \"c3 e3\")\n",
        ),
        // A constant of the signal graph.
        ("o1: saw 55 # lpf 800\n", "o1: saw 55 # lpf 900\n"),
        // A bus the output reads, edited where it is defined.
        ("~m: \"c3 e3\"\no1: saw ~m\n", "~m: \"c3 g3\"\no1: saw ~m\n"),
        // A function the output uses, edited where it is defined, or used with another
        // argument.
        (
            "~f p: fast 2 p\no1: ~f (s \"bd sn\")\n",
            "~f p: fast 3 p\no1: ~f (s \"bd sn\")\n",
        ),
        (
            "~f x p: fast x p\no1: ~f 2 (s \"bd sn\")\n",
            "~f x p: fast x p\no1: ~f 3 (s \"bd sn\")\n",
        ),
        (
            "~f x: saw x # lpf 800\no1: ~f 55\n",
            "~f x: saw x # lpf 900\no1: ~f 55\n",
        ),
    ] {
        assert!(changed(before, after), "{before} -> {after}");
    }
}

#[test]
fn layout_comments_and_other_outputs_are_not_a_change_of_this_one() {
    for (before, after) in [
        ("o1: saw \"c3 e3\"\n", "o1: saw \"c3   e3\"\n"),
        (
            "o1: fast 2 $ s \"bd sn\"\n",
            "-- drums\n\no1:   fast 2  $  s \"bd  sn\"  -- two\n",
        ),
        // A function moved, with a comment, and a function no output uses.
        (
            "~f p: fast 2 p\no1: ~f (s \"bd sn\")\n",
            "o1: ~f (s \"bd sn\") -- later\n\n~f p:   fast 2  p\n~g p: rev p\n",
        ),
        (
            "o1: saw \"c3 e3\" # lpf 800\no2: sine 440\n",
            "o1: saw \"c3 e3\" # lpf 800\no2: sine 660\n",
        ),
        (
            "~m: \"c3 e3\"\no1: saw ~m\n",
            "~m: \"c3  e3\" -- the same\no1: saw ~m\n",
        ),
    ] {
        assert!(!changed(before, after), "{before} -> {after}");
    }
    // The other output did change.
    let (a, b) = (
        codes("o1: saw 55\no2: sine 440\n"),
        codes("o1: saw 55\no2: sine 660\n"),
    );
    assert_ne!(a[1], b[1]);
}
