//! What stderr is: a terminal gets colours and `\r` progress bars; a file
//! or a pipe (a CI log) gets plain lines, a few of them.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A progress bar's line is on the terminal without its newline: the next
/// log line must end it first, or it is glued to the bar.
static BAR_OPEN: AtomicBool = AtomicBool::new(false);

fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Colour in log lines: on a terminal, unless `NO_COLOR` is set
/// (<https://no-color.org>: any value but the empty one).
pub fn colour() -> bool {
    stderr_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The log's writer: stderr, a progress bar's open line ended first.
pub fn log_writer() -> LogWriter {
    LogWriter
}

/// Writes to stderr holding its lock, which a bar's redraw holds too: the
/// check for an open bar and the log line cannot fall between a redraw
/// and its marking the line open (the log line was glued to the bar).
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut err = std::io::stderr().lock();
        if BAR_OPEN.swap(false, Ordering::SeqCst) {
            err.write_all(b"\n")?;
        }
        err.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A progress line on stderr: redrawn in place on a terminal; elsewhere a
/// plain line at each quarter of the way (or each minute, when the end is
/// not known), so that a CI log gets a handful of lines, not one per
/// update.
pub struct Progress {
    terminal: bool,
    next_quarter: u64,
    last_line: Option<Instant>,
}

const UNKNOWN_END_EVERY: Duration = Duration::from_secs(60);

impl Progress {
    pub fn new() -> Progress {
        Progress {
            terminal: stderr_is_terminal(),
            next_quarter: 1,
            last_line: None,
        }
    }

    /// Shows `line`; `done` is the part of the way behind, in 0..=1, when
    /// the end is known.
    pub fn show(&mut self, line: &str, done: Option<f64>) {
        if self.terminal {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{line}   ");
            let _ = err.flush();
            BAR_OPEN.store(true, Ordering::SeqCst);
            return;
        }
        let due = match done {
            Some(part) => {
                let quarter = (part.clamp(0.0, 1.0) * 4.0).floor() as u64;
                let due = quarter >= self.next_quarter;
                if due {
                    self.next_quarter = quarter + 1;
                }
                due
            }
            None => self
                .last_line
                .is_none_or(|at| at.elapsed() >= UNKNOWN_END_EVERY),
        };
        if due {
            self.last_line = Some(Instant::now());
            eprintln!("{}", line.trim());
        }
    }

    /// Ends the bar's line (on a terminal).
    pub fn finish(&mut self) {
        let mut err = std::io::stderr().lock();
        if BAR_OPEN.swap(false, Ordering::SeqCst) {
            let _ = writeln!(err);
        }
    }
}
