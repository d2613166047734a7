//! The state machine against a reference model that counts items instead
//! of keeping flags: the consultation is item 0, each activity one more; a
//! save covers every item that existed when it started.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::FailureCause;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Apply(Transition),
    /// The program stops and starts again.
    Restart,
}

#[derive(Debug, Clone)]
struct Model {
    /// Items there are: the consultation and each activity.
    items: u32,
    /// Items in the record (they are written oldest first).
    in_record: u32,
    /// While a save is under way: the items it covers.
    saving: Option<u32>,
    failed: bool,
    status: Status,
    completing: bool,
}

impl Model {
    fn new(status: Status) -> Self {
        Self {
            items: 1,
            in_record: 0,
            saving: None,
            failed: false,
            status,
            completing: false,
        }
    }

    fn kind(&self) -> SaveKind {
        if self.in_record >= 1 {
            SaveKind::Partial
        } else {
            SaveKind::Full
        }
    }

    fn name(&self) -> &'static str {
        if self.saving.is_some() {
            "saving"
        } else if self.failed {
            "failed"
        } else if self.in_record == 0 {
            "not saved"
        } else if self.in_record == self.items {
            "saved"
        } else {
            "partially saved"
        }
    }

    fn next_save(&self) -> Option<SaveKind> {
        match self.name() {
            "saving" | "saved" => None,
            _ => Some(self.kind()),
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), TransitionError> {
        let transition = match step {
            Step::Restart => {
                if self.saving.take().is_some() {
                    self.failed = true;
                }
                return Ok(());
            }
            Step::Apply(t) => t,
        };
        match transition {
            Transition::NewActivity => self.items += 1,
            Transition::SaveStarted => {
                if self.saving.is_some() {
                    return Err(TransitionError::AlreadySaving);
                }
                if self.name() == "saved" {
                    return Err(TransitionError::NothingToSave);
                }
                self.saving = Some(self.items);
                self.failed = false;
            }
            Transition::SaveSucceeded => {
                let covered = self.saving.take().ok_or(TransitionError::NotSaving)?;
                self.in_record = covered;
                if self.completing && self.in_record == self.items {
                    self.completing = false;
                    self.status = Status::Completed;
                }
            }
            Transition::SaveFailed {
                consultation_saved, ..
            } => {
                self.saving.take().ok_or(TransitionError::NotSaving)?;
                if *consultation_saved {
                    self.in_record = self.in_record.max(1);
                }
                self.failed = true;
            }
            Transition::SetStatus(status) => {
                if *status == Status::Completed {
                    return Err(TransitionError::CompleteNeedsToggle);
                }
                if *status == self.status {
                    return Err(TransitionError::StatusUnchanged(*status));
                }
                self.status = *status;
                self.completing = false;
            }
            Transition::Complete {
                save_latest_activity,
            } => {
                if self.status == Status::Completed {
                    return Err(TransitionError::AlreadyCompleted);
                }
                if !save_latest_activity || self.name() == "saved" {
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

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::New),
        Just(Status::AwaitingResponse),
        Just(Status::Completed)
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let failure = (any::<bool>(), any::<bool>()).prop_map(|(retryable, consultation_saved)| {
        Transition::SaveFailed {
            failure: SaveFailure::new(FailureCause::Temporary, retryable, "injected"),
            consultation_saved,
        }
    });
    prop_oneof![
        3 => Just(Step::Apply(Transition::NewActivity)),
        4 => Just(Step::Apply(Transition::SaveStarted)),
        3 => Just(Step::Apply(Transition::SaveSucceeded)),
        2 => failure.prop_map(Step::Apply),
        2 => status().prop_map(|s| Step::Apply(Transition::SetStatus(s))),
        2 => any::<bool>().prop_map(|t| Step::Apply(Transition::Complete { save_latest_activity: t })),
        1 => Just(Step::Restart),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_machine_agrees_with_the_model(
        initial in status(),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let mut machine = SyncState::new(initial);
        let mut model = Model::new(initial);
        for (i, step) in steps.iter().enumerate() {
            let before = machine.clone();
            let got = match step {
                Step::Restart => {
                    machine = machine.clone().interrupted();
                    Ok(())
                }
                Step::Apply(t) => machine.apply(t.clone()),
            };
            let expected = model.step(step);
            prop_assert_eq!(&got, &expected, "step {}: {:?}", i, step);
            if got.is_err() {
                prop_assert_eq!(&machine, &before, "a refused transition changed the state");
            }
            prop_assert_eq!(machine.save().name(), model.name(), "step {}: {:?}", i, step);
            if let SaveState::Saving { kind } = machine.save() {
                prop_assert_eq!(*kind, model.kind());
            }
            prop_assert_eq!(machine.status(), model.status);
            prop_assert_eq!(machine.is_completing(), model.completing);
            prop_assert_eq!(machine.next_save(), model.next_save());
            prop_assert_eq!(machine.consultation_saved(), model.in_record >= 1);
            // The journal keeps the state as JSON: it must come back whole.
            let json = serde_json::to_string(&machine).unwrap();
            prop_assert_eq!(serde_json::from_str::<SyncState>(&json).unwrap(), machine.clone());
        }
    }
}

#[test]
fn activity_during_a_save_leaves_it_partially_saved() {
    let mut state = SyncState::new(Status::New);
    state.apply(Transition::SaveStarted).unwrap();
    state.apply(Transition::NewActivity).unwrap();
    state.apply(Transition::SaveSucceeded).unwrap();
    assert_eq!(state.save(), &SaveState::PartiallySaved);
    assert_eq!(state.next_save(), Some(SaveKind::Partial));
}

#[test]
fn completing_with_the_toggle_off_leaves_unsaved_activity_unsaved() {
    let mut state = SyncState::new(Status::AwaitingResponse);
    state.apply(Transition::SaveStarted).unwrap();
    state.apply(Transition::SaveSucceeded).unwrap();
    state.apply(Transition::NewActivity).unwrap();
    state
        .apply(Transition::Complete {
            save_latest_activity: false,
        })
        .unwrap();
    assert_eq!(state.status(), Status::Completed);
    assert_eq!(state.save(), &SaveState::PartiallySaved);
    assert!(!state.is_completing());
}

#[test]
fn a_failed_save_keeps_completion_waiting_and_a_retry_completes() {
    let mut state = SyncState::new(Status::New);
    state
        .apply(Transition::Complete {
            save_latest_activity: true,
        })
        .unwrap();
    state.apply(Transition::SaveStarted).unwrap();
    let failure = SaveFailure::new(FailureCause::RecordInUse, true, "in use");
    state
        .apply(Transition::SaveFailed {
            failure: failure.clone(),
            consultation_saved: false,
        })
        .unwrap();
    assert_eq!(state.save(), &SaveState::Failed { failure });
    assert_eq!(state.status(), Status::New);
    assert!(state.is_completing());
    assert_eq!(state.next_save(), Some(SaveKind::Full));
    state.apply(Transition::SaveStarted).unwrap();
    state.apply(Transition::SaveSucceeded).unwrap();
    assert_eq!(state.status(), Status::Completed);
}

#[test]
fn illegal_transitions_are_typed_errors() {
    let mut state = SyncState::new(Status::New);
    assert_eq!(
        state.apply(Transition::SaveSucceeded),
        Err(TransitionError::NotSaving)
    );
    assert_eq!(
        state.apply(Transition::SetStatus(Status::Completed)),
        Err(TransitionError::CompleteNeedsToggle)
    );
    assert_eq!(
        state.apply(Transition::SetStatus(Status::New)),
        Err(TransitionError::StatusUnchanged(Status::New))
    );
    state.apply(Transition::SaveStarted).unwrap();
    assert_eq!(
        state.apply(Transition::SaveStarted),
        Err(TransitionError::AlreadySaving)
    );
    state.apply(Transition::SaveSucceeded).unwrap();
    assert_eq!(
        state.apply(Transition::SaveStarted),
        Err(TransitionError::NothingToSave)
    );
    state
        .apply(Transition::Complete {
            save_latest_activity: true,
        })
        .unwrap();
    assert_eq!(
        state.apply(Transition::Complete {
            save_latest_activity: false
        }),
        Err(TransitionError::AlreadyCompleted)
    );
}
