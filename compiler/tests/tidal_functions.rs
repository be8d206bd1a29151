//! Functions Phonon takes from Tidal where Strudel 1.2.6 has none (or one that means something
//! else): each expectation is worked out by hand from Tidal's definition, quoted in
//! `runtime/src/pattern/tidal.rs`, `arp.rs` and `scales.rs`.

use phonon_compiler::query::query_expression;
use phonon_runtime::Rational;
use phonon_runtime::pattern::span::Hap;

/// Events over [from, to) as `whole value` (`whole/part value` for a fragment), sorted.
fn events(expr: &str, from: i64, to: i64) -> Vec<String> {
    let p = query_expression(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let mut out: Vec<String> = p
        .query_span(Rational::int(from), Rational::int(to))
        .iter()
        .map(describe)
        .collect();
    out.sort();
    out
}

fn describe(h: &Hap) -> String {
    let span = |s: &phonon_runtime::pattern::span::TimeSpan| format!("{}-{}", s.begin, s.end);
    let whole = h.whole.map(|w| span(&w)).unwrap_or_else(|| "~".into());
    let value = h.value.to_json();
    if h.whole == Some(h.part) {
        format!("{whole} {value}")
    } else {
        format!("{whole}/{} {value}", span(&h.part))
    }
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn every_offset_applies_on_cycles_o_mod_n() {
    // _every' 3 1 = when ((== 1) . (`mod` 3)): cycles 1, 4 and -2 (Haskell's mod).
    let got = events("every' 3 1 (fast 2) $ \"a b\"", -2, 2);
    let want = sorted(&[
        "-2--7/4 \"a\"",
        "-7/4--3/2 \"b\"",
        "-3/2--5/4 \"a\"",
        "-5/4--1 \"b\"",
        "-1--1/2 \"a\"",
        "-1/2-0 \"b\"",
        "0-1/2 \"a\"",
        "1/2-1 \"b\"",
        "1-5/4 \"a\"",
        "5/4-3/2 \"b\"",
        "3/2-7/4 \"a\"",
        "7/4-2 \"b\"",
    ]);
    assert_eq!(got, want);
}

#[test]
fn fold_every_nests_every() {
    // foldr (`_every` f) p [2, 3] = _every 2 f (_every 3 f p): f twice on cycle 0 and 6.
    let got = events("foldEvery [2, 3] (|+ 10) $ \"0\"", 0, 7);
    let want = sorted(&[
        "0-1 20", "1-2 0", "2-3 10", "3-4 10", "4-5 10", "5-6 0", "6-7 20",
    ]);
    assert_eq!(got, want);
}

#[test]
fn within_applies_after_the_function_as_tidal_does() {
    // stack [filterWhen (in 0 0.5) (fast 2 p), filterWhen (not in) p].
    let got = events("within (0, 0.5) (fast 2) $ \"a b c d\"", 0, 1);
    let want = sorted(&[
        "0-1/8 \"a\"",
        "1/8-1/4 \"b\"",
        "1/4-3/8 \"c\"",
        "3/8-1/2 \"d\"",
        "1/2-3/4 \"c\"",
        "3/4-1 \"d\"",
    ]);
    assert_eq!(got, want);
}

#[test]
fn trunc_plays_the_first_part_of_each_cycle() {
    // compress (0, 3/4) . zoomArc (Arc 0 (3/4)): `b` keeps its whole, cut at 3/4.
    assert_eq!(
        events("trunc 0.75 $ \"a b\"", 0, 1),
        sorted(&["0-1/2 \"a\"", "1/2-1/1/2-3/4 \"b\""])
    );
    assert_eq!(
        events("trunc 0.75 $ \"a b c d\"", 1, 2),
        sorted(&["1-5/4 \"a\"", "5/4-3/2 \"b\"", "3/2-7/4 \"c\""])
    );
}

#[test]
fn quantise_rounds_halves_to_even() {
    assert_eq!(
        events("quantise 1 \"0.5 1.5 2.5 3.7\"", 0, 1),
        sorted(&["0-1/4 0", "1/4-1/2 2", "1/2-3/4 2", "3/4-1 4"])
    );
}

#[test]
fn stut_with_applies_the_function_once_more_per_copy() {
    // overlay (f (t `rotR` stutWith 2 t f p)) p: copies at 0, 1/4, 1/2 with +0, +12, +24.
    let got = events("stutWith 3 (1/4) (|+ 12) $ \"0 ~\"", 0, 1);
    let want = sorted(&["0-1/2 0", "1/4-3/4 12", "1/2-1 24"]);
    assert_eq!(got, want);
    assert_eq!(
        events("echoWith 3 (1/4) (|+ 12) $ \"0 ~\"", 0, 1),
        want,
        "echoWith is stutWith"
    );
}

#[test]
fn ply_with_arpeggiates_the_compound() {
    // arpeggiate (overlay p (f (overlay p (f p)))): values 1, 2, 4 in thirds of each event.
    assert_eq!(
        events("plyWith 3 (|* 2) $ \"1 ~\"", 0, 1),
        sorted(&["0-1/6 1", "1/6-1/3 2", "1/3-1/2 4"])
    );
}

#[test]
fn ghost_adds_quieter_shorter_higher_copies() {
    // ghostWith (1/8) f p = superimpose ((5/16 `rotR`) . f) $ superimpose ((3/16 `rotR`) . f) p
    // with f = (|*| gain 0.7) . (|> end 0.2) . (|*| speed 1.25): the outer copy also shifts
    // the inner one's, so one copy has f twice.
    let once = "{\"end\":0.2,\"gain\":0.7,\"s\":\"sn\",\"speed\":1.25}";
    let twice = "{\"end\":0.2,\"gain\":0.48999999999999994,\"s\":\"sn\",\"speed\":1.5625}";
    assert_eq!(
        events("ghost $ s \"sn ~ ~ ~\"", 0, 1),
        sorted(&[
            "0-1/4 {\"s\":\"sn\"}",
            &format!("3/16-7/16 {once}"),
            &format!("5/16-9/16 {once}"),
            &format!("1/2-3/4 {twice}"),
        ])
    );
}

#[test]
fn arp_orders_chord_notes_within_their_whole() {
    // c'maj = 0 4 7: "updown" is init x ++ init (reverse x) = 0 4 7 4, each a quarter.
    assert_eq!(
        events("n (arp \"updown\" \"c'maj\")", 0, 1),
        sorted(&[
            "0-1/4 {\"n\":0}",
            "1/4-1/2 {\"n\":4}",
            "1/2-3/4 {\"n\":7}",
            "3/4-1 {\"n\":4}",
        ])
    );
    // Patterned modes: cycle 1 plays "down".
    assert_eq!(
        events("n (arp \"<up down>\" \"c'maj\")", 1, 2),
        sorted(&["1-4/3 {\"n\":7}", "4/3-5/3 {\"n\":4}", "5/3-2 {\"n\":0}"])
    );
    // A stack's layers share wholes too (Tidal's arpeggiate of `n "[0, 4]"`).
    assert_eq!(
        events("n (arpeggiate \"[0, 4] 9\")", 0, 1),
        sorted(&["0-1/4 {\"n\":0}", "1/4-1/2 {\"n\":4}", "1/2-1 {\"n\":9}"])
    );
}

#[test]
fn scale_maps_degrees_with_octaves() {
    // noteInScale s x = s !!! x + 12 * (x `div` length s).
    assert_eq!(
        events("scale \"major\" \"-1 0 7 9\"", 0, 1),
        sorted(&["0-1/4 -1", "1/4-1/2 0", "1/2-3/4 12", "3/4-1 16"])
    );
    // Strudel's root form, and a patterned name.
    assert_eq!(
        events("scale \"e:minor\" \"0 2\"", 0, 1),
        sorted(&["0-1/2 4", "1/2-1 7"])
    );
    assert_eq!(
        events("scale \"<minPent chromatic>\" \"4\"", 0, 2),
        sorted(&["0-1 10", "1-2 4"])
    );
    assert_eq!(
        events("toScale [0, 2, 7] \"3 -1\"", 0, 1),
        sorted(&["0-1/2 12", "1/2-1 -5"])
    );
}

#[test]
fn binary_is_tidals_eight_bits() {
    assert_eq!(
        events("binaryN 4 \"<5 12>\"", 1, 2),
        sorted(&["1-5/4 1", "5/4-3/2 1", "3/2-7/4 0", "7/4-2 0"])
    );
    let bits: Vec<String> = events("binary 37", 0, 1)
        .iter()
        .map(|e| e.rsplit(' ').next().unwrap().to_string())
        .collect();
    // 37 = 00100101, in time order (sorted text puts 0-1/8 first).
    assert_eq!(bits.len(), 8);
    let p = query_expression("binary 37").unwrap();
    let mut haps = p.query_span(Rational::ZERO, Rational::ONE);
    haps.sort_by_key(|h| h.part.begin);
    let in_order: String = haps.iter().map(|h| h.value.to_json()).collect();
    assert_eq!(in_order, "00100101");
}

#[test]
fn const_replaces_the_pattern_and_takes_dollar_as_haskell_does() {
    assert_eq!(
        events("every 2 (const $ \"c*2\") $ \"a\"", 0, 2),
        sorted(&["0-1/2 \"c\"", "1/2-1 \"c\"", "1-2 \"a\""])
    );
    assert_eq!(
        events("every 2 (const \"c*2\") $ \"a\"", 0, 2),
        events("every 2 (const $ \"c*2\") $ \"a\"", 0, 2)
    );
}

#[test]
fn sew_cuts_each_source_at_the_switch() {
    // Tidal's sew: each boolean's part taken from a (true) or b (false), wholes kept.
    assert_eq!(
        events("sew \"t f\" (n \"0*4\") (n \"1*8\")", 0, 1),
        sorted(&[
            "0-1/4 {\"n\":0}",
            "1/4-1/2 {\"n\":0}",
            "1/2-5/8 {\"n\":1}",
            "5/8-3/4 {\"n\":1}",
            "3/4-7/8 {\"n\":1}",
            "7/8-1 {\"n\":1}",
        ])
    );
    assert_eq!(
        events("sew \"t f\" (n 0) (n 1)", 0, 1),
        sorted(&["0-1/0-1/2 {\"n\":0}", "0-1/1/2-1 {\"n\":1}"])
    );
    // while b f p = sew b (f p) p.
    assert_eq!(
        events("while \"1 0\" (fast 2) $ \"a b c d\"", 0, 1),
        sorted(&[
            "0-1/8 \"a\"",
            "1/8-1/4 \"b\"",
            "1/4-3/8 \"c\"",
            "3/8-1/2 \"d\"",
            "1/2-3/4 \"c\"",
            "3/4-1 \"d\"",
        ])
    );
}

#[test]
fn stitch_takes_structure_from_the_booleans() {
    assert_eq!(
        events("stitch \"t f t t\" 2 1", 0, 1),
        sorted(&["0-1/4 2", "1/4-1/2 1", "1/2-3/4 2", "3/4-1 2"])
    );
}

#[test]
fn fix_unfix_and_contrast_match_controls_at_each_start() {
    assert_eq!(
        events("fix (# speed 2) (s \"sn\") $ s \"bd sn\"", 0, 1),
        sorted(&["0-1/2 {\"s\":\"bd\"}", "1/2-1 {\"s\":\"sn\",\"speed\":2}"])
    );
    assert_eq!(
        events("unfix (# speed 2) (s \"sn\") $ s \"bd sn\"", 0, 1),
        sorted(&["0-1/2 {\"s\":\"bd\",\"speed\":2}", "1/2-1 {\"s\":\"sn\"}"])
    );
    assert_eq!(
        events("contrast (# speed 2) (# speed 0.5) (n 1) $ n \"0 1\"", 0, 1),
        sorted(&[
            "0-1/2 {\"n\":0,\"speed\":0.5}",
            "1/2-1 {\"n\":1,\"speed\":2}"
        ])
    );
    // Several controls must all match.
    assert_eq!(
        events(
            "fix (# crush 4) (s \"x\" # n 1) $ s \"x x y y\" # n \"0 1 1 1\"",
            0,
            1
        ),
        sorted(&[
            "0-1/4 {\"n\":0,\"s\":\"x\"}",
            "1/4-1/2 {\"crush\":4,\"n\":1,\"s\":\"x\"}",
            "1/2-3/4 {\"n\":1,\"s\":\"y\"}",
            "3/4-1 {\"n\":1,\"s\":\"y\"}",
        ])
    );
}

#[test]
fn striate_by_spreads_overlapping_slices() {
    // slot = (1 - f) / (n - 1): 3 slices of 0.5 start at 0, 0.25, 0.5.
    assert_eq!(
        events("striateBy 3 0.5 $ s \"a\"", 0, 1),
        sorted(&[
            "0-1/3 {\"begin\":0,\"end\":0.5,\"s\":\"a\"}",
            "1/3-2/3 {\"begin\":0.25,\"end\":0.75,\"s\":\"a\"}",
            "2/3-1 {\"begin\":0.5,\"end\":1,\"s\":\"a\"}",
        ])
    );
}

#[test]
fn euclid_variants_follow_tidal() {
    // (3,8) = x..x..x.; euclidOff rotates left by r steps: onsets 1/8, 4/8, 6/8.
    let onsets = |expr: &str| -> Vec<String> {
        events(expr, 0, 1)
            .iter()
            .map(|e| e.split('-').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        onsets("euclidOff 3 8 2 $ \"a\""),
        sorted(&["1/8", "1/2", "3/4"])
    );
    assert_eq!(
        onsets("eoff 3 8 2 $ \"a\""),
        onsets("euclidOff 3 8 2 $ \"a\"")
    );
    assert_eq!(
        onsets("euclidInv 3 8 $ \"a\""),
        sorted(&["1/8", "1/4", "1/2", "5/8", "7/8"])
    );
    let full = events("euclidFull 3 8 \"a\" \"b\"", 0, 1);
    assert_eq!(full.iter().filter(|e| e.ends_with("\"a\"")).count(), 3);
    assert_eq!(full.iter().filter(|e| e.ends_with("\"b\"")).count(), 5);
    let off_full = events("euclidOffFull 3 8 2 \"a\" \"b\"", 0, 1);
    assert!(
        off_full.contains(&"1/8-1/4 \"a\"".to_string()),
        "{off_full:?}"
    );
    assert!(
        off_full.contains(&"0-1/8 \"b\"".to_string()),
        "{off_full:?}"
    );
    assert_eq!(off_full.len(), 8);
}

#[test]
fn ascii_scan_and_the_choices() {
    // 'a' = 97 = 01100001.
    let p = query_expression("ascii \"a\"").unwrap();
    let mut haps = p.query_span(Rational::ZERO, Rational::ONE);
    haps.sort_by_key(|h| h.part.begin);
    let bits: String = haps.iter().map(|h| h.value.to_json()).collect();
    assert_eq!(bits, "01100001");
    assert_eq!(
        events("scan 3", 0, 3),
        sorted(&[
            "0-1 0",
            "1-3/2 0",
            "3/2-2 1",
            "2-7/3 0",
            "7/3-8/3 1",
            "8/3-3 2"
        ])
    );
    assert_eq!(
        events("select \"<0 0.5 1>\" [\"a\", \"b\", \"c*2\"]", 0, 3),
        sorted(&["0-1 \"a\"", "1-2 \"b\"", "2-5/2 \"c\"", "5/2-3 \"c\""])
    );
    assert_eq!(
        events("chooseBy \"0 0.5 0.99\" [0, 3, 7]", 0, 1),
        sorted(&["0-1/3 0", "1/3-2/3 3", "2/3-1 7"])
    );
    // One draw per cycle.
    let cycles = events("cycleChoose [0, 3, 7]", 0, 8);
    assert_eq!(cycles.len(), 8);
    assert_eq!(cycles, events("segment 1 $ choose [0, 3, 7]", 0, 8));
}

#[test]
fn envelopes_and_isquare() {
    assert_eq!(
        events("segment 4 envL", 0, 2),
        sorted(&[
            "0-1/4 0",
            "1/4-1/2 0.25",
            "1/2-3/4 0.5",
            "3/4-1 0.75",
            "1-5/4 1",
            "5/4-3/2 1",
            "3/2-7/4 1",
            "7/4-2 1",
        ])
    );
    assert_eq!(
        events("segment 2 envLR", 0, 1),
        sorted(&["0-1/2 1", "1/2-1 0.5"])
    );
    assert_eq!(
        events("segment 2 envR", 0, 1),
        events("segment 2 envLR", 0, 1)
    );
    assert_eq!(
        events("segment 2 isquare", 0, 1),
        sorted(&["0-1/2 1", "1/2-1 0"])
    );
    assert_eq!(
        events("unDegradeBy 0.5 $ \"a*8\"", 0, 1),
        events("undegradeBy 0.5 $ \"a*8\"", 0, 1)
    );
}

#[test]
fn within_zoomed_to_scale_octave_pick_f_and_randslice() {
    // within' (0, 1/2) f p: compress (0, 1/2) $ f $ zoom (0, 1/2) p, inside the span.
    assert_eq!(
        events("within' (0, 0.5) (fast 2) $ \"a b c d\"", 0, 1),
        sorted(&[
            "0-1/8 \"a\"",
            "1/8-1/4 \"b\"",
            "1/4-3/8 \"a\"",
            "3/8-1/2 \"b\"",
            "1/2-3/4 \"c\"",
            "3/4-1 \"d\"",
        ])
    );
    // toScale' o s: s !!! x + o * (x div len).
    assert_eq!(
        events("toScale' 10 [0, 2, 7] \"3 -1\"", 0, 1),
        sorted(&["0-1/2 10", "1/2-1 -3"])
    );
    assert_eq!(
        events("pickF \"<0 1>\" [rev, fast 2] $ \"a b\"", 0, 2),
        sorted(&[
            "0-1/2 \"b\"",
            "1/2-1 \"a\"",
            "1-5/4 \"a\"",
            "5/4-3/2 \"b\"",
            "3/2-7/4 \"a\"",
            "7/4-2 \"b\"",
        ])
    );
    let p = query_expression("randslice 4 $ s \"x\"").unwrap();
    let haps = p.query_span(Rational::ZERO, Rational::int(16));
    assert_eq!(haps.len(), 16);
    let mut begins = std::collections::BTreeSet::new();
    for h in &haps {
        let phonon_runtime::pattern::Value::Map(m) = &h.value else {
            panic!("{h:?}")
        };
        let (b, e) = (
            m.get("begin").and_then(|v| v.as_f64()).unwrap(),
            m.get("end").and_then(|v| v.as_f64()).unwrap(),
        );
        assert!((e - b - 0.25).abs() < 1e-12 && [0.0, 0.25, 0.5, 0.75].contains(&b));
        begins.insert((b * 4.0) as i64);
    }
    assert!(begins.len() >= 3, "random slices: {begins:?}");
}

#[test]
fn rolled_strums_and_stutter_repeats() {
    // rolledWith t: dur = (e - s) / ((1 / |t|) * count); negative t strums from the top.
    assert_eq!(
        events("n (rolled \"c'maj\")", 0, 1),
        sorted(&["0-1 {\"n\":0}", "1/12-1 {\"n\":4}", "1/6-1 {\"n\":7}"])
    );
    assert_eq!(
        events("n (rolledBy \"-0.5\" \"c'maj\")", 0, 1),
        sorted(&["0-1 {\"n\":7}", "1/6-1 {\"n\":4}", "1/3-1 {\"n\":0}"])
    );
    // stutter n t = echoWith n t id.
    assert_eq!(
        events("stutter 3 (1/16) $ \"a ~\"", 0, 1),
        sorted(&["0-1/2 \"a\"", "1/16-9/16 \"a\"", "1/8-5/8 \"a\""])
    );
    assert_eq!(
        events("somecyclesBy 0.5 (|+ 10) $ \"0*2\"", 0, 8),
        events("someCyclesBy 0.5 (|+ 10) $ \"0*2\"", 0, 8)
    );
}

#[test]
fn spread_applies_a_transform_to_each_value() {
    // spread f xs p = slowcat (map (`f` p) xs); fastspread with fastcat; spreadf = spread ($).
    assert_eq!(
        events("spread fast [1, 2] $ \"a b\"", 0, 2),
        events("cat [\"a b\", fast 2 $ \"a b\"]", 0, 2)
    );
    assert_eq!(
        events("slowspread fast [1, 2] $ \"a b\"", 0, 4),
        events("spread fast [1, 2] $ \"a b\"", 0, 4)
    );
    assert_eq!(
        events("fastspread fast [1, 2] $ \"a b\"", 0, 1),
        sorted(&[
            "0-1/4 \"a\"",
            "1/4-1/2 \"b\"",
            "1/2-5/8 \"a\"",
            "5/8-3/4 \"b\"",
            "3/4-7/8 \"a\"",
            "7/8-1 \"b\"",
        ])
    );
    assert_eq!(
        events("spreadf [rev, fast 2] $ \"a b\"", 0, 2),
        events("cat [rev $ \"a b\", fast 2 $ \"a b\"]", 0, 2)
    );
    // spreadChoose: one of the transforms each cycle, each cycle whole.
    let chosen = events("spreadChoose fast [1, 2] $ \"a b\"", 0, 8);
    assert!(chosen.len() >= 16 && chosen.len() <= 32, "{chosen:?}");
    assert_eq!(chosen, events("spreadr fast [1, 2] $ \"a b\"", 0, 8));
}

#[test]
fn rot_moves_values_along_each_cycles_events() {
    // Tidal's example: `rot 1 "a ~ b c"` is `"b ~ c a"`; patterned, cycle by cycle.
    assert_eq!(
        events("rot 1 \"a ~ b c\"", 0, 1),
        events("\"b ~ c a\"", 0, 1)
    );
    assert_eq!(
        events("rot \"<0 1 3>\" \"a b c\"", 0, 3),
        events("\"<[a b c] [b c a] [a b c]>\"", 0, 3)
    );
    // Events longer than a step keep their place; only values move.
    assert_eq!(
        events("rot (-1) \"a@2 b c\"", 0, 1),
        sorted(&["0-1/2 \"c\"", "1/2-3/4 \"a\"", "3/4-1 \"b\""])
    );
}

#[test]
fn chew_is_bite_with_the_speed_of_the_squeeze() {
    // `_chew n ipat pat = squeezeJoinUp (zoomslice <$> ipat) |/ speed n`: a quarter slice
    // squeezed into half a cycle plays at half speed, into a quarter at speed 1; the
    // `speed 2` already there is multiplied by that.
    let want = sorted(&[
        "0-1/4 {\"n\":0,\"speed\":1}",
        "1/4-1/2 {\"n\":1,\"speed\":1}",
        "1/2-5/8 {\"n\":2,\"speed\":2}",
        "5/8-3/4 {\"n\":3,\"speed\":2}",
        "3/4-7/8 {\"n\":2,\"speed\":2}",
        "7/8-1 {\"n\":3,\"speed\":2}",
    ]);
    assert_eq!(
        events("chew 4 \"0 1*2\" $ n \"0 .. 7\" # speed 2", 0, 1),
        want
    );
    // With no speed, bite's events and speed 1/(length · n).
    let bite = events("bite 4 \"0 [2 1]\" $ n \"0 .. 7\"", 0, 1);
    let chew = events("chew 4 \"0 [2 1]\" $ n \"0 .. 7\"", 0, 1);
    assert_eq!(chew.len(), bite.len());
    assert!(chew[0].ends_with("\"speed\":0.5}"), "{chew:?}");
}

#[test]
fn transpose_adds_semitones_or_intervals_to_notes() {
    // Strudel's `transpose`: numbers, note names (Tidal's numbers: c5 = 0) and `note`.
    assert_eq!(
        events("note (transpose \"<0 -2 5 3>\" \"c e g\")", 1, 2),
        events("note \"-2 2 5\"", 1, 2)
    );
    assert_eq!(
        events("transpose \"<1P -2M 4P 3m>\" $ note \"c2 c3\"", 0, 4),
        events("note \"<[-36 -24] [-38 -26] [-31 -19] [-33 -21]>\"", 0, 4)
    );
    // `n` is no note to Strudel's transpose: left as it is.
    assert_eq!(
        events("transpose 12 $ n \"0 4\"", 0, 1),
        events("n \"0 4\"", 0, 1)
    );
}

#[test]
fn ur_plays_named_patterns_over_cycles() {
    // Over 2 cycles, "a b": `a` (at ur's pace: `_fast 2` then `_slow 2`) in cycle 0, `b` in 1.
    assert_eq!(
        events("ur 2 \"a b\" [[\"a\", \"x y\"], [\"b\", \"z\"]] []", 0, 2),
        sorted(&["0-1/2 \"x\"", "1/2-1 \"y\"", "1-2 \"z\""])
    );
    // Stacked names play together; wholes are cut to the outer event (Tidal's `unwrap`).
    assert_eq!(
        events(
            "ur 1 \"[a, b] ~\" [[\"a\", \"x\"], [\"b\", \"z w\"]] []",
            0,
            1
        ),
        sorted(&["0-1/2 \"x\"", "0-1/2 \"z\""])
    );
    // `name:fx`: `s rotR inside (1 / (e - s)) f p`, worked out for rev over [1/2, 1).
    assert_eq!(
        events(
            "ur 1 \"a b:rev\" [[\"a\", \"x y\"], [\"b\", \"z w\"]] [[\"rev\", rev]]",
            0,
            1
        ),
        sorted(&["0-1/2 \"x\"", "1/2-1 \"z\""])
    );
    assert_eq!(
        events("ur 1 \"a b\" [[\"a\", \"x y\"], [\"b\", \"z w\"]] []", 0, 1),
        sorted(&["0-1/2 \"x\"", "1/2-1 \"w\""])
    );
}

#[test]
fn ur_names_what_its_tables_hold() {
    use phonon_compiler::front_end;
    let error = |src: &str| {
        let f = front_end(&format!("out: {src}"));
        let e: Vec<_> = f.errors().cloned().collect();
        assert_eq!(e.len(), 1, "{src}: {e:#?}");
        (e[0].message.clone(), e[0].hint.clone().unwrap_or_default())
    };
    let (msg, hint) = error("ur 2 \"a c\" [[\"a\", s \"bd\"]] []");
    assert_eq!(msg, "`c` names no pattern or function of this `ur`");
    assert_eq!(hint, "did you mean `a`?");
    let (msg, _) = error("ur 2 \"a\" [[\"a\", s \"bd\"], s \"sn\"] []");
    assert_eq!(msg, "`ur` expects `[\"name\", pattern]` here");
    let (msg, _) = error("ur 2 \"a\" [[\"a\", s \"bd\"]] [[\"x y\", rev]]");
    assert_eq!(msg, "`ur` expects `[\"name\", transform]` here");
}

#[test]
fn when_t_tests_each_events_start() {
    // Of the position in the cycle: the first half of each cycle is changed.
    assert_eq!(
        events("whenT ((< 0.5) . cyclePos) (fast 2) $ \"a b c d\"", 0, 1),
        sorted(&[
            "0-1/8 \"a\"",
            "1/8-1/4 \"b\"",
            "1/4-3/8 \"c\"",
            "3/8-1/2 \"d\"",
            "1/2-3/4 \"c\"",
            "3/4-1 \"d\""
        ])
    );
    // Of the time: from cycle 1 on.
    assert_eq!(
        events("whenT (>= 1) rev $ \"a b\"", 0, 2),
        events("\"<[a b] [b a]>\"", 0, 2)
    );
    for (cmp, want) in [
        ("<", "\"<[x a] [a a]>\""),
        ("<=", "\"<[x x] [a a]>\""),
        (">", "\"<[a a] [x x]>\""),
        ("==", "\"<[a x] [a a]>\""),
        ("/=", "\"<[x a] [x x]>\""),
    ] {
        // Events at 0, 1/2, 1, 3/2 against 1/2.
        let e = format!("whenT ({cmp} 0.5) (const \"x*2\") $ \"a*2\"");
        assert_eq!(events(&e, 0, 2), events(want, 0, 2), "{cmp}");
    }
}

#[test]
fn a_comparison_is_a_test_of_time_only_in_when_t() {
    use phonon_compiler::front_end;
    let error = |src: &str| {
        let f = front_end(&format!("out: {src}"));
        let e: Vec<_> = f.errors().cloned().collect();
        assert_eq!(e.len(), 1, "{src}: {e:#?}");
        e[0].message.clone()
    };
    assert_eq!(
        error("every 2 (< 0.5) $ s \"bd\""),
        "a comparison `(< ...)` tests time, only in `whenT`"
    );
    assert_eq!(
        error("whenT (fast 2) rev $ s \"bd\""),
        "`whenT` tests time with a comparison section"
    );
    assert_eq!(
        error("whenT ((< 0.5) . rev) rev $ s \"bd\""),
        "`whenT` tests time with a comparison section"
    );
}

#[test]
fn as_number_reads_numbers_and_note_names() {
    // Strudel's `asNumber` (parseNumeral): numbers and note names; Phonon's note numbers
    // (c5 = 0, a name without an octave in octave 5). A word that is neither is dropped.
    assert_eq!(
        events("asNumber \"c e5 a4 3.5 bd\"", 0, 1),
        sorted(&["0-1/5 0", "1/5-2/5 4", "2/5-3/5 -3", "3/5-4/5 3.5"])
    );
}

#[test]
fn midinote_is_note_less_sixty() {
    // Tidal's `midinote = note . (subtract 60 <$>)`; a note name is Tidal's semitones from c5
    // (`c6` = 12) before the subtraction.
    assert_eq!(
        events("midinote \"60 64 c6\"", 0, 1),
        sorted(&[
            "0-1/3 {\"note\":0}",
            "1/3-2/3 {\"note\":4}",
            "2/3-1 {\"note\":-48}",
        ])
    );
}
