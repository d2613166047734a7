//! The state of one eConsult's saving, and its workflow status, as a pure
//! state machine: no I/O, every transition checked.
//!
//! ```text
//!              save            succeeded
//!  NotSaved ─────────► Saving ───────────► Saved
//!     ▲  │               │  ▲                │ new activity
//!     │  └─ new activity ┘  │ save           ▼
//!     │                  failed         PartiallySaved
//!     │                     ▼                │
//!     └────────────────── Failed ◄───────────┘ (a partial save that fails)
//! ```
//!
//! The workflow status (New, Awaiting response, Completed) moves alongside.
//! Completing asks whether to "update the clinical system with the latest
//! activity": with the toggle on, the eConsult is marked
//! [`completing`](SyncState::is_completing) and becomes Completed only once
//! everything is saved; with it off, it is Completed at once and whatever
//! is unsaved stays unsaved.

use std::fmt;

use econsult_model::Status;
use serde::{Deserialize, Serialize};

use crate::SaveFailure;

/// How far an eConsult's content is in the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SaveState {
    /// Nothing is in the record yet.
    NotSaved,
    /// A save is under way.
    Saving {
        /// Which kind.
        kind: SaveKind,
    },
    /// Everything there is to save is in the record.
    Saved,
    /// The consultation is in the record, and there is activity since.
    PartiallySaved,
    /// The last save failed; what it did not write is still to be saved.
    Failed {
        /// Why.
        failure: SaveFailure,
    },
}

impl SaveState {
    /// A short name: "not saved", "saving", "saved", "partially saved",
    /// "failed".
    pub fn name(&self) -> &'static str {
        match self {
            SaveState::NotSaved => "not saved",
            SaveState::Saving { .. } => "saving",
            SaveState::Saved => "saved",
            SaveState::PartiallySaved => "partially saved",
            SaveState::Failed { .. } => "failed",
        }
    }
}

impl fmt::Display for SaveState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveState::Saving { kind } => write!(f, "saving ({kind})"),
            SaveState::Failed { failure } => write!(f, "failed: {failure}"),
            other => f.write_str(other.name()),
        }
    }
}

/// The kind of save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaveKind {
    /// The first save: the consultation (PDF and ICE) and all activity.
    Full,
    /// A later save: only the activity since the last one (and the latest
    /// PDF when none of it is an inbound message).
    Partial,
}

impl fmt::Display for SaveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SaveKind::Full => "full",
            SaveKind::Partial => "partial",
        })
    }
}

/// Something that happens to an eConsult.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transition {
    /// Activity worth saving was added (a staff response, a note, an email
    /// or SMS). Status changes are workflow, not record content.
    NewActivity,
    /// A save starts; its kind follows from what is already in the record.
    SaveStarted,
    /// The save wrote everything it set out to.
    SaveSucceeded,
    /// The save failed.
    SaveFailed {
        /// Why.
        failure: SaveFailure,
        /// Whether the consultation is in the record now (an earlier call
        /// of a save made of several may have written it).
        consultation_saved: bool,
    },
    /// A person set the status to New or Awaiting response.
    SetStatus(Status),
    /// A person completed the eConsult.
    Complete {
        /// The toggle "update the clinical system with the latest activity".
        save_latest_activity: bool,
    },
}

/// A transition the state machine refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransitionError {
    /// A save was started while one is under way.
    #[error("a save of this eConsult is already under way; wait for it to finish")]
    AlreadySaving,
    /// A save was started with nothing to save.
    #[error("everything of this eConsult is already in the record; there is nothing to save")]
    NothingToSave,
    /// A save finished that had not started.
    #[error("no save of this eConsult is under way, so none can finish")]
    NotSaving,
    /// The status was set to what it is.
    #[error("the eConsult is already {0}")]
    StatusUnchanged(Status),
    /// Completed was set without the toggle's answer.
    #[error("use Complete (with the toggle on or off) to complete an eConsult")]
    CompleteNeedsToggle,
    /// Completed twice.
    #[error("the eConsult is already completed")]
    AlreadyCompleted,
}

/// One eConsult's save state and workflow status.
///
/// ```
/// use econsult_model::Status;
/// use record_sync::{SaveKind, SaveState, SyncState, Transition};
///
/// let mut state = SyncState::new(Status::New);
/// state.apply(Transition::SaveStarted)?;
/// assert_eq!(state.save(), &SaveState::Saving { kind: SaveKind::Full });
/// state.apply(Transition::SaveSucceeded)?;
/// state.apply(Transition::NewActivity)?;
/// assert_eq!(state.save(), &SaveState::PartiallySaved);
///
/// // Completing with the toggle on waits for the partial save.
/// state.apply(Transition::Complete { save_latest_activity: true })?;
/// assert_eq!(state.status(), Status::New);
/// assert_eq!(state.next_save(), Some(SaveKind::Partial));
/// state.apply(Transition::SaveStarted)?;
/// state.apply(Transition::SaveSucceeded)?;
/// assert_eq!(state.status(), Status::Completed);
/// assert_eq!(state.save(), &SaveState::Saved);
/// # Ok::<(), record_sync::TransitionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    save: SaveState,
    status: Status,
    /// Whether the consultation (PDF and ICE) is in the record.
    consultation_saved: bool,
    /// Whether activity arrived while a save was under way (so the save,
    /// planned before it, does not cover it).
    activity_during_save: bool,
    /// Completing with the toggle on: Completed once everything is saved.
    completing: bool,
}

impl SyncState {
    /// A new eConsult with this status and nothing in the record.
    pub fn new(status: Status) -> Self {
        Self {
            save: SaveState::NotSaved,
            status,
            consultation_saved: false,
            activity_during_save: false,
            completing: false,
        }
    }

    /// How far the content is in the record.
    pub fn save(&self) -> &SaveState {
        &self.save
    }

    /// The workflow status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Whether the consultation itself (PDF and ICE) is in the record.
    pub fn consultation_saved(&self) -> bool {
        self.consultation_saved
    }

    /// Whether the eConsult was completed with the toggle on and waits for
    /// its save before it becomes Completed.
    pub fn is_completing(&self) -> bool {
        self.completing
    }

    /// The save that is due, if any: none while one is under way, or when
    /// everything is in the record.
    pub fn next_save(&self) -> Option<SaveKind> {
        match self.save {
            SaveState::Saving { .. } | SaveState::Saved => None,
            SaveState::NotSaved | SaveState::PartiallySaved | SaveState::Failed { .. } => {
                Some(self.kind())
            }
        }
    }

    fn kind(&self) -> SaveKind {
        if self.consultation_saved {
            SaveKind::Partial
        } else {
            SaveKind::Full
        }
    }

    /// The state when the engine starts and finds this one in its journal:
    /// a save that was under way when the process stopped is no longer
    /// under way. Its intents are reconciled with the record before
    /// anything is sent again.
    pub fn interrupted(mut self) -> Self {
        if let SaveState::Saving { .. } = self.save {
            self.save = SaveState::Failed {
                failure: SaveFailure::new(
                    crate::FailureCause::OutcomeUnknown,
                    true,
                    "the save was interrupted (the program stopped); the record is checked before anything is sent again",
                ),
            };
            self.activity_during_save = false;
        }
        self
    }

    /// A failed state with a newer cause (a retry that failed before its
    /// save could start, reconciling an earlier one). Other states are
    /// returned unchanged.
    pub fn with_failure(mut self, failure: SaveFailure) -> Self {
        if let SaveState::Failed { .. } = self.save {
            self.save = SaveState::Failed { failure };
        }
        self
    }

    /// Applies a transition, or refuses it and changes nothing.
    pub fn apply(&mut self, transition: Transition) -> Result<(), TransitionError> {
        match transition {
            Transition::NewActivity => match self.save {
                SaveState::Saving { .. } => self.activity_during_save = true,
                SaveState::Saved => self.save = SaveState::PartiallySaved,
                _ => {}
            },
            Transition::SaveStarted => {
                match self.save {
                    SaveState::Saving { .. } => return Err(TransitionError::AlreadySaving),
                    SaveState::Saved => return Err(TransitionError::NothingToSave),
                    _ => {}
                }
                self.save = SaveState::Saving { kind: self.kind() };
                self.activity_during_save = false;
            }
            Transition::SaveSucceeded => {
                if !matches!(self.save, SaveState::Saving { .. }) {
                    return Err(TransitionError::NotSaving);
                }
                self.consultation_saved = true;
                let more = std::mem::take(&mut self.activity_during_save);
                if more {
                    self.save = SaveState::PartiallySaved;
                } else {
                    self.save = SaveState::Saved;
                    if self.completing {
                        self.completing = false;
                        self.status = Status::Completed;
                    }
                }
            }
            Transition::SaveFailed {
                failure,
                consultation_saved,
            } => {
                if !matches!(self.save, SaveState::Saving { .. }) {
                    return Err(TransitionError::NotSaving);
                }
                self.consultation_saved |= consultation_saved;
                self.activity_during_save = false;
                self.save = SaveState::Failed { failure };
            }
            Transition::SetStatus(status) => {
                if status == Status::Completed {
                    return Err(TransitionError::CompleteNeedsToggle);
                }
                if status == self.status {
                    return Err(TransitionError::StatusUnchanged(status));
                }
                self.status = status;
                self.completing = false;
            }
            Transition::Complete {
                save_latest_activity,
            } => {
                if self.status == Status::Completed {
                    return Err(TransitionError::AlreadyCompleted);
                }
                if !save_latest_activity || self.save == SaveState::Saved {
                    self.status = Status::Completed;
                    self.completing = false;
                } else {
                    self.completing = true;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
