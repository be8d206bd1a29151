//! The JIT against the reference interpreter: the same program must give the same audio,
//! through scheduling, fusion, lane packing and any block size.

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};
use phonon_runtime::engine::Engine;
use proptest::prelude::*;

/// Renders `frames` frames in blocks of the given sizes (cycled) with the JIT and with the
/// interpreter; returns the largest difference over every output channel.
fn max_difference(src: &str, blocks: &[usize], frames: usize) -> f32 {
    let compiled = compile(src, &Catalogue::default(), &Options::default())
        .unwrap_or_else(|d| panic!("{src}\n{d:?}"));
    let max_block = *blocks.iter().max().unwrap();
    let mut interp = compiled.interpreter();
    // The raw computation: the guard would silence (and reset) outputs that reach huge
    // values, which random programs dividing by signals near zero do.
    let mut engine = Engine::new(compiled.spec, max_block, 1)
        .expect("a valid program")
        .unguarded();
    let outputs = engine.outputs().len();
    let mut worst = 0.0f32;
    let mut done = 0;
    let mut i = 0;
    while done < frames {
        let n = blocks[i % blocks.len()].min(frames - done);
        i += 1;
        engine.process(n);
        let reference = interp.process(n);
        for (o, want) in reference.iter().enumerate().take(outputs) {
            let (l, r) = engine.output(o, n);
            for (got, want) in l.iter().chain(r).zip(want.0.iter().chain(&want.1)) {
                let d = (got - want).abs();
                assert!(
                    d.is_finite() || (got.is_nan() && want.is_nan()),
                    "{src}: {got} vs {want}"
                );
                worst = worst.max(d);
            }
        }
        done += n;
    }
    worst
}

fn assert_parity(src: &str) {
    for blocks in [&[512][..], &[1], &[3], &[17], &[1000], &[5, 512, 1, 64]] {
        let frames = if blocks == [1] { 600 } else { 2048 };
        let d = max_difference(src, blocks, frames);
        assert!(
            d <= 1e-5,
            "{src}\nblocks {blocks:?}: JIT and interpreter differ by {d}"
        );
    }
}

/// Sixteen instruments of one shape with different constants (frequencies, cutoffs, gains),
/// and one of another shape.
fn sixteen_copies() -> String {
    let mut src = String::new();
    for k in 1..=16 {
        src.push_str(&format!(
            "o{k}: saw {} # lpf {} 0.8 # gain 0.{k}\n",
            55 * k,
            400 + 50 * k
        ));
    }
    src.push_str("o17: sine (sine 3 * 10 + 440) * square 2\n");
    src
}

#[test]
fn kernels_of_the_same_code_share_one_function_and_each_keeps_its_constants() {
    let src = sixteen_copies();
    let c = compile(&src, &Catalogue::default(), &Options::default()).unwrap();
    let kernels = c.summary().kernels;
    assert!(kernels >= 5, "{kernels} kernels");
    // The copies are packed four to a kernel (lanes of equal constants merge, so a few
    // kernels have fewer lanes or a parameter less); the full ones share one function.
    assert!(
        c.functions + 2 <= kernels,
        "{} functions for {kernels} kernels",
        c.functions
    );
    // Each copy still plays its own frequency, cutoff and gain: the same as the interpreter.
    assert_parity(&src);
}

#[test]
fn every_node_kind_matches_the_interpreter() {
    for src in [
        "out: sine 440",
        "out: saw 110 * 0.5",
        "out: square 220 + tri 330",
        "out: pulse 110 0.3",
        "out: noise * 0.2",
        "out: pink_noise",
        "out: brown_noise",
        "out: impulse 50",
        "out: saw 110 # lpf 800 0.9",
        "out: saw 110 # hpf 2000 2",
        "out: noise # bpf (sine 3 * 500 + 1000) 4",
        "out: saw 55 # notch 440 1",
        "out: saw 55 # moog (sine 0.5 * 1000 + 1500) 0.7",
        "out: sine \"220 330\" # ad 0.01 0.2",
        "out: saw \"c3 ~ e3 g3\" # adsr 0.01 0.05 0.5 0.1",
        "out: tri \"a3*4\" # ar 0.02 0.1",
        "out: sine 220 * line 0 1 0.01",
        "out: sine (xline 110 880 0.02)",
        "out: sine 440 # pan2 (sine 2)",
        "out: sine 300 / \"0 2\" + sine 200 |% 0.3",
        "~a: impulse 100 * 0.5\n~b: (~a + ~b * 0.9) # lpf 2000 0.7\nout: ~b",
        "o1: sine 220\no2: saw 330 # pan2 0.5\no3: \"0.1 0.2\" * sine 90",
        "out: saw 110 # distortion (sine 3 * 4 + 4) 0.7",
        "out: sine 441 # bitcrush \"3 5\" (tri 2 * 3 + 4)",
        "out: saw \"110 ~ 220\" # compressor (-24) 4 0.002 0.05 6",
        "out: impulse 30 # delay (sine 2 * 0.004 + 0.01) 0.7 0.5",
        "out: impulse 30 # delay 0.25 0.5 :lock 1",
        "out: saw 220 # chorus 2 0.8 0.5",
        "out: impulse 20 # reverb 0.8 0.3 :mix 0.6",
        "~fx: lpf 2000 # delay 0.01 0.3\no1: saw 110 # ~fx\no2: sine 330 # ~fx # reverb 0.5 0.5",
    ] {
        assert_parity(src);
    }
}

/// Random well-formed programs from every node kind with random parameters.
fn signal(depth: u32) -> BoxedStrategy<String> {
    let freq = prop_oneof![
        (20.0f32..2000.0).prop_map(|f| format!("{f:.2}")),
        Just("\"110 220 ~ 330\"".to_string()),
        Just("\"<c3 e3>*4\"".to_string()),
    ];
    let leaf = prop_oneof![
        freq.clone().prop_map(|f| format!("sine {f}")),
        freq.clone().prop_map(|f| format!("saw {f}")),
        freq.clone().prop_map(|f| format!("square {f}")),
        freq.clone().prop_map(|f| format!("tri {f}")),
        (freq.clone(), 0.05f32..0.95).prop_map(|(f, w)| format!("pulse {f} {w:.2}")),
        Just("noise".to_string()),
        Just("pink_noise".to_string()),
        Just("brown_noise".to_string()),
        (1.0f32..200.0).prop_map(|f| format!("impulse {f:.1}")),
        (-2.0f32..2.0, -2.0f32..2.0, 0.001f32..0.05)
            .prop_map(|(a, b, t)| format!("line {a:.2} {b:.2} {t:.3}")),
        (20.0f32..100.0, 100.0f32..2000.0, 0.001f32..0.05)
            .prop_map(|(a, b, t)| format!("xline {a:.1} {b:.1} {t:.3}")),
        (-1.0f32..1.0).prop_map(|c| format!("{c:.3}")),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = signal(depth - 1);
    let filter = prop_oneof![
        Just("lpf"),
        Just("hpf"),
        Just("bpf"),
        Just("notch"),
        Just("moog")
    ];
    prop_oneof![
        2 => leaf,
        1 => (inner.clone(), inner.clone(), prop_oneof![Just("+"), Just("-"), Just("*"), Just("/"), Just("|%")])
            .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
        1 => (inner.clone(), filter, 50.0f32..8000.0, 0.3f32..8.0)
            .prop_map(|(x, f, c, q)| format!("({x} # {f} {c:.1} {q:.2})")),
        1 => (inner.clone(), inner.clone(), filter_name())
            .prop_map(|(x, m, f)| format!("({x} # {f} ({m} * 400 + 800) 0.8)")),
        1 => (inner.clone(), 0.001f32..0.02, 0.001f32..0.05)
            .prop_map(|(x, a, d)| format!("({x} # ad {a:.3} {d:.3})")),
        1 => (inner.clone(), 0.001f32..0.02, 0.001f32..0.05, 0.0f32..1.0, 0.001f32..0.05)
            .prop_map(|(x, a, d, s, r)| format!("({x} # adsr {a:.3} {d:.3} {s:.2} {r:.3})")),
        1 => (inner.clone(), -1.0f32..1.0).prop_map(|(x, p)| format!("({x} # pan2 {p:.2})")),
        1 => (inner.clone(), 0.0f32..8.0, 0.0f32..1.0)
            .prop_map(|(x, d, m)| format!("({x} # distortion {d:.2} {m:.2})")),
        1 => (inner.clone(), 1.0f32..12.0, 1.0f32..8.0)
            .prop_map(|(x, b, r)| format!("({x} # bitcrush {b:.1} {r:.1})")),
        1 => (inner.clone(), -40.0f32..0.0, 1.0f32..10.0, 0.0005f32..0.02, 0.005f32..0.2)
            .prop_map(|(x, t, r, a, rl)| format!("({x} # compressor {t:.1} {r:.1} {a:.4} {rl:.3})")),
        1 => (inner.clone(), 0.0005f32..0.05, -0.95f32..0.95, 0.0f32..1.0)
            .prop_map(|(x, t, f, m)| format!("({x} # delay {t:.4} {f:.2} {m:.2})")),
        1 => (inner.clone(), 0.1f32..5.0, 0.0f32..1.0)
            .prop_map(|(x, r, d)| format!("({x} # chorus {r:.2} {d:.2})")),
        1 => (inner.clone(), 0.0f32..1.0, 0.0f32..1.0, 0.0f32..1.0)
            .prop_map(|(x, r, d, m)| format!("({x} # reverb {r:.2} {d:.2} {m:.2})")),
        1 => (inner.clone(), inner).prop_map(|(x, g)| format!("({x} # gain ({g}))")),
    ]
    .boxed()
}

fn filter_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("lpf"),
        Just("hpf"),
        Just("bpf"),
        Just("notch"),
        Just("moog")
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_match_the_interpreter(
        outs in proptest::collection::vec(signal(3), 1..4),
        tempo in 0.3f64..2.0,
    ) {
        let mut src = format!("tempo: {tempo:.3}\n");
        for (i, o) in outs.iter().enumerate() {
            src.push_str(&format!("o{}: {o}\n", i + 1));
        }
        for blocks in [&[512][..], &[1, 3, 17, 1000]] {
            let frames = if blocks.len() == 1 { 4 * 512 } else { 2 * 1021 };
            let d = max_difference(&src, blocks, frames);
            prop_assert!(d <= 1e-5, "{}\nblocks {:?}: differ by {}", src, blocks, d);
        }
    }
}
