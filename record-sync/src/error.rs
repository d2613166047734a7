//! What the engine's methods refuse, and why.

use econsult_model::{EConsultId, ValidationErrors};

use crate::{StoreError, TransitionError};

/// Why the engine refused a request. (A save that fails later, in the
/// background, is reported as [`SaveState::Failed`](crate::SaveState) with a
/// [`SaveFailure`](crate::SaveFailure) instead.)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The eConsult does not pass validation.
    #[error("the eConsult cannot be saved: {0}")]
    Invalid(ValidationErrors),
    /// The eConsult is already (or may already be) in another patient's
    /// record.
    #[error(
        "eConsult {econsult} is already saved to another patient's record; it is never saved to a second patient: correct the record in SystmOne, then save it as a new eConsult"
    )]
    PatientChanged {
        /// The eConsult.
        econsult: EConsultId,
    },
    /// The engine has never been given this eConsult.
    #[error("eConsult {0} is not known to the engine; save it first")]
    NotTracked(EConsultId),
    /// The transition is not allowed in the eConsult's state.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The journal failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine has stopped ([`Engine::shutdown`](crate::Engine::shutdown)
    /// or [`Engine::abort`](crate::Engine::abort)); nothing was journalled.
    #[error("the save engine has stopped, so nothing was journalled; start a new one")]
    Stopped,
    /// The engine's settings cannot keep its promise.
    #[error("the save engine is not configured correctly: {0}")]
    Configuration(String),
}
