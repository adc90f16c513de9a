//! The output set of a period appears all at once, and only one run writes it at a time.
//!
//! A run writes every file into a staging directory beside the period's directory, then
//! exchanges the two in one `renameat2(RENAME_EXCHANGE)` (two renames where the filesystem
//! cannot exchange), then removes the old set. A crash leaves either the old directory or
//! the new one in place; leftovers are cleaned by the next run, under the lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::model::{PeriodCode, UnitCode};

/// The folder of a period's output set: one plain component below the outputs, since a
/// [`PeriodCode`] can be nothing else.
pub fn period_dir(outputs: &Path, period: &PeriodCode) -> PathBuf {
    outputs.join(period.as_str())
}

/// The feedback workbook of a unit, relative to its period's folder.
pub fn feedback_file(unit: &UnitCode) -> String {
    format!("phan_hoi/{unit}.xlsx")
}

/// The hidden folders beside a period's folder that a run stages into and sets the previous
/// set aside in.
pub fn work_dirs(target: &Path) -> [PathBuf; 2] {
    [sibling(target, "staging"), sibling(target, "old")]
}

/// Subdirectories of a period's directory that runs do not produce but must keep.
pub const KEPT_SUBDIRS: [&str; 1] = ["bieu_mau"];

/// Held while a run writes into an outputs directory; released when dropped or when the
/// process dies, so a killed run never blocks the next one.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds the lock; its own description (pid, start time).
    #[error("another run holds the lock ({0})")]
    Held(String),
    #[error("cannot take the lock")]
    Io(#[source] std::io::Error),
}

/// The lock file's name in the outputs folder.
pub const LOCK_FILE: &str = ".tonghop.lock";

impl RunLock {
    /// Who holds the lock on `outputs` (pid, start time), if another run does. Creates
    /// nothing: a run that will not write must leave no trace.
    pub fn holder(outputs: &Path) -> Option<String> {
        let mut file = File::open(outputs.join(LOCK_FILE)).ok()?;
        match file.try_lock_shared() {
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut who = String::new();
                let _ = file.read_to_string(&mut who);
                Some(who.trim().to_string())
            }
            _ => None,
        }
    }

    pub fn acquire(outputs: &Path, holder: &str) -> Result<RunLock, LockError> {
        std::fs::create_dir_all(outputs).map_err(LockError::Io)?;
        let path = outputs.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(LockError::Io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut who = String::new();
                let _ = file.read_to_string(&mut who);
                return Err(LockError::Held(who.trim().to_string()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
        }
        file.set_len(0).map_err(LockError::Io)?;
        file.rewind().map_err(LockError::Io)?;
        file.write_all(holder.as_bytes()).map_err(LockError::Io)?;
        file.flush().map_err(LockError::Io)?;
        Ok(RunLock { _file: file })
    }
}

/// What the run is doing to its outputs, for the stop handler: a run stopped by a signal
/// removes its staging folder and says whether the new set was already in place.
#[derive(Debug)]
enum Phase {
    Idle,
    Staging(PathBuf),
    Committed(PathBuf),
    /// A signal arrived: nothing more is written.
    Stopping,
}

static PHASE: Mutex<Phase> = Mutex::new(Phase::Idle);

fn phase() -> MutexGuard<'static, Phase> {
    PHASE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The phase, held, unless a stop signal arrived: then nothing more may be written.
fn phase_unless_stopping() -> std::io::Result<MutexGuard<'static, Phase>> {
    let phase = phase();
    if matches!(*phase, Phase::Stopping) {
        return Err(std::io::Error::other("the run is stopping"));
    }
    Ok(phase)
}

/// Makes SIGINT and SIGTERM end the run cleanly: the staging folder is removed, one log line
/// says what the outputs hold, and the process exits with 128 + the signal's number. Call
/// before any other thread starts, so that every thread inherits the blocked signals and
/// only the handler's thread receives them.
#[cfg(unix)]
pub fn handle_stop_signals() {
    // SAFETY: plain libc calls on a sigset_t owned here; sigwait blocks only its own thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        std::thread::spawn(move || {
            let mut sig: libc::c_int = 0;
            if libc::sigwait(&set, &mut sig) != 0 {
                return;
            }
            let name = if sig == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
            // Holding the phase waits out a file being written or a swap under way: the
            // outputs are whole either way, and nothing is written after.
            let mut phase = phase();
            match std::mem::replace(&mut *phase, Phase::Stopping) {
                Phase::Idle | Phase::Stopping => {
                    tracing::error!("stopped by {name}; nothing was written, the previous report is intact")
                }
                Phase::Staging(dir) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    tracing::error!(
                        "stopped by {name} before the new report was in place; the previous report is intact"
                    )
                }
                Phase::Committed(target) => {
                    tracing::error!("stopped by {name} after the new report was in place at {}", target.display())
                }
            }
            std::process::exit(128 + sig);
        });
    }
}

#[cfg(not(unix))]
pub fn handle_stop_signals() {}

/// An I/O error that names the path it happened on (`No space left on device` alone does
/// not tell the operator which disk).
fn at(path: &Path) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
    move |e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A period's output directory under construction. Dropped without [`Staging::commit`] (the
/// run failed), it removes itself.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    written: AtomicUsize,
    committed: bool,
    /// Test hook: die (as `kill -9` would) after this many files, to prove a crash midway
    /// leaves the previous set intact. Set by `TONGHOP_TEST_ABORT_AFTER_FILES`.
    abort_after: Option<usize>,
    /// Test hook: the disk is full from this file on (ENOSPC), to prove a failing run names
    /// the path and removes its staging folder. Set by `TONGHOP_TEST_DISK_FULL_AFTER_FILES`.
    full_after: Option<usize>,
    /// Test hook: sleep after each file, so that a test can stop the run while it writes.
    /// Set (in milliseconds) by `TONGHOP_TEST_PAUSE_AFTER_FILE_MS`.
    pause_after_each: Option<std::time::Duration>,
}

impl Staging {
    /// Starts a new set for `target` (e.g. `outputs/2023-THD`), first repairing what an
    /// interrupted run may have left. Call only under the [`RunLock`]. Fails, changing
    /// nothing, when `target` is something else than a folder.
    pub fn begin(target: &Path) -> std::io::Result<Staging> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(at(&parent))?;
        recover(target)?;
        let dir = sibling(target, "staging");
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&dir).map_err(at(&dir))?,
            Ok(_) => return Err(not_a_folder(&dir, "is where a run stages its outputs")),
            Err(_) => {}
        }
        let mut phase = phase_unless_stopping()?;
        std::fs::create_dir_all(&dir).map_err(at(&dir))?;
        *phase = Phase::Staging(dir.clone());
        drop(phase);
        let abort_after = std::env::var("TONGHOP_TEST_ABORT_AFTER_FILES").ok().and_then(|v| v.parse().ok());
        let full_after = std::env::var("TONGHOP_TEST_DISK_FULL_AFTER_FILES").ok().and_then(|v| v.parse().ok());
        let pause_after_each = std::env::var("TONGHOP_TEST_PAUSE_AFTER_FILE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_millis);
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            written: AtomicUsize::new(0),
            committed: false,
            abort_after,
            full_after,
            pause_after_each,
        })
    }

    /// Writes one file of the set (its parent directories are created).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.write_with(rel, |w| w.write_all(bytes))
    }

    /// Writes one file of the set as `fill` streams it, never held whole in memory. Files
    /// may be written from several threads at once.
    pub fn write_with(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        // Held while the file is written, so that a stop never races a write.
        let phase = phase_unless_stopping()?;
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(at(p))?;
        }
        let f = File::create(&path).map_err(at(&path))?;
        if self.full_after.is_some_and(|n| self.written.load(Ordering::SeqCst) >= n) {
            return Err(at(&path)(std::io::Error::from_raw_os_error(libc::ENOSPC)));
        }
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        fill(&mut w).map_err(at(&path))?;
        // Made durable with the whole set, at commit.
        w.into_inner().map_err(|e| at(&path)(e.into_error()))?;
        let written = self.written.fetch_add(1, Ordering::SeqCst) + 1;
        if self.abort_after.is_some_and(|n| written >= n) {
            std::process::abort();
        }
        drop(phase);
        if let Some(pause) = self.pause_after_each {
            std::thread::sleep(pause);
        }
        Ok(())
    }

    /// Makes the staged set the current one: all of it, or, on failure, none of it.
    pub fn commit(mut self) -> std::io::Result<()> {
        for sub in KEPT_SUBDIRS {
            let from = self.target.join(sub);
            if from.is_dir() {
                copy_dir(&from, &self.dir.join(sub))?;
            }
        }
        sync_tree(&self.dir).map_err(at(&self.dir))?;
        // The stop handler waits while the sets change places.
        let mut phase = phase_unless_stopping()?;
        check_target(&self.target)?;
        let old = sibling(&self.target, "old");
        if self.target.exists() {
            if exchange(&self.dir, &self.target).is_ok() {
                // The staging path now holds the old set: set it aside, then drop it. The new
                // set is in place whatever happens to the old one; the next run cleans up.
                if let Err(e) = std::fs::rename(&self.dir, &old) {
                    tracing::warn!("the previous set stays at {} until the next run: {e}", self.dir.display());
                }
            } else {
                std::fs::rename(&self.target, &old).map_err(at(&self.target))?;
                if let Err(e) = std::fs::rename(&self.dir, &self.target) {
                    // Put the previous set back: the outputs are as they were.
                    std::fs::rename(&old, &self.target).map_err(|back| {
                        std::io::Error::new(
                            back.kind(),
                            format!(
                                "{}: {back}; the previous report is whole at {}: the next run puts it back, \
                                 or move it to {} by hand",
                                self.target.display(),
                                old.display(),
                                self.target.display()
                            ),
                        )
                    })?;
                    return Err(at(&self.target)(e));
                }
            }
        } else {
            std::fs::rename(&self.dir, &self.target).map_err(at(&self.target))?;
        }
        self.committed = true;
        *phase = Phase::Committed(self.target.clone());
        drop(phase);
        if old.exists()
            && let Err(e) = std::fs::remove_dir_all(&old)
        {
            tracing::warn!("cannot remove the previous set {} (the next run will): {e}", old.display());
        }
        if let Some(parent) = self.target.parent() {
            let _ = sync_dir(parent);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        let mut phase = phase();
        if matches!(*phase, Phase::Staging(_)) {
            *phase = Phase::Idle;
        }
        drop(phase);
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!("cannot remove the staging folder {}: {e}", self.dir.display());
        }
    }
}

fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{name}.{what}"))
}

/// Refuses a target that is there but is no folder (a file, a link): swapping it would hide
/// the operator's file and leave the outputs half-changed.
fn check_target(target: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(target) {
        Ok(m) if !m.is_dir() => Err(not_a_folder(target, "is where the period's output folder goes")),
        _ => Ok(()),
    }
}

/// Something other than a folder (a file, a link) where the outputs need one; never removed,
/// since it may be the operator's.
fn not_a_folder(path: &Path, what: &str) -> std::io::Error {
    std::io::Error::other(format!(
        "{} {what} but is not a folder; nothing was changed: look at it, move it elsewhere and run again",
        path.display()
    ))
}

/// Puts back an old set whose replacement never arrived, drops one that was replaced, and
/// stops, naming what to do, at anything it cannot safely repair. Call only under the
/// [`RunLock`].
pub fn recover(target: &Path) -> std::io::Result<()> {
    check_target(target)?;
    let old = sibling(target, "old");
    match std::fs::symlink_metadata(&old) {
        Err(_) => {}
        Ok(m) if !m.is_dir() => return Err(not_a_folder(&old, "is where a run sets the previous outputs aside")),
        Ok(_) if target.exists() => std::fs::remove_dir_all(&old).map_err(at(&old))?,
        Ok(_) => {
            tracing::warn!("restoring the previous output set {} left by an interrupted run", target.display());
            std::fs::rename(&old, target).map_err(at(&old))?;
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: both pointers are valid NUL-terminated paths for the duration of the call.
    let rc =
        unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange on this platform"))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Makes every file and folder of a staged set durable before it is swapped in. On Linux one
/// `syncfs` of its filesystem: a run may stage thousands of feedback workbooks, and a flush
/// per file costs milliseconds each on a spinning disk. Elsewhere each file, then each
/// folder.
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, open for the length of the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                sync_tree(&entry.path())?;
            } else {
                File::open(entry.path())?.sync_all()?;
            }
        }
        sync_dir(dir)
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_the_whole_set_and_keeps_templates() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("P");
        let s = Staging::begin(&target).unwrap();
        s.write("a.csv", b"old").unwrap();
        s.write("phan_hoi/001.xlsx", b"x").unwrap();
        s.commit().unwrap();
        std::fs::create_dir_all(target.join("bieu_mau")).unwrap();
        std::fs::write(target.join("bieu_mau/001.xlsx"), b"form").unwrap();
        let s = Staging::begin(&target).unwrap();
        s.write("a.csv", b"new").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(target.join("a.csv")).unwrap(), b"new");
        assert!(!target.join("phan_hoi/001.xlsx").exists(), "stale feedback must go");
        assert_eq!(std::fs::read(target.join("bieu_mau/001.xlsx")).unwrap(), b"form");
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("P")]);
    }

    #[test]
    fn an_interrupted_swap_is_undone_by_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("P");
        // As if a run died between moving the old set aside and moving the new one in.
        std::fs::create_dir_all(tmp.path().join(".P.old")).unwrap();
        std::fs::write(tmp.path().join(".P.old/a.csv"), b"good").unwrap();
        std::fs::create_dir_all(tmp.path().join(".P.staging")).unwrap();
        std::fs::write(tmp.path().join(".P.staging/a.csv"), b"half").unwrap();
        let s = Staging::begin(&target).unwrap();
        assert_eq!(std::fs::read(target.join("a.csv")).unwrap(), b"good");
        assert!(std::fs::read_dir(&s.dir).unwrap().next().is_none());
    }

    #[test]
    fn a_failed_run_removes_its_staging_folder_and_errors_name_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("P");
        let s = Staging::begin(&target).unwrap();
        s.write("a.csv", b"x").unwrap();
        // A file where a folder of the set goes: the error names the path it happened on.
        std::fs::write(s.dir.join("phan_hoi"), b"in the way").unwrap();
        let e = s.write("phan_hoi/001.xlsx", b"x").unwrap_err();
        assert!(e.to_string().contains(&s.dir.join("phan_hoi").display().to_string()), "{e}");
        let dir = s.dir.clone();
        drop(s);
        assert!(!dir.exists(), "the staging folder of a failed run is removed");
        assert!(!target.exists());
    }

    #[test]
    fn a_file_at_the_target_is_refused_before_anything_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("P");
        std::fs::write(&target, b"notes").unwrap();
        let e = Staging::begin(&target).err().unwrap();
        assert!(e.to_string().contains("is not a folder; nothing was changed"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"notes");
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("P")]);
    }

    #[test]
    fn a_second_lock_names_the_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let _held = RunLock::acquire(tmp.path(), "pid 42 since 02:00").unwrap();
        match RunLock::acquire(tmp.path(), "pid 43") {
            Err(LockError::Held(who)) => assert_eq!(who, "pid 42 since 02:00"),
            other => panic!("expected the lock to be held, got {other:?}"),
        }
        assert_eq!(RunLock::holder(tmp.path()).as_deref(), Some("pid 42 since 02:00"));
        drop(_held);
        assert_eq!(RunLock::holder(tmp.path()), None);
    }
}
