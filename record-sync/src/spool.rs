//! The spool directory: where the files of a save wait for SystmOne to read
//! them (SystmOne takes attachments by local path, PROTOCOL.md §9.7.3).
//!
//! Names are generated (`<intent key>-<n>.<ext>`), never taken from the
//! eConsult, so a sender's file name cannot choose a path. A file is
//! removed once its save is resolved: landed, refused, or found not to have
//! landed. Files left by a crash are either still named by an open intent
//! (kept for its reconciliation) or swept at start-up.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::plan::PlannedCall;
use crate::store::IntentKey;

/// The spool directory.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

/// The extension every spool file has one of; the sweep touches nothing
/// else.
const SPOOL_SUFFIXES: [&str; 9] = [
    ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".doc", ".docx", ".rtf",
];

impl Spool {
    /// Uses `dir` (created if missing) as the spool. The path is made
    /// absolute, because SystmOne resolves it, not this process, and kept
    /// in its plain form (`C:\\ProgramData\\…`, never the `\\\\?\\` form
    /// `canonicalize` gives on Windows, which SystmOne may not accept).
    ///
    /// # Errors
    ///
    /// When the directory cannot be created or resolved.
    pub fn new(dir: impl AsRef<Path>) -> io::Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: plain_absolute(dir)?,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The paths the files of `call` will have for the intent `key`, in
    /// the order of its entries and their attachments.
    pub fn paths_for(&self, key: &IntentKey, call: &PlannedCall) -> Vec<PathBuf> {
        call.entries
            .iter()
            .flat_map(|e| &e.files)
            .enumerate()
            .map(|(n, file)| self.dir.join(format!("{key}-{n}.{}", file.extension)))
            .collect()
    }

    /// Writes the files of `call` at `paths` (from [`paths_for`](Self::paths_for))
    /// and fills in the `DocumentPath` of each attachment. Each file is
    /// written to a temporary name and renamed, so SystmOne never reads a
    /// half-written file.
    ///
    /// # Errors
    ///
    /// When a file cannot be written; the ones already written are removed.
    pub async fn write(&self, call: &mut PlannedCall, paths: &[PathBuf]) -> io::Result<()> {
        let mut written = Vec::new();
        let mut paths = paths.iter();
        for entry in &mut call.entries {
            for (file, attachment) in entry.files.iter().zip(&mut entry.event.attachments) {
                let Some(path) = paths.next() else {
                    self.remove(&written).await;
                    return Err(io::Error::other("fewer spool paths than files"));
                };
                if let Err(error) = write_atomically(path, &file.bytes).await {
                    self.remove(&written).await;
                    return Err(error);
                }
                written.push(path.clone());
                attachment.document_path = Some(path.to_string_lossy().into_owned());
            }
        }
        Ok(())
    }

    /// Removes files; a file already gone is not an error (the sweep, or an
    /// earlier attempt, may have removed it).
    pub async fn remove(&self, paths: &[PathBuf]) {
        for path in paths {
            match tokio::fs::remove_file(path).await {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "could not remove a spool file")
                }
            }
        }
    }

    /// The files in the spool that the SDK named (anything else there is
    /// left alone). For [`sweep`](Self::sweep): the open intents must be
    /// read *after* this lists the directory, because a file is written
    /// only once its intent is journalled, so a listed file whose intent is
    /// still open is always among them.
    pub(crate) fn list(&self) -> io::Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let generated = name.len() > 33
                && name.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
                && name.as_bytes()[32] == b'-';
            // Temporaries a crash left: `.tmp` (the SDK's atomic write),
            // `.part` (versions before it).
            let ours = generated
                && (SPOOL_SUFFIXES.iter().any(|s| name.ends_with(s))
                    || name.ends_with(".tmp")
                    || name.ends_with(".part"));
            if ours && path.is_file() {
                found.push(path);
            }
        }
        Ok(found)
    }

    /// Removes the listed files that no open intent names: left by a crash
    /// after their intent was resolved, or written by an attempt whose
    /// intent was resolved while the file stayed.
    pub(crate) async fn sweep(&self, listed: Vec<PathBuf>, open: &HashSet<PathBuf>) -> usize {
        let orphans: Vec<PathBuf> = listed.into_iter().filter(|p| !open.contains(p)).collect();
        self.remove(&orphans).await;
        orphans.len()
    }
}

/// `path` made absolute against the current directory, without resolving
/// links and without Windows' verbatim (`\\\\?\\`) prefix.
fn plain_absolute(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let text = absolute.to_string_lossy();
    Ok(match text.strip_prefix(r"\\?\") {
        Some(rest) if !rest.starts_with("UNC\\") => PathBuf::from(rest),
        _ => absolute,
    })
}

/// The SDK's one atomic, flushed write ([`systmone_client::fs`]), off the
/// async threads.
async fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (path, bytes) = (path.to_owned(), bytes.to_owned());
    tokio::task::spawn_blocking(move || systmone_client::fs::write_atomically(&path, &bytes))
        .await
        .map_err(io::Error::other)?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ItemKey;
    use crate::plan::{FileToSpool, PlannedEntry};
    use systmone_client::proto::{Attachment, Event};

    fn call(extensions: &[&'static str]) -> PlannedCall {
        let entry = PlannedEntry {
            key: ItemKey::Consultation,
            event: Event {
                attachments: extensions.iter().map(|_| Attachment::default()).collect(),
                ..Event::default()
            },
            files: extensions
                .iter()
                .map(|e| FileToSpool {
                    extension: e,
                    bytes: e.as_bytes().to_vec(),
                })
                .collect(),
        };
        PlannedCall {
            entries: vec![entry],
        }
    }

    #[test]
    fn the_spool_path_is_plain_and_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let relative = std::path::Path::new("target-spool-test-dir");
        let cwd = std::env::current_dir().unwrap();
        let spool = Spool::new(dir.path().join("a").join("..").join("spool")).unwrap();
        assert!(spool.dir().is_absolute());
        assert!(!spool.dir().to_string_lossy().starts_with(r"\\?\"));
        let local = plain_absolute(relative).unwrap();
        assert_eq!(local, cwd.join(relative));
        let verbatim = std::path::Path::new(r"\\?\C:\spool");
        assert_eq!(
            plain_absolute(verbatim).unwrap(),
            if cfg!(windows) {
                PathBuf::from(r"C:\spool")
            } else {
                cwd.join(verbatim)
            },
            "the verbatim prefix is dropped where it means something"
        );
    }

    #[tokio::test]
    async fn files_get_generated_absolute_names_and_are_swept_when_no_intent_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().join("spool")).unwrap();
        let key = IntentKey::generate();
        let mut call = call(&["pdf", "png"]);
        let paths = spool.paths_for(&key, &call);
        spool.write(&mut call, &paths).await.unwrap();
        for (path, attachment) in paths.iter().zip(&call.entries[0].event.attachments) {
            assert!(path.is_absolute());
            assert!(path.starts_with(spool.dir()));
            assert_eq!(
                attachment.document_path.as_deref(),
                Some(path.to_str().unwrap())
            );
        }
        assert_eq!(std::fs::read(&paths[1]).unwrap(), b"png");

        std::fs::write(spool.dir().join("vendor-notes.txt"), b"not ours").unwrap();
        let listed = spool.list().unwrap();
        assert_eq!(listed.len(), 2, "{listed:?}");
        let open: HashSet<PathBuf> = [paths[0].clone()].into();
        assert_eq!(spool.sweep(listed, &open).await, 1);
        assert!(paths[0].exists());
        assert!(!paths[1].exists());
        assert!(
            spool.dir().join("vendor-notes.txt").exists(),
            "only spool files are swept"
        );
        spool.remove(&paths).await;
        spool.remove(&paths).await;
        assert!(!paths[0].exists());
    }
}
