//! The compiler loads nothing: it checks sound names against a catalogue and lists what the
//! program needs; loading and attaching the sounds is done outside it.

use phonon_compiler::catalogue::Catalogue;
use phonon_compiler::program::{Options, compile};
use phonon_runtime::engine::Engine;
use phonon_runtime::render::render;
use phonon_runtime::samples::{SampleLibrary, SearchPath};

fn peak(compiled: phonon_compiler::program::Compiled) -> f32 {
    let mut engine = Engine::new(compiled.spec, 512, 1).unwrap();
    let audio = engine.run(|e| render(e, 4096, 512, false, false, &mut |_| {}));
    audio.samples.iter().fold(0.0f32, |m, x| m.max(x.abs()))
}

#[test]
fn compile_lists_the_sounds_a_program_needs_without_loading_them() {
    // `nowhere` exists only in this catalogue: no folder or kit sound could be loaded for
    // it, so compiling cannot have tried.
    let catalogue = Catalogue::new(["bd", "nowhere"].map(String::from), vec![]);
    let src = "o1: s \"bd nowhere bd\"\no2: s \"nowhere*2\"\n";
    let c = compile(src, &catalogue, &Options::default()).unwrap();
    let needs: Vec<(&str, usize)> = c
        .sounds
        .iter()
        .map(|n| (n.name.as_str(), n.span.start))
        .collect();
    assert_eq!(needs, [("bd", 7), ("nowhere", 10)]);
    assert!(c.spec.banks.iter().all(|b| b.sounds.is_empty()));
    // Until its sounds are attached the program is silent.
    assert_eq!(peak(c), 0.0);
}

#[test]
fn a_name_outside_the_catalogue_is_an_error_from_compile_itself() {
    let catalogue = Catalogue::new(
        ["bd", "sn", "hh"].map(String::from),
        vec!["/samples".into()],
    );
    let Err(errors) = compile("out: s \"bd snare\"\n", &catalogue, &Options::default()) else {
        panic!("an unknown sound compiles");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "unknown sound `snare`");
    assert_eq!(errors[0].span, 11..16);
    let hint = errors[0].hint.as_deref().unwrap();
    assert!(hint.contains("`sn`") && hint.contains("/samples"), "{hint}");
}

#[test]
fn the_loaded_sounds_attached_make_the_program_play() {
    let library = SampleLibrary::new(SearchPath::only(vec![]));
    let catalogue = phonon_sounds::catalogue(&library);
    assert!(catalogue.contains("bd") && !catalogue.contains("nowhere"));
    let src = "out: s \"bd\"\n";
    let mut c = compile(src, &catalogue, &Options::default()).unwrap();
    let table = phonon_sounds::load(&c.sounds, &library, 44_100).unwrap();
    assert_eq!(table["bd"].len(), phonon_sounds::kit::VARIANTS);
    c.attach_sounds(&table);
    let attached = peak(c);
    assert!(attached > 0.5, "peak {attached}");
    // The one-call path gives the same.
    let whole = phonon_sounds::compile(src, &library, &Options::default()).unwrap();
    assert_eq!(peak(whole), attached);
}
