//! Atomic file replacement: the new content goes to a temporary file in the
//! same folder, is flushed to disk, and is renamed over the old file. At any
//! moment the path holds either the whole old file or the whole new one; a
//! failure leaves the old file as it was and no temporary file behind.
//!
//! A process killed mid-save cannot delete its temporary file; the name
//! carries the writer's process id, and the next save removes the ones of
//! processes that no longer run (Linux, where `/proc` tells), so at most one
//! stale temporary file is ever left.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replaces the file at `path` with `bytes`, atomically. A symbolic link is
/// followed (the file it points to is replaced, the link stays); the old
/// file's permissions are kept.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, |_| Ok(()))
}

/// [`write`] with a hook called just before the rename, with the temporary
/// file's path (tests use it to fail there).
pub(crate) fn write_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let target = resolve_link(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !dir.is_dir() {
        // Named here: creating the temporary file would name that file.
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "the folder {} does not exist: create it, or choose another",
                dir.display()
            ),
        ));
    }
    let prefix = format!(".{name}.");
    remove_stale(&dir, &prefix);
    let tmp_prefix = format!("{prefix}{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&tmp_prefix).suffix(".tmp");
    // A new file gets the usual mode (0666 less the umask), not the
    // temporary file's 0600; an existing one keeps its own (below).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(&dir)?;
    tmp.write_all(bytes)?;
    if let Ok(meta) = fs::metadata(&target)
        && meta.is_file()
    {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    before_rename(tmp.path())?;
    // On failure the temporary file is dropped, which deletes it.
    tmp.persist(&target).map_err(|e| e.error)?;
    // The rename is durable once the folder is synced; not every platform
    // can open a folder for that, and the file itself is already safe.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes `{prefix}{pid}.….tmp` files of processes that no longer run:
/// saves that were killed before their rename. A save in progress in a
/// running process (this one included) is never touched.
fn remove_stale(dir: &Path, prefix: &str) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .filter(|r| r.ends_with(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The file that `path` names, following symbolic links; `path` itself when
/// it is not a link (or does not exist yet).
fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let mut target = path.to_path_buf();
            for _ in 0..40 {
                let link = fs::read_link(&target)?;
                target = match target.parent() {
                    Some(parent) => parent.join(link),
                    None => link,
                };
                if !fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                    return Ok(target);
                }
            }
            Err(io::Error::other("too many levels of symbolic links"))
        }
        _ => Ok(path.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .expect("readable")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn replaces_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.json");
        write(&path, b"one").expect("first write");
        write(&path, b"two").expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failure_before_the_rename_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.json");
        fs::write(&path, b"old").expect("write");
        let mut seen = None;
        let err = write_with(&path, b"new", |tmp| {
            assert_eq!(fs::read(tmp).expect("temp file written"), b"new");
            seen = Some(tmp.to_path_buf());
            Err(io::Error::other("disk on fire"))
        })
        .expect_err("the hook fails");
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(fs::read(&path).expect("read"), b"old");
        assert!(!seen.expect("hook ran").exists(), "temporary file removed");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_rename_keeps_what_was_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.json");
        fs::create_dir(&path).expect("a folder where the file goes");
        fs::write(path.join("inside"), b"kept").expect("write");
        assert!(write(&path, b"new").is_err());
        assert_eq!(fs::read(path.join("inside")).expect("read"), b"kept");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_keeps_the_old_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.json");
        fs::write(&path, b"old").expect("write");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).expect("chmod");
        let probe = dir.path().join("probe");
        let enforced = fs::write(&probe, b"").is_err();
        let result = write(&path, b"new");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod back");
        if enforced {
            assert!(result.is_err());
            assert_eq!(fs::read(&path).expect("read"), b"old");
            assert!(leftovers(dir.path()).is_empty());
        } else {
            // Running as root: permissions are not enforced, the save works.
            result.expect("root can write");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_temporary_files_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.json");
        // pid_max is at most 2^22 on Linux: this process cannot exist.
        let dead = dir.path().join(".w.json.4294967295.abc123.tmp");
        let alive = dir
            .path()
            .join(format!(".w.json.{}.live01.tmp", std::process::id()));
        let other = dir.path().join(".other.json.4294967295.x.tmp");
        for f in [&dead, &alive, &other] {
            fs::write(f, b"partial").expect("write");
        }
        write(&path, b"new").expect("write");
        assert!(!dead.exists(), "a dead writer's temporary file is removed");
        assert!(alive.exists(), "a live writer's is kept");
        assert!(other.exists(), "another file's is kept");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_permissions_and_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.json");
        fs::write(&real, b"old").expect("write");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).expect("symlink");
        write(&link, b"new").expect("write through the link");
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).expect("read"), b"new");
        let mode = fs::metadata(&real).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    /// A new file gets the mode any new file gets here (0666 less the
    /// umask), not the temporary file's 0600.
    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_usual_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain.json");
        fs::write(&plain, b"x").expect("write");
        let usual = fs::metadata(&plain).expect("meta").permissions().mode() & 0o777;
        let new = dir.path().join("new.json");
        write(&new, b"new").expect("write");
        let mode = fs::metadata(&new).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, usual);
    }
}
