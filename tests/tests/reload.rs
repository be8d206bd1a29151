//! Reloading a program mid-stream (`Engine::adopt`): the clock continues, nodes whose
//! stable id survives the edit keep their state (oscillator phase, filter memory, reverb
//! tail), pattern inputs pick up the event sounding at the swap, and sample voices ring out.
//! Each case renders an edited program that takes over from the original at a block
//! boundary and compares the output it shares with the original, frame for frame, against
//! the original left running.

use phonon_runtime::engine::Engine;
use phonon_tests::compile;

const BLOCK: usize = 512;

fn engine(src: &str) -> Engine {
    let compiled = compile(src).unwrap_or_else(|d| panic!("{:?}", d[0].message));
    Engine::new(compiled.spec, BLOCK, 1).expect("a valid program")
}

/// Left channel of output `out` for `blocks` blocks.
fn run(e: &mut Engine, out: usize, blocks: usize) -> Vec<f32> {
    let mut x = Vec::new();
    for _ in 0..blocks {
        e.process(BLOCK);
        x.extend_from_slice(e.output(out, BLOCK).0);
    }
    x
}

/// Plays `before` for `at` blocks, swaps in `after`, plays on; returns what output 0 of
/// `after` played after the swap and what `before` would have played, and the adoption.
fn swap(before: &str, after: &str, at: usize, then: usize) -> (Vec<f32>, Vec<f32>, usize) {
    let mut reference = engine(before);
    run(&mut reference, 0, at);
    let expected = run(&mut reference, 0, then);
    let mut old = engine(before);
    run(&mut old, 0, at);
    let mut new = engine(after);
    let adopted = new.adopt(&mut old);
    assert_eq!(new.frame(), (at * BLOCK) as i64, "the clock continues");
    let got = run(&mut new, 0, then);
    (got, expected, adopted.states + adopted.voices)
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn an_oscillator_keeps_its_phase_across_an_edit_elsewhere() {
    let (got, want, carried) = swap(
        "out: sine 440\n",
        "out: sine 440\no2: saw 55 # lpf 800\n",
        37,
        20,
    );
    assert!(carried >= 1);
    assert!(max_diff(&got, &want) < 1e-6, "{}", max_diff(&got, &want));
}

#[test]
fn without_the_same_id_the_state_starts_fresh() {
    // Renaming the output changes every id: the sine restarts at phase 0.
    // (At block 36 the running sine is 0.9 of a turn in.)
    let (got, want, carried) = swap("out: sine 440\n", "o1: sine 440\n", 36, 4);
    assert_eq!(carried, 0);
    assert!(got[0].abs() < 1e-6 && max_diff(&got, &want) > 0.1);
}

#[test]
fn a_step_pattern_continues_mid_event() {
    // The swap lands inside the 220 Hz half of the cycle: it keeps playing 220 Hz.
    let (got, want, _) = swap(
        "tempo: 1\nout: saw \"110 220\" # lpf 2000\n",
        "tempo: 1\nout: saw \"110 220\" # lpf 2000\no2: sine 3\n",
        50,
        30,
    );
    assert!(max_diff(&got, &want) < 1e-6, "{}", max_diff(&got, &want));
}

#[test]
fn a_reverb_tail_and_sample_voices_ring_out() {
    let (got, want, _) = swap(
        "out: impulse 0.1 # reverb 0.8 0.2 :mix 1\n",
        "out: impulse 0.1 # reverb 0.8 0.2 :mix 1\no2: sine 100\n",
        40,
        40,
    );
    assert!(got.iter().any(|v| v.abs() > 1e-4));
    assert!(
        max_diff(&got, &want) < 1e-6,
        "reverb {}",
        max_diff(&got, &want)
    );
    // A crash cymbal started before the swap finishes after it.
    let (got, want, carried) = swap(
        "tempo: 0.25\nout: s \"cr\"\n",
        "tempo: 0.25\nout: s \"cr\"\no2: sine 100 * 0\n",
        20,
        60,
    );
    assert!(carried >= 1);
    assert!(got.iter().any(|v| v.abs() > 1e-3));
    assert!(
        max_diff(&got, &want) < 1e-6,
        "crash {}",
        max_diff(&got, &want)
    );
}

#[test]
fn synths_by_name_and_lined_effects_ring_on_through_a_reload() {
    // A superpiano chord and a phased, combed sample started before the swap carry on
    // after it, state and all, frame for frame.
    for src in [
        "tempo: 0.25\nout: n \"[0,4,7]\" # s \"superpiano\" # phaserrate 1\n",
        "tempo: 0.25\nout: s \"cr\" # comb 0.4 # squiz 2\n",
    ] {
        let (got, want, carried) = swap(src, &format!("{src}o2: sine 100 * 0\n"), 20, 40);
        assert!(carried >= 1, "{src}");
        assert!(got.iter().any(|v| v.abs() > 1e-3), "{src}");
        assert!(
            max_diff(&got, &want) < 1e-6,
            "{src}: {}",
            max_diff(&got, &want)
        );
    }
}

#[test]
fn synth_voices_keep_their_notes() {
    let (got, want, _) = swap(
        "tempo: 0.5\nout: saw \"c3'maj\" # adsr 0.01 0.1 0.7 0.5\n",
        "tempo: 0.5\nout: saw \"c3'maj\" # adsr 0.01 0.1 0.7 0.5\no2: sine 90 * 0\n",
        60,
        30,
    );
    assert!(got.iter().any(|v| v.abs() > 0.1));
    assert!(max_diff(&got, &want) < 1e-6, "{}", max_diff(&got, &want));
}

#[test]
fn a_tempo_change_continues_from_the_current_cycle_position() {
    use phonon_runtime::Rational;
    // At 0.5 cps, block 43 starts at frame 22016: cycle 0.2496... Then 2 cps from there.
    let mut old = engine("tempo: 0.5\nout: saw \"110 220\"\n");
    run(&mut old, 0, 43);
    let frame = old.frame();
    let at = old.clock().cycle_at(Rational::int(frame));
    let mut new = engine("tempo: 2\nout: saw \"110 220\"\n");
    new.adopt(&mut old);
    assert_eq!(new.clock().cycle_at(Rational::int(frame)), at, "no jump");
    // The next event (cycle 0.5) comes a quarter cycle later at the new tempo... exactly.
    let half = Rational::new(1, 2);
    let expected = frame
        + ((half - at) * Rational::int(44_100) / Rational::int(2) + half)
            .floor()
            .num();
    assert_eq!(new.clock().frame_of(half), expected);
    // And it plays there: the saw's slope doubles at that frame.
    let x = run(&mut new, 0, 20);
    let switch = (expected - frame) as usize;
    let slope = |n: usize| x[n + 1] - x[n];
    assert!((slope(switch - 3) - 2.0 * 110.0 / 44_100.0).abs() < 1e-4 || slope(switch - 3) < 0.0);
    assert!((slope(switch + 2) - 2.0 * 220.0 / 44_100.0).abs() < 1e-4 || slope(switch + 2) < 0.0);
}

/// Plays `before`, hands the live player `after` at block `at`, plays `then` blocks more.
fn play_through(
    before: &str,
    after: &str,
    at: usize,
    then: usize,
) -> (Vec<f32>, phonon_runtime::live::Swapped, Retired) {
    phonon_tests::play_through(before, after, at, then, BLOCK)
}

type Retired = std::sync::mpsc::Receiver<Box<Engine>>;

/// 20 ms at 44.1 kHz.
const FADE: usize = 882;

#[test]
fn a_changed_output_crossfades_over_20_ms() {
    let (x, swapped, retired) = play_through("out: 0.8\n", "out: 0.2\n", 10, 10);
    let at = 10 * BLOCK;
    assert_eq!(swapped.frame, at as i64);
    assert_eq!(swapped.crossfading, 1);
    let (before, after) = (x[at - 1], x[at + FADE + 10]);
    assert!(before > after + 0.1, "{before} -> {after}");
    // A straight line from the old level to the new one, FADE frames long.
    for (i, &v) in x[at..at + FADE].iter().enumerate() {
        let want = before + (after - before) * i as f32 / FADE as f32;
        assert!(
            (v - want).abs() < 1e-3,
            "frame {i} of the fade: {v}, want {want}"
        );
    }
    assert!(x[at + FADE..].iter().all(|&v| (v - after).abs() < 1e-6));
    // The old program, once faded out, goes to be freed elsewhere.
    assert!(retired.try_recv().is_ok());
}

#[test]
fn hush_fades_out_and_stays_silent_and_unhushing_fades_back_in() {
    let src = "out: sine 441 # gain 0.5\n";
    let hushed = format!("hush\n{src}");
    let (x, swapped, _) = play_through(src, &hushed, 10, 6);
    let at = 10 * BLOCK;
    assert_eq!(swapped.crossfading, 1);
    let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak(&x[at - 200..at]) > 0.4);
    // Halfway through the fade the sine is at about half its level; then nothing at all.
    assert!((peak(&x[at + FADE / 2 - 50..at + FADE / 2 + 50]) - 0.25).abs() < 0.03);
    assert!(x[at + FADE..].iter().all(|&v| v == 0.0));
    // No click: the largest step is the sine's own (2π·441/44100·0.5 ≈ 0.031).
    let step = x
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(step < 0.035, "step {step}");

    let (x, _, _) = play_through(&hushed, src, 10, 6);
    assert!(x[..at].iter().all(|&v| v == 0.0));
    assert!(peak(&x[at..at + 100]) < 0.06);
    assert!(peak(&x[at + FADE..at + FADE + 200]) > 0.4);
}
