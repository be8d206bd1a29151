use std::io::IsTerminal;

// In debug builds allocations inside `assert_no_alloc` (the audio callback) abort.
#[cfg(debug_assertions)]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let code = phonon_cli::run(
        &args,
        phonon_cli::Io {
            stdin: &mut std::io::stdin().lock(),
            stdout: &mut std::io::stdout().lock(),
            stderr: &mut std::io::stderr().lock(),
            color,
        },
    );
    std::process::exit(code);
}
