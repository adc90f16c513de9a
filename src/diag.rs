//! What a run says about itself in its log.

use std::sync::atomic::{AtomicBool, Ordering};

/// `", peak memory 123 MiB"` on Linux (the process's resident-set high-water mark so far),
/// empty elsewhere: for the phase timings of `tonghop run -v`.
pub fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().to_string())))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map(|kib| format!(", peak memory {} MiB", kib / 1024))
        .unwrap_or_default()
}

/// Writes to standard output. A closed pipe (`tonghop validate --json | head`) ends what is
/// printed, not the run: the run's outputs and exit code do not depend on a reader of its
/// standard output. Any other failure to write is logged, once.
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    static CLOSED: AtomicBool = AtomicBool::new(false);
    if let Err(e) = write_unless_closed(&mut std::io::stdout().lock(), &CLOSED, args, newline) {
        tracing::warn!("cannot write to standard output: {e}; the run goes on");
    }
}

/// Writes a line to standard error, as [`write_stdout`] does to standard output
/// (`tonghop run 2>&1 | head`): a failure ends what is written there, not the run.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    static CLOSED: AtomicBool = AtomicBool::new(false);
    // Nowhere to tell a failure to write to standard error.
    let _ = write_unless_closed(&mut std::io::stderr().lock(), &CLOSED, args, true);
}

/// Writes `args` unless `closed`; on a failure, sets `closed` and returns the error unless
/// it is a closed pipe.
fn write_unless_closed(
    out: &mut dyn std::io::Write,
    closed: &AtomicBool,
    args: std::fmt::Arguments<'_>,
    newline: bool,
) -> std::io::Result<()> {
    if closed.load(Ordering::Relaxed) {
        return Ok(());
    }
    let written = out.write_fmt(args).and_then(|()| if newline { out.write_all(b"\n") } else { Ok(()) });
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) => {
            closed.store(true, Ordering::Relaxed);
            if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) }
        }
    }
}

/// `println!` to standard output through [`write_stdout`]: never a panic on a closed pipe.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::diag::write_stdout(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::diag::write_stdout(format_args!($($arg)*), true)
    };
}

/// `print!` to standard output through [`write_stdout`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::diag::write_stdout(format_args!($($arg)*), false)
    };
}

/// `eprintln!` through [`write_stderr`]: never a panic on a closed pipe.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::diag::write_stderr(format_args!($($arg)*))
    };
}
