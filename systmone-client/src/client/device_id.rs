//! Where the Device ID that SystmOne issued to this installation is kept
//! (PROTOCOL.md §4).
//!
//! SystmOne issues the ID once, when a user approves the device; every
//! later request must carry it, or the user is asked to approve the device
//! again for every request. The client therefore saves the ID *before* it
//! does anything else with the answer that carried it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;

/// The longest Device ID a store accepts (SystmOne's are 16 hex digits).
const MAX_DEVICE_ID_LEN: usize = 256;

/// Keeps this installation's Device ID between runs.
///
/// Key it by SystmOne environment (Demo or Live) and organisation: an ID
/// issued by one means nothing to another (PROTOCOL.md §4.2).
///
/// ```
/// use systmone_client::client::{DeviceIdStore, MemoryDeviceIdStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryDeviceIdStore::default();
/// assert_eq!(store.load().await?, None);
/// store.save("8e7d6c5b4a392817").await?;
/// assert_eq!(store.load().await?.as_deref(), Some("8e7d6c5b4a392817"));
/// # Ok::<(), systmone_client::client::DeviceIdStoreError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait DeviceIdStore: Send + Sync + fmt::Debug {
    /// The saved ID, or `None` when this installation has not been paired.
    async fn load(&self) -> Result<Option<String>, DeviceIdStoreError>;

    /// Saves the ID durably, replacing any other. When this returns `Ok`,
    /// the ID must survive a crash.
    async fn save(&self, device_id: &str) -> Result<(), DeviceIdStoreError>;
}

/// A Device ID store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceIdStoreError {
    /// The file could not be read or written.
    #[error("Device ID file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The file holds something that is not a Device ID.
    #[error(
        "Device ID file {path} does not hold a Device ID ({problem}); delete it to pair this installation with SystmOne again"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Another kind of store failed.
    #[error("{0}")]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

/// Keeps the Device ID in memory: a new process pairs again. For tests and
/// demos. `Debug` does not show the ID.
#[derive(Default)]
pub struct MemoryDeviceIdStore {
    device_id: Mutex<Option<String>>,
}

impl fmt::Debug for MemoryDeviceIdStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = if self.lock().is_some() {
            "<redacted>"
        } else {
            "<none>"
        };
        f.debug_struct("MemoryDeviceIdStore")
            .field("device_id", &held)
            .finish()
    }
}

impl MemoryDeviceIdStore {
    /// A store already holding `device_id`.
    pub fn with_device_id(device_id: impl Into<String>) -> Self {
        Self {
            device_id: Mutex::new(Some(device_id.into())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // The value is a plain string: a panic elsewhere cannot leave it
        // half-written.
        self.device_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl DeviceIdStore for MemoryDeviceIdStore {
    async fn load(&self) -> Result<Option<String>, DeviceIdStoreError> {
        Ok(self.lock().clone())
    }

    async fn save(&self, device_id: &str) -> Result<(), DeviceIdStoreError> {
        *self.lock() = Some(device_id.to_owned());
        Ok(())
    }
}

/// Keeps the Device ID in a small text file, replaced atomically: the new
/// ID is written to a temporary file beside it, flushed to disk, and
/// renamed over the old one, so a crash leaves the old ID or the new one,
/// never a torn file.
///
/// ```no_run
/// use systmone_client::client::FileDeviceIdStore;
///
/// // One file per SystmOne environment and organisation.
/// let store = FileDeviceIdStore::new("/var/lib/acme-vitals/systmone-live-A12345.device-id");
/// # let _ = store;
/// ```
#[derive(Debug, Clone)]
pub struct FileDeviceIdStore {
    path: PathBuf,
}

impl FileDeviceIdStore {
    /// A store in the file at `path` (created on the first save; its
    /// directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: io::Error) -> DeviceIdStoreError {
        DeviceIdStoreError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<Option<String>, DeviceIdStoreError> {
        use io::Read as _;
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(self.io(error)),
        };
        // Read one byte more than the limit, to tell an over-long file.
        let mut bytes = Vec::new();
        file.take(MAX_DEVICE_ID_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io(e))?;
        let corrupt = |problem| DeviceIdStoreError::Corrupt {
            path: self.path.clone(),
            problem,
        };
        if bytes.len() > MAX_DEVICE_ID_LEN {
            return Err(corrupt("it is too long"));
        }
        let text = String::from_utf8(bytes).map_err(|_| corrupt("it is not UTF-8 text"))?;
        let id = text.trim();
        if id.is_empty() {
            return Err(corrupt("it is empty"));
        }
        if !id.chars().all(|c| c.is_ascii_graphic()) {
            return Err(corrupt("it holds characters a Device ID never has"));
        }
        Ok(Some(id.to_owned()))
    }

    fn write(&self, device_id: &str) -> Result<(), DeviceIdStoreError> {
        crate::fs::write_atomically(&self.path, format!("{device_id}\n").as_bytes())
            .map_err(|error| self.io(error))
    }
}

#[async_trait]
impl DeviceIdStore for FileDeviceIdStore {
    async fn load(&self) -> Result<Option<String>, DeviceIdStoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read())
            .await
            .map_err(|e| DeviceIdStoreError::Other(Box::new(e)))?
    }

    async fn save(&self, device_id: &str) -> Result<(), DeviceIdStoreError> {
        if device_id.is_empty()
            || device_id.len() > MAX_DEVICE_ID_LEN
            || !device_id.chars().all(|c| c.is_ascii_graphic())
        {
            return Err(DeviceIdStoreError::Corrupt {
                path: self.path.clone(),
                problem: "SystmOne issued a Device ID that cannot be stored",
            });
        }
        let (store, device_id) = (self.clone(), device_id.to_owned());
        tokio::task::spawn_blocking(move || store.write(&device_id))
            .await
            .map_err(|e| DeviceIdStoreError::Other(Box::new(e)))?
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn file_store_round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileDeviceIdStore::new(dir.path().join("device-id"));
        assert_eq!(store.load().await.unwrap(), None);
        store.save("8e7d6c5b4a392817").await.unwrap();
        assert_eq!(
            store.load().await.unwrap().as_deref(),
            Some("8e7d6c5b4a392817")
        );
        store.save("0123456789abcdef").await.unwrap();
        let reopened = FileDeviceIdStore::new(store.path());
        assert_eq!(
            reopened.load().await.unwrap().as_deref(),
            Some("0123456789abcdef")
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["device-id"]);
    }

    #[tokio::test]
    async fn corrupt_files_are_reported_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device-id");
        let store = FileDeviceIdStore::new(&path);
        for (content, problem) in [
            (&b"\n"[..], "empty"),
            (&b"\xff\xfe"[..], "UTF-8"),
            (&b"8e7d 6c5b"[..], "characters"),
            (&[b'a'; 300][..], "too long"),
        ] {
            std::fs::write(&path, content).unwrap();
            let error = store.load().await.unwrap_err();
            assert!(
                matches!(error, DeviceIdStoreError::Corrupt { .. }),
                "{error}"
            );
            assert!(error.to_string().contains(problem), "{error}");
            assert!(error.to_string().contains("pair this installation"));
        }
    }

    #[tokio::test]
    async fn a_missing_directory_is_an_io_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileDeviceIdStore::new(dir.path().join("no-such-dir").join("device-id"));
        let error = store.save("8e7d6c5b4a392817").await.unwrap_err();
        assert!(matches!(error, DeviceIdStoreError::Io { .. }), "{error}");
        assert!(error.to_string().contains("no-such-dir"));
    }

    #[tokio::test]
    async fn ids_that_could_not_be_read_back_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileDeviceIdStore::new(dir.path().join("device-id"));
        assert!(store.save("").await.is_err());
        assert!(store.save("with space").await.is_err());
        assert_eq!(store.load().await.unwrap(), None);
    }
}
