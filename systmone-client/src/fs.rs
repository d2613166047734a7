//! The SDK's one way of writing a file that must never be seen half
//! written: the Device ID (client), the mock's device registry, and
//! record-sync's spool files, which SystmOne reads by path.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` so that a crash or power cut leaves either the
/// old file or the whole new one, never part of it: the bytes go to a
/// temporary file beside `path` (named after it and this process, so two
/// processes never share one), which is flushed to disk (`fsync`) and then
/// renamed over `path`; the directory is then flushed too, where the
/// platform allows, so that the rename itself survives. On an error the
/// temporary file is removed.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("device-id");
/// systmone_client::fs::write_atomically(&path, b"8e7d6c5b4a392817\n")?;
/// assert_eq!(std::fs::read(&path)?, b"8e7d6c5b4a392817\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = temporary_beside(path)?;
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = std::fs::File::open(dir)
        {
            // Not every platform can flush a directory (Windows cannot):
            // the file itself is already on disk.
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// `<name>.<pid>.tmp` beside `path`.
fn temporary_beside(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("the path names no file"))?;
    let mut temporary = name.to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    Ok(path.with_file_name(temporary))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool.pdf");
        write_atomically(&path, b"first, and longer").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["spool.pdf"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device-id");
        write_atomically(&path, b"old").unwrap();
        // A directory where the file should be: the rename fails.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("inside"), b"x").unwrap();
        assert!(write_atomically(&blocked, b"new").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert!(
            std::fs::read_dir(dir.path()).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp"))
        );
        assert!(write_atomically(Path::new("/"), b"x").is_err());
    }
}
