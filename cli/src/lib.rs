//! The `phonon` command line. `run` takes the arguments and output streams so the end-to-end
//! tests can drive the whole CLI in-process.

use clap::{Parser, Subcommand};
use phonon_compiler::{ast_dump, diagnostic::render_all, front_end};
use std::io::{Read, Write};
use std::path::PathBuf;

/// Exit codes: 0 success, 1 the program has errors, 2 the command line is wrong.
pub const EXIT_USER_ERROR: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "phonon",
    version,
    about = "Phonon: a live-coding music language, compiled",
    long_about = "Phonon compiles `.ph` programs (TidalCycles-style patterns and synthesis in one file) \
                  to native code and plays them.",
    after_help = "Examples:\n  phonon compile examples/house.ph\n  phonon ir examples/house.ph --ast\n  cat beat.ph | phonon compile -"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a program: parse, resolve names, check arguments, and report every error.
    #[command(
        after_help = "Exit status: 0 when the program is clean (warnings allowed), 1 when it has errors, 2 on a usage error.\n\nExamples:\n  phonon compile examples/house.ph\n  echo 'out: s \"bd sn\"' | phonon compile -"
    )]
    Compile {
        /// The `.ph` file, or `-` for standard input.
        file: PathBuf,
    },
    /// Show what a program became.
    #[command(
        after_help = "Examples:\n  phonon ir examples/house.ph --ast\n  phonon ir - --ast < beat.ph"
    )]
    Ir {
        /// The `.ph` file, or `-` for standard input.
        file: PathBuf,
        /// Print the syntax tree: every statement, expression and mini-notation step with its line:col.
        #[arg(long, required = true)]
        ast: bool,
    },
}

/// Where the CLI writes, and whether it may use colour.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub color: bool,
}

/// Runs the CLI with `args` (including the program name) and returns the exit code.
pub fn run(args: &[String], io: Io) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let text = if io.color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            // Help and version go to stdout and succeed; usage errors go to stderr.
            if code == 0 {
                let _ = write!(io.stdout, "{text}");
                return 0;
            }
            let _ = write!(io.stderr, "{text}");
            return EXIT_USAGE;
        }
    };
    match cli.command {
        Command::Compile { file } => compile(&file, io),
        Command::Ir { file, ast: _ } => ir_ast(&file, io),
    }
}

/// A source file as read, with the name used in diagnostics.
struct SourceFile {
    name: String,
    text: String,
}

fn read_source(path: &PathBuf, io: &mut Io) -> Result<SourceFile, i32> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        return match io.stdin.read_to_string(&mut text) {
            Ok(_) => Ok(SourceFile {
                name: "<stdin>".to_string(),
                text,
            }),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: cannot read standard input: {e}");
                Err(EXIT_USER_ERROR)
            }
        };
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile {
            name: path.display().to_string(),
            text,
        }),
        Err(e) => {
            let _ = writeln!(io.stderr, "error: cannot read `{}`: {e}", path.display());
            Err(EXIT_USER_ERROR)
        }
    }
}

/// Runs the front end and prints its diagnostics. Returns the result when it has no errors.
fn checked_front_end(
    path: &PathBuf,
    io: &mut Io,
) -> Result<(SourceFile, phonon_compiler::FrontEnd), i32> {
    let source = read_source(path, io)?;
    let result = front_end(&source.text);
    if !result.diagnostics.is_empty() {
        let _ = writeln!(
            io.stderr,
            "{}",
            render_all(&result.diagnostics, &source.name, &source.text, io.color)
        );
    }
    if result.has_errors() {
        let n = result.errors().count();
        let _ = writeln!(
            io.stderr,
            "{}: {n} error{} found",
            source.name,
            if n == 1 { "" } else { "s" }
        );
        return Err(EXIT_USER_ERROR);
    }
    Ok((source, result))
}

fn compile(path: &PathBuf, mut io: Io) -> i32 {
    match checked_front_end(path, &mut io) {
        Ok((source, result)) => {
            let c = &result.checked;
            let _ = writeln!(
                io.stdout,
                "{}: ok ({} output{}, {} bus{}, {} cps)",
                source.name,
                c.outputs.len(),
                if c.outputs.len() == 1 { "" } else { "s" },
                c.buses.len(),
                if c.buses.len() == 1 { "" } else { "es" },
                c.cps
            );
            0
        }
        Err(code) => code,
    }
}

fn ir_ast(path: &PathBuf, mut io: Io) -> i32 {
    match checked_front_end(path, &mut io) {
        Ok((source, result)) => {
            let _ = write!(
                io.stdout,
                "{}",
                ast_dump::dump(&result.checked.program, &source.text)
            );
            0
        }
        Err(code) => code,
    }
}
