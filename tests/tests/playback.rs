//! Playback statements, heard: `mute`/`solo` (Tidal's rule), `once:`/`first:` (one cycle,
//! from the next cycle of each load), `resetCycles` (cycle 0 from the load), `xfadeIn`
//! (a crossfade over cycles with Tidal's curves), `setcps`.

use phonon_runtime::pattern::once::chosen_cycle;
use phonon_tests::{channel, play_through, render_src, tone_amplitude};

/// At 1 cps and 441-frame blocks, a cycle is 100 blocks.
const BLOCK: usize = 441;
const CYCLE: usize = 44_100;

fn tones(src: &str) -> (f64, f64) {
    let audio = render_src(src, CYCLE / 2, 512, 1, false);
    let left = channel(&audio, 0);
    (tone_amplitude(&left, 440.0), tone_amplitude(&left, 660.0))
}

const TWO: &str = "o1: sine 440 * 0.2\no2: sine 660 * 0.2\n";

#[test]
fn mute_and_solo_follow_tidals_rule() {
    let (a, b) = tones(TWO);
    assert!(a > 0.1 && b > 0.1, "{a} {b}");
    let heard = |extra: &str| {
        let (a, b) = tones(&format!("{TWO}{extra}"));
        (a > 0.1, b > 0.1)
    };
    assert_eq!(heard("mute o2\n"), (true, false));
    assert_eq!(heard("mute o1 d2\n"), (false, false));
    assert_eq!(heard("mute o2\nunmute o2\n"), (true, true));
    // A soloed output plays even when muted; the others are silent.
    assert_eq!(heard("solo o2\nmute o2\n"), (false, true));
    assert_eq!(heard("solo o1\nunsolo o1\nmute o1\n"), (false, true));
    // Written before the outputs, the same.
    assert_eq!(heard(&format!("solo out2\n{TWO}")), (false, true));
}

#[test]
fn muting_fades_an_output_out_through_a_reload() {
    let before = "o1: sine 441 * 0.5\no2: 0.1\n";
    let after = format!("{before}mute o1\n");
    let (x, swapped, _) = play_through(before, &after, 10, 10, BLOCK);
    assert_eq!(swapped.crossfading, 1, "only o1 changes");
    let at = 10 * BLOCK;
    let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak(&x[at - 200..at]) > 0.55);
    // After the 20 ms fade, only o2's level is left.
    assert!(x[at + 900..].iter().all(|&v| (v - 0.1).abs() < 1e-6));
}

/// The frames of `x` from `from` where the level is `level` (to 1e-6).
fn frames_at(x: &[f32], level: f32) -> Vec<usize> {
    x.iter()
        .enumerate()
        .filter(|(_, v)| (**v - level).abs() < 1e-6)
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn first_plays_cycle_zero_once_from_the_next_cycle_of_each_load() {
    // Rendered from the start: cycle 0, then never again.
    let audio = render_src(
        "tempo: 1\no1: 0.1\nfirst: \"0.5 0\"\n",
        3 * CYCLE,
        512,
        1,
        false,
    );
    let x = channel(&audio, 0);
    let loud = frames_at(&x, 0.6);
    assert_eq!(
        (loud.first(), loud.last(), loud.len()),
        (Some(&0), Some(&(CYCLE / 2 - 1)), CYCLE / 2)
    );
    // Loaded at cycle 1.3: it waits for cycle 2, plays its half cycle, and is done.
    let (x, _, _) = play_through(
        "tempo: 1\no1: 0.1\n",
        "tempo: 1\no1: 0.1\nfirst: \"0.5 0\"\n",
        130,
        250,
        BLOCK,
    );
    let loud = frames_at(&x, 0.6);
    assert_eq!(loud.first(), Some(&(2 * CYCLE)));
    assert_eq!(loud.last(), Some(&(2 * CYCLE + CYCLE / 2 - 1)));
    assert_eq!(loud.len(), CYCLE / 2);
}

#[test]
fn once_plays_a_cycle_drawn_at_random_like_tidals() {
    // The pattern's value is its cycle number modulo 4: what plays tells the cycle drawn.
    let (x, _, _) = play_through(
        "tempo: 1\no1: 0\n",
        "tempo: 1\no1: 0\nonce: \"<1 2 3 4>\"\n",
        250,
        200,
        BLOCK,
    );
    let drawn = chosen_cycle(false, 3);
    let want = 1.0 + drawn.rem_euclid(4) as f32;
    assert_eq!(x[3 * CYCLE + 10], want, "cycle {drawn} plays at cycle 3");
    assert_eq!(x[3 * CYCLE - 10], 0.0);
}

#[test]
fn reset_cycles_starts_the_patterns_again_from_cycle_zero() {
    let src = "tempo: 1\no1: \"<0.1 0.2 0.3 0.4>\"\n";
    // Swapped in at cycle 2.5, where 0.3 plays: 0.1 from there, 0.2 a cycle later.
    let (x, swapped, _) = play_through(src, &format!("resetCycles\n{src}"), 250, 150, BLOCK);
    let at = 250 * BLOCK;
    assert_eq!(swapped.crossfading, 0, "the output's code is the same");
    assert_eq!(x[at - 1], 0.3);
    assert_eq!(x[at], 0.1);
    assert_eq!(x[at + CYCLE - 1], 0.1);
    assert_eq!(x[at + CYCLE], 0.2);
    // Without it, the cycle count goes on.
    let (x, _, _) = play_through(src, src, 250, 150, BLOCK);
    assert_eq!(x[at], 0.3);
    assert_eq!(x[3 * CYCLE], 0.4);
}

#[test]
fn xfade_in_crosses_over_in_cycles_with_equal_gain_curves() {
    let (x, swapped, _) = play_through(
        "tempo: 1\no1: 0.8\n",
        "tempo: 1\nxfadeIn o1 1\no1: 0.2\n",
        10,
        120,
        BLOCK,
    );
    assert_eq!(swapped.crossfading, 1);
    let at = 10 * BLOCK;
    // Tidal's gains √sin / √cos of a quarter turn, as amplitudes (SuperDirt's gain^4):
    // sin² and cos² of it.
    for k in [0, CYCLE / 8, CYCLE / 4, CYCLE / 2, 3 * CYCLE / 4, CYCLE - 1] {
        let q = (k as f64 / CYCLE as f64 * std::f64::consts::FRAC_PI_2)
            .sin()
            .powi(2);
        let want = 0.2 * q + 0.8 * (1.0 - q);
        let got = x[at + k] as f64;
        assert!((got - want).abs() < 1e-4, "frame {k}: {got}, want {want}");
    }
    assert!(x[at + CYCLE + 1..].iter().all(|&v| (v - 0.2).abs() < 1e-6));
    // `xfade o1` is 4 cycles (at 2 cps: 2 seconds); halfway, half and half.
    let (x, _, _) = play_through(
        "tempo: 2\no1: 0.8\n",
        "tempo: 2\nxfade o1\no1: 0.2\n",
        10,
        250,
        BLOCK,
    );
    let half = x[at + CYCLE];
    assert!((half - 0.5).abs() < 1e-4, "{half}");
}

#[test]
fn setcps_sets_the_tempo_as_tidals_does() {
    // 2 cps: "0.5 0" changes every quarter second.
    let audio = render_src("setcps (120/60)\nout: \"0.5 0\"\n", CYCLE, 512, 1, false);
    let x = channel(&audio, 0);
    assert_eq!(x[CYCLE / 4 - 1], 0.5);
    assert_eq!(x[CYCLE / 4], 0.0);
    assert_eq!(x[CYCLE / 2], 0.5);
}

#[test]
fn a_tempo_pattern_sets_each_cycles_tempo_where_it_starts() {
    // Cycle 0 at 1 cps (44,100 frames), cycle 1 at 2 cps (22,050), cycle 2 at 1 cps again.
    for src in [
        "cps: \"<1 2>\"\nout: \"0.5 0\"\n",
        "bpm: \"<240 480>\"\nout: \"0.5 0\"\n",
        "bpm: \"<180 360>\" \"3/4\"\nout: \"0.5 0\"\n",
    ] {
        for block in [64, 512, 4096] {
            let audio = render_src(src, 3 * CYCLE, block, 1, false);
            let x = channel(&audio, 0);
            let changes: Vec<usize> = (1..x.len()).filter(|&i| x[i] != x[i - 1]).collect();
            assert_eq!(
                changes,
                [22_050, 44_100, 55_125, 66_150, 88_200, 110_250, 121_275],
                "{src} in blocks of {block}"
            );
        }
    }
    // A reload keeps the cycle position and takes the new pattern's tempo for the cycle it
    // is in: at 0.5 of cycle 0 (1 cps), then 2 cps: the next cycle starts 11,025 frames on
    // (cycle 0.75 falls on frame 5,512.5 after the swap, and halves round up).
    let (x, _, _) = play_through(
        "tempo: 1\nout: \"0.5 0 0.5 0\"\n",
        "cps: \"<2 1>\"\nout: \"0.5 0 0.5 0\"\n",
        50,
        100,
        BLOCK,
    );
    let changes: Vec<usize> = (1..x.len()).filter(|&i| x[i] != x[i - 1]).collect();
    let at = 50 * BLOCK;
    assert_eq!(
        changes[..5],
        [11_025, at, at + 5_513, at + 11_025, at + 11_025 + 11_025]
    );
}

#[test]
fn render_lengths_in_cycles_follow_the_tempo_pattern() {
    let c = phonon_tests::compile("cps: \"<1 2>\"\nout: \"0.5 0\"\n").unwrap();
    assert_eq!(c.seconds_for_cycles(2.0), 1.5);
    assert_eq!(c.seconds_for_cycles(3.0), 2.5);
    assert_eq!(c.seconds_for_cycles(2.5), 2.0);
    let c = phonon_tests::compile("cps: 0.5\nout: \"0.5 0\"\n").unwrap();
    assert_eq!(c.seconds_for_cycles(3.0), 6.0);
}

#[test]
fn nudge_delays_each_event_by_its_seconds() {
    // The kit's bd at cycle 0.5 (1 cps), nudged 0.1 s, then 0.3 s (past the end of the block
    // it was due in), in blocks of 512 and 64.
    let first_sound = |src: &str, block: usize| {
        let x = channel(&render_src(src, CYCLE, block, 1, false), 0);
        x.iter().position(|v| v.abs() > 1e-4).expect("sound")
    };
    let on_time = first_sound("tempo: 1\nout: s \"~ bd\"\n", 512);
    assert!((CYCLE / 2..CYCLE / 2 + 50).contains(&on_time), "{on_time}");
    for block in [512, 64] {
        for (nudge, frames) in [("0", 0), ("0.1", 4_410), ("0.3", 13_230)] {
            let src = format!("tempo: 1\nout: s \"~ bd\" # nudge {nudge}\n");
            assert_eq!(first_sound(&src, block), on_time + frames, "nudge {nudge}");
        }
    }
}
