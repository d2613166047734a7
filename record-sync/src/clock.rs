//! Where the engine's two times come from: the wall clock that leases
//! expire by (shared by every process using the journal), and SystmOne's
//! local date-time that reconciliation reads the record's entries by.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{NaiveDateTime, TimeDelta};

/// The engine's clock.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The wall-clock time now (lease expiry, the order of journal entries).
    fn now(&self) -> SystemTime;
    /// The local date-time of the PC SystmOne runs on (SystmOne's "today").
    fn local_now(&self) -> NaiveDateTime;
}

/// The system clock: what a product uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn local_now(&self) -> NaiveDateTime {
        chrono::Local::now().naive_local()
    }
}

/// A clock that follows tokio time from a fixed start, so that tests on
/// paused time (`#[tokio::test(start_paused = true)]`) see leases expire
/// and days pass in an instant. Give the mock SystmOne the same start
/// (`MockBuilder::start_time`) and both agree on "today".
///
/// ```
/// use record_sync::{Clock, TokioClock};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let clock = TokioClock::starting_at("2031-05-14T09:00:00".parse().unwrap());
/// tokio::time::sleep(std::time::Duration::from_secs(90)).await;
/// assert_eq!(clock.local_now().to_string(), "2031-05-14 09:01:30");
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    started: tokio::time::Instant,
    started_at: NaiveDateTime,
}

impl TokioClock {
    /// A clock reading `start` now.
    pub fn starting_at(start: NaiveDateTime) -> Self {
        Self {
            started: tokio::time::Instant::now(),
            started_at: start,
        }
    }

    fn now_local(&self) -> NaiveDateTime {
        let elapsed = TimeDelta::from_std(self.started.elapsed()).unwrap_or(TimeDelta::MAX);
        self.started_at
            .checked_add_signed(elapsed)
            .unwrap_or(self.started_at)
    }
}

impl Clock for TokioClock {
    /// The local time read as UTC: one instant per moment, which is all
    /// leases and ordering need.
    fn now(&self) -> SystemTime {
        let millis = self.now_local().and_utc().timestamp_millis();
        UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
    }

    fn local_now(&self) -> NaiveDateTime {
        self.now_local()
    }
}
