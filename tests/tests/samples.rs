//! Sample playback, on rendered frames: onsets at their exact frame, the kit sample played
//! back exactly, pan, speed, cut groups, slices, missing names, determinism at scale, and a
//! folder of FLAC files in the Dirt-Samples layout.

use phonon_sounds::kit;
use phonon_tests::{channel, compile, peak_frequency, render_with, rms, tone_amplitude};

const CENTRE: f32 = std::f32::consts::FRAC_1_SQRT_2;

fn render(src: &str, frames: usize) -> (Vec<f32>, Vec<f32>) {
    let audio = render_with(src, &[], frames, 512, 1, false);
    (channel(&audio, 0), channel(&audio, 1))
}

fn kit_sample(name: &str, variant: usize) -> Vec<f32> {
    kit::sounds(&[name], 44_100).unwrap()[name][variant]
        .frames(0)
        .to_vec()
}

/// `got[at..]` is `want` scaled by `gain`, frame for frame.
fn assert_plays(got: &[f32], at: usize, want: &[f32], gain: f32, what: &str) {
    for (i, &w) in want.iter().enumerate() {
        let g = got[at + i];
        assert!(
            (g - w * gain).abs() <= 1e-6,
            "{what}: frame {} is {g}, want {}",
            at + i,
            w * gain
        );
    }
}

#[test]
fn s_bd_4_is_the_kit_sample_at_each_onset() {
    let bd = kit_sample("bd", 0);
    assert_eq!(bd.len(), 22_050);
    // 0.5 cps: onsets every 0.5 s = 22050 frames, as long as the sample.
    let (l, r) = render("tempo: 0.5\nout: s \"bd*4\"\n", 88_200);
    for onset in [0, 22_050, 44_100, 66_150] {
        assert_plays(&l, onset, &bd, CENTRE, "left");
        assert_plays(&r, onset, &bd, CENTRE, "right");
    }
}

#[test]
fn an_onset_lands_on_its_exact_frame() {
    let sn = kit_sample("sn", 0);
    // Half a cycle at 0.45 cps is frame 49000; at 0.37 cps it is 59594.59, so 59595.
    for (tempo, frame) in [("0.45", 49_000usize), ("0.37", 59_595)] {
        let (l, _) = render(
            &format!("tempo: {tempo}\nout: s \"~ sn\"\n"),
            frame + 20_000,
        );
        assert!(
            l[..frame].iter().all(|&x| x == 0.0),
            "tempo {tempo}: early sound"
        );
        assert_plays(&l, frame, &sn[..10_000], CENTRE, "snare");
    }
}

#[test]
fn pan_puts_the_sound_on_one_side() {
    let bd = kit_sample("bd", 0);
    let (l, r) = render("out: s \"bd\" # pan (-1)\n", 30_000);
    assert!(r.iter().all(|&x| x == 0.0));
    assert_plays(&l, 0, &bd, 1.0, "hard left");
    let (l, r) = render("out: s \"bd\" # pan 1\n", 30_000);
    assert!(l.iter().all(|&x| x == 0.0));
    assert_plays(&r, 0, &bd, 1.0, "hard right");
    // `jux` carries its pan: the original on the left, the transformed copy on the right.
    let (l, r) = render("out: jux (# speed 2) $ s \"bd\"\n", 30_000);
    let left_bd: Vec<f32> = bd.clone();
    assert_plays(&l, 0, &left_bd, 1.0, "jux left");
    let fast: Vec<f32> = bd.iter().step_by(2).copied().collect();
    assert_plays(&r, 0, &fast, 1.0, "jux right at double speed");
}

#[test]
fn speed_and_note_change_the_rate() {
    let bd = kit_sample("bd", 0);
    let (l, _) = render("out: s \"bd\" # speed 2\n", 30_000);
    // Twice as fast: every other frame of the sample, in half the time.
    let every_other: Vec<f32> = bd.iter().step_by(2).copied().collect();
    assert_plays(&l, 0, &every_other, CENTRE, "speed 2");
    assert!(
        l[11_026..].iter().all(|&x| x == 0.0),
        "speed 2 lasts half as long"
    );
    // An octave up by note is the same.
    let (n, _) = render("out: s \"bd\" # note 12\n", 30_000);
    assert_eq!(l, n);
    // Backwards: the sample from its end.
    let (b, _) = render("out: s \"bd\" # speed (-1)\n", 30_000);
    let reversed: Vec<f32> = bd.iter().rev().copied().collect();
    assert_plays(&b, 0, &reversed, CENTRE, "speed -1");
}

#[test]
fn a_cut_group_chokes_the_sound_before() {
    let oh = kit_sample("oh", 0);
    assert!(oh.len() > 11_025 + 5_000);
    // 1 cps, four events: a new one every 11025 frames, while the last still rings.
    let (cut, _) = render("tempo: 1\nout: s \"oh*4\" # cut 1\n", 44_100);
    let (free, _) = render("tempo: 1\nout: s \"oh*4\"\n", 44_100);
    // Before the second onset both are the first voice alone.
    assert_plays(&cut, 0, &oh[..11_025], CENTRE, "first hat");
    // After a 2 ms fade (88 frames) the choked version is the second voice alone.
    assert_plays(
        &cut,
        11_025 + 89,
        &oh[89..5_000],
        CENTRE,
        "second hat, alone",
    );
    // Without the cut group the two ring together.
    let overlap = (11_025 + 89..11_025 + 5_000)
        .map(|f| (free[f] - cut[f]).abs())
        .fold(0.0f32, f32::max);
    assert!(overlap > 0.01, "{overlap}");
}

#[test]
fn begin_and_end_slice_the_sample() {
    let bd = kit_sample("bd", 0);
    let (l, _) = render("out: s \"bd\" # begin 0.5 # end 0.75\n", 30_000);
    // The third quarter of the sample (5512.5 frames from frame 11025), faded out over its
    // last 2 ms (89 frames).
    assert_plays(&l, 0, &bd[11_025..11_025 + 5_513 - 89], CENTRE, "slice");
    assert!(l[5_514..].iter().all(|&x| x == 0.0));
}

#[test]
fn a_missing_sample_is_reported_where_it_is_written() {
    let err = match compile("out: s \"bd snn hh\"\n") {
        Err(diags) => diags,
        Ok(_) => panic!("an unknown sound compiles"),
    };
    assert_eq!(err.len(), 1);
    let d = &err[0];
    assert_eq!(d.message, "unknown sound `snn`");
    assert_eq!(d.span, 11..14);
    let hint = d.hint.as_deref().unwrap_or("");
    assert!(hint.contains("`sn`"), "{hint}");
}

#[test]
fn stress_extreme_renders_the_same_bytes_twice_and_with_either_voice_kernels() {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/stress_extreme.ph"
    ))
    .unwrap();
    let a = render_with(&src, &[], 22_050, 512, 2, false);
    let b = render_with(&src, &[], 22_050, 512, 2, false);
    assert!(rms(&a.samples) > 0.1);
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<u32>>();
    assert_eq!(bits(&a.samples), bits(&b.samples));
    // All with the Rust reference voice kernels, then all with the JIT's: a program that
    // starts before the JIT is done switches from one to the other unheard.
    use phonon_runtime::engine::Engine;
    use phonon_runtime::engine::voice_kernel::VoiceKernels;
    let with = |kernels: VoiceKernels| {
        let mut spec = compile(&src).unwrap().spec;
        spec.voice_kernels = kernels;
        spec.voice_kernels_coming = None;
        let mut engine = Engine::new(spec, 512, 2).unwrap();
        engine.run(|e| phonon_runtime::render::render(e, 22_050, 512, false, false, &mut |_| {}))
    };
    let jit = phonon_compiler::program::jit_voice_kernels().unwrap();
    let (r, j) = (with(VoiceKernels::reference()), with(jit));
    assert_eq!(bits(&r.samples), bits(&j.samples));
    assert_eq!(bits(&r.samples), bits(&a.samples));
}

#[test]
fn flac_folders_in_dirt_layout_load_through_the_search_path() {
    let dir = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data/flac"));
    // A step every 0.5 s at 0.5 cps: tone:0, tone:1, then the stereo file.
    let src = "tempo: 0.5\nout: s \"tone tone:1 wide ~\"\n";
    let audio = render_with(src, &[dir], 88_200, 512, 1, false);
    let (l, r) = (channel(&audio, 0), channel(&audio, 1));
    // tone:0 is 440 Hz and 0.2 s long, resampled from 22050 Hz: its pitch is unchanged.
    let f = peak_frequency(&l[1000..8000], 100.0, 2000.0);
    assert!((f - 440.0).abs() < 2.0, "tone:0 at {f} Hz");
    assert!(l[8820 + 10..22_050].iter().all(|&x| x.abs() < 1e-3));
    let f = peak_frequency(&l[22_050 + 500..22_050 + 4000], 100.0, 2000.0);
    assert!((f - 880.0).abs() < 3.0, "tone:1 at {f} Hz");
    // The stereo file keeps its sides: 300 Hz on the left only.
    let wide = &l[44_100 + 500..44_100 + 8000];
    assert!((peak_frequency(wide, 100.0, 2000.0) - 300.0).abs() < 2.0);
    assert!(tone_amplitude(wide, 300.0) > 0.3);
    assert!(r[44_100..52_000].iter().all(|&x| x.abs() < 1e-4));
    // The folder's files wrap: tone:2 is tone:0 again.
    let again = render_with(
        "tempo: 0.5\nout: s \"tone:2\"\n",
        &[std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/flac"
        ))],
        8000,
        512,
        1,
        false,
    );
    assert_eq!(channel(&again, 0)[..8000], l[..8000]);
}

#[test]
fn unit_c_gives_speed_in_cycles() {
    // At 2 cps, `speed 2 # unit "c"` plays the 0.5 s kick in half a cycle (0.25 s): twice
    // as fast, every other frame.
    let bd = kit_sample("bd", 0);
    let (l, _) = render("tempo: 2\nout: s \"bd\" # speed 2 # unit \"c\"\n", 20_000);
    let every_other: Vec<f32> = bd.iter().step_by(2).copied().collect();
    assert_plays(&l, 0, &every_other, CENTRE, "unit c");
}

#[test]
fn attack_fades_in_linearly() {
    let bd = kit_sample("bd", 0);
    let (l, _) = render("out: s \"bd\" # attack 0.01\n", 2_000);
    // 0.01 s = 441 frames: frame f plays at (f + 1) / 441 of full level.
    for f in [0usize, 100, 220, 439] {
        let want = bd[f] * CENTRE * (f + 1) as f32 / 441.0;
        assert!((l[f] - want).abs() < 1e-5, "frame {f}: {} vs {want}", l[f]);
    }
    assert_plays(&l[441..], 0, &bd[441..1500], CENTRE, "after the attack");
}

#[test]
fn legato_holds_for_a_share_of_the_event() {
    // At 1 cps, `oh*2 # legato 0.5` holds each hat for a quarter cycle (11025 frames), then
    // fades over 2 ms; the open hat itself rings for 0.5 s.
    let oh = kit_sample("oh", 0);
    let (l, _) = render("tempo: 1\nout: s \"oh*2\" # legato 0.5\n", 30_000);
    assert_plays(&l, 0, &oh[..11_025 - 89], CENTRE, "held part");
    assert!(
        l[11_025..22_050].iter().all(|&x| x == 0.0),
        "rings past its legato"
    );
    assert_plays(&l, 22_050, &oh[..5_000], CENTRE, "second hat");
}

#[test]
fn loop_plays_the_sample_again_at_its_end() {
    let hh = kit_sample("hh", 0);
    let (l, _) = render("tempo: 0.5\nout: s \"hh\" # loop 3\n", 3 * hh.len() + 1000);
    for k in 0..3 {
        assert_plays(&l, k * hh.len(), &hh, CENTRE, "loop");
    }
    assert!(l[3 * hh.len() + 1..].iter().all(|&x| x == 0.0));
}

#[test]
fn the_exported_kit_plays_back_from_its_folders() {
    let dir = std::env::temp_dir().join(format!("phonon-kit-{}", std::process::id()));
    let (code, _, err) = phonon_tests::phonon(&["kit", "--export", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for name in kit::names() {
        let files = std::fs::read_dir(dir.join(name)).unwrap().count();
        assert_eq!(files, kit::VARIANTS, "{name}");
    }
    // The folder now shadows the built-in kit, and sounds the same.
    let audio = render_with(
        "tempo: 0.5\nout: s \"sn:2\"\n",
        std::slice::from_ref(&dir),
        30_000,
        512,
        1,
        false,
    );
    let sn = kit_sample("sn", 2);
    assert_plays(&channel(&audio, 0), 0, &sn, CENTRE, "exported sn:2");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn voice_kernels_still_compiling_are_taken_at_the_block_after_they_arrive() {
    use phonon_runtime::engine::Engine;
    use phonon_runtime::engine::voice_kernel::{VoiceKernels, VoiceKind, VoiceQuad};
    use std::sync::OnceLock;
    static COMING: OnceLock<VoiceKernels> = OnceLock::new();
    // Planted kernels that mix nothing, so the switch shows.
    unsafe extern "C" fn silent(_: *const VoiceQuad, _: u64, _: u64, _: *mut f32, _: *mut f32) {}
    let mut spec = compile("tempo: 4\nout: s \"bd*4\"\n").unwrap().spec;
    spec.voice_kernels = VoiceKernels([silent; VoiceKind::COUNT]);
    spec.voice_kernels_coming = Some(&COMING);
    let mut engine = Engine::new(spec, 512, 1).unwrap();
    let mut block = || {
        engine.process(512);
        rms(engine.output(0, 512).0)
    };
    assert_eq!(block(), 0.0, "the kernels it started with");
    assert_eq!(block(), 0.0);
    assert!(COMING.set(VoiceKernels::reference()).is_ok());
    assert!(block() > 0.05, "the kernels that arrived");
}

#[test]
fn gain_follows_superdirts_curve_and_amp_velocity_postgain_scale_linearly() {
    let bd = kit_sample("bd", 0);
    // (gain, amp, velocity, postgain) → the level SuperDirt's dirt_gate gives, over its
    // default amp 0.4: amp/0.4 · min(gain, 2)^4, then the linear factors.
    for (controls, level) in [
        ("# gain 1", 1.0f32),
        ("# gain 0.8", 0.4096),
        ("# gain 1.2", 2.0736),
        ("# gain 3", 16.0),
        ("# gain 2 # overgain 0.5", 39.0625),
        ("# amp 0.2", 0.5),
        ("# gain 0.5 # amp 0.8", 0.125),
        ("# velocity 0.5", 0.5),
        ("# postgain 0.25 # gain 0.5", 0.015625),
    ] {
        let (l, _) = render(&format!("tempo: 0.5\nout: s \"bd\" {controls}\n"), 8_000);
        assert_plays(&l, 0, &bd[..8_000], CENTRE * level, controls);
    }
}

#[test]
fn sustain_holds_an_event_that_many_seconds_then_fades_in_2_ms() {
    let (l, _) = render("tempo: 0.5\nout: s \"bd\" # sustain 0.1\n", 22_050);
    let bd = kit_sample("bd", 0);
    let end = 4_410;
    assert_plays(&l, 0, &bd[..end - 100], CENTRE, "held");
    assert!(l[end + 1..].iter().all(|&x| x == 0.0), "silent after 0.1 s");
    assert!(rms(&l[end - 88..end]) > 0.0, "fading over the last 2 ms");
}

#[test]
fn up_is_note() {
    let a = render("tempo: 0.5\nout: s \"arpy\" # up 12\n", 20_000);
    let b = render("tempo: 0.5\nout: s \"arpy\" # note 12\n", 20_000);
    let plain = render("tempo: 0.5\nout: s \"arpy\"\n", 20_000);
    assert!(rms(&a.0) > 0.01 && a != plain, "an octave up");
    assert_eq!(a, b);
}
