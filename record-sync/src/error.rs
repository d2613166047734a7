//! What the engine's methods refuse, and why.

use econsult_model::{EConsultId, ValidationErrors};

use crate::TransitionError;
use crate::store::StoreError;

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
    /// The eConsult given is an older copy than the one the engine has: it
    /// lacks activity the engine already knows, which taking it would drop
    /// unsaved.
    #[error(
        "eConsult {econsult} is an older copy than the one already given to the engine ({missing} activity entries missing); load its latest content and try again"
    )]
    Outdated {
        /// The eConsult.
        econsult: EConsultId,
        /// How many known activity entries it lacks.
        missing: usize,
    },
    /// The eConsult names another practice than it did when its saving
    /// began.
    #[error(
        "eConsult {econsult} now names another practice, but saving it to its first practice has begun; it is never moved between practices: correct it in SystmOne"
    )]
    PracticeChanged {
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
    /// One of the engine's own tasks failed (it panicked or was
    /// cancelled): a bug in this crate, not the journal or SystmOne.
    /// Nothing was sent for the save it was working on.
    #[error(
        "the save engine failed internally ({0}); nothing was sent for this save: please report it with the logs"
    )]
    Internal(String),
}
