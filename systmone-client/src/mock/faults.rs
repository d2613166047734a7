//! Scripted faults: what can go wrong between a vendor's product and
//! SystmOne, injected per function, for the nth request or call, or on one
//! connection.
//!
//! | fault | what the client sees | was it processed? |
//! |---|---|---|
//! | [`Fault::Delay`] | the answer, later (the request holds the global turn meanwhile) | yes |
//! | [`Fault::Stall`] | the answer, later; other connections' requests go first | yes |
//! | [`Fault::NoResponse`] | nothing; the connection stays open | no |
//! | [`Fault::DropBeforeProcessing`] | the connection closes, no answer | no |
//! | [`Fault::DropAfterProcessing`] | the connection closes, no answer | yes |
//! | [`Fault::LandLate`] | the connection closes, no answer | yes, on its own, later |
//! | [`Fault::TruncatedResponse`] | half an answer, then the connection closes | yes |
//! | [`Fault::GarbageResponse`] | bytes that are not XML, then the connection closes | yes |
//! | [`Fault::TransientError`] | a temporary error | no |
//! | [`Fault::PermanentError`] | a permanent error | no |
//! | [`Fault::RecordOpen`] | "record in use" (temporary) | no |
//! | [`Fault::MessagingSettings`] | the messaging-settings error (permanent) | no |
//! | [`Fault::PartialCommit`] | a temporary error | the first `n` events only |
//! | [`Fault::ShortAnswer`] | success with `n` EventUIDs | the first `n` events only |
//! | [`Fault::AnswerOpen`] | success with `RecordState` `Open` | yes, uncommitted in the open record |
//!
//! Matching delays add up, and so do matching stalls; both combine with
//! one other fault, the first matching rule's.

use std::time::Duration;

use crate::proto::{Function, canonical_function_name};

/// One thing going wrong with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long before processing (on top of the throttle), holding
    /// the global turn: requests on every connection wait behind it (see
    /// [`Stall`](Self::Stall) for a wait that holds up only its own).
    Delay(Duration),
    /// Do nothing and send nothing; the connection stays open (an
    /// unresponsive TPP server, a throttled request).
    NoResponse,
    /// Close the connection without processing the request.
    DropBeforeProcessing,
    /// Process the request (a write happens), then close the connection
    /// without answering: the caller cannot know the outcome.
    DropAfterProcessing,
    /// Process the request, send the first half of the response, then
    /// close the connection.
    TruncatedResponse,
    /// Process the request and answer with bytes that are not XML, then
    /// close the connection.
    GarbageResponse,
    /// Answer with a temporary error (`PermanentError` false) without
    /// processing.
    TransientError,
    /// Answer with a permanent error without processing.
    PermanentError,
    /// Answer "the patient record is in use" (temporary), as SystmOne does
    /// when a user has the record open.
    RecordOpen,
    /// Answer that the practice's messaging settings do not allow the save
    /// (email and text must be enabled as contact methods; permanent).
    MessagingSettings,
    /// Close the connection without answering (as
    /// [`DropBeforeProcessing`](Self::DropBeforeProcessing) looks to the
    /// client), then process the request this long later on the mock's
    /// own: TPP's server finishing the work after the client gave up.
    ///
    /// The request is paired and any files its `DocumentPath`s name are
    /// read when it is received (the sender may delete them afterwards);
    /// the write itself happens at the later time, all or nothing, and
    /// what it adds is entered then (a write landing after midnight has
    /// the next day's entry date). The request log shows this fault as
    /// the outcome; the journal shows the changes when they land. A write
    /// that fails when it lands (the record in use by then, say) changes
    /// nothing. Other functions are processed late too; their answer (and
    /// an `ExitClient`'s effect) is discarded.
    LandLate(Duration),
    /// Of an `UpdatePatientRecord`, write only the first `n` events, then
    /// answer a temporary error (`PermanentError` false): SystmOne leaving
    /// open whether a failing item rolls back the rest (PROTOCOL.md §12.11).
    ///
    /// Events are counted in the order the response lists their UIDs: the
    /// demographics change (when the request changes any), then the
    /// clinical `Event`s. The write stops after the `n`th: later events and
    /// every appointment, visit and task (which come after the events) are
    /// not written. A request with `n` events or fewer is written whole
    /// and still gets the error. A request that is invalid gets its usual
    /// error and writes nothing. Other functions are processed in full and
    /// then answered with the error.
    PartialCommit(usize),
    /// Of an `UpdatePatientRecord`, write only the first `n` events (as
    /// [`PartialCommit`](Self::PartialCommit) counts them) and answer
    /// success with only their `n` EventUIDs. Other functions are
    /// unaffected.
    ShortAnswer(usize),
    /// Run the request as if it carried `LeaveRecordOpen`: a write is held
    /// uncommitted in the open record (opening the patient's record, shown
    /// to the user, when none is open) and the answer says `RecordState`
    /// `Open`. Later reads of that patient answer `Open` and show the
    /// changes until the user saves
    /// ([`MockSystmOne::user_saves`](super::MockSystmOne::user_saves)) or
    /// discards them
    /// ([`MockSystmOne::user_discards`](super::MockSystmOne::user_discards)).
    /// §8.2's rules still apply: with another patient's record open with
    /// uncommitted changes, the answer is "record in use". Functions
    /// without `LeaveRecordOpen` are unaffected.
    AnswerOpen,
    /// Wait this long *before* taking the global turn (PROTOCOL.md §7.5),
    /// then process the request normally: requests on other connections
    /// are processed meanwhile, as when one PC's request is slow on its
    /// way. (A [`Delay`](Self::Delay) holds the turn, so it holds up every
    /// connection.) Rules with this fault are used up when a request
    /// arrives, even one the throttle then refuses.
    Stall(Duration),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Trigger {
    EveryRequest,
    Function(&'static str),
    NthRequest(u64),
    NthCall(&'static str, u64),
}

/// When a [`Fault`] happens, and how many times.
///
/// ```
/// use systmone_client::mock::{Fault, FaultRule};
/// use systmone_client::proto::UpdatePatientRecord;
///
/// // The next save is processed but never answered.
/// let rule = FaultRule::on::<UpdatePatientRecord>(Fault::DropAfterProcessing).times(1);
/// // The third request received, whatever it is, gets a transient error.
/// let other = FaultRule::on_nth_request(3, Fault::TransientError);
/// # let _ = (rule, other);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    trigger: Trigger,
    fault: Fault,
    remaining: Option<u64>,
    connection: Option<u64>,
}

/// A function name that [`FaultRule::on_function`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a SystmOne function: use one of the names in PROTOCOL.md §2.3, such as UpdatePatientRecord"
)]
pub struct UnknownFunction(pub String);

impl FaultRule {
    /// Every call of the function `F` (until [`times`](Self::times) runs out).
    pub fn on<F: Function>(fault: Fault) -> Self {
        Self::new(Trigger::Function(F::NAME), fault)
    }

    /// Every call of the function named `name` (any case; aliases accepted).
    pub fn on_function(name: &str, fault: Fault) -> Result<Self, UnknownFunction> {
        let name = canonical_function_name(name).ok_or_else(|| UnknownFunction(name.into()))?;
        Ok(Self::new(Trigger::Function(name), fault))
    }

    /// The `n`th call of the function `F` (1-based, counted from when the
    /// server started).
    pub fn on_nth_call<F: Function>(n: u64, fault: Fault) -> Self {
        Self::new(Trigger::NthCall(F::NAME, n), fault)
    }

    /// The `n`th request the server receives (1-based, any function).
    pub fn on_nth_request(n: u64, fault: Fault) -> Self {
        Self::new(Trigger::NthRequest(n), fault)
    }

    /// Every request (an outage, when the fault is [`Fault::NoResponse`]).
    pub fn on_every_request(fault: Fault) -> Self {
        Self::new(Trigger::EveryRequest, fault)
    }

    /// Happens at most `n` times, then the rule is spent.
    pub fn times(mut self, n: u64) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Applies only to requests on the mock's `n`th accepted connection
    /// (1-based, in the order [`MockSystmOne::connection_count`] counts
    /// them), on top of the rule's trigger: with
    /// [`on_nth_request`](Self::on_nth_request) or
    /// [`on_nth_call`](Self::on_nth_call), the request must be that one
    /// *and* come on that connection. A rule can be added before the
    /// connection is made.
    ///
    /// [`MockSystmOne::connection_count`]: super::MockSystmOne::connection_count
    pub fn on_connection(mut self, n: u64) -> Self {
        self.connection = Some(n);
        self
    }

    fn new(trigger: Trigger, fault: Fault) -> Self {
        Self {
            trigger,
            fault,
            remaining: None,
            connection: None,
        }
    }

    fn matches(&self, arrival: &Arrival<'_>) -> bool {
        let trigger = match &self.trigger {
            Trigger::EveryRequest => true,
            Trigger::Function(name) => *name == arrival.function,
            Trigger::NthRequest(n) => *n == arrival.request,
            Trigger::NthCall(name, n) => *name == arrival.function && *n == arrival.call,
        };
        trigger && self.connection.is_none_or(|c| c == arrival.connection)
    }
}

/// What the rules look at to decide whether a request is theirs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival<'a> {
    /// 1-based over every request.
    pub(crate) request: u64,
    /// The canonical function name (empty when not decoded).
    pub(crate) function: &'a str,
    /// 1-based over this function's requests.
    pub(crate) call: u64,
    /// 1-based, in accept order.
    pub(crate) connection: u64,
}

/// The faults to apply to one request once it has its turn: any delays
/// (summed) and at most one other fault, the first rule's.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Planned {
    pub(crate) delay: Duration,
    pub(crate) fault: Option<Fault>,
}

/// The active rules, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct FaultScript {
    rules: Vec<FaultRule>,
}

impl FaultScript {
    pub(crate) fn push(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// How long a request that has just arrived stalls before queueing for
    /// the global turn ([`Fault::Stall`], summed), using up those rules.
    pub(crate) fn take_stall(&mut self, arrival: &Arrival<'_>) -> Duration {
        let mut stall = Duration::ZERO;
        for rule in &mut self.rules {
            let Fault::Stall(wait) = &rule.fault else {
                continue;
            };
            if rule.remaining == Some(0) || !rule.matches(arrival) {
                continue;
            }
            stall = stall.saturating_add(*wait);
            if let Some(remaining) = &mut rule.remaining {
                *remaining -= 1;
            }
        }
        self.rules.retain(|rule| rule.remaining != Some(0));
        stall
    }

    /// The faults for a request that has its turn, using up the rules that
    /// fire (stalls were taken on arrival).
    pub(crate) fn take(&mut self, arrival: &Arrival<'_>) -> Planned {
        let mut planned = Planned::default();
        for rule in &mut self.rules {
            if rule.remaining == Some(0)
                || matches!(rule.fault, Fault::Stall(_))
                || !rule.matches(arrival)
            {
                continue;
            }
            match &rule.fault {
                Fault::Delay(delay) => planned.delay = planned.delay.saturating_add(*delay),
                _ if planned.fault.is_some() => continue,
                fault => planned.fault = Some(fault.clone()),
            }
            if let Some(remaining) = &mut rule.remaining {
                *remaining -= 1;
            }
        }
        self.rules.retain(|rule| rule.remaining != Some(0));
        planned
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::proto::{GetPatientRecord, UpdatePatientRecord};

    fn arrival(request: u64, function: &str, call: u64) -> Arrival<'_> {
        Arrival {
            request,
            function,
            call,
            connection: 1,
        }
    }

    #[test]
    fn rules_fire_on_their_trigger_and_run_out() {
        let mut script = FaultScript::default();
        script.push(FaultRule::on::<UpdatePatientRecord>(Fault::RecordOpen).times(2));
        script.push(FaultRule::on_nth_request(2, Fault::NoResponse));
        script.push(FaultRule::on_nth_call::<GetPatientRecord>(
            2,
            Fault::TransientError,
        ));
        script.push(FaultRule::on_every_request(Fault::Delay(Duration::from_secs(1))).times(1));

        let first = script.take(&arrival(1, "UpdatePatientRecord", 1));
        assert_eq!(first.fault, Some(Fault::RecordOpen));
        assert_eq!(first.delay, Duration::from_secs(1));
        let second = script.take(&arrival(2, "UpdatePatientRecord", 2));
        assert_eq!(second.fault, Some(Fault::RecordOpen), "first rule wins");
        assert_eq!(second.delay, Duration::ZERO, "the delay ran out");
        assert_eq!(
            script.take(&arrival(3, "UpdatePatientRecord", 3)).fault,
            None
        );
        assert_eq!(script.take(&arrival(4, "GetPatientRecord", 1)).fault, None);
        assert_eq!(
            script.take(&arrival(5, "GetPatientRecord", 2)).fault,
            Some(Fault::TransientError)
        );
        assert_eq!(script.take(&arrival(6, "GetPatientRecord", 3)).fault, None);
    }

    #[test]
    fn stalls_are_taken_on_arrival_and_connections_filter() {
        let mut script = FaultScript::default();
        script.push(
            FaultRule::on::<UpdatePatientRecord>(Fault::Stall(Duration::from_secs(3)))
                .on_connection(2)
                .times(1),
        );
        script.push(FaultRule::on_every_request(Fault::NoResponse).on_connection(1));
        let on = |connection| Arrival {
            connection,
            ..arrival(1, "UpdatePatientRecord", 1)
        };
        assert_eq!(script.take_stall(&on(1)), Duration::ZERO);
        assert_eq!(script.take(&on(1)).fault, Some(Fault::NoResponse));
        assert_eq!(script.take(&on(2)), Planned::default(), "not a stall");
        assert_eq!(script.take_stall(&on(2)), Duration::from_secs(3));
        assert_eq!(script.take_stall(&on(2)), Duration::ZERO, "spent");
    }

    #[test]
    fn names_are_checked() {
        assert!(FaultRule::on_function("deletefrompatientrecord", Fault::NoResponse).is_ok());
        let error = FaultRule::on_function("GetPatient", Fault::NoResponse).unwrap_err();
        assert!(error.to_string().contains("GetPatient"));
    }
}
