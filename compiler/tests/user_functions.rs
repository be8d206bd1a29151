//! User functions (`~name params: body`): a use means what the body means with the arguments
//! in place, in every form Tidal's `let` allows (partial application included), and every
//! mistake is an error at the use and at the definition.

use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::front_end;
use phonon_compiler::query::query_source;
use phonon_runtime::Rational;

/// The events of cycles 0..2 of output `out`, one line each, sorted.
fn events(src: &str, out: &str) -> Vec<String> {
    let p = query_source(src, "test.ph", Some(out)).unwrap_or_else(|e| panic!("{src}\n{e}"));
    let mut v: Vec<String> = p
        .query_span(Rational::int(0), Rational::int(2))
        .iter()
        .map(|h| format!("{:?} {:?} {}", h.whole, h.part, h.value.to_json()))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "{src}: no events");
    v
}

/// Each use equals what it stands for, written out.
#[track_caller]
fn same(defs: &str, with_function: &str, written_out: &str) {
    let a = format!("{defs}\nout: {with_function}");
    let b = format!("out: {written_out}");
    assert_eq!(events(&a, "out"), events(&b, "out"), "{with_function}");
}

const DEFS: &str = "~swingy amt pat: swingBy amt 4 $ pat
~loud pat: pat # gain 1.2
~up n_ pat: pat |+ note n_
~echoes t pat: pat $ off t (# speed 2) $ fast 2
~twice f pat: f (f pat)
~both f g pat: stack [f pat, g pat]
~fastRev pat: rev (fast 2 pat)
~octaves pat: ~up 12 pat + ~up 24 pat";

#[test]
fn a_use_is_its_body_with_the_arguments_in_place() {
    same(
        DEFS,
        "~swingy (1/3) (s \"hh*8\")",
        "swingBy (1/3) 4 $ s \"hh*8\"",
    );
    same(DEFS, "~loud (s \"bd sn\")", "s \"bd sn\" # gain 1.2");
    same(DEFS, "~up 7 (note \"0 3\")", "note \"0 3\" |+ note 7");
    same(
        DEFS,
        "~echoes 0.125 (s \"cp\")",
        "s \"cp\" $ off 0.125 (# speed 2) $ fast 2",
    );
    // A transform as an argument, applied in the body.
    same(
        DEFS,
        "~twice (fast 2) (s \"bd sn\")",
        "fast 2 (fast 2 (s \"bd sn\"))",
    );
    same(
        DEFS,
        "~twice rev (s \"bd sn hh\")",
        "rev (rev (s \"bd sn hh\"))",
    );
    same(
        DEFS,
        "~both (fast 2) (# speed 2) (s \"bd sn\")",
        "stack [fast 2 (s \"bd sn\"), s \"bd sn\" # speed 2]",
    );
    same(DEFS, "~fastRev $ s \"a b c\"", "rev (fast 2 (s \"a b c\"))");
    // A function using a function; a parameter named twice gets its argument twice.
    same(
        DEFS,
        "~octaves (note \"0 4\")",
        "(note \"0 4\" |+ note 12) + (note \"0 4\" |+ note 24)",
    );
    // A function used several times in one expression, each use with its own arguments.
    same(
        DEFS,
        "stack [~loud (s \"bd\"), ~loud (s \"~ sn\"), ~up 3 (note \"<0 5>\")]",
        "stack [s \"bd\" # gain 1.2, s \"~ sn\" # gain 1.2, note \"<0 5>\" |+ note 3]",
    );
}

#[test]
fn a_use_without_its_last_argument_is_a_transform() {
    // Haskell's partial application: the body must end with the parameter left out.
    same(
        DEFS,
        "every 2 (~swingy 0.2) $ s \"hh*8\"",
        "every 2 (swingBy 0.2 4) $ s \"hh*8\"",
    );
    same(
        DEFS,
        "every 2 ~loud $ s \"bd sn\"",
        "every 2 (# gain 1.2) $ s \"bd sn\"",
    );
    same(
        DEFS,
        "jux (~up 12) $ note \"0 7\"",
        "jux (|+ note 12) $ note \"0 7\"",
    );
    same(
        DEFS,
        "sometimesBy 0.5 (~echoes 0.25) $ s \"bd*4\"",
        "sometimesBy 0.5 (fast 2 . off 0.25 (# speed 2)) $ s \"bd*4\"",
    );
    same(
        DEFS,
        "~twice (~up 1) $ note \"0\"",
        "note \"0\" |+ note 1 |+ note 1",
    );
    same(
        DEFS,
        "~fastRev . ~loud $ s \"a b\"",
        "rev (fast 2 (s \"a b\" # gain 1.2))",
    );
    same(
        "~tr pat: pat + note 1 # gain 0.5",
        "every 2 ~tr $ note \"0 1\"",
        "every 2 ((# gain 0.5) . (+ note 1)) $ note \"0 1\"",
    );
}

#[test]
fn a_parameter_named_like_a_built_in_is_the_parameter_in_the_body() {
    same(
        "~f gain pat: pat # speed gain",
        "~f 2 (s \"bd\")",
        "s \"bd\" # speed 2",
    );
    same(
        "~f n pat: fast n pat",
        "~f 3 (s \"bd\")",
        "fast 3 (s \"bd\")",
    );
}

#[test]
fn functions_may_be_used_before_their_definition_and_redefined() {
    let src = "out: ~f (s \"bd\")\n~f pat: fast 2 pat\n~f pat: fast 3 pat";
    let fe = front_end(src);
    assert!(!fe.has_errors(), "{:#?}", fe.diagnostics);
    let w: Vec<&Diagnostic> = fe.diagnostics.iter().collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!(w[0].message, "`~f` is defined again; this definition wins");
    assert_eq!(w[0].line_col(src), (3, 1));
    assert_eq!(events(src, "out").len(), 6);
}

fn errors(src: &str) -> Vec<Diagnostic> {
    front_end(src).errors().cloned().collect()
}

#[track_caller]
fn one_error(src: &str) -> Diagnostic {
    let e = errors(src);
    assert_eq!(e.len(), 1, "{src}\n{e:#?}");
    e.into_iter().next().unwrap()
}

/// The `line:col` of each secondary label, with its text.
fn secondary(src: &str, d: &Diagnostic) -> Vec<((usize, usize), String)> {
    d.secondary
        .iter()
        .map(|(s, l)| {
            (
                phonon_compiler::diagnostic::line_col(src, s.start),
                l.clone(),
            )
        })
        .collect()
}

#[test]
fn recursion_is_an_error_at_the_use_with_the_definition() {
    let src = "~f pat: fast 2 (~f pat)\nout: ~f (s \"bd\")";
    let d = one_error(src);
    assert_eq!(d.message, "`~f` uses itself");
    assert_eq!(d.line_col(src), (1, 17));
    assert!(secondary(src, &d).contains(&((1, 1), "defined here".to_string())));

    // Through another function: each definition in the cycle says so, once.
    let src = "~a pat: ~b pat\n~b pat: ~a (fast 2 pat)\nout: ~a (s \"cp\")";
    let e = errors(src);
    let messages: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`~b` uses itself: ~b → ~a → ~b",
            "`~a` uses itself: ~a → ~b → ~a"
        ],
        "{e:#?}"
    );
    assert_eq!(e[0].line_col(src), (1, 9));
    assert_eq!(e[1].line_col(src), (2, 9));
}

#[test]
fn an_error_in_a_body_is_reported_once_in_the_body() {
    let src = "~f pat: fsat 2 pat\nout: ~f (s \"bd\") + ~f (s \"sn\")";
    let d = one_error(src);
    assert_eq!(d.message, "unknown function `fsat`");
    assert_eq!(d.line_col(src), (1, 9));
    assert_eq!(d.hint.as_deref(), Some("did you mean `fast`?"));
}

#[test]
fn an_error_that_depends_on_the_arguments_points_at_the_argument_and_the_body() {
    // `fast` needs a pattern as its input: given a transform, the body is wrong for this use.
    let src = "~f x: fast 2 x # gain 0.5\nout: s \"bd\"\no2: ~f rev";
    let d = one_error(src);
    assert_eq!(
        d.message,
        "`fast` transforms a pattern, but this is a transform"
    );
    assert_eq!(d.line_col(src), (3, 8));
    assert!(
        secondary(src, &d).contains(&((1, 14), "`~f` uses it as `x` here".to_string())),
        "{d:#?}"
    );
    // What is wrong in the body for this use only: at the body, with the use.
    let src = "~f x: x # speed 2\nout: ~f (s \"bd\") + ~f [s \"a\", s \"b\"]";
    let d = one_error(src);
    assert_eq!(d.message, "`#` does not work on lists");
    assert_eq!(d.line_col(src), (1, 11));
    assert!(
        secondary(src, &d).contains(&((2, 20), "in this use of `~f`".to_string())),
        "{d:#?}"
    );
}

#[test]
fn uses_with_the_wrong_arguments_are_errors() {
    let defs = "~f a b: fast a b\n~g pat: rev pat\n";
    let cases = [
        (
            "out: ~f 1 2 (s \"bd\")",
            "`~f` takes 2 arguments (a, b) but is given 3",
            (3, 6),
        ),
        (
            "out: ~f $ s \"bd\"",
            "`~f` takes 2 arguments (a, b) but is given 0",
            (3, 6),
        ),
        (
            "out: ~g :pat (s \"bd\")",
            "`~g` takes its arguments in order, not by name",
            (3, 9),
        ),
        (
            "out: s \"bd\" $ ~h 2",
            "the bus `~h` is never defined",
            (3, 15),
        ),
    ];
    for (use_, message, pos) in cases {
        let src = format!("{defs}{use_}");
        let d = one_error(&src);
        assert_eq!(d.message, message, "{src}");
        assert_eq!(d.line_col(&src), pos, "{src}");
    }
    // A partial use whose body does not end with the parameter left out.
    let src = "~f pat: stack [pat, fast 2 pat]\nout: every 2 ~f $ s \"bd\"";
    let d = one_error(src);
    assert_eq!(d.message, "`~f` is used without its last argument, `pat`");
    assert_eq!(d.line_col(src), (2, 14));
}

#[test]
fn bad_definitions_are_errors() {
    let d = one_error("~f a a: fast a a\nout: ~f 2 (s \"bd\")");
    assert_eq!(d.message, "the parameter `a` is named twice");
    let src = "~f: s \"bd\"\n~f pat: fast 2 pat\nout: ~f";
    let d = one_error(src);
    assert_eq!(d.message, "`~f` is both a bus and a function");
    assert_eq!(d.line_col(src), (2, 1));
    let src = "~f pat fast 2 pat\nout: s \"bd\"";
    let d = one_error(src);
    assert_eq!(d.message, "expected `:` after `~f` and its parameters");
    let src = "~f pat: pat # spede 2\nout: ~f (s \"bd\")";
    let d = one_error(src);
    assert_eq!(d.line_col(src), (1, 15));
}

#[test]
fn the_syntax_tree_shows_positions_as_written() {
    let src = "~f pat: fast 2 pat\nout: ~f (s \"bd sn\")";
    let fe = front_end(src);
    let dump = phonon_compiler::ast_dump::dump_checked(&fe.checked, src);
    assert!(dump.contains("function ~f (pat) @1:1"), "{dump}");
    assert!(dump.contains("ident fast @1:9"), "{dump}");
    assert!(dump.contains("string \"bd sn\" @2:12"), "{dump}");
    assert!(dump.contains("atom sn @2:16"), "{dump}");
}

#[test]
fn an_expansion_that_doubles_at_each_level_is_stopped() {
    // Each level uses the one below twice: 2^40 copies of `s "bd"` if nothing stopped it.
    let mut src = String::from("~f0 x: x + x\n");
    for i in 1..40 {
        src.push_str(&format!("~f{i} x: ~f{} (~f{} x)\n", i - 1, i - 1));
    }
    src.push_str("out: ~f39 (s \"bd\")\n");
    let start = std::time::Instant::now();
    let e = errors(&src);
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(
        e[0].message,
        "expanding the functions of this program makes more than 200000 expressions"
    );
}
