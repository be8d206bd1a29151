//! Errors found while lowering to the signal graph: every output is lowered, so one compile
//! reports the errors of all of them (in source order), each once, however many outputs
//! reach it.

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};

fn errors(src: &str) -> Vec<(String, usize)> {
    match compile(src, &Catalogue::default(), &Options::default()) {
        Ok(_) => panic!("`{src}` compiles"),
        Err(d) => d
            .iter()
            .map(|d| (d.message.clone(), d.span.start))
            .collect(),
    }
}

#[test]
fn every_output_s_lowering_errors_come_in_one_run() {
    let src = "o1: saw 55 # rev\no2: sine 440\no3: ~a\no4: ~a * 0.5\n~a: (impulse 1 + ~a) # delay 0.1 0.5\no5: saw 55 # delay 0.1 0.5 :lock \"a b\"\n";
    let found = errors(src);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].0.contains("`rev` transforms patterns"),
        "{found:?}"
    );
    assert!(found[1].0.contains("passes through `delay`"), "{found:?}");
    // At the definition of the loop, once for the two outputs that play it.
    assert_eq!(found[1].1, src.find("impulse").unwrap(), "{found:?}");
    assert_eq!(found[2].0, "`:lock` must be a number", "{found:?}");
}

#[test]
fn a_tempo_pattern_is_a_pattern_of_numbers_and_fixes_no_delay_time_in_cycles() {
    let src = "cps: \"<0.5 0.6>\"\nout: saw 110 # delay 0.25 0.5 0.3 :lock 1\n";
    assert_eq!(
        errors(src),
        [(
            "a delay time in cycles needs a fixed tempo".to_string(),
            src.find(":lock 1").unwrap() + 6
        )]
    );
    // A fixed tempo, or the time in seconds: fine.
    let fixed = "cps: 0.5\nout: saw 110 # delay 0.25 0.5 0.3 :lock 1\n";
    assert!(compile(fixed, &Catalogue::default(), &Options::default()).is_ok());
    let seconds = "cps: \"<0.5 0.6>\"\nout: saw 110 # delay 0.25 0.5 0.3\n";
    assert!(compile(seconds, &Catalogue::default(), &Options::default()).is_ok());
    let src = "cps: sine 440\nout: s \"bd\"\n";
    assert_eq!(
        errors(src),
        [(
            "the tempo must be a number or a pattern of numbers".to_string(),
            5
        )]
    );
}
