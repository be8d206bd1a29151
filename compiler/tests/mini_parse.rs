//! Mini-notation parsing against the Strudel oracle corpus, and the structure of tricky cases.

use phonon_compiler::mini::ast::{Elem, Group, MiniPattern, Op};
use phonon_compiler::mini::parse_mini;

fn lines(data: &str) -> impl Iterator<Item = &str> {
    data.lines().filter(|l| !l.starts_with('#'))
}

#[test]
fn every_corpus_string_strudel_accepts_parses() {
    let data = include_str!("data/mini_strings_ok.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for s in lines(data) {
        count += 1;
        if let Err(d) = parse_mini(s, 0) {
            failures.push(format!("{s:?}: {}", d[0].message));
        }
    }
    assert!(count >= 290, "corpus has {count} strings");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_corpus_string_strudel_rejects_is_an_error() {
    let data = include_str!("data/mini_strings_err.txt");
    for s in lines(data) {
        assert!(parse_mini(s, 0).is_err(), "{s:?} should not parse");
    }
}

fn parse(s: &str) -> MiniPattern {
    parse_mini(s, 0).unwrap_or_else(|d| panic!("{s:?}: {d:?}"))
}

fn steps(p: &MiniPattern) -> &[phonon_compiler::mini::ast::Step] {
    match &p.root {
        Group::Seq(s) => &s.steps,
        other => panic!("not a sequence: {other:?}"),
    }
}

#[test]
fn weights_follow_krill() {
    let p = parse("a@3 b _ _ c!2@3 d!!!");
    let w: Vec<f64> = steps(&p).iter().map(|s| s.weight).collect();
    // a@3 = 3; b _ _ = 3; c!2@3: reps 2 sets weight 2, then @3 adds 2 = 4; d!!! = 4 reps.
    assert_eq!(w, vec![3.0, 3.0, 4.0, 4.0]);
    assert_eq!(steps(&p)[3].ops, vec![Op::Replicate(4)]);
}

#[test]
fn seeds_are_numbered_inner_first() {
    // `[a? | b?]?`: the two inner `?` first (0, 1), then the `|` group (2), then the outer `?` (3).
    let p = parse("[a? | b?]? c?");
    let outer = &steps(&p)[0];
    let Elem::Sub(group) = &outer.elem else {
        panic!()
    };
    let Group::Choose { alternatives, seed } = &**group else {
        panic!("{group:?}")
    };
    assert_eq!(*seed, 2);
    let inner_seed = |i: usize| match &alternatives[i].steps[0].ops[0] {
        Op::Degrade { seed, .. } => *seed,
        other => panic!("{other:?}"),
    };
    assert_eq!((inner_seed(0), inner_seed(1)), (0, 1));
    assert!(matches!(outer.ops[0], Op::Degrade { seed: 3, .. }));
    assert!(matches!(steps(&p)[1].ops[0], Op::Degrade { seed: 4, .. }));
}

#[test]
fn spans_point_into_the_file() {
    // The string's text starts at byte 10 of some file.
    let p = parse_mini("bd [sn hh]", 10).unwrap();
    assert_eq!(p.span, 10..20);
    assert_eq!(steps(&p)[0].span.start, 10);
    assert_eq!(steps(&p)[1].span.start, 13);
}

#[test]
fn errors_point_at_the_right_character() {
    let e = parse_mini("bd sn $ hh", 100).unwrap_err();
    assert_eq!(e[0].span, 106..107);
    assert!(e[0].message.contains("unknown mini-notation operator `$`"));
    let e = parse_mini("bd [sn hh", 0).unwrap_err();
    assert!(
        e[0].hint.as_deref().unwrap().contains("never closed"),
        "{e:?}"
    );
    let e = parse_mini("bd%3", 0).unwrap_err();
    assert!(e[0].hint.as_deref().unwrap().contains("{a b c}%4"), "{e:?}");
}

#[test]
fn ranges_feet_euclid_and_polymeter() {
    let p = parse("0 .. 3");
    assert!(matches!(steps(&p)[0].ops[0], Op::Range(_)));
    assert_eq!(steps(&p).len(), 1);
    // Without spaces it is one word, as in Strudel.
    assert!(matches!(&steps(&parse("0..3"))[0].elem, Elem::Atom(a) if a == "0..3"));
    assert!(matches!(parse("a b . c d").root, Group::Feet { ref feet, .. } if feet.len() == 2));
    let p = parse("bd(<3 5>,8,2)");
    assert!(matches!(
        &steps(&p)[0].ops[0],
        Op::Euclid {
            rotation: Some(_),
            ..
        }
    ));
    let p = parse("{a b c, d e}%<2 4>");
    assert!(
        matches!(&steps(&p)[0].elem, Elem::Poly { sequences, steps_per_cycle: Some(_) } if sequences.len() == 2)
    );
}

#[test]
fn chords_and_note_names_are_words() {
    let p = parse("c4'maj e3'min7 f#2 eb3");
    let words: Vec<&str> = steps(&p)
        .iter()
        .map(|s| match &s.elem {
            Elem::Atom(a) => a.as_str(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(words, vec!["c4'maj", "e3'min7", "f#2", "eb3"]);
}

#[test]
fn a_word_where_a_number_must_stand_is_an_error_at_the_word() {
    // Strudel stops on these with "Invalid argument" / "Invalid array length"; they are
    // never silence here.
    for (s, word) in [
        ("a*x", "x"),
        ("a/E", "E"),
        ("bd(3,x)", "x"),
        ("bd(3,8,r)", "r"),
        ("[a b]*<2 y>", "y"),
        ("{a b}%x", "x"),
    ] {
        let d = parse_mini(s, 10).expect_err(s);
        assert_eq!(d[0].message, format!("`{word}` is not a number"), "{s}");
        assert_eq!(&s[d[0].span.start - 10..d[0].span.end - 10], word, "{s}");
    }
    for s in [
        "a*<2 3>",
        "a(<3 5>,8,<0 2>)",
        "a/1.5",
        "{a b c}%<2 4>",
        "a*~",
    ] {
        parse(s);
    }
}
