//! The playback statements as the checker sees them: what `mute`/`solo`/`xfadeIn`/
//! `resetCycles` decide, `once:`/`first:` as outputs, and each mistake as an error at the
//! word, with a hint.

use phonon_compiler::ast::OutputName;
use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::front_end;

fn errors(src: &str) -> Vec<Diagnostic> {
    front_end(src).errors().cloned().collect()
}

/// The one error of `src`: its text at the error's span, its message and its hint.
#[track_caller]
fn one_error(src: &str) -> (String, String, String) {
    let e = errors(src);
    assert_eq!(e.len(), 1, "{src}\n{e:#?}");
    let d = &e[0];
    (
        src[d.span.clone()].to_string(),
        d.message.clone(),
        d.hint.clone().unwrap_or_default(),
    )
}

const TWO: &str = "o1: s \"bd\"\no2: s \"hh*2\"\n";

fn silenced(extra: &str) -> Vec<String> {
    let f = front_end(&format!("{TWO}{extra}"));
    assert!(!f.has_errors(), "{:#?}", f.diagnostics);
    f.checked.silenced.iter().map(|o| o.to_string()).collect()
}

#[test]
fn mute_and_solo_apply_top_to_bottom_with_tidals_rule() {
    assert!(silenced("").is_empty());
    assert_eq!(silenced("mute o2"), ["o2"]);
    assert_eq!(silenced("mute o1 d2"), ["o1", "o2"]);
    assert_eq!(silenced("mute o2\nunmute o2").len(), 0);
    assert_eq!(silenced("solo o1"), ["o2"]);
    assert_eq!(silenced("solo o1\nmute o1"), ["o2"]);
    assert_eq!(silenced("solo o1\nunsolo o1\nmute o1"), ["o1"]);
    assert_eq!(silenced("solo o1 o2"), Vec::<String>::new());
    // `once:` plays through a solo, as Tidal's does.
    assert_eq!(silenced("solo o1\nonce: s \"cp\""), ["o2"]);
}

#[test]
fn once_and_first_are_outputs_named_by_their_line() {
    let f = front_end("o1: s \"bd\"\nonce: s \"cp\"\nfirst $ s \"sn\"\n");
    assert!(!f.has_errors(), "{:#?}", f.diagnostics);
    let names: Vec<OutputName> = f.checked.outputs.keys().copied().collect();
    assert!(names.contains(&OutputName::Once {
        first: false,
        line: 2
    }));
    assert!(names.contains(&OutputName::Once {
        first: true,
        line: 3
    }));
    // A program whose only output is a `once:` line is a program.
    assert!(!front_end("once: s \"cp\"\n").has_errors());
}

#[test]
fn xfade_and_reset_cycles_are_recorded() {
    let f = front_end(&format!("{TWO}xfadeIn o1 8\nxfade d2\nresetCycles\n"));
    assert!(!f.has_errors(), "{:#?}", f.diagnostics);
    let x = &f.checked.xfades;
    assert_eq!(x.get(&OutputName::Numbered(1)), Some(&8.0));
    assert_eq!(x.get(&OutputName::Numbered(2)), Some(&4.0));
    assert!(f.checked.reset_cycles);
    assert!(!front_end(TWO).checked.reset_cycles);
}

#[test]
fn mistakes_are_errors_at_the_word() {
    let (at, msg, hint) = one_error(&format!("{TWO}mute o3"));
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("o3", "this program has no output `o3`")
    );
    assert!(hint.contains("o1"), "{hint}");
    let (at, msg, _) = one_error(&format!("{TWO}solo bd"));
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("bd", "`solo` takes output names")
    );
    let (at, msg, hint) = one_error(&format!("{TWO}unmute"));
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("unmute", "`unmute` of which output?")
    );
    assert!(hint.contains("unmute o1"), "{hint}");
    let (at, msg, _) = one_error(&format!("{TWO}resetCycles 2"));
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("2", "`resetCycles` takes no arguments")
    );
    let (_, msg, hint) = one_error(&format!("{TWO}xfadeIn o1"));
    assert_eq!(msg, "`xfadeIn` needs a length in cycles");
    assert!(hint.contains("xfade o1"), "{hint}");
    let (at, msg, _) = one_error(&format!("{TWO}xfadeIn o1 (0 - 2)"));
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("0 - 2", "a crossfade lasts a positive number of cycles")
    );
    // Tidal's form with the pattern: the pattern belongs in the output's own line.
    let (_, msg, hint) = one_error(&format!("{TWO}xfadeIn o1 8 $ s \"bd\""));
    assert_eq!(
        msg,
        "`xfadeIn` takes an output and a number of cycles, not a pattern"
    );
    assert!(hint.ends_with("`o1: ...` and `xfadeIn o1 8`"), "{hint}");
    let (at, msg, _) = one_error(&format!("{TWO}xfade o1 4"));
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("4", "`xfade` takes no arguments")
    );
    let (_, msg, _) = one_error(&format!("{TWO}once s \"cp\""));
    assert_eq!(msg, "expected `: or $` after `once`");
    let (_, msg, _) = one_error("setcps\nout: s \"bd\"");
    assert_eq!(msg, "`setcps` needs a tempo");
}

#[test]
fn setcps_is_the_tempo_in_cycles_per_second() {
    let f = front_end("setcps (130/60/4)\nout: s \"bd\"\n");
    assert!(!f.has_errors(), "{:#?}", f.diagnostics);
    assert!((f.checked.cps - 130.0 / 240.0).abs() < 1e-12);
}

#[test]
fn a_tempo_pattern_is_checked_word_by_word() {
    let f = front_end("cps: \"<0.5 [1 0.7]>\" * 2\nout: s \"bd\"\n");
    assert!(!f.has_errors(), "{:#?}", f.diagnostics);
    assert!(f.checked.tempo.is_some());
    let f = front_end("bpm: \"<120 140>\"\nout: s \"bd\"\n");
    assert_eq!(f.checked.tempo.as_ref().map(|t| t.1), Some(1.0 / 240.0));
    let (at, msg, hint) = one_error("cps: \"<1 bd>\"\nout: s \"bd\"");
    assert_eq!((at.as_str(), msg.as_str()), ("bd", "`bd` is not a tempo"));
    assert!(hint.contains("<0.5 0.6>"), "{hint}");
    let (at, msg, _) = one_error("cps: fast 2\nout: s \"bd\"");
    assert_eq!(
        (at.as_str(), msg.as_str()),
        ("fast 2", "the tempo must be a positive number")
    );
}

#[test]
fn a_negative_nudge_is_an_error_where_it_is_written() {
    let (at, msg, hint) = one_error("out: s \"bd\" # nudge (-0.1)");
    assert_eq!(at, "-0.1");
    assert_eq!(
        msg,
        "a nudge of -0.1 s would play the event before its time"
    );
    assert!(hint.contains("later"), "{hint}");
    let (at, _, _) = one_error("out: s \"bd*2\" # nudge \"0 -0.02\"");
    assert_eq!(at, "-0.02");
    assert!(errors("out: s \"bd*2\" # nudge \"0 0.02\"").is_empty());
}

#[test]
fn query_names_a_once_line_as_once_or_once_colon_line() {
    use phonon_compiler::query::query_source;
    let src = "o1: s \"bd\"\nonce: s \"cp\"\nfirst: s \"sn\"\nonce: s \"hh\"\n";
    // Two `once:` lines: the line tells them apart; `first` is the only one of its kind.
    assert!(query_source(src, "f.ph", Some("once:2")).is_ok());
    assert!(query_source(src, "f.ph", Some("once:4")).is_ok());
    assert!(query_source(src, "f.ph", Some("first")).is_ok());
    let e = query_source(src, "f.ph", Some("once")).unwrap_err();
    assert!(e.ends_with("it has: o1, once:2, once:4, first:3"), "{e}");
    assert!(query_source(src, "f.ph", Some("once:3")).is_err());
}

/// The left channel of `cycles` cycles of `src` at 2 cps, and its sample rate.
fn render_left(src: &str, cycles: usize) -> (Vec<f32>, usize) {
    use phonon_compiler::catalogue::Catalogue;
    use phonon_compiler::program::{Options, compile};
    let c = compile(src, &Catalogue::new([], vec![]), &Options::default())
        .unwrap_or_else(|d| panic!("{src}: {d:?}"));
    let sr = c.spec.sample_rate as usize;
    let mut engine = phonon_runtime::engine::Engine::new(c.spec, 512, 1).unwrap();
    let frames = cycles * sr / 2;
    let r = phonon_runtime::render::render(&mut engine, frames, 512, false, false, &mut |_| {});
    (r.samples.iter().step_by(2).copied().collect(), sr)
}

/// The left channel's peak in each quarter cycle of `cycles` cycles of `src` at 2 cps.
fn quarter_peaks(src: &str, cycles: usize) -> Vec<f32> {
    let (left, sr) = render_left(src, cycles);
    (0..cycles * 4)
        .map(|k| {
            left[k * sr / 8..(k + 1) * sr / 8]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs()))
        })
        .collect()
}

#[test]
fn a_once_line_of_a_signal_sounds_for_its_one_cycle() {
    // Found playing a signal once from an editor: it played for ever.
    for body in [
        "sine 300 * 0.2",
        "sine \"300\" * 0.2",
        "saw 55 # lpf 800 # gain 0.2",
    ] {
        let peaks = quarter_peaks(&format!("cps: 2\nonce: {body}\n"), 2);
        assert!(peaks[..4].iter().all(|&p| p > 0.1), "{body}: {peaks:?}");
        // Faded out over 2 ms past the cycle's end, then silent.
        assert!(peaks[5..].iter().all(|&p| p == 0.0), "{body}: {peaks:?}");
    }
    // Without a click where it starts and ends: no step larger than the sine's own.
    // (330.7 Hz ends the cycle mid-period, where a cut would jump by 0.16.)
    let (left, _) = render_left("cps: 2\nonce: sine 330.7 * 0.2\n", 2);
    let step = left
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(step < 0.012, "a step of {step}");
    // Beside the output playing the same bus, which goes on.
    let peaks = quarter_peaks("cps: 2\n~t: sine \"300\" * 0.2\nd1: ~t\nonce: ~t\n", 2);
    assert!(peaks[..4].iter().all(|&p| p > 0.3), "{peaks:?}");
    assert!(
        peaks[5..].iter().all(|&p| (0.15..0.25).contains(&p)),
        "{peaks:?}"
    );
}
