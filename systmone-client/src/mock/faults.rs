//! Scripted faults: what can go wrong between a vendor's product and
//! SystmOne, injected per function or for the nth request.

use std::time::Duration;

use crate::proto::{Function, canonical_function_name};

/// One thing going wrong with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long before processing (on top of the throttle).
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

    fn new(trigger: Trigger, fault: Fault) -> Self {
        Self {
            trigger,
            fault,
            remaining: None,
        }
    }

    fn matches(&self, request_number: u64, function: &str, call_number: u64) -> bool {
        match &self.trigger {
            Trigger::EveryRequest => true,
            Trigger::Function(name) => *name == function,
            Trigger::NthRequest(n) => *n == request_number,
            Trigger::NthCall(name, n) => *name == function && *n == call_number,
        }
    }
}

/// The faults to apply to one request: any delays (summed) and at most one
/// other fault, the first rule's.
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

    /// The faults for a request, using up the rules that fire.
    pub(crate) fn take(
        &mut self,
        request_number: u64,
        function: &str,
        call_number: u64,
    ) -> Planned {
        let mut planned = Planned::default();
        for rule in &mut self.rules {
            if rule.remaining == Some(0) || !rule.matches(request_number, function, call_number) {
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

        let first = script.take(1, "UpdatePatientRecord", 1);
        assert_eq!(first.fault, Some(Fault::RecordOpen));
        assert_eq!(first.delay, Duration::from_secs(1));
        let second = script.take(2, "UpdatePatientRecord", 2);
        assert_eq!(second.fault, Some(Fault::RecordOpen), "first rule wins");
        assert_eq!(second.delay, Duration::ZERO, "the delay ran out");
        assert_eq!(script.take(3, "UpdatePatientRecord", 3).fault, None);
        assert_eq!(script.take(4, "GetPatientRecord", 1).fault, None);
        assert_eq!(
            script.take(5, "GetPatientRecord", 2).fault,
            Some(Fault::TransientError)
        );
        assert_eq!(script.take(6, "GetPatientRecord", 3).fault, None);
    }

    #[test]
    fn names_are_checked() {
        assert!(FaultRule::on_function("deletefrompatientrecord", Fault::NoResponse).is_ok());
        let error = FaultRule::on_function("GetPatient", Fault::NoResponse).unwrap_err();
        assert!(error.to_string().contains("GetPatient"));
    }
}
