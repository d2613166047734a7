//! SystmOne's throttle as the mock applies it (PROTOCOL.md §7.5): at most
//! one request processed per second overall, and at most one non-exempt
//! GetPatientRecord per thirty seconds, shared by every connection and
//! measured on tokio time.

use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

/// What happens to a request that arrives less than the minimum interval
/// after the previous one was processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OverRatePolicy {
    /// It waits its turn, then is processed (the default: SystmOne says it
    /// throttles requests so that the limit is not exceeded).
    #[default]
    Delay,
    /// It is not processed and gets no response.
    Drop,
}

/// What happens to a non-exempt GetPatientRecord that comes too soon after
/// the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OverRecordLimitPolicy {
    /// Nothing is done and nothing is sent; the connection stays open (the
    /// default, as SystmOne documents).
    #[default]
    NoResponse,
    /// A temporary error response (`PermanentError` false).
    Error,
}

/// The mock's throttle settings.
///
/// ```
/// use std::time::Duration;
/// use systmone_client::mock::ThrottleConfig;
///
/// let strict = ThrottleConfig::systmone();
/// assert_eq!(strict.min_interval, Some(Duration::from_secs(1)));
/// assert_eq!(strict.record_interval, Some(Duration::from_secs(30)));
/// assert_eq!(ThrottleConfig::off().min_interval, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Least time between the starts of two processed requests (`None`:
    /// no limit). SystmOne: one second.
    pub min_interval: Option<Duration>,
    /// What happens to a request that comes too soon.
    pub over_rate: OverRatePolicy,
    /// Least time between two non-exempt GetPatientRecord requests
    /// (`None`: no limit). SystmOne: thirty seconds.
    pub record_interval: Option<Duration>,
    /// What happens to a GetPatientRecord that comes too soon.
    pub over_record_limit: OverRecordLimitPolicy,
}

impl ThrottleConfig {
    /// SystmOne's published limits with the default policies (the default).
    pub fn systmone() -> Self {
        Self {
            min_interval: Some(Duration::from_secs(1)),
            over_rate: OverRatePolicy::Delay,
            record_interval: Some(Duration::from_secs(30)),
            over_record_limit: OverRecordLimitPolicy::NoResponse,
        }
    }

    /// No limits at all, for fast tests.
    pub fn off() -> Self {
        Self {
            min_interval: None,
            over_rate: OverRatePolicy::Delay,
            record_interval: None,
            over_record_limit: OverRecordLimitPolicy::NoResponse,
        }
    }

    /// The same settings with another policy for GetPatientRecord.
    pub fn with_over_record_limit(mut self, policy: OverRecordLimitPolicy) -> Self {
        self.over_record_limit = policy;
        self
    }

    /// The same settings with another policy for the overall rate.
    pub fn with_over_rate(mut self, policy: OverRatePolicy) -> Self {
        self.over_rate = policy;
        self
    }
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self::systmone()
    }
}

/// Why a request was not processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Over the one-per-second limit with the drop policy.
    Rate,
    /// A non-exempt GetPatientRecord within thirty seconds of the last.
    RecordLimit(OverRecordLimitPolicy),
}

#[derive(Debug, Default)]
struct ThrottleState {
    last_processed: Option<Instant>,
    last_full_record: Option<Instant>,
}

/// The shared throttle. Holding the [`Turn`] it hands out is what makes
/// processing one request at a time overall; the queue is first come,
/// first served.
#[derive(Debug)]
pub(crate) struct Throttle {
    config: std::sync::RwLock<ThrottleConfig>,
    state: Mutex<ThrottleState>,
}

/// The right to process one request now; dropping it lets the next in.
#[derive(Debug)]
pub(crate) struct Turn<'a> {
    _state: MutexGuard<'a, ThrottleState>,
}

impl Throttle {
    pub(crate) fn new(config: ThrottleConfig) -> Self {
        Self {
            config: std::sync::RwLock::new(config),
            state: Mutex::new(ThrottleState::default()),
        }
    }

    pub(crate) fn config(&self) -> ThrottleConfig {
        *self.config.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_config(&self, config: ThrottleConfig) {
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = config;
    }

    /// Waits for this request's turn. `full_record` says whether it is a
    /// non-exempt GetPatientRecord. On `Ok`, the request counts as
    /// processed from now.
    pub(crate) async fn admit(&self, full_record: bool) -> Result<Turn<'_>, Refusal> {
        let mut state = self.state.lock().await;
        let config = self.config();
        let now = Instant::now();
        if full_record
            && let (Some(interval), Some(last)) = (config.record_interval, state.last_full_record)
            && now < last + interval
        {
            return Err(Refusal::RecordLimit(config.over_record_limit));
        }
        if let (Some(interval), Some(last)) = (config.min_interval, state.last_processed) {
            let ready = last + interval;
            if now < ready {
                match config.over_rate {
                    OverRatePolicy::Delay => tokio::time::sleep_until(ready).await,
                    OverRatePolicy::Drop => return Err(Refusal::Rate),
                }
            }
        }
        // Only limits in force keep time, so turning a limit on after
        // traffic with it off starts afresh.
        let started = Instant::now();
        if config.min_interval.is_some() {
            state.last_processed = Some(started);
        }
        if full_record && config.record_interval.is_some() {
            state.last_full_record = Some(started);
        }
        Ok(Turn { _state: state })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_one_second_apart() {
        let throttle = Throttle::new(ThrottleConfig::systmone());
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..3 {
            let _turn = throttle.admit(false).await.unwrap();
            starts.push(start.elapsed());
        }
        assert_eq!(
            starts,
            [0, 1, 2].map(Duration::from_secs).to_vec(),
            "each request starts a second after the last"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn drop_policy_refuses_early_requests() {
        let throttle =
            Throttle::new(ThrottleConfig::systmone().with_over_rate(OverRatePolicy::Drop));
        drop(throttle.admit(false).await.unwrap());
        assert_eq!(throttle.admit(false).await.unwrap_err(), Refusal::Rate);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(throttle.admit(false).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn full_records_thirty_seconds_apart_and_exempt_ones_do_not_count() {
        let throttle = Throttle::new(ThrottleConfig::systmone());
        drop(throttle.admit(true).await.unwrap());
        tokio::time::advance(Duration::from_secs(5)).await;
        // An exempt record request (full_record = false) is fine...
        drop(throttle.admit(false).await.unwrap());
        tokio::time::advance(Duration::from_secs(20)).await;
        // ...and did not restart the window: 25 s after the first, refused.
        assert_eq!(
            throttle.admit(true).await.unwrap_err(),
            Refusal::RecordLimit(OverRecordLimitPolicy::NoResponse)
        );
        tokio::time::advance(Duration::from_secs(5)).await;
        assert!(throttle.admit(true).await.is_ok(), "30 s after the first");
    }

    #[tokio::test(start_paused = true)]
    async fn turning_limits_on_after_traffic_starts_afresh() {
        let throttle = Throttle::new(ThrottleConfig::off());
        drop(throttle.admit(true).await.unwrap());
        throttle.set_config(ThrottleConfig::systmone());
        let start = Instant::now();
        drop(throttle.admit(true).await.unwrap());
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn off_never_waits() {
        let throttle = Throttle::new(ThrottleConfig::off());
        let start = Instant::now();
        for _ in 0..10 {
            drop(throttle.admit(true).await.unwrap());
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
