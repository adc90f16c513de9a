//! The output set of a period appears all at once, and only one run writes it at a time.
//!
//! A run writes every file into a staging directory beside the period's directory, then
//! exchanges the two in one `renameat2(RENAME_EXCHANGE)` (two renames where the filesystem
//! cannot exchange), then removes the old set. A crash leaves either the old directory or
//! the new one in place; leftovers are cleaned by the next run, under the lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Subdirectories of a period's directory that runs do not produce but must keep.
pub const KEPT_SUBDIRS: [&str; 1] = ["bieu_mau"];

/// Held while a run writes into an outputs directory; released when dropped or when the
/// process dies, so a killed run never blocks the next one.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

#[derive(Debug)]
pub enum LockError {
    /// Another run holds the lock; its own description (pid, start time).
    Held(String),
    Io(std::io::Error),
}

impl RunLock {
    pub fn acquire(outputs: &Path, holder: &str) -> Result<RunLock, LockError> {
        std::fs::create_dir_all(outputs).map_err(LockError::Io)?;
        let path = outputs.join(".tonghop.lock");
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

/// A period's output directory under construction.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    written: std::cell::Cell<usize>,
    /// Test hook: die (as `kill -9` would) after this many files, to prove a crash midway
    /// leaves the previous set intact. Set by `TONGHOP_TEST_ABORT_AFTER_FILES`.
    abort_after: Option<usize>,
}

impl Staging {
    /// Starts a new set for `target` (e.g. `outputs/2023-THD`), first repairing what an
    /// interrupted run may have left. Call only under the [`RunLock`].
    pub fn begin(target: &Path) -> std::io::Result<Staging> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        std::fs::create_dir_all(&parent)?;
        recover(target)?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = parent.join(format!(".{name}.staging"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let abort_after = std::env::var("TONGHOP_TEST_ABORT_AFTER_FILES").ok().and_then(|v| v.parse().ok());
        Ok(Staging { dir, target: target.to_path_buf(), written: std::cell::Cell::new(0), abort_after })
    }

    /// Writes one file of the set (its parent directories are created).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        let mut f = File::create(&path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        self.written.set(self.written.get() + 1);
        if self.abort_after.is_some_and(|n| self.written.get() >= n) {
            std::process::abort();
        }
        Ok(())
    }

    /// Makes the staged set the current one.
    pub fn commit(self) -> std::io::Result<()> {
        for sub in KEPT_SUBDIRS {
            let from = self.target.join(sub);
            if from.is_dir() {
                copy_dir(&from, &self.dir.join(sub))?;
            }
        }
        sync_dir(&self.dir)?;
        if self.target.exists() {
            let old = sibling(&self.target, "old");
            if old.exists() {
                std::fs::remove_dir_all(&old)?;
            }
            if exchange(&self.dir, &self.target).is_ok() {
                // The staging path now holds the old set.
                std::fs::rename(&self.dir, &old)?;
            } else {
                std::fs::rename(&self.target, &old)?;
                std::fs::rename(&self.dir, &self.target)?;
            }
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&self.dir, &self.target)?;
        }
        if let Some(parent) = self.target.parent() {
            let _ = sync_dir(parent);
        }
        Ok(())
    }
}

fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{name}.{what}"))
}

/// Puts back an old set whose replacement never arrived, and drops half-written sets.
fn recover(target: &Path) -> std::io::Result<()> {
    let old = sibling(target, "old");
    if old.is_dir() {
        if target.exists() {
            std::fs::remove_dir_all(&old)?;
        } else {
            tracing::warn!("restoring the previous output set {} left by an interrupted run", target.display());
            std::fs::rename(&old, target)?;
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
    fn a_second_lock_names_the_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let _held = RunLock::acquire(tmp.path(), "pid 42 since 02:00").unwrap();
        match RunLock::acquire(tmp.path(), "pid 43") {
            Err(LockError::Held(who)) => assert_eq!(who, "pid 42 since 02:00"),
            other => panic!("expected the lock to be held, got {other:?}"),
        }
    }
}
