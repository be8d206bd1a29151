//! Orbits and their global effects (`room`, `size`, `delay`, `delaytime`, `delayfeedback`,
//! `orbit`), on rendered frames: a one-frame click sent to an orbit, its echoes and its
//! reverb tail measured in the orbit's own output, and the tails ringing on through a
//! reload and `hush`.

use phonon_runtime::engine::Engine;
use phonon_runtime::live::{Incoming, Player};
use phonon_tests::{channel, compile_in, render_with, write_sample_folder};
use std::path::PathBuf;

const SR: usize = 44_100;
const CENTRE: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// A sample folder `click`: one frame at 1, then silence.
fn clicks() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("phonon-orbits-{}", std::process::id()));
        let mut click = vec![0.0f32; 64];
        click[0] = 1.0;
        write_sample_folder(&dir, "click", &click);
        // Two seconds of a quiet 220 Hz tone: still sounding when a test reloads.
        let long: Vec<f32> = (0..2 * SR)
            .map(|i| 0.2 * (std::f32::consts::TAU * 220.0 * i as f32 / SR as f32).sin())
            .collect();
        write_sample_folder(&dir, "long", &long);
        // One second of a 1 kHz tone at 0.5, above the leslie's 800 Hz split.
        let high: Vec<f32> = (0..SR)
            .map(|i| 0.5 * (std::f32::consts::TAU * 1000.0 * i as f32 / SR as f32).sin())
            .collect();
        write_sample_folder(&dir, "high", &high);
        dir
    })
    .clone()
}

/// Every channel of `src` rendered with `--split` (the named outputs, then the orbits).
fn stems(src: &str, seconds: f64) -> Vec<Vec<f32>> {
    let audio = render_with(
        src,
        &[clicks()],
        (seconds * SR as f64) as usize,
        512,
        1,
        true,
    );
    (0..audio.channels).map(|c| channel(&audio, c)).collect()
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Seconds until the level (per 10 ms) stays 60 dB under its loudest.
fn decay_seconds(x: &[f32]) -> f64 {
    let energy: Vec<f32> = x
        .chunks(SR / 100)
        .map(|w| w.iter().map(|v| v * v).sum())
        .collect();
    let loudest = energy.iter().cloned().fold(0.0, f32::max);
    let last = energy
        .iter()
        .rposition(|&e| e > loudest * 1e-6)
        .unwrap_or(0);
    last as f64 / 100.0
}

#[test]
fn the_delay_echoes_at_delaytime_each_echo_delayfeedback_times_the_last() {
    let s = stems(
        "tempo: 0.25\nout: s \"click\" # delay 0.5 # delaytime 0.1 # delayfeedback 0.6\n",
        1.0,
    );
    assert_eq!(s.len(), 4, "the output and orbit 0");
    let (dry, wet) = (&s[0], &s[2]);
    assert!(
        (dry[0] - CENTRE).abs() < 1e-4,
        "the click itself: {}",
        dry[0]
    );
    assert!(
        peak(&dry[10..]) < 1e-6,
        "nothing but the click in the dry output"
    );
    let step = SR / 10;
    for k in 1..6 {
        let at = k * step;
        let expected = CENTRE * 0.5 * 0.6f32.powi(k as i32 - 1);
        let echo = peak(&wet[at - 2..at + 3]);
        assert!(
            (echo - expected).abs() < 0.02 * expected,
            "echo {k} at {at}: {echo}, SuperDirt's CombL gives {expected}"
        );
        let between = peak(&wet[at + 50..at + step - 50]);
        assert!(between < 0.02 * expected, "between echoes {k}: {between}");
    }
    assert!(peak(&wet[..step - 50]) < 1e-3, "no echo before `delaytime`");
}

#[test]
fn lock_reads_delaytime_in_cycles() {
    // At 0.5 cycles per second, 1/8 cycle is 0.25 s.
    let s = stems(
        "tempo: 0.5\nout: s \"click\" # delay 1 # delaytime (1/8) # lock 1 # delayfeedback 0\n",
        0.5,
    );
    let wet = &s[2];
    let at = SR / 4;
    assert!(
        peak(&wet[at - 2..at + 3]) > 0.6,
        "the echo a quarter second later"
    );
    // After the echo, only `LeakDC`'s small undershoot (0.5% of it, decaying).
    assert!(peak(&wet[..at - 10]) < 1e-3 && peak(&wet[at + 10..]) < 5e-3);
}

#[test]
fn each_orbit_has_its_own_reverb_and_a_larger_size_rings_longer() {
    let s = stems(
        "tempo: 0.05\n\
         o1: s \"click\" # room 0.5 # size 0.2 # orbit 1\n\
         o2: s \"click\" # room 0.5 # size 0.9 # orbit 2\n",
        12.0,
    );
    // o1, o2, then the orbits in order of first use: 0 (where events go by default), 1, 2.
    assert_eq!(s.len(), 10);
    assert!(
        peak(&s[4]) == 0.0 && peak(&s[5]) == 0.0,
        "nothing plays on orbit 0"
    );
    let (short, long) = (decay_seconds(&s[6]), decay_seconds(&s[8]));
    eprintln!("decay to -60 dB: size 0.2 {short} s, size 0.9 {long} s");
    assert!(peak(&s[6]) > 0.01 && peak(&s[8]) > 0.01);
    assert!(
        long > 2.0 * short && long > 1.5,
        "size 0.2 rings {short} s, size 0.9 {long} s"
    );
    assert_ne!(s[8], s[9], "the two sides of the reverb differ");
    // The dry outputs hold the click only.
    assert!(peak(&s[0][10..]) < 1e-6 && peak(&s[2][10..]) < 1e-6);
}

#[test]
fn an_event_without_sends_leaves_the_orbit_silent_and_room_zero_sends_nothing() {
    let s = stems(
        "tempo: 0.5\nout: s \"click click\" # room \"0 0\" # orbit 0\n",
        2.0,
    );
    assert_eq!(s.len(), 4);
    assert_eq!(peak(&s[2]), 0.0);
}

fn engine(src: &str) -> Box<Engine> {
    let c = compile_in(src, &[clicks()], &Default::default())
        .unwrap_or_else(|d| panic!("{}", d[0].message));
    Box::new(Engine::new(c.spec, 512, 1).unwrap())
}

/// Plays `first` through a live player for `blocks`, swaps in `then`, and returns the
/// master's left channel after the swap, with what `first`'s orbit 0 alone would have
/// played in that time.
fn swap_to(first: &str, then: &str, blocks: usize, after: usize) -> (Vec<f32>, Vec<f32>) {
    let (send, incoming) = std::sync::mpsc::channel();
    let (retired, _r) = std::sync::mpsc::channel();
    let (swaps, _s) = std::sync::mpsc::channel();
    let mut player = Player::new(engine(first), incoming, retired, swaps);
    let mut reference = engine(first);
    let orbit = reference
        .outputs()
        .iter()
        .position(|o| o.orbit == Some(0))
        .unwrap();
    let mut out = vec![0.0f32; 1024];
    for _ in 0..blocks {
        player.next_block(512, &mut out);
        reference.process(512);
    }
    send.send(Incoming {
        engine: engine(then),
        noticed: std::time::Instant::now(),
        compile_ms: 0.0,
        played_when_ready: 0,
    })
    .unwrap();
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for _ in 0..after {
        player.next_block(512, &mut out);
        got.extend(out.iter().step_by(2));
        reference.process(512);
        want.extend_from_slice(reference.output(orbit, 512).0);
    }
    (got, want)
}

#[test]
fn the_reverb_tail_rings_on_through_hush_and_a_reload_that_stops_sending() {
    let first = "tempo: 0.1\nout: s \"click\" # room 0.8 # size 0.8\n";
    for then in [
        "hush\nout: s \"click\" # room 0.8 # size 0.8\n",
        "tempo: 0.1\nout: s \"click\"\n",
        "tempo: 0.1\nout: sine 0 # gain 0\n",
    ] {
        let (got, want) = swap_to(first, then, 20, 40);
        assert!(peak(&want[SR / 4..]) > 1e-3, "the tail is still sounding");
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(
            worst < 1e-6,
            "`{then}`: the tail goes on as before ({worst})"
        );
    }
}

#[test]
fn a_voice_sounding_at_a_reload_keeps_its_orbit_by_number_or_loses_its_sends() {
    // The voice moves to the new program's player; its orbit is looked up by number there.
    let first = "tempo: 0.1\nout: s \"long\" # room 0.5 # orbit 2\n";
    for then in [
        "tempo: 0.1\nout: s \"long\"\n",
        "tempo: 0.1\nout: s \"long\" # room 0.5 # orbit \"<1 2>\"\n",
        "tempo: 0.1\nout: s \"long\" # delay 0.5\n",
    ] {
        let mut old = engine(first);
        for _ in 0..20 {
            old.process(512);
        }
        let mut new = engine(then);
        assert_eq!(new.adopt(&mut old).voices, 1, "`{then}`");
        let mut dry = Vec::new();
        for _ in 0..20 {
            new.process(512);
            dry.extend_from_slice(new.output(0, 512).0);
        }
        assert!(peak(&dry) > 0.1, "`{then}`: the voice plays on");
    }
}

#[test]
fn orbit_numbers_are_written_out_and_bounded() {
    for (src, message) in [
        ("out: s \"click\" # orbit (irand 4)\n", "written out"),
        ("out: s \"click\" # orbit 300\n", "0 to 255"),
        (
            "out: s \"click\" # orbit \"1 x\"\n",
            "`x` is not an orbit number",
        ),
    ] {
        let errors = compile_in(src, &[clicks()], &Default::default())
            .err()
            .unwrap_or_else(|| panic!("{src} compiles"));
        assert!(
            errors[0].message.contains(message),
            "{src}: {}",
            errors[0].message
        );
    }
    let c = compile_in(
        "out: s \"click*4\" # orbit \"<0 .. 3>\" # room 0.2\n",
        &[clicks()],
        &Default::default(),
    )
    .unwrap();
    let orbits: Vec<u32> = c.spec.outputs.iter().filter_map(|o| o.orbit).collect();
    assert_eq!(orbits, [0, 1, 2, 3]);
}

#[test]
fn delay_with_one_value_on_events_is_the_send_and_with_more_the_echo_effect() {
    let orbits = |src: &str| {
        let c = compile_in(src, &[clicks()], &Default::default()).unwrap();
        assert!(c.warnings.is_empty(), "{src}: {:?}", c.warnings);
        c.spec.outputs.iter().filter(|o| o.orbit.is_some()).count()
    };
    assert_eq!(orbits("out: s \"click\" # delay 0.5\n"), 1);
    assert_eq!(orbits("out: s \"click\" # delay \"0.5 0.2\"\n"), 1);
    assert_eq!(orbits("out: s \"click\" # delay 0.25 0.5 0.5\n"), 0);
    assert_eq!(orbits("out: saw 110 # delay 0.25\n"), 0);
    // The echo effect on the sound: the echo is in the output itself.
    let s = stems("tempo: 0.25\nout: s \"click\" # delay 0.1 0.5 1\n", 0.3);
    assert_eq!(s.len(), 2);
    assert!(peak(&s[0][SR / 10 - 3..SR / 10 + 3]) > 0.3);
}

#[test]
fn house_compiles_without_a_warning() {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/house.ph"))
        .unwrap();
    let c = compile_in(&src, &[], &Default::default()).unwrap();
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn an_event_on_an_orbit_the_program_lacks_plays_dry_and_is_counted() {
    // The compiler knows the orbits written out, 1 and 2 (and 0); every other cycle
    // `|+ orbit 1` makes them 2 and 3, and 3 is none of them. (The parentheses: today `$`
    // binds tighter than `#`, issue 17.)
    let mut e = engine(
        "tempo: 0.5\nout: every 2 (|+ orbit 1) $ (s \"click*2\" # room 0.5 # orbit \"1 2\")\n",
    );
    let mut dry = Vec::new();
    for _ in 0..(4 * SR / 512 + 1) {
        e.process(512);
        dry.extend_from_slice(e.output(0, 512).0);
    }
    assert_eq!(e.counters().orbits_missing, 1);
    assert!(peak(&dry) > 0.5, "the events play");
}

#[test]
fn leslie_takes_its_share_of_the_sound_to_the_orbit_and_rotates_it() {
    // `leslie 1`: nothing straight to the output, all of it in orbit 1's, where the horn's
    // level follows its distance: a swing at `lrate`.
    let s = stems("tempo: 0.5\nout: s \"high\" # leslie 1 # orbit 1\n", 1.0);
    // Stems: out, orbit 0, orbit 1.
    assert_eq!(peak(&s[0]), 0.0, "the dry sound is all in the leslie");
    let wet = &s[4][2_000..40_000];
    assert!(peak(wet) > 0.1, "the leslie sounds: {}", peak(wet));
    // 10 ms levels over the second: the horn's level, its delay against the drum's and the
    // balances swing with the rotor.
    let levels: Vec<f32> = wet.chunks(SR / 100).map(peak).collect();
    let (lo, hi) = levels
        .iter()
        .fold((f32::MAX, 0f32), |(lo, hi), &l| (lo.min(l), hi.max(l)));
    assert!(hi / lo > 2.0 && hi < 0.9, "swing {lo} .. {hi}");
    // The swing follows the rotor: the level 1/6.7 s apart repeats more closely than half
    // a turn apart.
    let turn = 100.0 / 6.7;
    let diff = |lag: f64| {
        let lag = lag.round() as usize;
        let n = levels.len() - lag;
        (0..n)
            .map(|i| (levels[i] - levels[i + lag]).abs())
            .sum::<f32>()
            / n as f32
    };
    assert!(
        diff(turn) < 0.7 * diff(turn / 2.0),
        "{} {}",
        diff(turn),
        diff(turn / 2.0)
    );
    // `leslie 0.5`: half straight.
    let s = stems("tempo: 0.5\nout: s \"high\" # leslie 0.5 # orbit 1\n", 0.5);
    let straight = peak(&s[0][1_000..10_000]);
    assert!((straight - 0.25 * CENTRE).abs() < 0.01, "{straight}");
}
