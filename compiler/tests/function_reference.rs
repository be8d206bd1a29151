//! docs/functions.md is generated from the built-in table; it must match it.

#[test]
fn function_reference_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/functions.md");
    let generated = phonon_compiler::builtins::reference_markdown();
    if std::env::var_os("PHONON_BLESS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/functions.md is out of date: run PHONON_BLESS=1 cargo test -p phonon-compiler --test function_reference"
    );
}

#[test]
fn every_example_in_the_reference_compiles() {
    for b in phonon_compiler::builtins::BUILTINS {
        let src = format!("~x: {}\nout: s \"bd\"", b.example);
        let r = phonon_compiler::front_end(&src);
        let errors: Vec<_> = r.errors().map(|d| d.message.clone()).collect();
        assert!(errors.is_empty(), "{}: `{}`: {errors:?}", b.name, b.example);
    }
}
