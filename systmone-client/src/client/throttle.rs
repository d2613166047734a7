//! SystmOne's rate limits as data, enforced with governor's GCRA on tokio
//! time, so that the client never sends faster than SystmOne processes
//! (PROTOCOL.md §7).
//!
//! SystmOne answers a request it throttles with *nothing at all*, so a
//! client that sends too fast does not get an error: it gets a timeout, and
//! for a write an unknown outcome. The throttle is therefore on the client's
//! side, before anything is sent.
//!
//! # How a request is chosen
//!
//! The dispatcher offers the throttle its queued requests in priority order
//! and the throttle says which one may go now, or when to ask again:
//!
//! 1. Requests known to be held by a limit of their own (a non-exempt
//!    `GetPatientRecord` within 30 s of the last) are passed over, so they
//!    never hold up the rest of the queue.
//! 2. The limits that apply to every request (one per second) are checked
//!    next; a "not yet" from them means no request can go.
//! 3. The first request whose own limits also allow it is sent.
//!
//! governor's `check` takes a cell when it says yes, and its `until_ready`
//! sleeps on the real clock (useless under paused test time), so the
//! throttle only ever checks, and the dispatcher sleeps on tokio time for
//! the wait governor reports.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::Clock;
use governor::{Quota, RateLimiter};
use tokio::time::Instant;

use crate::proto::Function;

/// The limits SystmOne applies, and the client's margin over them.
///
/// ```
/// use std::time::Duration;
/// use systmone_client::client::{Applies, Limit, ThrottlePolicy};
/// use systmone_client::proto::GetDiary;
///
/// // SystmOne's published limits, with 100 ms to spare on each.
/// let policy = ThrottlePolicy::systmone();
/// assert_eq!(policy.safety_margin(), Duration::from_millis(100));
///
/// // If TPP were to add a limit on GetDiary, it is one more line of data,
/// // naming the function by its type (a misspelt name cannot compile).
/// let stricter = ThrottlePolicy::systmone().with_limit(Limit {
///     applies_to: Applies::function::<GetDiary>(),
///     min_interval: Duration::from_secs(5),
/// });
/// assert_eq!(stricter.limits().len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    limits: Vec<Limit>,
    safety_margin: Duration,
}

/// One rate limit: at most one matching request per `min_interval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Which requests it counts and holds back.
    pub applies_to: Applies,
    /// The least time between two of them being sent (before the policy's
    /// safety margin is added). Zero, with a zero margin, is no limit; over
    /// a day with the margin is refused by
    /// [`connect`](super::ClientBuilder::connect).
    pub min_interval: Duration,
}

/// Which requests a [`Limit`] applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applies {
    /// Every request, whatever its function.
    AllRequests,
    /// Every request of one function: made by [`Applies::function`], from
    /// the function's type, so that a misspelt name cannot silently match
    /// nothing.
    Function(FunctionName),
    /// `GetPatientRecord` requests that are not exempt from SystmOne's
    /// 30-second rule: exempt ones ask only for demographics, or only for
    /// data entered today (PROTOCOL.md §7.2, decided by the one rule,
    /// [`GetPatientRecord::is_exempt_at`](crate::proto::GetPatientRecord::is_exempt_at),
    /// at the PC's local time at the moment of sending).
    FullPatientRecord,
}

impl Applies {
    /// Every request of the function `F`.
    ///
    /// ```
    /// use systmone_client::client::Applies;
    /// use systmone_client::proto::PatientSearch;
    ///
    /// let Applies::Function(name) = Applies::function::<PatientSearch>() else { unreachable!() };
    /// assert_eq!(name.as_str(), "PatientSearch");
    /// ```
    pub fn function<F: Function>() -> Self {
        Applies::Function(FunctionName(F::NAME))
    }
}

/// The wire name of one of SystmOne's functions, made only from the
/// function's type ([`Applies::function`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FunctionName(&'static str);

impl FunctionName {
    /// The canonical wire name (`PatientSearch`).
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// The longest interval a limit may have (with its margin): a day. Longer
/// is a mistake in the policy, not a rate limit.
pub(crate) const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// 100 ms: enough to absorb scheduling jitter on a busy PC, small against
/// the one-second budget.
const DEFAULT_SAFETY_MARGIN: Duration = Duration::from_millis(100);

impl ThrottlePolicy {
    /// SystmOne's published limits (PROTOCOL.md §7.1): one request per
    /// second overall, and one non-exempt `GetPatientRecord` per 30
    /// seconds, each with a safety margin of 100 ms. The default.
    pub fn systmone() -> Self {
        Self {
            limits: vec![
                Limit {
                    applies_to: Applies::AllRequests,
                    min_interval: Duration::from_secs(1),
                },
                Limit {
                    applies_to: Applies::FullPatientRecord,
                    min_interval: Duration::from_secs(30),
                },
            ],
            safety_margin: DEFAULT_SAFETY_MARGIN,
        }
    }

    /// No limits at all: for tests and benches against a mock whose own
    /// throttle is off. Against a real SystmOne this gets requests dropped
    /// without an answer.
    pub fn unlimited() -> Self {
        Self {
            limits: Vec::new(),
            safety_margin: Duration::ZERO,
        }
    }

    /// The policy with one more limit.
    pub fn with_limit(mut self, limit: Limit) -> Self {
        self.limits.push(limit);
        self
    }

    /// The policy with a different margin added to every limit's interval.
    pub fn with_safety_margin(mut self, margin: Duration) -> Self {
        self.safety_margin = margin;
        self
    }

    /// The limits.
    pub fn limits(&self) -> &[Limit] {
        &self.limits
    }

    /// The margin added to every limit's interval.
    pub fn safety_margin(&self) -> Duration {
        self.safety_margin
    }

    /// Why the policy cannot be enforced, if it cannot: a limit whose
    /// interval (with the margin) is over a day.
    pub(crate) fn problem(&self) -> Option<String> {
        self.limits.iter().find_map(|limit| {
            let too_long = limit
                .min_interval
                .checked_add(self.safety_margin)
                .is_none_or(|period| period > MAX_INTERVAL);
            too_long.then(|| {
                format!(
                    "the throttle limit on {:?} is {:?} plus a margin of {:?}, over the most allowed ({MAX_INTERVAL:?}); SystmOne's own limits are ThrottlePolicy::systmone()",
                    limit.applies_to, limit.min_interval, self.safety_margin
                )
            })
        })
    }
}

/// SystmOne's limits ([`ThrottlePolicy::systmone`]).
impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self::systmone()
    }
}

/// SystmOne's limits in force, shared by every client given it.
///
/// Each [`Client`](super::Client) keeps its own unless given one: its clones
/// already share it. Give the same `SharedThrottle` to a client that
/// replaces another (after [`Error::DeviceBlocked`](super::Error::DeviceBlocked)
/// was cleared, or a shutdown) or runs beside it, so that together they still
/// keep to SystmOne's limits, which are per SystmOne, not per connection.
///
/// ```no_run
/// use systmone_client::client::{Client, SharedThrottle, ThrottlePolicy};
///
/// # async fn run() -> Result<(), systmone_client::client::Error> {
/// let throttle = SharedThrottle::new(ThrottlePolicy::systmone());
/// let first = Client::builder("KEY", "AcmeVitals 2.3.1").shared_throttle(&throttle).connect().await?;
/// drop(first);
/// // A full-record read from this one still waits out the first one's 30 s.
/// let second = Client::builder("KEY", "AcmeVitals 2.3.1").shared_throttle(&throttle).connect().await?;
/// # let _ = second; Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharedThrottle {
    policy: ThrottlePolicy,
    limits: Arc<Mutex<Throttle>>,
}

impl fmt::Debug for SharedThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedThrottle")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SharedThrottle {
    /// Limits in force from now, none used yet.
    pub fn new(policy: ThrottlePolicy) -> Self {
        let limits = Arc::new(Mutex::new(Throttle::new(&policy)));
        Self { policy, limits }
    }

    /// The policy it enforces.
    pub fn policy(&self) -> &ThrottlePolicy {
        &self.policy
    }

    /// [`Throttle::decide`] on the shared limits.
    pub(crate) fn decide(&self, candidates: &[Subject]) -> Decision {
        // The limits hold no invariant a panic elsewhere could break
        // half-way: keep using them.
        self.limits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .decide(candidates)
    }
}

/// governor's clock, reading tokio's (paused in tests) time.
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;

    fn now(&self) -> Self::Instant {
        Instant::now().into_std()
    }
}

type Limiter = RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    TokioClock,
    governor::middleware::NoOpMiddleware<std::time::Instant>,
>;

/// A request as the throttle sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject {
    /// The canonical function name.
    pub(crate) function: &'static str,
    /// For `GetPatientRecord`: whether it is exempt from the 30-second rule
    /// if sent now. `None` for other functions.
    pub(crate) record_exempt: Option<bool>,
}

/// What the dispatcher should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Send the candidate at this index now (its cells are taken).
    Send(usize),
    /// Nothing may be sent before this instant (a new request arriving
    /// earlier may still go first, if it is not held by the same limits).
    WaitUntil(Instant),
}

/// One limit in force.
struct Active {
    applies_to: Applies,
    limiter: Limiter,
    /// When the limiter last said "not until": it holds until then, as only
    /// a "yes" (which resets this) can move it.
    blocked_until: Option<Instant>,
}

impl Active {
    fn applies(&self, subject: &Subject) -> bool {
        match &self.applies_to {
            Applies::AllRequests => true,
            Applies::Function(name) => name.as_str() == subject.function,
            Applies::FullPatientRecord => subject.record_exempt == Some(false),
        }
    }

    fn is_shared(&self) -> bool {
        self.applies_to == Applies::AllRequests
    }

    fn known_blocked(&self, now: Instant) -> Option<Instant> {
        self.blocked_until.filter(|until| *until > now)
    }

    /// Takes a cell if the limit allows one now; otherwise remembers (and
    /// returns) when it will.
    fn take(&mut self, now: Instant) -> Result<(), Instant> {
        match self.limiter.check() {
            Ok(()) => {
                self.blocked_until = None;
                Ok(())
            }
            Err(not_until) => {
                let until = now + not_until.wait_time_from(now.into_std());
                self.blocked_until = Some(until);
                Err(until)
            }
        }
    }
}

/// The limits of a [`ThrottlePolicy`] in force: owned by the dispatcher, so
/// they hold across reconnects and for every clone of the client.
pub(crate) struct Throttle {
    active: Vec<Active>,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.active.iter().map(|a| (&a.applies_to, a.blocked_until)))
            .finish()
    }
}

impl Throttle {
    pub(crate) fn new(policy: &ThrottlePolicy) -> Self {
        let active = policy
            .limits
            .iter()
            .filter_map(|limit| {
                let period = limit.min_interval.checked_add(policy.safety_margin)?;
                let quota = Quota::with_period(period)?;
                Some(Active {
                    applies_to: limit.applies_to.clone(),
                    limiter: RateLimiter::direct_with_clock(quota, TokioClock),
                    blocked_until: None,
                })
            })
            .collect();
        Self { active }
    }

    /// Chooses the first of `candidates` (in priority order, never empty)
    /// that may be sent now, taking its cells; or says when to ask again.
    pub(crate) fn decide(&mut self, candidates: &[Subject]) -> Decision {
        let now = Instant::now();
        // 1. Pass over candidates held by a limit of their own.
        let held = |this: &Self, subject: &Subject| {
            this.active
                .iter()
                .filter(|a| !a.is_shared() && a.applies(subject))
                .filter_map(|a| a.known_blocked(now))
                .max()
        };
        if candidates.iter().all(|c| held(self, c).is_some()) {
            let until = candidates.iter().filter_map(|c| held(self, c)).min();
            return Decision::WaitUntil(until.unwrap_or(now));
        }
        // 2. The limits every request shares.
        for active in self.active.iter_mut().filter(|a| a.is_shared()) {
            if let Err(until) = active.take(now) {
                return Decision::WaitUntil(until);
            }
        }
        // 3. The first candidate whose own limits allow it.
        let mut earliest: Option<Instant> = None;
        for (index, subject) in candidates.iter().enumerate() {
            if let Some(until) = held(self, subject) {
                earliest = Some(earliest.map_or(until, |e| e.min(until)));
                continue;
            }
            let mut allowed = true;
            for active in self.active.iter_mut() {
                if active.is_shared() || !active.applies(subject) {
                    continue;
                }
                if let Err(until) = active.take(now) {
                    earliest = Some(earliest.map_or(until, |e| e.min(until)));
                    allowed = false;
                    break;
                }
            }
            if allowed {
                return Decision::Send(index);
            }
        }
        // Every candidate was held after all: the shared cell taken in step 2
        // goes unused, which only makes the client slower, never faster.
        Decision::WaitUntil(earliest.unwrap_or(now))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SEARCH: Subject = Subject {
        function: "PatientSearch",
        record_exempt: None,
    };
    const FULL_RECORD: Subject = Subject {
        function: "GetPatientRecord",
        record_exempt: Some(false),
    };
    const DEMOGRAPHICS: Subject = Subject {
        function: "GetPatientRecord",
        record_exempt: Some(true),
    };

    /// Sends whatever the throttle allows, sleeping when told to, and
    /// returns when each candidate was sent (relative to the start).
    async fn run(throttle: &mut Throttle, mut queue: Vec<Subject>) -> Vec<(Duration, Subject)> {
        let start = Instant::now();
        let mut sent = Vec::new();
        while !queue.is_empty() {
            match throttle.decide(&queue) {
                Decision::Send(index) => {
                    let subject = queue.remove(index);
                    sent.push((start.elapsed(), subject));
                }
                Decision::WaitUntil(until) => {
                    assert!(until > Instant::now(), "a wait must move time forward");
                    tokio::time::sleep_until(until).await;
                }
            }
        }
        sent
    }

    fn times(sent: &[(Duration, Subject)]) -> Vec<u128> {
        sent.iter().map(|(at, _)| at.as_millis()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_per_interval_plus_margin() {
        let mut throttle = Throttle::new(&ThrottlePolicy::systmone());
        let sent = run(&mut throttle, vec![SEARCH; 4]).await;
        assert_eq!(times(&sent), [0, 1100, 2200, 3300]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_full_record_does_not_hold_up_the_queue() {
        let mut throttle = Throttle::new(&ThrottlePolicy::systmone());
        let queue = vec![FULL_RECORD, FULL_RECORD, SEARCH, DEMOGRAPHICS, SEARCH];
        let sent = run(&mut throttle, queue).await;
        let order: Vec<_> = sent.iter().map(|(_, s)| s.record_exempt).collect();
        // The second full record waits 30.1 s; everything else goes past it.
        assert_eq!(order, [Some(false), None, Some(true), None, Some(false)]);
        assert_eq!(times(&sent), [0, 1100, 2200, 3300, 30_100]);
    }

    #[tokio::test(start_paused = true)]
    async fn exempt_records_only_count_against_the_overall_limit() {
        let mut throttle = Throttle::new(&ThrottlePolicy::systmone());
        let sent = run(&mut throttle, vec![DEMOGRAPHICS; 3]).await;
        assert_eq!(times(&sent), [0, 1100, 2200]);
        // ... and do not start the 30-second window.
        let sent = run(&mut throttle, vec![FULL_RECORD]).await;
        assert_eq!(times(&sent), [1100]);
    }

    #[tokio::test(start_paused = true)]
    async fn margin_and_extra_limits_are_data() {
        let policy = ThrottlePolicy::systmone()
            .with_safety_margin(Duration::from_millis(500))
            .with_limit(Limit {
                applies_to: Applies::function::<crate::proto::PatientSearch>(),
                min_interval: Duration::from_secs(5),
            });
        let mut throttle = Throttle::new(&policy);
        let sent = run(&mut throttle, vec![SEARCH, SEARCH, DEMOGRAPHICS]).await;
        let order: Vec<_> = sent.iter().map(|(_, s)| s.function).collect();
        assert_eq!(
            order,
            ["PatientSearch", "GetPatientRecord", "PatientSearch"]
        );
        assert_eq!(times(&sent), [0, 1500, 5500]);
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let mut throttle = Throttle::new(&ThrottlePolicy::unlimited());
        let sent = run(&mut throttle, vec![FULL_RECORD; 50]).await;
        assert!(times(&sent).iter().all(|t| *t == 0));
    }

    /// The throttle as a state machine under random arrivals: whatever the
    /// mix and the margin, no two sends are closer than the policy allows,
    /// every request is sent, and none waits longer than the limits force.
    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn kind(k: u8) -> Subject {
            match k {
                0 => SEARCH,
                1 => FULL_RECORD,
                _ => DEMOGRAPHICS,
            }
        }

        /// When each request was sent, from the start of the schedule.
        fn run_schedule(arrivals: &[(u64, u8)], margin: Duration) -> Vec<(Duration, Subject)> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(async {
                let start = Instant::now();
                let mut throttle =
                    Throttle::new(&ThrottlePolicy::systmone().with_safety_margin(margin));
                let mut pending: Vec<(Instant, Subject)> = arrivals
                    .iter()
                    .map(|(at, k)| (start + Duration::from_millis(*at), kind(*k)))
                    .collect();
                pending.sort_by_key(|(at, _)| *at);
                pending.reverse();
                let mut queue = Vec::new();
                let mut sent = Vec::new();
                loop {
                    while pending.last().is_some_and(|(at, _)| *at <= Instant::now()) {
                        queue.push(pending.pop().unwrap().1);
                    }
                    let next_arrival = pending.last().map(|(at, _)| *at);
                    if queue.is_empty() {
                        match next_arrival {
                            Some(at) => tokio::time::sleep_until(at).await,
                            None => return sent,
                        }
                        continue;
                    }
                    match throttle.decide(&queue) {
                        Decision::Send(index) => sent.push((start.elapsed(), queue.remove(index))),
                        Decision::WaitUntil(until) => {
                            assert!(until > Instant::now(), "a wait must move time forward");
                            let wake = next_arrival.map_or(until, |at| at.min(until));
                            tokio::time::sleep_until(wake).await;
                        }
                    }
                }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn never_faster_than_the_policy_and_nothing_starves(
                arrivals in proptest::collection::vec((0u64..90_000, 0u8..3), 1..40),
                margin_ms in 0u64..300,
            ) {
                let margin = Duration::from_millis(margin_ms);
                let sent = run_schedule(&arrivals, margin);
                prop_assert_eq!(sent.len(), arrivals.len());
                let overall = Duration::from_secs(1) + margin;
                let full = Duration::from_secs(30) + margin;
                for pair in sent.windows(2) {
                    prop_assert!(pair[1].0 - pair[0].0 >= overall);
                }
                let fulls: Vec<_> = sent
                    .iter()
                    .filter(|(_, s)| s.record_exempt == Some(false))
                    .map(|(at, _)| *at)
                    .collect();
                for pair in fulls.windows(2) {
                    prop_assert!(pair[1] - pair[0] >= full);
                }
                // Work-conserving enough: everything is out by the last
                // arrival plus one interval per request (and one wasted
                // interval per held full record), plus the full records'
                // own spacing.
                let last_arrival = Duration::from_millis(arrivals.iter().map(|a| a.0).max().unwrap());
                let n = u32::try_from(arrivals.len()).unwrap();
                let n_full = u32::try_from(fulls.len()).unwrap();
                let bound = last_arrival + overall * (n + n_full) + full * n_full;
                let finished = sent.last().unwrap().0;
                prop_assert!(finished <= bound, "{finished:?} > {bound:?}");
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn only_held_candidates_wait_without_taking_the_shared_cell() {
        let mut throttle = Throttle::new(&ThrottlePolicy::systmone());
        assert_eq!(throttle.decide(&[FULL_RECORD]), Decision::Send(0));
        tokio::time::advance(Duration::from_secs(2)).await;
        // The full record is held (and learnt to be); the shared cell went
        // unused once, and is free again 1.1 s later.
        let Decision::WaitUntil(until) = throttle.decide(&[FULL_RECORD]) else {
            panic!("a second full record within 30 s must wait");
        };
        assert_eq!(
            until.duration_since(Instant::now()),
            Duration::from_millis(28_100)
        );
        tokio::time::advance(Duration::from_millis(1_100)).await;
        // Known held: decided without touching the shared limit...
        assert!(matches!(
            throttle.decide(&[FULL_RECORD]),
            Decision::WaitUntil(_)
        ));
        // ... which still lets a search through at once.
        assert_eq!(throttle.decide(&[FULL_RECORD, SEARCH]), Decision::Send(1));
    }
}
