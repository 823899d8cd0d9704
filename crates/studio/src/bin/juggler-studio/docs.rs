//! Generated texts (shell completions, manual pages) and `check`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Res;
use crate::cli::Cli;

pub fn completions(shell: clap_complete::Shell) -> Res {
    // Into a buffer: clap_complete panics on a closed stdout.
    let mut text = Vec::new();
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "juggler-studio", &mut text);
    print_bytes(&text)
}

/// The manual page on stdout, or every page into `out_dir`.
pub fn man(out_dir: Option<PathBuf>) -> Res {
    let cmd = <Cli as clap::CommandFactory>::command();
    let Some(dir) = out_dir else {
        let mut text = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut text)?;
        return print_bytes(&text);
    };
    std::fs::create_dir_all(&dir)?;
    clap_mangen::generate_to(cmd, &dir)?;
    println!("wrote the manual pages into {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes generated text to stdout; a closed pipe (`| head`) is not an error.
fn print_bytes(bytes: &[u8]) -> Res {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub fn check(path: &std::path::Path) -> Res {
    match studio::check::check(path) {
        Ok(report) => {
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            eprintln!("{problems}");
            Ok(ExitCode::from(2))
        }
    }
}
