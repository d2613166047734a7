//! The patient an eConsult is saved to.

use econsult_model::NhsNumber;
use serde::{Deserialize, Serialize};
use systmone_client::proto::Identity;

/// The patient a person (or the auto-match) confirmed for an eConsult: the
/// record every save of it goes to.
///
/// Once anything of an eConsult is in a record, the engine refuses to save
/// it to another patient ([`SyncError::PatientChanged`](crate::SyncError)):
/// re-linking a saved eConsult is a correction that needs a person in
/// SystmOne, not another save.
///
/// ```
/// use record_sync::PatientRef;
///
/// let patient = PatientRef::nhs("999 000 0018".parse()?);
/// assert_eq!(patient.identity().nhs_number.as_deref(), Some("9990000018"));
/// # Ok::<(), econsult_model::NhsNumberError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PatientRef {
    /// By NHS number (validated).
    NhsNumber(NhsNumber),
    /// By SystmOne pseudo number, for a patient without an NHS number.
    PseudoNumber(String),
    /// By another identifier SystmOne knows (`ClientID`).
    ClientId(String),
}

impl PatientRef {
    /// The patient with this NHS number.
    pub fn nhs(nhs_number: NhsNumber) -> Self {
        PatientRef::NhsNumber(nhs_number)
    }

    /// The patient a SystmOne identity names: its NHS number when it has a
    /// valid one, else its pseudo number, else its client id. `None` when
    /// it names nobody usable (an invalid NHS number is refused rather than
    /// passed on).
    pub fn from_identity(identity: &Identity) -> Option<Self> {
        if let Some(nhs) = identity.validated_nhs_number() {
            return nhs.ok().map(PatientRef::NhsNumber);
        }
        let nonblank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        nonblank(&identity.pseudo_number)
            .map(PatientRef::PseudoNumber)
            .or_else(|| nonblank(&identity.client_id).map(PatientRef::ClientId))
    }

    /// The `Identity` sent to SystmOne.
    pub fn identity(&self) -> Identity {
        match self {
            PatientRef::NhsNumber(nhs) => Identity::nhs(*nhs),
            PatientRef::PseudoNumber(p) => Identity {
                pseudo_number: Some(p.clone()),
                ..Identity::default()
            },
            PatientRef::ClientId(c) => Identity {
                client_id: Some(c.clone()),
                ..Identity::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn identities_become_refs_and_back() {
        let nhs = PatientRef::from_identity(&Identity {
            nhs_number: Some("9990000018".into()),
            strategic_reporting_identifier: Some("501".into()),
            ..Identity::default()
        })
        .unwrap();
        assert_eq!(nhs, PatientRef::nhs("9990000018".parse().unwrap()));
        assert_eq!(nhs.identity().strategic_reporting_identifier, None);

        let bad = Identity {
            nhs_number: Some("9990000019".into()),
            pseudo_number: Some("P1".into()),
            ..Identity::default()
        };
        assert_eq!(
            PatientRef::from_identity(&bad),
            None,
            "a bad NHS number is not skipped"
        );

        let pseudo = Identity {
            pseudo_number: Some(" P1 ".into()),
            ..Identity::default()
        };
        let pseudo = PatientRef::from_identity(&pseudo).unwrap();
        assert_eq!(pseudo.identity().pseudo_number.as_deref(), Some("P1"));
        assert_eq!(PatientRef::from_identity(&Identity::default()), None);
    }

    #[test]
    fn refs_serialise_by_kind() {
        let json = serde_json::to_string(&PatientRef::ClientId("C9".into())).unwrap();
        assert_eq!(json, r#"{"client_id":"C9"}"#);
        let back: PatientRef = serde_json::from_str(&json).unwrap();
        assert_eq!(back, PatientRef::ClientId("C9".into()));
    }
}
