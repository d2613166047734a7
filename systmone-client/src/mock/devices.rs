//! Device ID issuing (PROTOCOL.md §4.4): a first request with an empty
//! DeviceID is put to the (simulated) user, who approves, blocks or says
//! "not now"; approved devices get a new 16-hex-digit ID. The registry can
//! be kept in a JSON file so pairing survives restarts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rand::RngExt as _;

use super::failure::Failure;

/// What the simulated SystmOne user answers when a device asks to connect
/// for the first time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApprovalPolicy {
    /// "Approve": the request runs and a new Device ID is issued (the
    /// default).
    #[default]
    Approve,
    /// "Block": an error, and the product and version are refused from now
    /// on.
    Block,
    /// "Not Now": a temporary error; no ID is issued.
    NotNow,
}

/// One device the mock has issued an ID to.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceRecord {
    /// The issued Device ID.
    pub device_id: String,
    /// The API key it was issued to.
    pub api_key: String,
    /// The DeviceVersion it sent when it asked.
    pub device_version: String,
    /// Whether the user blocked it.
    pub blocked: bool,
    /// Whether data it adds is visible in the patient's online record by
    /// default (SystmOne's per-device "Visible in the Online Record").
    pub online_visible_default: bool,
}

impl std::fmt::Debug for DeviceRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceRecord")
            .field("device_id", &self.device_id)
            .field("api_key", &"<redacted>")
            .field("device_version", &self.device_version)
            .field("blocked", &self.blocked)
            .field("online_visible_default", &self.online_visible_default)
            .finish()
    }
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct RegistryFile {
    devices: Vec<DeviceRecord>,
    blocked: Vec<(String, String)>,
}

/// The devices the mock knows.
#[derive(Debug, Default)]
pub(crate) struct DeviceRegistry {
    devices: BTreeMap<String, DeviceRecord>,
    /// `(APIKey, DeviceVersion)` pairs the user blocked.
    blocked: BTreeSet<(String, String)>,
    file: Option<PathBuf>,
    pub(crate) policy: ApprovalPolicy,
    pub(crate) online_visible_default: bool,
}

/// An error loading or saving the device registry file.
#[derive(Debug, thiserror::Error)]
#[error(
    "the device registry {path} could not be {action}: {source}; delete it to start afresh, or fix its permissions"
)]
pub struct DeviceFileError {
    path: PathBuf,
    action: &'static str,
    #[source]
    source: std::io::Error,
}

impl DeviceRegistry {
    /// A registry kept in `path` (loaded now if it exists).
    pub(crate) fn persisted(path: &Path) -> Result<Self, DeviceFileError> {
        let error = |action, source| DeviceFileError {
            path: path.to_owned(),
            action,
            source,
        };
        let mut registry = Self {
            file: Some(path.to_owned()),
            ..Self::default()
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let file: RegistryFile = serde_json::from_slice(&bytes)
                    .map_err(|e| error("read", std::io::Error::other(e)))?;
                registry.devices = file
                    .devices
                    .into_iter()
                    .map(|d| (d.device_id.clone(), d))
                    .collect();
                registry.blocked = file.blocked.into_iter().collect();
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(error("read", e)),
        }
        Ok(registry)
    }

    pub(crate) fn devices(&self) -> Vec<DeviceRecord> {
        self.devices.values().cloned().collect()
    }

    pub(crate) fn get(&self, device_id: &str) -> Option<&DeviceRecord> {
        self.devices.get(device_id)
    }

    /// Blocks (or unblocks) a device, as the Device Manager screen does.
    pub(crate) fn set_blocked(&mut self, device_id: &str, blocked: bool) -> bool {
        let Some(device) = self.devices.get_mut(device_id) else {
            return false;
        };
        device.blocked = blocked;
        let pair = (device.api_key.clone(), device.device_version.clone());
        if !blocked {
            self.blocked.remove(&pair);
        }
        self.save();
        true
    }

    /// Registers a device directly, as if it had been approved earlier.
    pub(crate) fn register(&mut self, record: DeviceRecord) {
        self.devices.insert(record.device_id.clone(), record);
        self.save();
    }

    /// Decides whether a request may run, issuing an ID when the DeviceID
    /// is empty and the user approves. Returns the Device ID to answer
    /// with.
    pub(crate) fn authorise(
        &mut self,
        api_key: &str,
        device_id: &str,
        device_version: &str,
        rng: &mut impl rand::Rng,
    ) -> Result<String, Failure> {
        let device_id = device_id.trim();
        if !device_id.is_empty() {
            return match self.devices.get(device_id) {
                Some(device) if device.blocked => Err(Failure::blocked()),
                Some(device) if device.api_key == api_key => Ok(device_id.to_owned()),
                _ => Err(Failure::unrecognised_device()),
            };
        }
        let pair = (api_key.to_owned(), device_version.to_owned());
        if self.blocked.contains(&pair) {
            return Err(Failure::blocked());
        }
        match self.policy {
            ApprovalPolicy::NotNow => Err(Failure::not_approved_yet()),
            policy => {
                let id = loop {
                    let id = format!("{:016x}", rng.random::<u64>());
                    if !self.devices.contains_key(&id) {
                        break id;
                    }
                };
                let blocked = policy == ApprovalPolicy::Block;
                self.devices.insert(
                    id.clone(),
                    DeviceRecord {
                        device_id: id.clone(),
                        api_key: api_key.to_owned(),
                        device_version: device_version.to_owned(),
                        blocked,
                        online_visible_default: self.online_visible_default,
                    },
                );
                if blocked {
                    self.blocked.insert(pair);
                }
                self.save();
                if blocked {
                    Err(Failure::blocked())
                } else {
                    Ok(id)
                }
            }
        }
    }

    /// Writes the registry to its file, if it has one (write, then rename,
    /// so a crash never leaves half a file). A failure is logged: losing
    /// the registry only means devices pair again.
    fn save(&self) {
        let Some(path) = &self.file else { return };
        let file = RegistryFile {
            devices: self.devices.values().cloned().collect(),
            blocked: self.blocked.iter().cloned().collect(),
        };
        let result = serde_json::to_vec_pretty(&file)
            .map_err(std::io::Error::other)
            .and_then(|bytes| crate::fs::write_atomically(path, &bytes));
        if let Err(error) = result {
            tracing::warn!(path = %path.display(), %error, "could not save the device registry");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rand::SeedableRng as _;

    fn rng() -> rand::rngs::ChaCha8Rng {
        rand::rngs::ChaCha8Rng::seed_from_u64(7)
    }

    #[test]
    fn approve_issues_a_new_id_each_time_and_knows_it_afterwards() {
        let mut registry = DeviceRegistry::default();
        let mut rng = rng();
        let first = registry.authorise("key", "", "v1", &mut rng).unwrap();
        let second = registry.authorise("key", "", "v1", &mut rng).unwrap();
        assert_ne!(first, second);
        assert_eq!(first.len(), 16);
        assert!(
            first
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(
            registry.authorise("key", &first, "v1", &mut rng).unwrap(),
            first
        );
        assert_eq!(
            registry
                .authorise("other key", &first, "v1", &mut rng)
                .unwrap_err(),
            Failure::unrecognised_device()
        );
        assert_eq!(
            registry
                .authorise("key", "0123456789abcdef", "v1", &mut rng)
                .unwrap_err(),
            Failure::unrecognised_device()
        );
    }

    #[test]
    fn block_refuses_the_pair_from_then_on() {
        let mut registry = DeviceRegistry {
            policy: ApprovalPolicy::Block,
            ..DeviceRegistry::default()
        };
        let mut rng = rng();
        assert_eq!(
            registry.authorise("key", "", "v1", &mut rng).unwrap_err(),
            Failure::blocked()
        );
        registry.policy = ApprovalPolicy::Approve;
        assert_eq!(
            registry.authorise("key", "", "v1", &mut rng).unwrap_err(),
            Failure::blocked(),
            "still blocked after the policy changes"
        );
        assert!(registry.authorise("key", "", "v2", &mut rng).is_ok());
    }

    #[test]
    fn not_now_is_temporary_and_issues_nothing() {
        let mut registry = DeviceRegistry {
            policy: ApprovalPolicy::NotNow,
            ..DeviceRegistry::default()
        };
        let error = registry.authorise("key", "", "v1", &mut rng()).unwrap_err();
        assert!(!error.permanent);
        assert!(registry.devices().is_empty());
    }

    #[test]
    fn survives_a_restart_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devices.json");
        let mut registry = DeviceRegistry::persisted(&path).unwrap();
        let id = registry.authorise("key", "", "v1", &mut rng()).unwrap();
        let reloaded = DeviceRegistry::persisted(&path).unwrap();
        assert_eq!(reloaded.get(&id).unwrap().api_key, "key");
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devices.json");
        std::fs::write(&path, "{not json").unwrap();
        let error = DeviceRegistry::persisted(&path).unwrap_err().to_string();
        assert!(error.contains("devices.json"), "{error}");
    }
}
