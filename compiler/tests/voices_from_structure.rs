//! Whether an oscillator without an envelope plays one voice per note (its pattern can sound
//! several notes at once) or holds each note until the next: decided from the pattern's
//! structure, so a comma in a Euclid rhythm is not a stack.

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};

/// The instruments (note patterns played by synth voices) of `src`.
fn instruments(src: &str) -> usize {
    compile(src, &Catalogue::default(), &Options::default())
        .unwrap_or_else(|d| panic!("{src}: {d:?}"))
        .summary()
        .instruments
}

#[test]
fn chords_stacks_and_layers_play_voices() {
    for src in [
        "o1: saw \"c4'maj e4'min\"\n",
        "o1: saw \"[c3, e3] g3\"\n",
        "o1: saw \"<c3 e3, g3>\"\n",
        "o1: saw (stack [\"c3\", \"e3\"])\n",
        "o1: saw (superimpose (fast 2) \"c3 e3\")\n",
        "~m: \"c3 [e3, g3]\"\no1: saw ~m\n",
        "o1: superimpose (fast 2) $ saw \"c3 e3\"\n",
    ] {
        assert_eq!(instruments(src), 1, "{src}");
    }
}

#[test]
fn rhythms_and_alternations_hold_their_notes() {
    for src in [
        "o1: saw \"c3(3,8)\"\n",
        "o1: saw \"c3(3,8,2) e3*2\"\n",
        "o1: saw \"c3 ~ e3\"\n",
        "o1: saw \"<c3 e3> g3@3\"\n",
        "o1: saw \"c3 | e3\"\n",
        "o1: fast 2 $ saw \"c3 e3\"\n",
    ] {
        assert_eq!(instruments(src), 0, "{src}");
    }
}
