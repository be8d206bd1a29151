//! The front end must never panic. Over 100,000 generated inputs per run: random mutations of
//! snippets of the examples, and random token soup. Deterministic (seeded); set
//! `PHONON_FUZZ_SEED` and `PHONON_FUZZ_CASES` to explore further.

use phonon_compiler::{diagnostic::render_all, front_end};
use phonon_runtime::Rational;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// xorshift64*: small, fast, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TOKENS: &[&str] = &[
    "out",
    "o1",
    "d2",
    "out3",
    "~a",
    "~b",
    "~fx",
    "tempo",
    "cps",
    "bpm",
    "hush",
    ":",
    "$",
    "#",
    "+",
    "-",
    "*",
    "/",
    "|+",
    "+|",
    "|+|",
    "|<",
    "|>",
    "|*",
    "(",
    ")",
    "[",
    "]",
    ",",
    "\n",
    "\n  ",
    " ",
    "  ",
    "0",
    "1",
    "-1",
    "0.5",
    ".5",
    "1e-3",
    "440",
    "fast",
    "slow",
    "rev",
    "every",
    "jux",
    "stut",
    "s",
    "n",
    "note",
    "sine",
    "saw",
    "lpf",
    "reverb",
    "delay",
    "gain",
    "pan",
    "stack",
    "cat",
    "timeCat",
    ":mix",
    ":q",
    "--c",
    "//c",
    "\"bd sn\"",
    "\"<a b>*2\"",
    "\"[\"",
    "\"\"",
    "\"a(3,8,<0 2>)\"",
    "\"{a b}%4\"",
    "\"a? b?0.3 | c\"",
    "\"0 .. 3\"",
    "\"c4'maj e3\"",
    "\"a@3 _ !\"",
    "\"",
    "é",
    "∿",
    "\t",
    "?",
    "{",
    "}",
    "<",
    ">",
    "@",
    "!",
    "%",
    "&",
    "^",
    "_",
    "'",
    ";",
    "=",
];

const MINI_CHARS: &[&str] = &[
    "a", "bd", "~", "-", " ", "[", "]", "<", ">", "{", "}", ",", "|", ".", "..", "@", "_", "!",
    "?", "*", "/", ":", "(", ")", "%", "3", "0.5", "-1", "c4'maj", "#", "^", "é", "\n",
];

fn random_mini(rng: &mut Rng) -> String {
    let len = rng.below(12);
    let mut s = String::from("\"");
    for _ in 0..len {
        s.push_str(rng.pick(MINI_CHARS));
    }
    s.push('"');
    s
}

fn token_soup(rng: &mut Rng) -> String {
    let len = 1 + rng.below(40);
    let mut s = String::new();
    if rng.below(2) == 0 {
        s.push_str(rng.pick(&["out: ", "~a: ", "o1 $ ", "tempo: "]));
    }
    for _ in 0..len {
        if rng.below(6) == 0 {
            s.push_str(&random_mini(rng));
        } else {
            s.push_str(rng.pick(TOKENS));
        }
        if rng.below(3) > 0 {
            s.push(' ');
        }
    }
    s
}

fn char_boundary_at_or_before(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Rng, snippet: &str) -> String {
    let mut s = snippet.to_string();
    for _ in 0..1 + rng.below(4) {
        let a = char_boundary_at_or_before(&s, rng.below(s.len() + 1));
        let b = char_boundary_at_or_before(&s, a + rng.below(12));
        let (a, b) = (a.min(b), a.max(b));
        match rng.below(6) {
            0 => s.replace_range(a..b, ""),
            1 => s.insert_str(a, rng.pick(TOKENS)),
            2 => {
                let piece = s[a..b].to_string();
                s.insert_str(b, &piece);
            }
            3 => s.replace_range(a..b, rng.pick(TOKENS)),
            4 => s.truncate(a),
            _ => s.insert_str(a, &random_mini(rng)),
        }
    }
    s
}

fn example_snippets() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let mut snippets = Vec::new();
    for entry in std::fs::read_dir(dir).expect("examples directory") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "ph") {
            let text = std::fs::read_to_string(&path).expect("example");
            let lines: Vec<&str> = text.lines().collect();
            // Windows of up to four lines keep inputs small, so many can be tried.
            for start in 0..lines.len() {
                let end = (start + 4).min(lines.len());
                snippets.push(lines[start..end].join("\n"));
            }
        }
    }
    assert!(snippets.len() > 50, "examples missing");
    snippets
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn front_end_never_panics_on_generated_input() {
    let seed = env_or("PHONON_FUZZ_SEED", 0x5EED_CAFE);
    let cases = env_or("PHONON_FUZZ_CASES", 100_000);
    let snippets = example_snippets();
    let mut rng = Rng(seed | 1);
    let mut with_errors = 0u64;
    for case in 0..cases {
        let input = if case % 2 == 0 {
            let pick = rng.below(snippets.len());
            mutate(&mut rng, &snippets[pick])
        } else {
            token_soup(&mut rng)
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            let r = front_end(&input);
            for d in &r.diagnostics {
                assert!(
                    d.span.start <= d.span.end && d.span.end <= input.len(),
                    "span {d:?}"
                );
            }
            // Rendering is slower; check it on a sample.
            if case % 16 == 0 {
                render_all(&r.diagnostics, "fuzz.ph", &input, false);
            }
            r.has_errors()
        }));
        match result {
            Ok(had_errors) => with_errors += u64::from(had_errors),
            Err(_) => panic!("front end panicked on case {case} (seed {seed:#x}):\n{input:?}"),
        }
    }
    // The generator must exercise both paths, or it proves little.
    assert!(
        with_errors > cases / 4,
        "only {with_errors} inputs had errors"
    );
    assert!(with_errors < cases, "every input had errors");
}

/// Pattern-heavy programs with awkward arguments (zero, negative, fractional, patterned),
/// lowered and queried: neither the lowering nor the pattern engine may panic.
#[test]
fn lowering_and_querying_never_panic() {
    const TRANSFORMS: &[&str] = &[
        "fast",
        "slow",
        "ply",
        "chop",
        "striate",
        "iter",
        "iterBack",
        "segment",
        "linger",
        "early",
        "late",
        "hurry",
        "swing",
        "degradeBy",
        "undegradeBy",
        "loopAt",
        "legato",
    ];
    const ARGS: &[&str] = &[
        "0",
        "1",
        "2",
        "-1",
        "0.5",
        "-0.25",
        "3",
        "(1/3)",
        "\"<0 2>\"",
        "\"1 -1\"",
        "\"0 .. 3\"",
        "100",
    ];
    const SUBJECTS: &[&str] = &[
        "s \"bd*2 [sn cp]\"",
        "\"a b c\"",
        "n \"0 .. 7\"",
        "\"a(3,8,<0 2>)\"",
        "sine",
        "rand",
        "\"<a b>? c|d\"",
        "\"{a b c}%<4 0>\"",
        "\"a*0 b/0 c@0\"",
        "\"a(-3,8) b(3,0)\"",
        "\"[a, b]!3 ~\"",
    ];
    let mut rng = Rng(env_or("PHONON_FUZZ_SEED", 0x5EED_CAFE) | 1);
    let cases = env_or("PHONON_FUZZ_CASES", 100_000) / 20;
    let spans = [
        (Rational::ZERO, Rational::ONE),
        (Rational::new(-7, 3), Rational::new(2, 3)),
        (Rational::new(1, 3), Rational::new(1, 3)),
        (Rational::int(99), Rational::new(401, 4)),
    ];
    let mut with_events = 0u64;
    for case in 0..cases {
        let mut expr = rng.pick(SUBJECTS).to_string();
        for _ in 0..1 + rng.below(4) {
            let t = rng.pick(TRANSFORMS);
            expr = format!("{t} {} $ {expr}", rng.pick(ARGS));
        }
        if rng.below(3) == 0 {
            expr = format!(
                "jux rev $ every {} (stut 3 0.5 {}) $ {expr}",
                rng.pick(ARGS),
                rng.pick(ARGS)
            );
        }
        if rng.below(3) == 0 {
            expr = format!("{expr} # gain {} # pan {}", rng.pick(ARGS), rng.pick(ARGS));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            if let Ok(p) = phonon_compiler::query::query_expression(&expr) {
                let (a, b) = spans[case as usize % spans.len()];
                p.query_span(a, b).len()
            } else {
                0
            }
        }));
        match result {
            Ok(n) => with_events += u64::from(n > 0),
            Err(_) => panic!("panicked on case {case}: {expr}"),
        }
    }
    assert!(
        with_events > cases / 3,
        "only {with_events} of {cases} programs produced events"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let n = 100_000;
    let cases = [
        format!("out: {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("out: {}1{}", "[".repeat(n), "]".repeat(n)),
        format!("out: {}1", "-".repeat(n)),
        format!("out: {}1", "- ".repeat(n)),
        format!("out: 1{}", " + 1".repeat(n)),
        format!("out: s 1{}", " $ fast 2".repeat(n)),
        format!("out: s \"{}a{}\"", "[".repeat(n), "]".repeat(n)),
        format!("out: s \"{}a{}\"", "<".repeat(n), ">".repeat(n)),
    ];
    for src in &cases {
        let r = front_end(src);
        assert!(r.has_errors(), "not reported: {}...", &src[..40]);
    }
    // Long flat operator runs are valid mini-notation: they must simply not crash.
    for src in [
        format!("out: s \"a{}\"", "*2".repeat(n)),
        format!("out: s \"a{}\"", "?".repeat(n)),
    ] {
        assert!(!front_end(&src).has_errors());
    }
    // Just under the limits is still a valid program.
    let ok = format!(
        "out: s {}\"{}a{}\"{}",
        "(".repeat(50),
        "[".repeat(50),
        "]".repeat(50),
        ")".repeat(50)
    );
    assert!(!front_end(&ok).has_errors());
}
