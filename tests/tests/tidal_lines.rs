//! Lines as Tidal users share them (`d1 $ ...`, SuperDirt's controls, Tidal's transforms),
//! written from the idioms of Tidal's and Strudel's documentation: each compiles without a
//! warning and renders sound, and a line that sends to an orbit is heard in that orbit's
//! output.

use phonon_tests::{channel, compile, render_src, rms};

const LINES: &[&str] = &[
    "d1 $ s \"bd*2 sn\" # room 0.3 # size 0.8 # orbit 1",
    "d1 $ s \"bd*4\" # crush 4",
    "d1 $ s \"hh*8\" # shape 0.5",
    "d1 $ s \"arpy*4\" # cutoff 800 # resonance 0.3",
    "d1 $ s \"arpy*4\" # vowel \"<a e i o u>\"",
    "d1 $ s \"sn*2\" # delay 0.5 # delaytime 0.25 # delayfeedback 0.6",
    "d1 $ sometimesBy 0.3 (# speed 2) $ s \"bd*8\"",
    "d1 $ every 4 (fast 2) $ s \"bd sn\"",
    "d1 $ jux rev $ s \"bd*2 [~ sn] hh*4\" # room 0.2",
    "d1 $ s \"bd(3,8) sn(5,8,2)\"",
    "d1 $ n \"0 .. 7\" # s \"arpy\" # legato 1",
    "d1 $ s \"[bd | sn | hh]*8\"",
    "d1 $ stut 4 0.6 (1/8) $ s \"cp\"",
    "d1 $ whenmod 8 6 rev $ s \"bd*2 arpy:3 cp hh\"",
    "d1 $ chop 8 $ s \"arpy\" # speed \"<1 1.5>\"",
    "d1 $ s \"hh*8\" # gain \"1 0.8 0.9 0.8\" # pan sine",
    "d1 $ off 0.25 (# crush 4) $ s \"bd sn\"",
    "d1 $ s \"bd sn\" # hcutoff 400 # hresonance 0.2",
    "d1 $ striate 4 $ s \"arpy*2\"",
    "d1 $ s \"oh*8\" # cut 1 # begin 0.1",
    "d1 $ iter 4 $ s \"bd hh sn cp\"",
    "d1 $ n \"<0 2> [3 5]\" # s \"arpy\" # up 12",
    "d1 $ rarely (hurry 2) $ s \"bd sn:2\"",
    "d1 $ s \"bd*16\" # coarse \"1 4 8\"",
    "d1 $ ply 2 $ s \"bd sn\"",
    "d1 $ s \"hh*8\" # amp 0.3",
    "d1 $ degradeBy 0.5 $ s \"hh*16\" # bandf 2000 # bandq 4",
    "d1 $ s \"bd*4\" # gain 1.2 # delay 0.3 # delaytime (1/6) # lock 1 # delayfb 0.4",
    "d1 $ s \"cp\" # room 0.5 # sz 0.9 # dry 0.3",
    "d1 $ n \"0 [4 7]\" # s \"casio\" # sustain 0.2",
    "d1 $ n \"0 3 7\" # s \"superpiano\" # room 0.3",
    "d1 $ note \"0 4 7\" # s \"sawtooth\" # cutoff 1200",
    "d1 $ n \"0 .. 7\" # s \"supersaw\" # octave 4 # legato 0.5",
    "d1 $ n \"<0 5> 7\" # s \"superfm\" # pan \"-0.5 0.5\"",
    "d1 $ s \"arpy*4\" # accelerate \"-0.5 1\"",
    "d1 $ s \"cr\" # attack 0.01 # hold 0.1 # release 0.2",
    "d1 $ s \"bd*4 hh*8\" # distort \"<0 0.3>\"",
    "d1 $ n \"0 2 4\" # s \"arpy\" # fshift \"<0 80>\" # krush 2",
    "d1 $ s \"arpy*2\" # octersub 0.8",
    "d1 $ s \"hh*8\" # phaserrate \"<1 4>\" # phaserdepth 0.7",
    "d1 $ s \"arpy*4\" # squiz \"<1 2 4>\" # waveloss 20",
    "d1 $ s \"cp*2 arpy\" # comb \"0.3 0.7\"",
    "d1 $ n \"0 4 7\" # s \"superfm\" # leslie 0.7 # lrate 0.7 # orbit 1",
];

#[test]
fn every_line_compiles_without_a_warning_and_sounds() {
    assert!(LINES.len() >= 20);
    for line in LINES {
        let src = format!("{line}\n");
        let c = compile(&src).unwrap_or_else(|d| panic!("`{line}`: {}", d[0].message));
        assert!(c.warnings.is_empty(), "`{line}`: {:?}", c.warnings);
        let orbits = c.spec.outputs.iter().filter(|o| o.orbit.is_some()).count();
        let outputs = c.spec.outputs.len();
        let audio = render_src(&src, 4 * 44_100, 512, 1, true);
        let stems: Vec<f64> = (0..2 * outputs)
            .map(|ch| rms(&channel(&audio, ch)))
            .collect();
        assert!(stems[0] > 0.002, "`{line}` is silent: {stems:?}");
        let sends = line.contains("room") || line.contains("# delay ") || line.contains("leslie");
        assert_eq!(orbits > 0, sends, "`{line}`: orbits {orbits}");
        if sends {
            assert!(
                stems[2..].iter().any(|&x| x > 1e-4),
                "`{line}`: nothing in its orbit: {stems:?}"
            );
        }
    }
}
