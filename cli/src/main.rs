use std::io::IsTerminal;

// In debug builds allocations inside `assert_no_alloc` (the audio callback) abort.
#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // The handles, not locks held for the whole run: `phonon lsp` reads and writes them from
    // threads of its own.
    let code = phonon_cli::run(
        &args,
        phonon_cli::Io {
            stdin: &mut std::io::stdin(),
            stdout: &mut std::io::stdout(),
            stderr: &mut std::io::stderr(),
            color,
        },
    );
    std::process::exit(code);
}
